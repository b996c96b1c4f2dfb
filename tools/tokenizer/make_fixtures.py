#!/usr/bin/env python3
"""Generate the golden tokenizer fixtures under Fixtures/tokenizer/ with HuggingFace as the oracle.

Usage (from the repository root, with a Python that has transformers and tokenizers installed):
    /work/refenv/bin/python tools/tokenizer/make_fixtures.py [--cache ~/.cache/rat]

Writes, as compact JSON:
    Fixtures/tokenizer/qwen2.json    Qwen2's tokenizer.json + tokenizer_config.json (AutoTokenizer on the folder)
    Fixtures/tokenizer/smollm2.json  SmolLM2's GGUF (AutoTokenizer.from_pretrained(dir, gguf_file=name))
Each holds {"source", "versions", "cases": [{"text", "ids", "tokens", "decoded"}]} where ids is
tokenizer(text).input_ids, tokens[i] is tokenizer.decode([ids[i]]) and decoded is tokenizer.decode(ids).
"""
import argparse
import json
import os
import sys
import tempfile

import tokenizers
import transformers
from transformers import AutoTokenizer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from strings import corpus  # noqa: E402


def run(tok, texts):
    cases = []
    for text in texts:
        ids = tok(text)["input_ids"]
        cases.append({
            "text": text,
            "ids": ids,
            "tokens": [tok.decode([i]) for i in ids],
            "decoded": tok.decode(ids),
        })
    return cases


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", default=os.environ.get("RAT_CACHE", os.path.expanduser("~/.cache/rat")))
    args = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out_dir = os.path.join(root, "Fixtures", "tokenizer")
    os.makedirs(out_dir, exist_ok=True)
    versions = {"transformers": transformers.__version__, "tokenizers": tokenizers.__version__}

    qwen_dir = os.path.join(args.cache, "tokenizers", "qwen2")
    gguf = os.path.join(args.cache, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")

    jobs = []
    qwen = AutoTokenizer.from_pretrained(qwen_dir)
    jobs.append(("qwen2.json", "tokenizers/qwen2 (tokenizer.json + tokenizer_config.json)", qwen,
                 corpus(["<|im_start|>", "<|im_end|>", "<|endoftext|>", "<tool_call>", "</tool_call>"])))
    with tempfile.TemporaryDirectory() as tmp:
        link = os.path.join(tmp, os.path.basename(gguf))
        os.symlink(gguf, link)
        smol = AutoTokenizer.from_pretrained(tmp, gguf_file=os.path.basename(gguf))
        jobs.append(("smollm2.json", "models/SmolLM2-135M-Instruct.Q4_1.gguf", smol,
                     corpus(["<|im_start|>", "<|im_end|>", "<|endoftext|>", "<file_sep>", "<jupyter_code>"])))
        for name, source, tok, texts in jobs:
            data = {"source": source, "versions": versions, "cases": run(tok, texts)}
            with open(os.path.join(out_dir, name), "w", encoding="utf-8") as f:
                json.dump(data, f, ensure_ascii=False, separators=(",", ":"))
                f.write("\n")
            print(f"{name}: {len(texts)} cases")


if __name__ == "__main__":
    main()
