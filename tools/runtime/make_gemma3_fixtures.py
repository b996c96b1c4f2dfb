#!/usr/bin/env python3
"""Golden attention from transformers for rat's runtime on Gemma 3 270M (eager attention, float32).

For gemma-3-270m-q4_k_m.gguf (fetched by scripts/fetch-assets.sh gemma3, loaded by transformers with
gguf_file=, which dequantizes it in Python: about a minute) writes every layer's attention (18 layers)
aggregated over heads with mean and with max:
  - four short texts: the lower triangle, per layer mean then max, as 16-bit fixed point
    (value * 65535, rounded: error <= 7.7e-6) to Fixtures/runtime/gemma3_t{i}.u16;
  - one 640-token id sequence, longer than the 512-token sliding window: only the last 8 query
    rows of each layer (each a full row of 640 key positions), per layer mean then max, as float32
    little-endian to Fixtures/runtime/gemma3_long.f32, so the window edge on local layers is tested;
and to gemma3_attention.json the token ids and layout, the top-20 last-position logits of text 1,
the config as transformers read it, and the GGUF's gemma3.*/general.* metadata and block-0 tensors.

Usage (reference environment):
    python tools/runtime/make_gemma3_fixtures.py [--gguf ~/.cache/rat/models/gemma-3-270m-q4_k_m.gguf]
"""
import argparse
import hashlib
import json
import os
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "Fixtures" / "runtime"
TEXTS = [
    "Hello",
    "The quick brown fox jumps over the lazy dog.",
    "<start_of_turn>user\nWhat is the capital of France?<end_of_turn>\n<start_of_turn>model\n",
    "Attention is a mechanism that lets each token look back at earlier tokens and weigh them. "
    "In a causal language model, the token at position t can only attend to positions 0 through t, "
    "which is why the attention matrix is lower triangular. Tracing attention backwards from one token "
    "shows which earlier words carried the most weight, layer by layer, as the model read the sentence "
    "from left to right, one token at a time, until it reached the end of this long example text.",
]
LONG_PARAGRAPHS = [
    "The river rose slowly through the spring, and the people of the valley watched it from the bridge "
    "each morning, counting the stones that were still dry.",
    "A lighthouse keeper kept a notebook of every ship that passed, writing down its name, its flag and "
    "the hour, even on nights when the fog hid everything but the horn.",
    "In the old library the clocks had stopped long ago, yet the readers still came at nine and left at "
    "five, as if the building itself remembered the time.",
    "Bakers in the northern towns rise before dawn to light their ovens, and by sunrise the streets smell "
    "of rye, caraway and smoke from a hundred chimneys.",
    "When the engineers finished the tunnel, they found that the two halves met within a hand's width, "
    "a small miracle of patient measurement and careful arithmetic.",
]
LONG_LEN = 640
LONG_ROWS = 8
TOP_K = 20


def gguf_facts(path):
    """The gemma3.* and general.* metadata (and tokenizer scalars), the other keys' names, every tensor
    outside blocks 1+, and for each block tensor role the ggml types it has across the blocks."""
    from gguf import GGUFReader

    reader = GGUFReader(path)
    meta, other = {}, []
    for key, field in reader.fields.items():
        if key.startswith(("gemma3.", "general.")) or (key.startswith("tokenizer.") and len(field.data) == 1):
            meta[key] = field.contents()
        else:
            other.append(f"{key} ({len(field.data)} values)" if len(field.data) > 1 else key)
    tensors, roles = [], {}
    for t in reader.tensors:
        if t.name.startswith("blk."):
            block, role = t.name.split(".", 2)[1:]
            roles.setdefault(role, {}).setdefault(t.tensor_type.name, []).append(int(block))
            if block != "0":
                continue
        tensors.append({"name": t.name, "type": t.tensor_type.name, "shape": [int(d) for d in t.shape]})
    return meta, other, tensors, roles


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gguf", default=os.path.expanduser("~/.cache/rat/models/gemma-3-270m-q4_k_m.gguf"))
    args = ap.parse_args()
    from transformers import AutoModelForCausalLM, AutoTokenizer

    meta, other_keys, tensors, roles = gguf_facts(args.gguf)
    print("GGUF metadata (gemma3.*, general.*):")
    for k, v in meta.items():
        print(f"  {k} = {v!r}")
    print("other keys:", ", ".join(other_keys))
    print("tensors (block 0 and non-block):")
    for t in tensors:
        print(f"  {t['name']:32s} {t['type']:6s} {t['shape']}")
    print("types per block tensor role (type: blocks):")
    for role, types in roles.items():
        print(f"  {role:28s} {types}")

    sha = hashlib.sha256(Path(args.gguf).read_bytes()).hexdigest()
    folder, name = os.path.dirname(args.gguf), os.path.basename(args.gguf)
    start = time.time()
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    print(f"tokenizer loaded in {time.time() - start:.1f} s", flush=True)
    start = time.time()
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32, attn_implementation="eager")
    model.eval()
    print(f"model loaded in {time.time() - start:.1f} s", flush=True)
    config = model.config.to_dict()
    print("config:", json.dumps(config, indent=1, default=str))

    OUT.mkdir(parents=True, exist_ok=True)
    manifest = {"generator": "tools/runtime/make_gemma3_fixtures.py", "model": name, "sha256": sha,
                "encoding": "per layer, then mean and max: lower triangle row by row, uint16 little-endian = round(value * 65535)",
                "long_encoding": "per layer, then mean and max: the last rows_stored query rows, each all ids.length "
                                 "key positions, float32 little-endian",
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
        (OUT / f"gemma3_t{t}.u16").write_bytes(data.tobytes())
        manifest["texts"].append({"file": f"gemma3_t{t}.u16", "text": text, "ids": ids[0].tolist(),
                                  "layers": len(out.attentions)})
        print(t, n, data.nbytes, tok.convert_ids_to_tokens(ids[0].tolist())[:12], flush=True)
        if t == 1:
            logits = out.logits[0, -1]
            top = torch.topk(logits, TOP_K)
            manifest["logits_text1"] = {"text_index": 1, "position": n - 1, "vocab": int(logits.shape[0]),
                                        "top_ids": top.indices.tolist(), "top_logits": top.values.tolist(),
                                        "top_tokens": tok.convert_ids_to_tokens(top.indices.tolist())}
            print("top logits:", list(zip(manifest["logits_text1"]["top_tokens"], top.values.tolist())))

    parts, k = [], 0
    while True:
        rotated = LONG_PARAGRAPHS[k % len(LONG_PARAGRAPHS):] + LONG_PARAGRAPHS[:k % len(LONG_PARAGRAPHS)]
        parts.append(" ".join(f"({k + 1}.{i + 1}) {p}" for i, p in enumerate(rotated)))
        ids = tok(" ".join(parts)).input_ids
        if len(ids) >= LONG_LEN:
            break
        k += 1
    ids = ids[:LONG_LEN]
    assert ids[0] == tok.bos_token_id
    with torch.no_grad():
        out = model(input_ids=torch.tensor([ids]), output_attentions=True, use_cache=False)
    chunks = []
    for layer_attn in out.attentions:
        heads = layer_attn[0, :, -LONG_ROWS:, :]
        for m in (heads.mean(dim=0), heads.max(dim=0).values):
            chunks.append(m.numpy().astype("<f4").ravel())
    data = np.concatenate(chunks)
    (OUT / "gemma3_long.f32").write_bytes(data.tobytes())
    reach = [int((a[0, 0, -1] > 0).sum()) for a in out.attentions]
    print("long", len(ids), data.nbytes, "keys attended by the last row per layer:", reach, flush=True)
    manifest["long"] = {"file": "gemma3_long.f32", "ids": ids, "rows_stored": LONG_ROWS,
                        "layers": len(out.attentions), "keys_attended_by_last_row": reach}

    manifest["config"] = config
    manifest["gguf"] = {"metadata": meta, "other_keys": other_keys, "tensors_block0_and_globals": tensors,
                        "block_tensor_types": roles,
                        "transformers_loader": "Gemma2TensorProcessor: every tensor whose GGUF name contains "
                                               "'norm.weight' gets weights - 1 (HF Gemma3RMSNorm computes x * (1 + w), "
                                               "the GGUF stores 1 + w); no q/k permutation for gemma3"}
    (OUT / "gemma3_attention.json").write_text(json.dumps(manifest, indent=1, default=str))


if __name__ == "__main__":
    main()
