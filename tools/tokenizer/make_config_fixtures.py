#!/usr/bin/env python3
"""tokenizer_config.json handling (add_bos_token / add_eos_token, bos/eos tokens) against
transformers' AutoTokenizer on a folder.

Each case is Qwen2's folder with tokenizer.json (optionally patched as in make_variant_fixtures.py)
and tokenizer_config.json with some keys replaced ("config" maps key -> value; null removes it).
Usage: /work/refenv/bin/python tools/tokenizer/make_config_fixtures.py [--cache ~/.cache/rat]
Writes Fixtures/tokenizer/config.json.
"""
import argparse
import json
import os
import sys
import tempfile

from transformers import AutoTokenizer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_variant_fixtures import VARIANTS, apply_patch  # noqa: E402

CASES = [
    {"name": "add-bos", "variant": None, "config": {"add_bos_token": True, "bos_token": "<|endoftext|>"}},
    {"name": "add-eos", "variant": None, "config": {"add_eos_token": True}},
    {"name": "add-bos-without-bos-token", "variant": None, "config": {"add_bos_token": True}},
    {"name": "template-bos-kept", "variant": "llama3-split-ignore-merges-bos",
     "config": {"add_bos_token": None, "bos_token": "<|endoftext|>"}},
    {"name": "template-bos-replaced", "variant": "llama3-split-ignore-merges-bos",
     "config": {"add_bos_token": False, "bos_token": "<|endoftext|>"}},
]
TEXTS = ["", "Hello world", " leading", "<|im_start|>user\nHi<|im_end|>", "<|endoftext|>x", "数字 123"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", default=os.environ.get("RAT_CACHE", os.path.expanduser("~/.cache/rat")))
    args = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    qwen_dir = os.path.join(args.cache, "tokenizers", "qwen2")
    with open(os.path.join(qwen_dir, "tokenizer.json"), encoding="utf-8") as f:
        base_json = f.read()
    with open(os.path.join(qwen_dir, "tokenizer_config.json"), encoding="utf-8") as f:
        base_config = json.load(f)
    out = []
    for case in CASES:
        with tempfile.TemporaryDirectory() as tmp:
            data = json.loads(base_json)
            if case["variant"]:
                data = apply_patch(data, next(v for v in VARIANTS if v["name"] == case["variant"])["patch"])
            with open(os.path.join(tmp, "tokenizer.json"), "w", encoding="utf-8") as f:
                json.dump(data, f)
            # The generic TokenizersBackend: model classes such as Qwen2Tokenizer rebuild their own
            # pipeline in transformers 5, which rat does not emulate (it reads what the files say).
            config = dict(base_config, tokenizer_class="TokenizersBackend")
            for k, v in case["config"].items():
                if v is None:
                    config.pop(k, None)
                else:
                    config[k] = v
            with open(os.path.join(tmp, "tokenizer_config.json"), "w", encoding="utf-8") as f:
                json.dump(config, f)
            tok = AutoTokenizer.from_pretrained(tmp)
            cases = []
            for t in TEXTS:
                ids = tok(t)["input_ids"]
                cases.append({"text": t, "ids": ids, "tokens": [tok.decode([i]) for i in ids], "decoded": tok.decode(ids)})
            out.append(dict(case, bos=tok.bos_token_id, eos=tok.eos_token_id, pad=tok.pad_token_id, cases=cases))
            print(case["name"], cases[0]["ids"], cases[1]["ids"])
    with open(os.path.join(root, "Fixtures", "tokenizer", "config.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
