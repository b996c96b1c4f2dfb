#!/usr/bin/env python3
"""Golden data for rat's token sampler (Sources/ModelRuntime/Generation/Sampler.swift): what
transformers' logits processors make of random logits, for many option combinations.

For each case (random float32 logits, vocabulary 50-500; some with ties, some very peaked, some
with -inf entries, some with a list of previous ids) and each option combination, the processors
are the ones `GenerationMixin._get_logits_processor` builds for that GenerationConfig (asked of a
tiny local checkpoint, so the order is transformers' own, not ours): RepetitionPenalty, then
Temperature, TopK, TopP, MinP when sampling; only RepetitionPenalty when greedy. Stored: the
kept ids (those whose processed score is not -inf), the softmax of the processed scores on them
(float32 rounds far-off kept ids to 0: kept is not "probability > 0"), and the argmax of the processed scores (torch.argmax: ties to the lowest id).

torch.sort (used by TopPLogitsWarper) is not stable on the CPU beyond 16 elements, so when ties
straddle the top-p boundary transformers keeps an arbitrary subset of the tied ids. rat sorts
stably (the ids that torch.sort(stable=True) would put first are removed first). Each record is
also computed with a stable torch.sort; where the two differ the record carries the stable
result as `stable` and the test checks the real one only up to which tied ids were kept.

Also stored: the first outputs of xoshiro256** seeded by SplitMix64 (rat's PRNG), as a
cross-platform known answer.

Output: Fixtures/runtime/sampler.json
Usage (reference environment): /work/refenv/bin/python tools/runtime/make_sampler_fixtures.py
Deterministic: fixed numpy seeds, no torch RNG.
"""
import json
import warnings
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModelForCausalLM, GenerationConfig

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "Fixtures" / "runtime" / "sampler.json"
TINY = ROOT / "Fixtures" / "runtime" / "tiny" / "qwen2_tied_f32"

MASK64 = (1 << 64) - 1


def splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & MASK64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return state, z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & MASK64


def xoshiro_outputs(seed, n):
    state, s = seed, []
    for _ in range(4):
        state, z = splitmix64(state)
        s.append(z)
    out = []
    for _ in range(n):
        out.append(rotl((s[1] * 5) & MASK64, 7) * 9 & MASK64)
        t = (s[1] << 17) & MASK64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
    return out


def make_cases():
    rs = np.random.RandomState(20240601)
    cases = []

    def add(name, logits, previous=()):
        cases.append({"name": name, "logits": np.asarray(logits, dtype=np.float32), "previous": [int(i) for i in previous]})

    for i, (vocab, scale) in enumerate([(50, 1.0), (120, 2.0), (500, 3.0), (200, 0.5), (333, 1.5)]):
        add(f"normal{i}", np.round(rs.randn(vocab) * scale, 4))
    # Many ties: logits on a coarse grid, including a tied maximum.
    for i, vocab in enumerate([64, 300]):
        x = np.round(rs.randn(vocab) * 2, 0) / 2
        x[[3, 40]] = x.max() + 1
        add(f"ties{i}", x)
    # Fully flat (every id tied) and two-level logits.
    add("flat", np.zeros(80))
    two = np.where(rs.rand(100) < 0.1, 2.0, 0.0)
    add("twolevel", two)
    # Very peaked: one id far above the rest, or a few ids far above.
    for i, vocab in enumerate([90, 400]):
        x = rs.randn(vocab)
        x[rs.randint(vocab)] += 25
        add(f"peaked{i}", np.round(x, 4))
    x = rs.randn(150)
    x[[7, 8, 100]] += 12
    add("peaked3", np.round(x, 4))
    # A padded vocabulary: -inf logits that must stay out of every distribution.
    x = np.round(rs.randn(256) * 2, 4)
    x[200:] = -np.inf
    add("masked", x)
    # Previous ids (with repeats), on positive and negative logits.
    for i, vocab in enumerate([60, 250, 400]):
        x = np.round(rs.randn(vocab) * 2.5, 4)
        prev = list(rs.randint(0, vocab, size=12)) + [int(np.argmax(x)), int(np.argmin(x))] * 2
        add(f"previous{i}", x, prev)
    # The penalty flips the argmax: the top id was used, the runner-up was not.
    x = np.round(rs.randn(70), 4)
    top = int(np.argmax(x))
    x[top] = 4.0
    x[(top + 1) % 70] = 3.5
    add("penaltyflip", x, [top, top, 5])
    # Negative top logits with the previous ids among them.
    x = np.round(rs.randn(55) - 6, 4)
    add("negative", x, list(np.argsort(-x)[:4]))
    # An id at zero logit in previous (0 / penalty stays 0) and ties at the top-k cut.
    x = np.round(rs.randn(110), 1)
    x[9] = 0.0
    add("zeroprevious", x, [9, 9, 9, 20])
    return cases


OPTIONS = [
    {"temperature": 1.0},
    {"temperature": 0.7, "top_k": 10},
    {"temperature": 1.3, "top_p": 0.9},
    {"temperature": 1.0, "min_p": 0.1},
    {"temperature": 0.8, "top_k": 40, "top_p": 0.95, "min_p": 0.05, "repetition_penalty": 1.3},
    {"temperature": 1.0, "top_k": 1},
    {"temperature": 2.0, "top_p": 0.5},
    {"temperature": 0.5, "top_p": 0.3, "repetition_penalty": 0.8},
    {"temperature": 1.0, "top_k": 3, "min_p": 0.5},
    {"temperature": 1.7, "min_p": 0.02, "repetition_penalty": 2.0},
    {"temperature": 0.0, "repetition_penalty": 1.5},
    {"temperature": 0.0},
]


def generation_config(o):
    greedy = o["temperature"] == 0
    kw = dict(
        do_sample=not greedy,
        repetition_penalty=o.get("repetition_penalty", 1.0),
        # Every warper explicitly off unless asked for: generate() would fill an unset top_k with 50.
        top_k=o.get("top_k", 0),
        top_p=o.get("top_p", 1.0),
        min_p=o.get("min_p"),
    )
    if not greedy:
        kw["temperature"] = o["temperature"]
    return GenerationConfig(**kw)


def run(model, o, case):
    config = generation_config(o)
    procs = model._get_logits_processor(generation_config=config, input_ids_seq_length=max(1, len(case["previous"])), device="cpu")
    scores = torch.tensor(case["logits"])[None, :].clone()
    ids = torch.tensor([case["previous"] or []], dtype=torch.long)
    if ids.shape[1] == 0:
        ids = torch.zeros((1, 0), dtype=torch.long)
    for p in procs:
        scores = p(ids, scores)
    probs = torch.softmax(scores, dim=-1)[0].numpy()
    # Kept = not filtered (a finite score); float32 softmax also rounds far-off kept ids to 0.
    kept = np.isfinite(scores[0].numpy())
    return [type(p).__name__ for p in procs], probs, kept, int(torch.argmax(scores, dim=-1)[0])


def sparse(probs, mask, logits):
    """Kept ids (None: every id with a finite logit) and their probabilities (to 1e-7,
    well inside the tests' 1e-6)."""
    kept = [int(i) for i in np.nonzero(mask)[0]]
    values = [round(float(probs[i]), 7) for i in kept]
    return (None if kept == [int(i) for i in np.nonzero(np.isfinite(logits))[0]] else kept), values


def main():
    warnings.filterwarnings("ignore")
    model = AutoModelForCausalLM.from_pretrained(TINY)
    cases = make_cases()
    records, orders = [], {}
    original_sort = torch.sort
    ambiguous = 0
    for ci, case in enumerate(cases):
        for oi, o in enumerate(OPTIONS):
            order, probs, mask, argmax = run(model, o, case)
            torch.sort = lambda input, dim=-1, descending=False: original_sort(input, dim=dim, descending=descending, stable=True)
            try:
                _, stable_probs, stable_mask, stable_argmax = run(model, o, case)
            finally:
                torch.sort = original_sort
            key = ",".join(order)
            if key not in orders:
                orders[key] = len(orders)
            kept, values = sparse(probs, mask, case["logits"])
            record = {
                "case": ci,
                "temperature": o["temperature"],
                "topK": o.get("top_k", 0),
                "topP": o.get("top_p", 1.0),
                "minP": o.get("min_p", 0.0),
                "repetitionPenalty": o.get("repetition_penalty", 1.0),
                "order": orders[key],
                "kept": kept,
                "probs": values,
                "argmax": argmax,
            }
            if o == {"temperature": 0.0}:
                # Plain greedy: the distribution is the plain softmax, stored once already.
                del record["kept"], record["probs"]
            if not np.array_equal(mask, stable_mask):
                skept, svalues = sparse(stable_probs, stable_mask, case["logits"])
                record["stable"] = {"kept": skept, "probs": svalues, "argmax": stable_argmax}
                ambiguous += 1
            records.append(record)
    data = {
        "about": "transformers logits processors on random logits; see tools/runtime/make_sampler_fixtures.py",
        "cases": [
            {
                "name": c["name"],
                "logits": [None if not np.isfinite(v) else float(str(v)) for v in c["logits"]],
                "previous": c["previous"],
            }
            for c in cases
        ],
        # Processor class names, in the order transformers applies them; records refer to them by index.
        "orders": [key.split(",") if key else [] for key in orders],
        "records": records,
        "xoshiro": [{"seed": str(s), "outputs": [str(v) for v in xoshiro_outputs(s, 8)]} for s in (0, 1, 42, MASK64)],
    }
    OUT.write_text(json.dumps(data, separators=(",", ":")) + "\n")
    print(f"{len(cases)} cases, {len(records)} records ({ambiguous} with ties at the top-p boundary), "
          f"{OUT.stat().st_size // 1024} KB -> {OUT.relative_to(ROOT)}")
    for key in orders:
        print("  order:", key.replace(",", " -> ") or "(none: plain softmax)")


if __name__ == "__main__":
    main()
