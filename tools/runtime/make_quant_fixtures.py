#!/usr/bin/env python3
"""Tiny GGUF files, one per tensor type, each holding a quantized tensor and gguf-py's own
dequantization of it as an F32 tensor named "<name>.expected".

F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1 and Q8_0 are quantized by gguf-py from random floats; gguf-py
cannot quantize Q4_K, Q5_K and Q6_K, so those are random blocks with finite fp16 scales. Also
writes rows of two real SmolLM2 tensors (Q4_1 and Q8_0) dequantized by gguf-py, to check the
real file. Output: Fixtures/runtime/quant/*.gguf

Usage (reference environment): python tools/runtime/make_quant_fixtures.py
"""
import os
from pathlib import Path

import numpy as np
from gguf import GGMLQuantizationType as T, GGUFReader, GGUFWriter
from gguf.constants import GGML_QUANT_SIZES
from gguf.quants import dequantize, quantize

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "Fixtures" / "runtime" / "quant"


def random_k_blocks(rng, qtype, n_blocks):
    block_size, type_size = GGML_QUANT_SIZES[qtype]
    raw = rng.integers(0, 256, size=(n_blocks, type_size), dtype=np.uint8)
    def put_half(col, values):
        raw[:, col:col + 2] = np.asarray(values, dtype=np.float16).view(np.uint8).reshape(n_blocks, 2)
    if qtype in (T.Q4_K, T.Q5_K):
        put_half(0, rng.uniform(-0.05, 0.05, n_blocks))   # d
        put_half(2, rng.uniform(-0.02, 0.02, n_blocks))   # dmin
    elif qtype == T.Q6_K:
        put_half(type_size - 2, rng.uniform(-0.05, 0.05, n_blocks))  # d is last
    return raw


def write(name, qtype, rows, cols, rng):
    w = GGUFWriter(str(OUT / f"{name}.gguf"), "rat-quant-test")
    if qtype in (T.Q4_K, T.Q5_K, T.Q6_K):
        block_size, type_size = GGML_QUANT_SIZES[qtype]
        raw = random_k_blocks(rng, qtype, rows * cols // block_size).reshape(rows, cols // block_size * type_size)
    elif qtype == T.F32:
        raw = rng.standard_normal((rows, cols)).astype(np.float32)
    else:
        data = (rng.standard_normal((rows, cols)) * rng.uniform(0.01, 3)).astype(np.float32)
        data[0, :8] = [0, -0.0, 1e-8, -1e-8, 65504, -65504, 1e-3, 7.5]  # zeros, subnormal-ish, large
        raw = quantize(data, qtype)
    expected = dequantize(raw, qtype).astype(np.float32).reshape(rows, cols)
    if qtype == T.F32:
        w.add_tensor("weight", raw)
    else:
        w.add_tensor("weight", raw, raw_dtype=qtype)
    w.add_tensor("weight.expected", expected)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    for qtype in [T.F32, T.F16, T.BF16, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q8_0, T.Q4_K, T.Q5_K, T.Q6_K]:
        write(qtype.name.lower(), qtype, 4, 512, rng)

    # Real tensors of the project's default model: gguf-py's dequantization of a few rows.
    path = os.path.expanduser("~/.cache/rat/models/SmolLM2-135M-Instruct.Q4_1.gguf")
    reader = GGUFReader(path)
    w = GGUFWriter(str(OUT / "smollm2_rows.gguf"), "rat-quant-test")
    for t in reader.tensors:
        if t.name in ("token_embd.weight", "blk.0.attn_q.weight", "blk.29.ffn_down.weight"):
            rows = dequantize(t.data, t.tensor_type)[[0, 1, 2, -1]].astype(np.float32)
            w.add_tensor(t.name, rows)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


if __name__ == "__main__":
    main()
