#!/usr/bin/env python3
"""Golden long-context attention and logits from transformers for rat's tiled attention.

rat computes the attention of layers whose probabilities it does not keep a tile of keys at a
time once a block attends 2,048 keys or more. This runs SmolLM2-135M-Instruct (the project's GGUF,
float32, eager attention) on 2,600 tokens (a paragraph's ids repeated, so that later copies
attend back to earlier ones) and writes
- the last layer's attention, mean over heads, of the last 8 positions (whole rows, uint16 =
  round(value * 65535)) to Fixtures/runtime/smollm2_long_rows.u16,
- the ids and the last position's 20 largest logits to smollm2_long.json.

Usage (reference environment):
    python tools/runtime/make_long_context_fixtures.py [--gguf ~/.cache/rat/models/SmolLM2-135M-Instruct.Q4_1.gguf]
"""
import json

import numpy as np
import torch

from reference_model import OUT, load_smollm2

LENGTH, ROWS, TOP = 2600, 8, 20
PARAGRAPH = (
    "Attention is a mechanism that lets each token look back at earlier tokens and weigh them. "
    "In a causal language model, the token at position t can only attend to positions 0 through t, "
    "which is why the attention matrix is lower triangular. Tracing attention backwards from one token "
    "shows which earlier words carried the most weight, layer by layer, as the model read the sentence "
    "from left to right, one token at a time, until it reached the end of this long example text. "
)


def main():
    tok, model, name = load_smollm2(__doc__)
    paragraph = tok(PARAGRAPH).input_ids
    ids = (paragraph * (LENGTH // len(paragraph) + 1))[:LENGTH]
    captured = {}

    def keep_weights(module, args, output):
        captured["weights"] = output[1]

    hook = model.model.layers[-1].self_attn.register_forward_hook(keep_weights)
    with torch.no_grad():
        out = model(input_ids=torch.tensor([ids]), use_cache=False, logits_to_keep=1)
    hook.remove()
    weights = captured["weights"][0]  # [heads, seq, seq]
    rows = weights[:, -ROWS:, :].mean(dim=0).numpy().astype(np.float64)
    (OUT / "smollm2_long_rows.u16").write_bytes(np.round(rows * 65535).astype("<u2").tobytes())
    logits = out.logits[0, -1]
    top = torch.topk(logits, TOP)
    manifest = {
        "generator": "tools/runtime/make_long_context_fixtures.py", "model": name,
        "encoding": "smollm2_long_rows.u16: the last layer's attention (mean over heads) of the last `rows` positions, "
                    "whole rows of len(ids) keys, uint16 little-endian = round(value * 65535)",
        "ids": ids, "rows": ROWS,
        "top_logits": [{"id": int(i), "logit": float(v)} for v, i in zip(top.values, top.indices)],
    }
    (OUT / "smollm2_long.json").write_text(json.dumps(manifest, indent=1))
    print(len(ids), len(paragraph), rows.shape, [t["id"] for t in manifest["top_logits"][:5]])


if __name__ == "__main__":
    main()
