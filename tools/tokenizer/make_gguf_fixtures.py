#!/usr/bin/env python3
"""Tiny GGUF files (metadata only) for the GGUF tokenizer loader's tests.

Usage: /work/refenv/bin/python tools/tokenizer/make_gguf_fixtures.py
Writes Fixtures/tokenizer/gguf/*.gguf and, for the valid one, tiny-llama-bpe.expected.json with
HF transformers' GGUF loader (AutoTokenizer.from_pretrained(dir, gguf_file=...)) as the oracle.
"""
import json
import os
import shutil
import tempfile

import gguf
from transformers import AutoTokenizer
from transformers.convert_slow_tokenizer import bytes_to_unicode

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Fixtures", "tokenizer", "gguf")

BYTES = [bytes_to_unicode()[b] for b in range(256)]
MERGES = ["Ġ t", "h e", "Ġt he", "Ġ w", "o r", "Ġw or", "l d", "Ġwor ld", "1 2", "12 3", "i n", "Ġ in"]
SPECIALS = ["<|begin_of_text|>", "<|end_of_text|>", "<think>"]


def vocabulary(merges):
    tokens = list(BYTES)
    for m in merges:
        a, b = m.split(" ")
        if a + b not in tokens:
            tokens.append(a + b)
    return tokens


def write(name, *, model="gpt2", pre="llama-bpe", tokens=None, merges=MERGES, types=True, add_bos=True,
          drop=(), extra=None):
    if tokens is None:
        tokens = vocabulary([m for m in merges if len(m.split(" ")) == 2 and m != "Ġ zz"]) + SPECIALS
    w = gguf.GGUFWriter(os.path.join(OUT, name), "llama")
    w.add_block_count(1)
    w.add_context_length(64)
    w.add_embedding_length(8)
    w.add_feed_forward_length(16)
    w.add_head_count(2)
    w.add_head_count_kv(2)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_freq_base(10000.0)
    w.add_vocab_size(len(tokens) if isinstance(tokens, list) else 1)
    w.add_string("tokenizer.ggml.model", model)
    if pre is not None:
        w.add_string("tokenizer.ggml.pre", pre)
    if "tokens" not in drop:
        w.add_array("tokenizer.ggml.tokens", tokens)
    if types and isinstance(tokens, list):
        w.add_array("tokenizer.ggml.token_type",
                    [3 if t in SPECIALS[:2] else 4 if t == "<think>" else 1 for t in tokens])
    w.add_array("tokenizer.ggml.merges", merges)
    if isinstance(tokens, list) and "<|begin_of_text|>" in tokens:
        w.add_uint32("tokenizer.ggml.bos_token_id", tokens.index("<|begin_of_text|>"))
        w.add_uint32("tokenizer.ggml.eos_token_id", tokens.index("<|end_of_text|>"))
    w.add_bool("tokenizer.ggml.add_bos_token", add_bos)
    for k, v in (extra or {}).items():
        w.add_uint32(k, v)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def main():
    os.makedirs(OUT, exist_ok=True)
    write("tiny-llama-bpe.gguf")
    write("tiny-smollm.gguf", pre="smollm", add_bos=False)
    write("tiny-qwen2.gguf", pre="qwen2", add_bos=False)
    write("tiny-gpt2.gguf", pre="gpt-2", add_bos=False)
    write("bad-unknown-merge.gguf", merges=MERGES + ["Ġ zz"])
    write("bad-pre.gguf", pre="no-such-pre-tokenizer")
    write("bad-model.gguf", model="rwkv")  # a vocabulary kind rat lacks
    write("bad-tokens-not-strings.gguf", tokens=[1, 2, 3], types=False)
    write("bad-missing-tokens.gguf", drop=("tokens",))
    write("bad-merge-format.gguf", merges=MERGES + ["Ġ t h"])
    write("bad-bos-out-of-range.gguf", extra={"tokenizer.ggml.padding_token_id": 100000})

    texts = ["", "the world", " the world in 123", "<|begin_of_text|>the<|end_of_text|>", "<think>in</think>",
             "hello wörld 1234 ünïcode 🙂", "  the\n\nworld  ", "The WORLD's in",
             "in12345 the'LL (world)\r\n\tthe  ", "ſ'S 'll world\u00a0in"]
    expected = {}
    for name in ["tiny-llama-bpe.gguf", "tiny-smollm.gguf", "tiny-qwen2.gguf", "tiny-gpt2.gguf"]:
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copy(os.path.join(OUT, name), tmp)
            tok = AutoTokenizer.from_pretrained(tmp, gguf_file=name)
            cases = []
            for t in texts:
                ids = tok(t)["input_ids"]
                cases.append({"text": t, "ids": ids, "tokens": [tok.decode([i]) for i in ids], "decoded": tok.decode(ids)})
            expected[name] = cases
    with open(os.path.join(OUT, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
