#!/usr/bin/env python3
"""Golden value-weighted attention (Kobayashi et al. 2020) from transformers for
`--weighting value-norm`.

For SmolLM2-135M-Instruct (the project's GGUF, loaded by transformers with gguf_file=, eager
attention, float32) and two texts, at several layers: with A_h the attention of head h, v_j the
value of position j (v_proj's output, of head h's key/value head) and W_O^(h) head h's columns of
o_proj, N[i][j] = || sum_h A_h[i][j] * v_j W_O^(h)^T ||_2, each row divided by its sum, computed in
float64 from transformers' float32 tensors. Writes Fixtures/runtime/smollm2_value_norm.json.

Usage (reference environment):
    python tools/runtime/make_value_norm_fixtures.py [--gguf ~/.cache/rat/models/SmolLM2-135M-Instruct.Q4_1.gguf]
"""
import json

import numpy as np
import torch

from reference_model import OUT, TEXTS, load_smollm2

LAYERS = [0, 12, 29]


def main():
    tok, model, name = load_smollm2(__doc__)
    config = model.config
    heads, kv_heads = config.num_attention_heads, config.num_key_value_heads
    head_dim = config.hidden_size // heads
    values = {}
    hooks = [layer.self_attn.v_proj.register_forward_hook(lambda m, i, o, l=l: values.__setitem__(l, o[0].detach()))
             for l, layer in enumerate(model.model.layers)]
    cases = []
    for text in TEXTS:
        ids = tok(text, return_tensors="pt").input_ids
        with torch.no_grad():
            out = model(input_ids=ids, output_attentions=True, use_cache=False)
        n = ids.shape[1]
        result = {}
        for layer in LAYERS:
            attention = out.attentions[layer][0].numpy().astype(np.float64)      # [heads, n, n]
            v = values[layer].numpy().astype(np.float64).reshape(n, kv_heads, head_dim)
            wo = model.model.layers[layer].self_attn.o_proj.weight.detach().numpy().astype(np.float64)  # [hidden, heads*hd]
            f = np.stack([v[:, h // (heads // kv_heads), :] @ wo[:, h * head_dim:(h + 1) * head_dim].T for h in range(heads)], axis=1)
            # f[j, h] = v_j W_O^(h): [n, heads, hidden]; N[i, j] = || sum_h A_h[i, j] f[j, h] ||
            vectors = np.einsum("hij,jhk->ijk", attention, f)
            norms = np.linalg.norm(vectors, axis=2)
            norms = norms / norms.sum(axis=1, keepdims=True)
            result[str(layer)] = norms.reshape(-1).tolist()
        cases.append({"text": text, "ids": ids[0].tolist(), "value_norm": result})
    for h in hooks:
        h.remove()
    out = {"generator": "tools/runtime/make_value_norm_fixtures.py", "model": name,
           "definition": "N[i][j] = || sum_h A_h[i][j] v_j W_O^(h) ||_2, rows normalized to 1 (float64)", "cases": cases}
    (OUT / "smollm2_value_norm.json").write_text(json.dumps(out) + "\n")
    print(len(cases), "texts")


if __name__ == "__main__":
    main()
