#!/usr/bin/env python3
"""Golden attention rollout from transformers for `rat attention --rollout`.

For SmolLM2-135M-Instruct (the project's GGUF, loaded by transformers with gguf_file=, eager
attention, float32) and two texts, computes in float64 from transformers' attentions
Â_l = 0.5·I + 0.5·mean over heads of A_l and R_L = Â_L ⋯ Â_0 (Abnar & Zuidema 2020) at several
layers, and writes them with the ids to Fixtures/runtime/smollm2_rollout.json.

Usage (reference environment):
    python tools/runtime/make_rollout_fixtures.py [--gguf ~/.cache/rat/models/SmolLM2-135M-Instruct.Q4_1.gguf]
"""
import json

import numpy as np
import torch

from reference_model import OUT, TEXTS, load_smollm2

LAYERS = [0, 7, 19, 29]


def main():
    tok, model, name = load_smollm2(__doc__)
    cases = []
    for text in TEXTS:
        ids = tok(text, return_tensors="pt").input_ids
        with torch.no_grad():
            out = model(input_ids=ids, output_attentions=True, use_cache=False)
        n = ids.shape[1]
        rollout = np.eye(n)
        layers = {}
        for layer, attention in enumerate(out.attentions):
            mixed = 0.5 * np.eye(n) + 0.5 * attention[0].mean(dim=0).numpy().astype(np.float64)
            rollout = mixed @ rollout
            if layer in LAYERS:
                layers[str(layer)] = rollout.reshape(-1).tolist()
        cases.append({"text": text, "ids": ids[0].tolist(), "rollout": layers})
    out = {"generator": "tools/runtime/make_rollout_fixtures.py", "model": name,
           "definition": "R_L = prod_{l=L..0} (0.5 I + 0.5 mean_h A_l), float64 from transformers' float32 attention",
           "cases": cases}
    (OUT / "smollm2_rollout.json").write_text(json.dumps(out) + "\n")
    print(len(cases), "texts")


if __name__ == "__main__":
    main()
