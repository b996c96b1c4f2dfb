#!/usr/bin/env python3
"""Golden data for tokenizer.json features the two real tokenizers do not exercise.

Each variant is Qwen2's tokenizer.json with a patch applied (other normalizers, pre-tokenizers,
post-processors, ignore_merges, added tokens with lstrip / rstrip / single_word / normalized).
HF `tokenizers` (Tokenizer.from_str) is the oracle. The Swift test applies the same patch to the
same file, so only the patches and the expected outputs are committed.

Usage: /work/refenv/bin/python tools/tokenizer/make_variant_fixtures.py [--cache ~/.cache/rat]
Writes Fixtures/tokenizer/variants.json: {"variants": [{"name", "patch", "cases": [...]}]}.
"""
import argparse
import json
import os
import sys

import tokenizers
from tokenizers import Tokenizer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from strings import corpus  # noqa: E402

LLAMA3 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
          r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
BYTELEVEL_NO_REGEX = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}
EXTRA_TOKENS = [
    {"id": 151669, "content": "<mask>", "single_word": False, "lstrip": True, "rstrip": True, "normalized": False, "special": True},
    {"id": 151670, "content": "word", "single_word": True, "lstrip": False, "rstrip": False, "normalized": False, "special": False},
    {"id": 151671, "content": "Ｈｅｌｌｏ", "single_word": False, "lstrip": False, "rstrip": False, "normalized": True, "special": False},
    {"id": 151672, "content": "[L]", "single_word": False, "lstrip": True, "rstrip": False, "normalized": False, "special": True},
    {"id": 151673, "content": "[R]", "single_word": False, "lstrip": False, "rstrip": True, "normalized": False, "special": True},
]

VARIANTS = [
    {"name": "llama3-split-ignore-merges-bos", "patch": {
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": LLAMA3}, "behavior": "Isolated", "invert": False}, BYTELEVEL_NO_REGEX]},
        "post_processor": {"type": "Sequence", "processors": [
            {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
            {"type": "TemplateProcessing",
             "single": [{"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
             "pair": [{"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                      {"SpecialToken": {"id": "<|endoftext|>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
             "special_tokens": {"<|endoftext|>": {"id": "<|endoftext|>", "ids": [151643], "tokens": ["<|endoftext|>"]}}}]},
        "model.ignore_merges": True}},
    {"name": "gpt2-bytelevel-prefix-space", "patch": {
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True}}},
    {"name": "nfkc-replace-prepend-digits", "patch": {
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "NFKC"},
            {"type": "Replace", "pattern": {"String": "\t"}, "content": "    "},
            {"type": "Prepend", "prepend": "§"}]},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Digits", "individual_digits": True},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}]}}},
    {"name": "added-token-options", "patch": {
        "normalizer": {"type": "NFKC"},
        "added_tokens+": EXTRA_TOKENS}},
    {"name": "nfkd-lowercase-strip", "patch": {
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "NFKD"}, {"type": "Lowercase"}, {"type": "Strip", "strip_left": True, "strip_right": True}]},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"},
             "behavior": "Isolated", "invert": False}, BYTELEVEL_NO_REGEX]}}},
    {"name": "digit-runs-nfd", "patch": {
        "normalizer": {"type": "NFD"},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Digits", "individual_digits": False},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}]}}},
]

EXTRA_STRINGS = [
    "a <mask> b", "a<mask>b", " <mask>", "<mask> ", "  <mask>  x", "<mask><mask>", "\n<mask>\n",
    "word", "word words sword word.", "a word", "(word)", "_word", "word_", "wordword", "1word2",
    "Hello Ｈｅｌｌｏ Hello", "ＨｅｌｌｏＨｅｌｌｏ", "Ｈｅｌｌｏ",
    "x [L] y", "x   [L]y", "x [R]   y", "[L][R]", "  [R]", "[L]  ",
    "\tindented\ttabs\t", "§ already", "ﬁﬂ ligatures ²", "①②③", "Ⅻ",
    "12345678901234567890", "v1.23.456", "3.14159265358979",
    "ΟΔΥΣΣΕΥΣ ΣΑΣ", "İSTANBUL", "ǅUNGLA ǈ", "ẞ STRASSE", "  \u3000strip both\u00a0 \n", "ﬀ Ⅻ ㎒",
]


def apply_patch(data, patch):
    for key, value in patch.items():
        if key == "added_tokens+":
            data["added_tokens"] = data["added_tokens"] + value
        elif key.startswith("model."):
            data["model"][key[len("model."):]] = value
        else:
            data[key] = value
    return data


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", default=os.environ.get("RAT_CACHE", os.path.expanduser("~/.cache/rat")))
    args = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with open(os.path.join(args.cache, "tokenizers", "qwen2", "tokenizer.json"), encoding="utf-8") as f:
        base = f.read()
    texts = corpus(["<|im_start|>", "<|im_end|>", "<|endoftext|>", "<tool_call>", "</tool_call>"]) + EXTRA_STRINGS
    out = {"tokenizers": tokenizers.__version__, "base": "tokenizers/qwen2/tokenizer.json", "variants": []}
    for v in VARIANTS:
        tok = Tokenizer.from_str(json.dumps(apply_patch(json.loads(base), v["patch"])))
        cases = []
        for text in texts:
            ids = tok.encode(text).ids
            cases.append({"text": text, "ids": ids,
                          "tokens": [tok.decode([i], skip_special_tokens=False) for i in ids],
                          "decoded": tok.decode(ids, skip_special_tokens=False)})
        out["variants"].append({"name": v["name"], "patch": v["patch"], "cases": cases})
        print(v["name"], len(cases))
    with open(os.path.join(root, "Fixtures", "tokenizer", "variants.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
