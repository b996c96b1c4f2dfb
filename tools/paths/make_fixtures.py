#!/usr/bin/env python3
"""Golden fixtures for rat's path search, made by the reference package itself.

Runs `reverse_attention.beam.beam_search_backward` (reverse-attention 0.1.0) on
  * real attention of SmolLM2-135M-Instruct (transformers, eager attention, float32, from the
    project's GGUF), several texts and layers, heads aggregated by torch with mean and max;
  * random causal row-stochastic float32 matrices of sizes 1 to 300,
with every option varied, and writes the matrices (.npy) and the expected beams, paths_text,
sankey and trace.json to Fixtures/paths/ (and the demo's example to Examples/fox/). Cases whose candidate lists have exact ties at the
top-k boundary are skipped (the reference breaks those arbitrarily).

Usage (in the reference virtual environment, outside the repo):
    python tools/paths/make_fixtures.py [--gguf ~/.cache/rat/models/SmolLM2-135M-Instruct.Q4_1.gguf]
"""
import argparse
import json
import os
import random
import sys
from pathlib import Path

import numpy as np
import torch

from reverse_attention.beam import BeamPath, TraceResult, beam_search_backward
from reverse_attention.sankey import beams_to_sankey, trace_result_to_json
from reverse_attention.tokenize import format_path_text
from reverse_attention.utils import normalize_score

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "Fixtures" / "paths"
NORMS = ["none", "avg_logprob", "sqrt", "pow:0.5", "pow:0.7", "pow:1.5"]
TOKEN_POOL = [" the", " fox", "\n", "\t", "", "a b", "x", " é", "<|im_start|>", "\"q\"", "\\", "日本", "\ufffd", "  "]

TEXTS = [
    "The quick brown fox jumps over the lazy dog.",
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nWhat is the capital of France? Answer in one word.<|im_end|>\n<|im_start|>assistant\nParis",
    "def fibonacci(n):\n    if n < 2:\n        return n\n    return fibonacci(n - 1) + fibonacci(n - 2)\n",
    "In 1969, Neil Armstrong and Buzz Aldrin landed on the Moon, while Michael Collins orbited above in the command module; the whole world watched the grainy broadcast.",
]


def candidates_have_ties(attn, target, top_k, min_attn, mask):
    """True if some row's candidate selection depends on how exact ties are broken."""
    a = attn.numpy()
    thr = np.float32(min_attn)
    for p in range(1, target + 1):
        row = a[p, :p].copy()
        if mask is not None:
            row = row * np.asarray(mask[:p], dtype=np.float32)
        row[row < thr] = 0
        vals = np.sort(row[row > 0])[::-1]
        k = min(top_k, len(vals))
        if k == 0:
            continue
        top = vals[: k + 1] if len(vals) > k else vals[:k]
        if len(np.unique(top)) != len(top):
            return True
    return False


def run_case(attn, tokens, token_ids, layer, params):
    target = params["target_pos"]
    resolved = target + attn.shape[0] if target < 0 else target
    mask = params["mask"]
    states = beam_search_backward(
        attn,
        resolved,
        top_beam=params["top_beam"],
        top_k=params["top_k"],
        min_attn=params["min_attn"],
        length_norm=params["length_norm"],
        stop_at_bos=params["stop_at_bos"],
        bos_positions=params["bos_positions"] if params["stop_at_bos"] else [],
        attention_mask=torch.tensor(mask, dtype=torch.long) if mask is not None else None,
    )
    beams = [
        BeamPath(
            positions=s.positions,
            tokens=[tokens[p] for p in s.positions],
            token_ids=[token_ids[p] for p in s.positions],
            edge_attns=s.edge_attns,
            score_raw=s.log_score,
            score_norm=normalize_score(s.log_score, s.num_edges, params["length_norm"]),
        )
        for s in states
    ]
    result = TraceResult(
        seq_len=attn.shape[0],
        target_pos=resolved,
        layer=layer,
        top_beam=params["top_beam"],
        top_k=params["top_k"],
        tokens=tokens,
        beams=beams,
        sankey=beams_to_sankey(beams, tokens, layer=layer),
        paths_text=[format_path_text(b) for b in beams],
    )
    return json.loads(trace_result_to_json(result))


def random_params(rng, n, has_bos_tokens=None):
    top_k = rng.randint(1, 10)
    top_beam = rng.randint(1, 10)
    target = rng.randrange(n)
    if rng.random() < 0.3:
        target = target - n  # negative indexing
    mask = None
    if rng.random() < 0.3 and n > 1:
        mask = [1 if rng.random() > 0.2 else 0 for _ in range(n)]
    stop_at_bos = rng.random() < 0.7
    if has_bos_tokens is not None:
        bos = has_bos_tokens
    else:
        bos = sorted(rng.sample(range(n), k=min(n, rng.randint(0, 3))))
    return {
        "target_pos": target,
        "top_beam": top_beam,
        "top_k": top_k,
        "min_attn": rng.choice([0.0, 0.0, 0.001, 0.01, 0.05, 0.2]),
        "length_norm": rng.choice(NORMS),
        "stop_at_bos": stop_at_bos,
        "bos_positions": bos,
        "mask": mask,
    }


def random_matrix(rng_np, n):
    """Causal, row-stochastic float32; peakiness varies by row; some rows sparse."""
    a = np.zeros((n, n), dtype=np.float64)
    for i in range(n):
        scale = rng_np.uniform(0.5, 5.0)
        logits = rng_np.normal(0, scale, size=i + 1)
        if i > 2 and rng_np.random() < 0.1:
            logits[rng_np.random(i + 1) < 0.5] = -np.inf  # exact zeros
            logits[0] = max(logits[0], 0.0)
        e = np.exp(logits - logits.max())
        a[i, : i + 1] = e / e.sum()
    return a.astype(np.float32)


def save_matrix(name, m):
    path = OUT / "matrices" / f"{name}.npy"
    np.save(path, np.ascontiguousarray(m, dtype=np.float32))
    return f"matrices/{name}.npy"


def real_matrices(gguf_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder, name = os.path.dirname(gguf_path), os.path.basename(gguf_path)
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(
        folder, gguf_file=name, torch_dtype=torch.float32, attn_implementation="eager"
    )
    model.eval()
    out = []
    for t, text in enumerate(TEXTS):
        enc = tok(text, return_tensors="pt")
        ids = enc.input_ids
        with torch.no_grad():
            attns = model(input_ids=ids, attention_mask=enc.attention_mask, output_attentions=True, use_cache=False).attentions
        tokens = [tok.decode([i]) for i in ids[0].tolist()]
        bos = (ids[0] == tok.bos_token_id).nonzero(as_tuple=True)[0].tolist() if tok.bos_token_id is not None else []
        for layer in [0, 7, 19, 29]:
            heads = attns[layer][0]
            for agg in ["mean", "max"]:
                m = heads.mean(dim=0) if agg == "mean" else heads.max(dim=0).values
                out.append((f"smollm2_t{t}_l{layer}_{agg}", m.contiguous(), tokens, ids[0].tolist(), layer, bos, agg))
        if t == 0:
            # The demo's example: the fox sentence, last layer, mean over heads.
            example = ROOT / "Examples" / "fox"
            example.mkdir(parents=True, exist_ok=True)
            np.save(example / "attention.npy", attns[29][0].mean(dim=0).contiguous().numpy())
            (example / "tokens.json").write_text(json.dumps(tokens, ensure_ascii=False))
            (example / "token_ids.json").write_text(json.dumps(ids[0].tolist()))
        if t == 1:
            # One per-head tensor, to check head aggregation and 3-D .npy input.
            heads = attns[29][0].contiguous()
            np.save(OUT / "matrices" / "smollm2_t1_l29_heads.npy", heads.numpy())
            np.save(OUT / "matrices" / "smollm2_t1_l29_heads_mean.npy", heads.mean(dim=0).numpy())
            np.save(OUT / "matrices" / "smollm2_t1_l29_heads_max.npy", heads.max(dim=0).values.numpy())
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gguf", default=os.path.expanduser("~/.cache/rat/models/SmolLM2-135M-Instruct.Q4_1.gguf"))
    ap.add_argument("--seed", type=int, default=20261123)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    rng_np = np.random.default_rng(args.seed)
    (OUT / "matrices").mkdir(parents=True, exist_ok=True)
    cases = []

    def add(name, matrix_file, attn, tokens, token_ids, layer, params, source):
        target = params["target_pos"]
        resolved = target + attn.shape[0] if target < 0 else target
        if candidates_have_ties(attn, resolved, params["top_k"], params["min_attn"], params["mask"]):
            return False
        expected = run_case(attn, tokens, token_ids, layer, params)
        cases.append({"name": name, "source": source, "matrix": matrix_file, "layer": layer, "tokens": tokens,
                      "token_ids": token_ids, **params, "expected": expected})
        return True

    # Real attention.
    for name, m, tokens, ids, layer, bos, agg in real_matrices(args.gguf):
        f = save_matrix(name, m.numpy())
        n = m.shape[0]
        for v in range(6):
            p = random_params(rng, n, has_bos_tokens=bos)
            if v == 0:  # the reference's defaults
                p.update(target_pos=-1, top_beam=5, top_k=5, min_attn=0.0, length_norm="avg_logprob", stop_at_bos=True, mask=None)
            add(f"{name}_v{v}", f, m, tokens, ids, layer, p, f"smollm2 {agg}")

    # Random matrices.
    sizes = list(range(1, 41)) + [rng.randint(41, 120) for _ in range(40)] + [150, 200, 256, 300]
    for i, n in enumerate(sizes):
        m = random_matrix(rng_np, n)
        f = save_matrix(f"random_{i:03d}_n{n}", m)
        tokens = [rng.choice(TOKEN_POOL) for _ in range(n)]
        ids = [rng.randrange(50000) for _ in range(n)]
        attn = torch.from_numpy(m)
        made = 0
        for attempt in range(8):
            if made == (2 if n >= 150 else 1):
                break
            p = random_params(rng, n)
            made += add(f"random_{i:03d}_n{n}_{attempt}", f, attn, tokens, ids, rng.randrange(30), p, "random")

    (OUT / "cases.json").write_text(json.dumps({"generator": "tools/paths/make_fixtures.py",
                                                 "reference": "reverse-attention 0.1.0", "cases": cases}, ensure_ascii=False))
    print(f"{len(cases)} cases", file=sys.stderr)


if __name__ == "__main__":
    main()
