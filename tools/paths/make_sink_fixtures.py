#!/usr/bin/env python3
"""Golden fixtures for `--sink drop|renorm`: the reference's own `beam_search_backward` run on the
matrix with the sinks applied as rat's README defines them (drop: zero the sink columns; renorm:
also divide each row's other entries by their sum, summed left to right in double precision, each
result rounded to float32; a row with nothing left stays zero), and the target row's sink mass
(its share of attention on the sink positions before the change). Real SmolLM2 attention from
Fixtures/paths/matrices and random matrices; cases with ties at the top-k boundary are skipped.

Usage (in the reference virtual environment, outside the repo):
    python tools/paths/make_sink_fixtures.py
"""
import json
import random
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_fixtures import OUT, candidates_have_ties, random_matrix, random_params, run_case  # noqa: E402


def apply_sinks(a, handling, positions):
    out = a.copy()
    sinks = set(positions)
    for r in range(a.shape[0]):
        rest = 0.0
        for j in range(r + 1):
            if j in sinks:
                out[r, j] = 0
            else:
                rest += float(a[r, j])
        if handling == "renorm" and rest > 0:
            for j in range(r + 1):
                if j not in sinks:
                    out[r, j] = np.float32(float(a[r, j]) / rest)
    return out


def sink_mass(a, row, positions):
    total, sink = 0.0, 0.0
    for j in range(row + 1):
        v = float(a[row, j])
        total += v
        if j in positions:
            sink += v
    return sink / total if total > 0 else 0.0


def main():
    rng = random.Random(20261202)
    rng_np = np.random.default_rng(20261202)
    sources = [(f"matrices/{p.name}", np.load(p).astype(np.float32))
               for p in sorted((OUT / "matrices").glob("smollm2_t*_mean.npy"))[:6]]
    for i in range(6):
        n = rng.randint(3, 60)
        name = f"matrices/sink_random_{i:02d}_n{n}.npy"
        m = random_matrix(rng_np, n)
        np.save(OUT / name, m)
        sources.append((name, m))
    cases = []
    for name, m in sources:
        n = m.shape[0]
        tokens = [f"[{p}]" for p in range(n)]
        for handling in ["drop", "renorm"]:
            for positions in ([0], [0, min(2, n - 1)]):
                positions = sorted(set(positions))
                for attempt in range(20):
                    params = random_params(rng, n)
                    params["mask"] = None
                    transformed = apply_sinks(m, handling, positions)
                    target = params["target_pos"] % n
                    t = torch.from_numpy(transformed)
                    if candidates_have_ties(t, target, params["top_k"], params["min_attn"], None):
                        continue
                    expected = run_case(t, tokens, [-1] * n, 0, params)
                    cases.append({"name": f"{Path(name).stem}_{handling}_{'_'.join(map(str, positions))}_{attempt}",
                                  "matrix": name, "sink": handling, "sink_positions": positions, **params,
                                  "sink_mass": sink_mass(m, target, set(positions)), "expected": expected})
                    break
    out = {"generator": "tools/paths/make_sink_fixtures.py", "reference": "reverse-attention 0.1.0", "cases": cases}
    (OUT / "sink_cases.json").write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(cases)} sink cases")


if __name__ == "__main__":
    main()
