#!/usr/bin/env python3
"""Random strings (fixed seed) that mix every character class the pre-tokenizer regexes care
about, encoded by HuggingFace: Qwen2 (transformers on the folder), SmolLM2 (transformers' GGUF
loader) and the Llama 3 split variant of Qwen2 (tokenizers, patch from make_variant_fixtures.py).

Usage: /work/refenv/bin/python tools/tokenizer/make_fuzz_fixtures.py [--cache ~/.cache/rat]
Writes Fixtures/tokenizer/fuzz.json: {"seed", "tokenizers": {name: [{"text","ids","tokens","decoded"}]}}.
"""
import argparse
import json
import os
import random
import sys
import tempfile

from tokenizers import Tokenizer
from transformers import AutoTokenizer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_variant_fixtures import VARIANTS, apply_patch  # noqa: E402

SEED = 20261123
POOLS = [
    list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"),
    ["the", "The", "world", "don", "I", "HELLO", "token", "ing", "ation"],
    list("0123456789"), ["12", "123", "1234", "2024"],
    [" ", " ", " ", "  ", "   ", "\t", "\n", "\r\n", "\n\n", "\r", " \n", "\t\n"],
    ["'", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'T", "'RE", "'Ve", "'LL", "'D", "'ſ", "’s"],
    list(".,!?;:()[]{}<>/\\\"-_=+*&^%$#@~`|"),
    ["é", "ü", "ñ", "ç", "Å", "e\u0301", "a\u0308", "\u0301", "ß", "ǅ", "İ", "ﬁ"],
    ["中", "文", "字", "東京", "ひらがな", "カタカナ", "한", "국어", "ㄱ"],
    ["مرحبا", "ب", "שלום", "Γειά", "Привет", "नमस्ते", "ไทย"],
    ["٣", "४", "½", "²", "Ⅻ", "①", "𝟘"],
    ["🙂", "👍🏽", "👨\u200d👩\u200d👧", "🇺🇸", "❤️", "1️⃣", "🤷\u200d♀️", "🏳️\u200d🌈"],
    ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00a0", "\u202f", "\u2003", "\u3000", "\u2028", "\u0085", "\u000b", "\u000c"],
    ["\u0000", "\u0001", "\u007f", "\ufffd", "\ue000"],
    ["<|im_start|>", "<|im_end|>", "<|endoftext|>", "<|im_start", "|>", "<", "<file_sep>"],
]


def strings(n):
    rng = random.Random(SEED)
    out = []
    for _ in range(n):
        k = rng.randint(1, 24)
        parts = []
        for _ in range(k):
            pool = rng.choice(POOLS)
            parts.append(rng.choice(pool))
        out.append("".join(parts))
    return out


def cases(encode, decode, texts):
    res = []
    for t in texts:
        ids = encode(t)
        res.append({"text": t, "ids": ids, "tokens": [decode([i]) for i in ids], "decoded": decode(ids)})
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", default=os.environ.get("RAT_CACHE", os.path.expanduser("~/.cache/rat")))
    ap.add_argument("-n", type=int, default=1000)
    args = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    texts = strings(args.n)
    qwen_dir = os.path.join(args.cache, "tokenizers", "qwen2")
    gguf = os.path.join(args.cache, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")
    out = {"seed": SEED, "tokenizers": {}}

    qwen = AutoTokenizer.from_pretrained(qwen_dir)
    out["tokenizers"]["qwen2"] = cases(lambda t: qwen(t)["input_ids"], qwen.decode, texts)
    with tempfile.TemporaryDirectory() as tmp:
        os.symlink(gguf, os.path.join(tmp, os.path.basename(gguf)))
        smol = AutoTokenizer.from_pretrained(tmp, gguf_file=os.path.basename(gguf))
        out["tokenizers"]["smollm2"] = cases(lambda t: smol(t)["input_ids"], smol.decode, texts)
    with open(os.path.join(qwen_dir, "tokenizer.json"), encoding="utf-8") as f:
        base = json.load(f)
    variant = next(v for v in VARIANTS if v["name"] == "llama3-split-ignore-merges-bos")
    llama = Tokenizer.from_str(json.dumps(apply_patch(base, variant["patch"])))
    out["tokenizers"]["llama3-split-ignore-merges-bos"] = cases(
        lambda t: llama.encode(t).ids, lambda ids: llama.decode(ids, skip_special_tokens=False), texts)

    with open(os.path.join(root, "Fixtures", "tokenizer", "fuzz.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print({k: len(v) for k, v in out["tokenizers"].items()})


if __name__ == "__main__":
    main()
