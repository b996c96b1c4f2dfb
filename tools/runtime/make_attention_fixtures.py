#!/usr/bin/env python3
"""Golden attention from transformers for rat's runtime (eager attention, float32).

For SmolLM2-135M-Instruct (the project's GGUF, loaded by transformers with gguf_file=) and five
texts, writes every layer's attention aggregated over heads with mean and with max, lower
triangle only, as 16-bit fixed point (value * 65535, rounded: error <= 7.7e-6), to
Fixtures/runtime/smollm2_t{i}.u16, and the token ids and layout to smollm2_attention.json.

Usage (reference environment):
    python tools/runtime/make_attention_fixtures.py [--gguf ~/.cache/rat/models/SmolLM2-135M-Instruct.Q4_1.gguf]
"""
import json
from pathlib import Path

import numpy as np
import torch

from reference_model import load_smollm2

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "Fixtures" / "runtime"
TEXTS = [
    "Hello",
    "The quick brown fox jumps over the lazy dog.",
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nWhat is 17 * 23?<|im_end|>\n<|im_start|>assistant\n",
    "def add(a, b):\n    \"\"\"Return the sum.\"\"\"\n    return a + b\n\nprint(add(2, 3))  # 5\n",
    "Attention is a mechanism that lets each token look back at earlier tokens and weigh them. "
    "In a causal language model, the token at position t can only attend to positions 0 through t, "
    "which is why the attention matrix is lower triangular. Tracing attention backwards from one token "
    "shows which earlier words carried the most weight, layer by layer, as the model read the sentence "
    "from left to right, one token at a time, until it reached the end of this long example text.",
]


def main():
    tok, model, name = load_smollm2(__doc__)
    OUT.mkdir(parents=True, exist_ok=True)
    manifest = {"generator": "tools/runtime/make_attention_fixtures.py", "model": name,
                "encoding": "per layer, then mean and max: lower triangle row by row, uint16 little-endian = round(value * 65535)",
                "texts": []}
    for t, text in enumerate(TEXTS):
        ids = tok(text, return_tensors="pt").input_ids
        with torch.no_grad():
            out = model(input_ids=ids, output_attentions=True, use_cache=False)
        n = ids.shape[1]
        rows, cols = np.tril_indices(n)
        chunks = []
        for layer_attn in out.attentions:
            heads = layer_attn[0]
            for m in (heads.mean(dim=0), heads.max(dim=0).values):
                chunks.append(np.round(m.numpy()[rows, cols].astype(np.float64) * 65535).astype("<u2"))
        data = np.concatenate(chunks)
        (OUT / f"smollm2_t{t}.u16").write_bytes(data.tobytes())
        manifest["texts"].append({"file": f"smollm2_t{t}.u16", "ids": ids[0].tolist(), "layers": len(out.attentions)})
        print(t, n, data.nbytes)
    (OUT / "smollm2_attention.json").write_text(json.dumps(manifest, indent=1))


if __name__ == "__main__":
    main()
