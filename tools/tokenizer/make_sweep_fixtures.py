#!/usr/bin/env python3
"""Every Unicode scalar in context, through HF, summarized as checksums per block of 256 code
points (the full id lists would be tens of megabytes).

For each code point c in the ranges below, the text is TEMPLATE with c substituted; its ids are
HF's. The ids of all texts of a block are folded into one checksum (as in the Swift test), so a
mismatch names the block, and the test then shows the first differing code point's ids.

Tokenizers: qwen2 (tokenizer.json via `tokenizers`), smollm2 and gemma3 (transformers' GGUF
loader's backend), variants of make_variant_fixtures.py (NFKC, NFD and NFKD normalizers), and two
SentencePiece-style fixtures of make_sentencepiece_fixtures.py (llama-metaspace, unigram).
Usage: /work/refenv/bin/python tools/tokenizer/make_sweep_fixtures.py [--cache ~/.cache/rat]
Writes Fixtures/tokenizer/sweep.json.
"""
import argparse
import json
import os
import sys
import tempfile

from tokenizers import Tokenizer
from transformers import AutoTokenizer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_variant_fixtures import VARIANTS, apply_patch  # noqa: E402

# [start, end) with a step; surrogates are skipped.
RANGES = [[0x0, 0x20000, 1], [0x20000, 0x40000, 5], [0xE0000, 0xE0200, 1], [0xF0000, 0x110000, 4099]]
TEMPLATE = "a{c}b {c}{c} 1{c}'s{c}\n{c}\u0301\u0323{c}"
MASK = (1 << 53) - 1


def codepoints():
    for start, end, step in RANGES:
        for c in range(start, end, step):
            if not (0xD800 <= c < 0xE000):
                yield c


def fold(h, ids):
    for i, x in enumerate(ids):
        h = (h * 1000003 + (i + 1) * (x + 7)) & MASK
    return (h * 1000003 + 1) & MASK  # a separator between texts


def blocks(encode_batch, cps):
    texts = [TEMPLATE.replace("{c}", chr(c)) for c in cps]
    ids = encode_batch(texts)
    out = {}
    for c, i in zip(cps, ids):
        b = c >> 8
        out[b] = fold(out.get(b, 0), i)
    return [[b, h] for b, h in sorted(out.items())]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", default=os.environ.get("RAT_CACHE", os.path.expanduser("~/.cache/rat")))
    args = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    cps = list(codepoints())
    qwen_json = os.path.join(args.cache, "tokenizers", "qwen2", "tokenizer.json")
    gguf = os.path.join(args.cache, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")
    result = {"ranges": RANGES, "template": TEMPLATE, "tokenizers": {}}

    def batch(tok):
        return lambda texts: [e.ids for e in tok.encode_batch(texts)]

    result["tokenizers"]["qwen2"] = blocks(batch(Tokenizer.from_file(qwen_json)), cps)
    with tempfile.TemporaryDirectory() as tmp:
        os.symlink(gguf, os.path.join(tmp, os.path.basename(gguf)))
        smol = AutoTokenizer.from_pretrained(tmp, gguf_file=os.path.basename(gguf))
        result["tokenizers"]["smollm2"] = blocks(batch(smol.backend_tokenizer), cps)
    gemma = os.path.join(args.cache, "models", "gemma-3-270m-q4_k_m.gguf")
    with tempfile.TemporaryDirectory() as tmp:
        os.symlink(gemma, os.path.join(tmp, os.path.basename(gemma)))
        g = AutoTokenizer.from_pretrained(tmp, gguf_file=os.path.basename(gemma))
        result["tokenizers"]["gemma3"] = blocks(batch(g.backend_tokenizer), cps)
    sp = os.path.join(root, "Fixtures", "tokenizer", "sentencepiece")
    for name in ["llama-metaspace", "unigram"]:
        result["tokenizers"]["sp-" + name] = blocks(batch(Tokenizer.from_file(os.path.join(sp, name, "tokenizer.json"))), cps)
    with open(qwen_json, encoding="utf-8") as f:
        base = f.read()
    for name in ["nfkc-replace-prepend-digits", "digit-runs-nfd", "nfkd-lowercase-strip"]:
        patch = next(v for v in VARIANTS if v["name"] == name)["patch"]
        tok = Tokenizer.from_str(json.dumps(apply_patch(json.loads(base), patch)))
        result["tokenizers"][name] = blocks(batch(tok), cps)
    with open(os.path.join(root, "Fixtures", "tokenizer", "sweep.json"), "w", encoding="utf-8") as f:
        json.dump(result, f, separators=(",", ":"))
        f.write("\n")
    print(len(cps), "code points;", {k: len(v) for k, v in result["tokenizers"].items()}, "blocks")


if __name__ == "__main__":
    main()
