#!/usr/bin/env python3
"""Golden attention knockout from transformers: the change in the predicted token's log-probability
when given attention edges are cut.

A knockout set is a list of triples [layer, query, key] (layer = index in the model's decoder layer
list, e.g. model.model.layers; key <= query). For each layer named in the set, in every head, the
attention score of query position `query` to key position `key` is set to -inf before the softmax
(after scaling, any logit softcapping and the causal / sliding-window masks), so that row
renormalizes over its other keys; nothing else changes. The model runs (use_cache=False, float32,
eager attention) on ids[0..target]; the predicted token is the argmax of the un-knocked-out logits at
`target`; base_logprob = log_softmax(base logits[target])[predicted] and delta_logprob =
log_softmax(knocked logits[target])[predicted] - base_logprob, both in float64 from the float32 logits.

The knockout is transformers' own eager attention of each family (the eager_attention_forward of the
model's modeling file), registered under a new name with AttentionInterface, with the same eager
(float, 0 / finfo.min) mask registered with AttentionMaskInterface; the function adds -inf to the mask
at the knocked (query, key) pairs of the module's layer. Before writing, the script checks on every
case that an empty set gives logits bit-identical to a plain eager forward (delta exactly 0), that
knocking out all keys but one of a query gives that query attention 1 on the remaining key in every
head, and that at the lowest knocked layer every head's knocked attention is the base attention with
the knocked entries zeroed and the rows renormalized.

Models and cases:
  * SmolLM2-135M-Instruct (the project's GGUF loaded by transformers with gguf_file=, see
    reference_model.py), the two texts of make_rollout_fixtures.py, target = last position; for layers
    0, 12 and 29: (a) the target's two strongest keys j < target by mean-over-heads attention,
    (b) the chain target->j1, j1->k1 (k1 = j1's strongest key < j1; j2 instead of j1 when j1 = 0),
    (c) three random pairs (query in 1..target, key < query), (d) target->0; plus one two-layer set
    [[5, target, j], [20, i, k]] and an empty set.
  * Tiny random-weight checkpoints from Fixtures/runtime/families (make_family_models.py), loaded from
    their folder's config.json (transformers 5 format; config.v4.json is the same model as transformers
    4 wrote it and is not needed here): 12 random ids, target 11 and target 7; for the first and last
    layer (a) and (c), plus one two-layer set [[0, i, k], [last, target, j]] (on the last layer only the
    target's row can change the target's logits) and an empty set.

Writes Fixtures/runtime/knockout.json.

Usage (reference environment):
    python tools/runtime/make_knockout_fixtures.py [--gguf ~/.cache/rat/models/SmolLM2-135M-Instruct.Q4_1.gguf]
"""
import json
import sys
import time

import numpy as np
import torch

torch.set_num_threads(1)

import transformers  # noqa: E402
from transformers import AttentionInterface, AttentionMaskInterface  # noqa: E402
from transformers.masking_utils import eager_mask  # noqa: E402

from reference_model import OUT, TEXTS, load_smollm2  # noqa: E402

FAMILIES = OUT / "families"
SMOLLM2_LAYERS = [0, 12, 29]
SMOLLM2_MULTI = (5, 20)
# Families in order of preference; the first FAMILY_COUNT that load are used.
FAMILY_NAMES = ["llama3_rope", "qwen3", "gemma3", "gpt2", "phi3_plain", "mistral_window", "olmo2"]
FAMILY_COUNT = 6
FAMILY_IDS_SEED = 4242
FAMILY_IDS_COUNT = 12
FAMILY_TARGETS = [11, 7]
RANDOM_SEED = 7001  # + case index, for the random pairs

KNOCKOUT = "rat_knockout"
DEFINITION = (
    "A knockout set is a list of [layer, query, key] (layer = index in the decoder layer list, key <= query). "
    "For each layer in the set, in every head, the attention score of query to key is set to -inf before the "
    "softmax (after scaling, logit softcapping and the causal/sliding-window masks), so that row renormalizes "
    "over its other keys; nothing else changes. Run on ids[0..target] (use_cache=False, float32, eager). "
    "predicted_token_id = argmax of the un-knocked-out logits at target; base_logprob = "
    "log_softmax(base logits[target])[predicted]; delta_logprob = log_softmax(knocked logits[target])[predicted] "
    "- base_logprob; log_softmax in float64 of transformers' float32 logits."
)


class Knockout:
    """State of the registered attention function: which module is which layer, and the current set."""
    layer_of = {}        # attention module -> layer index
    edges = {}           # layer -> list of (query, key)
    calls = []           # layers seen in the current forward


def knockout_attention(module, query, key, value, attention_mask, **kwargs):
    eager = sys.modules[type(module).__module__].eager_attention_forward
    layer = Knockout.layer_of[module]
    Knockout.calls.append(layer)
    pairs = Knockout.edges.get(layer)
    if pairs:
        assert attention_mask is not None and attention_mask.is_floating_point(), "expected an eager float mask"
        knock = torch.zeros(query.shape[-2], key.shape[-2], dtype=attention_mask.dtype)
        for q, k in pairs:
            knock[q, k] = float("-inf")
        attention_mask = attention_mask + knock
    return eager(module, query, key, value, attention_mask, **kwargs)


AttentionInterface.register(KNOCKOUT, knockout_attention)
AttentionMaskInterface.register(KNOCKOUT, eager_mask)


def decoder_layers(model):
    inner = getattr(model, "model", None) or getattr(model, "transformer")
    return list(getattr(inner, "layers", None) or getattr(inner, "h"))


def prepare(model):
    """Maps every attention module to its layer index and switches the model to the knockout function."""
    Knockout.layer_of = {}
    for i, layer in enumerate(decoder_layers(model)):
        attn = getattr(layer, "self_attn", None) or getattr(layer, "attn")
        assert hasattr(sys.modules[type(attn).__module__], "eager_attention_forward"), type(attn)
        Knockout.layer_of[attn] = i
    model.set_attn_implementation(KNOCKOUT)
    assert model.config._attn_implementation == KNOCKOUT, model.config._attn_implementation
    return len(Knockout.layer_of)


def forward(model, ids, edges, attentions=False):
    """float32 logits [n, vocab] (and attentions [layer][head, n, n]) with the knockout set `edges`."""
    Knockout.edges = {}
    for layer, q, k in edges:
        assert 0 <= k <= q < len(ids), (layer, q, k)
        Knockout.edges.setdefault(layer, []).append((q, k))
    Knockout.calls = []
    with torch.no_grad():
        out = model(input_ids=torch.tensor([ids]), use_cache=False, output_attentions=attentions)
    assert Knockout.calls == list(range(len(Knockout.layer_of))), Knockout.calls
    logits = out.logits[0].to(torch.float32)
    atts = [a[0].to(torch.float32) for a in out.attentions] if attentions else None
    return logits, atts


def plain_eager_logits(model, ids):
    model.set_attn_implementation("eager")
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids]), use_cache=False).logits[0].to(torch.float32)
    model.set_attn_implementation(KNOCKOUT)
    return logits


def logprob(logits_row, token):
    return float(torch.log_softmax(logits_row.to(torch.float64), dim=-1)[token])


def strongest(att, layer, query, count=1, exclude_zero=False):
    """The `count` keys j < query with the largest mean-over-heads attention at `layer` (descending)."""
    row = att[layer].mean(0)[query, :query].to(torch.float64).numpy()
    order = [int(j) for j in np.argsort(-row, kind="stable") if not (exclude_zero and j == 0)]
    return order[:count]


def random_pairs(rng, layer, target, count=3):
    pairs = []
    while len(pairs) < count:
        q = int(rng.randint(1, target + 1))
        k = int(rng.randint(0, q))
        if [layer, q, k] not in pairs:
            pairs.append([layer, q, k])
    return pairs


def check_case(model, ids, target, base_atts, sets):
    """All keys but one -> attention 1 on it; lowest knocked layer = base renormalized."""
    prefix = ids[:target + 1]
    layer = sets[0]["edges"][0][0]
    keep = strongest(base_atts, layer, target)[0]
    cut = [[layer, target, k] for k in range(target + 1) if k != keep]
    _, atts = forward(model, prefix, cut, attentions=True)
    row = atts[layer][:, target, :]
    assert torch.allclose(row[:, keep], torch.ones_like(row[:, keep]), atol=1e-6), row[:, keep]
    assert float(row.sum(-1).sub(1).abs().max()) < 1e-5
    for s in sets:
        if not s["edges"]:
            continue
        _, atts = forward(model, prefix, s["edges"], attentions=True)
        low = min(e[0] for e in s["edges"])
        expect = base_atts[low].to(torch.float64).clone()
        for l, q, k in s["edges"]:
            if l == low:
                expect[:, q, k] = 0
        expect = expect / expect.sum(-1, keepdim=True)
        err = float((atts[low].to(torch.float64) - expect).abs().max())
        assert err < 1e-5, (s["edges"], err)
        for l in range(low):
            assert torch.equal(atts[l], base_atts[l]), l


def make_case(model, label, ids, target, layers, multi, case_index, text=None, chain=False, to_zero=False):
    prefix = ids[:target + 1]
    base, base_atts = forward(model, prefix, [], attentions=True)
    plain = plain_eager_logits(model, prefix)
    assert torch.equal(base, plain), f"{label}: empty knockout differs from a plain eager forward"
    predicted = int(torch.argmax(base[target]))
    base_lp = logprob(base[target], predicted)
    rng = np.random.RandomState(RANDOM_SEED + case_index)

    edge_sets = []
    for L in layers:
        j1, j2 = strongest(base_atts, L, target, 2)
        edge_sets.append([[L, target, j1], [L, target, j2]])
        if chain:
            head = j1 if j1 > 0 else j2  # key 0 has no earlier key: chain through the runner-up then
            k1 = strongest(base_atts, L, head)[0]
            edge_sets.append([[L, target, head], [L, head, k1]])
        edge_sets.append(random_pairs(rng, L, target))
        if to_zero:
            edge_sets.append([[L, target, 0]])
    first, second = multi
    if second < len(Knockout.layer_of) - 1:
        # [[first, target, j], [second, i, k]]: i = the target's strongest key > 0 at `second`
        j = strongest(base_atts, first, target)[0]
        i = strongest(base_atts, second, target, exclude_zero=True)[0]
        k = strongest(base_atts, second, i)[0]
        edge_sets.append([[first, target, j], [second, i, k]])
    else:
        # on the last layer only the target's row reaches the target's logits, so the earlier layer
        # carries the non-target edge: [[first, i, k], [second, target, j]], i = the target's strongest
        # key > 0 at `second`, k = i's strongest key at `first`, j = the target's strongest key != i
        i = strongest(base_atts, second, target, exclude_zero=True)[0]
        k = strongest(base_atts, first, i)[0]
        j = next(x for x in strongest(base_atts, second, target, 2) if x != i)
        edge_sets.append([[first, i, k], [second, target, j]])
    edge_sets.append([])

    sets = []
    for edges in edge_sets:
        logits, _ = forward(model, prefix, edges)
        delta = logprob(logits[target], predicted) - base_lp
        if not edges:
            assert delta == 0.0 and torch.equal(logits, base)
        sets.append({"edges": edges, "delta_logprob": delta})
    check_case(model, ids, target, base_atts, sets)
    case = {"model": label}
    if text is not None:
        case["text"] = text
    case.update({"ids": [int(t) for t in ids], "target": target, "predicted_token_id": predicted,
                 "base_logprob": base_lp, "sets": sets})
    deltas = " ".join(f"{s['delta_logprob']:+.4f}" for s in sets)
    print(f"{label:24s} n={target + 1:2d} predicted={predicted} base={base_lp:.4f} deltas: {deltas}", flush=True)
    return case


def main():
    start = time.time()
    tok, model, _ = load_smollm2(__doc__)
    assert prepare(model) == 30
    cases = []
    for text in TEXTS:
        ids = tok(text, return_tensors="pt").input_ids[0].tolist()
        cases.append(make_case(model, "smollm2", ids, len(ids) - 1, SMOLLM2_LAYERS, SMOLLM2_MULTI, len(cases),
                               text=text, chain=True, to_zero=True))
    del model

    used, skipped = [], []
    for name in FAMILY_NAMES:
        if len(used) == FAMILY_COUNT:
            break
        try:
            model = transformers.AutoModelForCausalLM.from_pretrained(FAMILIES / name, attn_implementation="eager",
                                                                      dtype=torch.float32)
            model.eval()
            n_layers = prepare(model)
        except Exception as e:  # noqa: BLE001  (a family this transformers cannot load is reported and skipped)
            skipped.append(f"{name}: {type(e).__name__}: {e}")
            continue
        ids = np.random.RandomState(FAMILY_IDS_SEED).randint(0, model.config.vocab_size, FAMILY_IDS_COUNT).tolist()
        last = n_layers - 1
        for target in FAMILY_TARGETS:
            cases.append(make_case(model, f"families/{name}", ids, target, [0, last], (0, last), len(cases)))
        used.append(name)
    for s in skipped:
        print("skipped", s)

    out = {"generator": "tools/runtime/make_knockout_fixtures.py", "definition": DEFINITION, "cases": cases}
    path = OUT / "knockout.json"
    path.write_text(json.dumps(out) + "\n")
    print(f"{len(cases)} cases ({', '.join(used)}), {path.stat().st_size} bytes, {time.time() - start:.1f} s")


if __name__ == "__main__":
    main()
