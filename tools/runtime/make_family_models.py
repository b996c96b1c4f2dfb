#!/usr/bin/env python3
"""Tiny random-weight checkpoints of many model families, with golden attention/logits and GGUF twins.

For each model in SPECS below (Llama with biases and every rope scaling type, Mistral sliding window,
Qwen3, Qwen3-MoE, Mixtral, Gemma 2, Gemma 3, Phi-3 longrope and plain, GPT-2, OLMo 2, SmolLM3) this:

  1. builds the transformers (5.x) config and model, sets EVERY parameter (norm gains and biases too)
     to N(0, 0.3) under a fixed per-model torch seed, casts to the model's storage dtype
     (float32, bfloat16 or float16) and writes it with save_pretrained to
     Fixtures/runtime/families/<name>/ (config.json + model.safetensors; generation_config.json removed);
  2. loads that folder back (attn_implementation="eager", dtype float32), runs the fixed 40-id sequence
     IDS with use_cache=False, output_attentions=True, and writes Fixtures/runtime/families/<name>.f32:
     little-endian float32, for each layer in order: mean over heads [n*n], max over heads [n*n],
     then every head [H*n*n] (full square matrices, rows = query, zeros above the diagonal and outside
     sliding windows); the last position's logits [vocab] go to manifest.json;
  3. for llama3_rope, qwen3, gemma3 and phi3_longrope writes config.v4.json: the same model as
     transformers 4.x wrote it (top-level rope_theta, rope_scaling, torch_dtype, Gemma 3's
     rope_local_base_freq/sliding_window_pattern, Phi-3's top-level original_max_position_embeddings /
     partial_rotary_factor) and checks that transformers 5 loads it to bit-identical logits;
  4. writes Fixtures/runtime/families/<name>.gguf the way llama.cpp's convert_hf_to_gguf.py
     (conversion/*.py) does for that family: same arch, same <arch>.* keys, tensor names from
     gguf.get_tensor_name_map, Llama-arch q/k row permutation, Gemma norm +1, MoE experts stacked into
     ffn_{gate,up,down}_exps, Llama-3 rope_freqs, Phi-3 rope_factors_long/short, GPT-2 Conv1D transposes.
     Tensor types are exact: F32 for float32 checkpoints (as with --outtype f32), BF16/F16 for the 2-D
     tensors of bf16/f16 checkpoints (the converter's auto outtype), F32 for 1-D tensors, the MoE router
     and position embeddings (as the converter forces). No tokenizer keys are written.
     Models llama.cpp cannot represent get gguf=null and a gguf_note in the manifest.

Everything is deterministic (fixed seeds, one CPU thread): rerunning reproduces the same bytes.

Usage (reference environment: torch CPU, transformers 5.24, gguf-py 0.19):
    /work/refenv/bin/python tools/runtime/make_family_models.py [--only name,name]
"""
import argparse
import copy
import json
import math
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

import gguf  # noqa: E402
import transformers  # noqa: E402
from safetensors.torch import load_file  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "Fixtures" / "runtime" / "families"

# 40 fixed token ids in 0..255 (longer than every sliding window (8) and every original rope length (16)).
IDS = [17, 203, 88, 5, 141, 62, 250, 33, 119, 7, 196, 74, 228, 12, 159, 91, 45, 182, 3, 137,
       66, 214, 29, 108, 241, 55, 170, 80, 9, 189, 123, 38, 233, 101, 14, 147, 70, 221, 52, 164]

VOCAB = 256
HIDDEN = 64
HEADS = 4
KV_HEADS = 2
FF = 32

COMMON = dict(vocab_size=VOCAB, hidden_size=HIDDEN, intermediate_size=FF, num_hidden_layers=3,
              num_attention_heads=HEADS, num_key_value_heads=KV_HEADS, pad_token_id=0, bos_token_id=1,
              eos_token_id=2, max_position_embeddings=64)

# Fixed Phi-3 longrope factors, one per rotary pair (rotary dim = 16 * 0.75 = 12 -> 6 pairs), in [1, 4].
PHI3_SHORT = [1.0, 1.25, 1.5, 2.0, 2.5, 3.0]
PHI3_LONG = [1.1, 1.7, 2.3, 2.9, 3.4, 4.0]


def spec(name, family, cls, cfg_cls, cfg, dtype, seed, exercises, gguf_arch, gguf_note=None,
         gguf_exact=True, v4=False):
    return dict(name=name, family=family, cls=cls, cfg_cls=cfg_cls, cfg=cfg, dtype=dtype, seed=seed,
                exercises=exercises, gguf_arch=gguf_arch, gguf_note=gguf_note, gguf_exact=gguf_exact, v4=v4)


def c(**kw):
    d = dict(COMMON)
    d.update(kw)
    return d


SPECS = [
    spec("llama_plain_attnbias", "llama", "LlamaForCausalLM", "LlamaConfig",
         c(attention_bias=True, mlp_bias=True, tie_word_embeddings=False,
           rope_parameters={"rope_type": "default", "rope_theta": 10000.0}),
         torch.float32, 1001, "Llama with q/k/v/o biases and MLP biases, untied lm_head, plain rope",
         "llama"),
    spec("llama3_rope", "llama", "LlamaForCausalLM", "LlamaConfig",
         c(tie_word_embeddings=True,
           rope_parameters={"rope_type": "llama3", "rope_theta": 200.0, "factor": 8.0, "low_freq_factor": 1.0,
                            "high_freq_factor": 4.0, "original_max_position_embeddings": 16}),
         torch.bfloat16, 1002, "Llama 3.1 rope scaling (llama3: factor 8, low 1, high 4, original 16), tied "
         "embeddings, bf16 weights", "llama", v4=True),
    spec("llama_rope_linear", "llama", "LlamaForCausalLM", "LlamaConfig",
         c(tie_word_embeddings=True,
           rope_parameters={"rope_type": "linear", "rope_theta": 10000.0, "factor": 2.0}),
         torch.float16, 1003, "linear rope scaling factor 2 (positions / 2), tied, f16 weights", "llama"),
    spec("llama_rope_dynamic", "llama", "LlamaForCausalLM", "LlamaConfig",
         c(tie_word_embeddings=True, max_position_embeddings=16,
           rope_parameters={"rope_type": "dynamic", "rope_theta": 10000.0, "factor": 2.0}),
         torch.bfloat16, 1004, "dynamic NTK rope factor 2 with max_position_embeddings 16 < 40 ids, so the "
         "base is recomputed for seq_len 40", None,
         gguf_note="llama.cpp has no dynamic-NTK rope: convert_hf_to_gguf writes no rope.scaling keys for "
         "rope_type dynamic, so a GGUF would silently run unscaled rope"),
    spec("llama_rope_yarn", "llama", "LlamaForCausalLM", "LlamaConfig",
         c(tie_word_embeddings=True,
           rope_parameters={"rope_type": "yarn", "rope_theta": 10000.0, "factor": 4.0,
                            "original_max_position_embeddings": 16}),
         torch.float16, 1005, "YaRN rope factor 4, original 16, default beta_fast 32 / beta_slow 1, attention "
         "factor 0.1*ln(4)+1 on cos/sin, tied, f16 weights", "llama"),
    spec("mistral_window", "mistral", "MistralForCausalLM", "MistralConfig",
         c(tie_word_embeddings=False, sliding_window=8, head_dim=24,
           rope_parameters={"rope_type": "default", "rope_theta": 10000.0}),
         torch.float16, 1006, "Mistral sliding window 8 on every layer, explicit head_dim 24 != hidden/heads, "
         "untied, f16",
         "llama", gguf_exact=False,
         gguf_note="convert_hf_to_gguf writes MistralForCausalLM as arch llama and writes no sliding_window "
         "key, so llama.cpp runs this GGUF with full causal attention: it matches the golden only on rows "
         "< 8; the weights/heads/head_dim are exact"),
    spec("qwen3", "qwen3", "Qwen3ForCausalLM", "Qwen3Config",
         c(tie_word_embeddings=True, head_dim=32,
           rope_parameters={"rope_type": "default", "rope_theta": 1000000.0}),
         torch.bfloat16, 1007, "Qwen3 per-head q_norm/k_norm (RMS over head_dim before rope), head_dim 32 "
         "independent of hidden/heads, tied, bf16", "qwen3", v4=True),
    spec("qwen3_moe", "qwen3_moe", "Qwen3MoeForCausalLM", "Qwen3MoeConfig",
         c(tie_word_embeddings=True, head_dim=16, intermediate_size=48, moe_intermediate_size=32,
           num_experts=4, num_experts_per_tok=2, norm_topk_prob=True, decoder_sparse_step=1,
           mlp_only_layers=[], rope_parameters={"rope_type": "default", "rope_theta": 10000.0}),
         torch.bfloat16, 1008, "Qwen3-MoE: 4 experts, top-2 of softmax, renormalized (norm_topk_prob), "
         "moe_intermediate 32 (feed_forward_length 48 is unused), every layer sparse (mlp_only_layers=[]: a dense "
         "layer cannot be written to a qwen3moe GGUF, see notes), tied, bf16", "qwen3moe"),
    spec("qwen3_moe_dense", "qwen3_moe", "Qwen3MoeForCausalLM", "Qwen3MoeConfig",
         c(tie_word_embeddings=True, head_dim=16, intermediate_size=48, moe_intermediate_size=32,
           num_experts=4, num_experts_per_tok=2, norm_topk_prob=False, decoder_sparse_step=1,
           mlp_only_layers=[1], rope_parameters={"rope_type": "default", "rope_theta": 10000.0}),
         torch.float32, 1016, "Qwen3-MoE with a dense MLP on layer 1 (mlp_only_layers) and top-k weights not "
         "renormalized (norm_topk_prob false), f32", None,
         gguf_note="llama.cpp's qwen3moe has no dense feed-forward tensors, so a dense layer cannot be written"),
    spec("mixtral", "mixtral", "MixtralForCausalLM", "MixtralConfig",
         c(tie_word_embeddings=True, num_local_experts=4, num_experts_per_tok=2, sliding_window=None,
           rope_parameters={"rope_type": "default", "rope_theta": 1000000.0}),
         torch.bfloat16, 1009, "Mixtral: 4 experts top-2 (softmax over all, top-k, renormalize), tied, bf16",
         "llama"),
    spec("gemma2", "gemma2", "Gemma2ForCausalLM", "Gemma2Config",
         c(num_hidden_layers=4, head_dim=16, query_pre_attn_scalar=24, attn_logit_softcapping=3.0,
           final_logit_softcapping=5.0, sliding_window=8, hidden_activation="gelu_pytorch_tanh",
           tie_word_embeddings=True, layer_types=["sliding_attention", "full_attention"] * 2,
           rope_parameters={"rope_type": "default", "rope_theta": 10000.0}),
         torch.bfloat16, 1010, "Gemma 2: (1+w) RMSNorms incl. post-attn/post-ffn norms, sqrt(hidden) embedding "
         "scale, attn softcap 3, final softcap 5, query_pre_attn_scalar 24 != head_dim 16, sliding window 8 "
         "on layers 0,2, bf16", "gemma2", gguf_exact=False,
         gguf_note="convert_hf_to_gguf writes no key for query_pre_attn_scalar (llama.cpp uses "
         "1/sqrt(head_dim), or 1/sqrt(hidden/heads) only for the 27B size), so this GGUF scales scores by "
         "1/sqrt(16) where transformers uses 1/sqrt(24); everything else is exact"),
    spec("gemma3", "gemma3_text", "Gemma3ForCausalLM", "Gemma3TextConfig",
         c(num_hidden_layers=6, head_dim=16, query_pre_attn_scalar=16, sliding_window=8,
           tie_word_embeddings=True, hidden_activation="gelu_pytorch_tanh",
           layer_types=["sliding_attention"] * 5 + ["full_attention"],
           rope_parameters={"sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
                            "full_attention": {"rope_type": "linear", "factor": 8.0, "rope_theta": 1000000.0}}),
         torch.bfloat16, 1011, "Gemma 3: 5 sliding (window 8, theta 1e4, no scaling) : 1 global (theta 1e6, "
         "linear factor 8), q_norm/k_norm with (1+w), 4 norms per block, sqrt(hidden) embedding scale, tied, bf16",
         "gemma3", v4=True),
    spec("gemma3_multimodal", "gemma3", "Gemma3ForConditionalGeneration", "Gemma3Config",
         dict(text_config=dict(hidden_size=64, intermediate_size=32, num_hidden_layers=3, num_attention_heads=4,
                               num_key_value_heads=2, head_dim=16, vocab_size=256, sliding_window=8,
                               query_pre_attn_scalar=16, layer_types=["sliding_attention", "sliding_attention",
                                                                      "full_attention"],
                               rope_parameters={"sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
                                                "full_attention": {"rope_type": "linear", "rope_theta": 1000000.0,
                                                                   "factor": 4.0}}),
              vision_config=dict(hidden_size=16, intermediate_size=16, num_hidden_layers=1, num_attention_heads=2,
                                 image_size=28, patch_size=14),
              mm_tokens_per_image=4, boi_token_index=252, eoi_token_index=253, image_token_index=254),
         torch.float32, 1017, "Gemma 3 as the 4B/12B/27B checkpoints are published (Gemma3ForConditionalGeneration: "
         "text_config, a vision tower, language_model.model.* names), traced on text ids", None,
         gguf_note="llama.cpp converts the text model of these to a plain gemma3 GGUF (covered by gemma3)"),
    spec("phi3_longrope", "phi3", "Phi3ForCausalLM", "Phi3Config",
         c(tie_word_embeddings=True, original_max_position_embeddings=16, max_position_embeddings=64,
           rope_parameters={"rope_type": "longrope", "rope_theta": 10000.0, "partial_rotary_factor": 0.75,
                            "short_factor": PHI3_SHORT, "long_factor": PHI3_LONG,
                            "original_max_position_embeddings": 16}),
         torch.float32, 1012, "Phi-3/Phi-4-mini longrope: partial rotary 0.75 (12 of 16 dims), long factors "
         "(40 > 16), attention factor sqrt(1+ln(64/16)/ln(16)), fused qkv_proj and gate_up_proj, tied", "phi3",
         v4=True),
    spec("phi3_plain", "phi3", "Phi3ForCausalLM", "Phi3Config",
         c(tie_word_embeddings=False, original_max_position_embeddings=64,
           rope_parameters={"rope_type": "default", "rope_theta": 10000.0, "partial_rotary_factor": 1.0}),
         torch.float16, 1013, "Phi-3 without rope scaling, full rotary, fused qkv/gate_up, untied, f16", "phi3"),
    spec("gpt2", "gpt2", "GPT2LMHeadModel", "GPT2Config",
         dict(vocab_size=VOCAB, n_embd=HIDDEN, n_head=HEADS, n_layer=3, n_positions=64,
              activation_function="gelu_new", bos_token_id=1, eos_token_id=2, tie_word_embeddings=True),
         torch.float16, 1014, "GPT-2: learned positions, LayerNorm with bias, Conv1D [in,out] weights, fused "
         "c_attn, gelu_new, MHA (4 KV heads), tied, f16", "gpt2"),
    spec("olmo2", "olmo2", "Olmo2ForCausalLM", "Olmo2Config",
         c(tie_word_embeddings=False, rope_parameters={"rope_type": "default", "rope_theta": 500000.0}),
         torch.bfloat16, 1015, "OLMo 2: post-norms only (norm after attn and after mlp, before the residual add), "
         "q_norm over all heads (64) and k_norm over all kv heads (32) before the head split, untied, bf16", "olmo2"),
    spec("smollm3", "smollm3", "SmolLM3ForCausalLM", "SmolLM3Config",
         c(num_hidden_layers=4, no_rope_layer_interval=4, tie_word_embeddings=True,
           rope_parameters={"rope_type": "default", "rope_theta": 5000000.0}),
         torch.bfloat16, 1016, "SmolLM3: NoPE on every 4th layer (layer 3 has no rope; no_rope_layers "
         "[1,1,1,0]), tied, bf16", "smollm3"),
]


# ----------------------------------------------------------------------------------------------------------
# transformers side


def build_and_save(s, folder):
    cfg = getattr(transformers, s["cfg_cls"])(**copy.deepcopy(s["cfg"]))
    torch.manual_seed(s["seed"])
    model = getattr(transformers, s["cls"])(cfg)
    with torch.no_grad():
        for _, p in model.named_parameters():
            p.normal_(0.0, 0.3)
    model = model.to(s["dtype"])
    model.config.dtype = s["dtype"]
    if folder.exists():
        shutil.rmtree(folder)
    model.save_pretrained(folder)
    gen = folder / "generation_config.json"
    if gen.exists():
        gen.unlink()


def run_golden(folder):
    model = transformers.AutoModelForCausalLM.from_pretrained(folder, attn_implementation="eager",
                                                              dtype=torch.float32)
    model.eval()
    with torch.no_grad():
        out = model(torch.tensor([IDS]), use_cache=False, output_attentions=True)
    atts = [a[0].to(torch.float32) for a in out.attentions]  # [H, n, n]
    logits = out.logits[0, -1].to(torch.float32)
    return model, atts, logits


def write_attention(path, atts):
    chunks = []
    for a in atts:
        chunks += [a.mean(0).numpy().ravel(), a.amax(0).numpy().ravel(), a.numpy().ravel()]
    np.concatenate(chunks).astype("<f4").tofile(path)


def check_attention(name, atts):
    n = len(IDS)
    best = 0.0
    for li, a in enumerate(atts):
        assert torch.all(torch.triu(a, 1) == 0), f"{name}: layer {li} attends to the future"
        rows = a.sum(-1)
        assert torch.allclose(rows, torch.ones_like(rows), atol=1e-5), f"{name}: rows do not sum to 1"
        mx = a.amax(0)
        inside = mx[(mx > 0.5) & (mx < 1.0)]
        assert inside.numel() > 0, f"{name}: layer {li} has no max-over-heads value in (0.5, 1)"
        # peakedness well past the first rows: the largest weight in the last 20 rows
        best = max(best, float(mx[n // 2:].max()))
    return best


def to_v4_config(d, s):
    """The config.json transformers 4.x wrote for the same model."""
    d = copy.deepcopy(d)
    rp = d.pop("rope_parameters")
    d["torch_dtype"] = d.pop("dtype")
    d["transformers_version"] = "4.57.1"
    if s["name"] == "gemma3":
        full, slide = rp["full_attention"], rp["sliding_attention"]
        d["rope_theta"] = full["rope_theta"]
        d["rope_local_base_freq"] = slide["rope_theta"]
        d["rope_scaling"] = {"rope_type": full["rope_type"], "factor": full["factor"]}
        d["sliding_window_pattern"] = 6
        d.pop("layer_types")  # 4.5x-era Gemma 3 configs: derived from sliding_window_pattern
        return d
    d["rope_theta"] = rp.pop("rope_theta")
    if "partial_rotary_factor" in rp:
        d["partial_rotary_factor"] = rp.pop("partial_rotary_factor")
    rtype = rp.pop("rope_type")
    if s["family"] == "phi3":
        d["original_max_position_embeddings"] = rp.pop("original_max_position_embeddings")
        d["rope_scaling"] = None if rtype == "default" else {"type": rtype, **rp}
    else:
        d["rope_scaling"] = None if rtype == "default" else {"rope_type": rtype, **rp}
    return d


def check_v4(folder, logits, model):
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        shutil.copy(folder / "model.safetensors", tmp / "model.safetensors")
        shutil.copy(folder / "config.v4.json", tmp / "config.json")
        _, _, logits4 = run_golden(tmp)
        cfg4 = transformers.AutoConfig.from_pretrained(tmp)
    assert torch.equal(logits, logits4), "config.v4.json loads to different logits"
    strip = lambda rp: {k: v for k, v in rp.items() if k != "type"}  # noqa: E731  (legacy alias kept by v5)
    assert strip(cfg4.rope_parameters) == strip(model.config.rope_parameters), (cfg4.rope_parameters,
                                                                               model.config.rope_parameters)
    if hasattr(cfg4, "layer_types"):
        assert cfg4.layer_types == model.config.layer_types


# ----------------------------------------------------------------------------------------------------------
# GGUF side: a transcription of llama.cpp convert_hf_to_gguf.py (conversion/base.py TextModel, llama.py,
# qwen.py, gemma.py, phi.py, gpt2.py, olmo.py, smollm3.py) for these families, reading config.json and
# model.safetensors from disk exactly as the converter does.


def converter_rope_parameters(hp):
    """TextModel.__init__: rope_parameters, back-filled from legacy top-level keys."""
    rp = copy.deepcopy(hp.get("rope_parameters", hp.get("rope_scaling")) or {})
    find = lambda keys: next((hp[k] for k in keys if k in hp), None)  # noqa: E731
    rope_theta = find(["rope_theta", "global_rope_theta", "rope_global_theta", "rope_theta_global",
                       "rotary_emb_base"])
    local = find(["local_rope_theta", "rope_local_theta", "rope_theta_local", "swa_rope_theta",
                  "rope_local_base_freq"])
    prf = find(["partial_rotary_factor", "rope_pct", "rope_percent"])
    omp = find(["original_max_position_embeddings"])
    if "full_attention" not in rp and "sliding_attention" not in rp:
        if local is not None:
            rp["sliding_attention"] = {"rope_theta": local}
        if "rope_theta" not in rp and rope_theta is not None:
            rp["rope_theta"] = rope_theta
        if "rope_type" not in rp and rp.get("type") is not None:
            rp["rope_type"] = rp["type"]
        if "partial_rotary_factor" not in rp and prf is not None:
            rp["partial_rotary_factor"] = prf
        if "original_max_position_embeddings" not in rp and omp is not None:
            rp["original_max_position_embeddings"] = omp
    return rp


def write_base_params(w, hp, rp, n_block, ftype):
    """TextModel.set_gguf_parameters."""
    find = lambda keys: next((hp[k] for k in keys if k in hp), None)  # noqa: E731
    w.add_block_count(n_block)
    if (v := find(["max_position_embeddings", "n_ctx", "n_positions", "max_length"])) is not None:
        w.add_context_length(v)
    if (v := find(["hidden_size", "n_embd", "dim"])) is not None:
        w.add_embedding_length(v)
    if (v := find(["intermediate_size", "prefix_dense_intermediate_size", "n_inner", "hidden_dim"])) is not None:
        w.add_feed_forward_length(v)
    if (v := find(["num_attention_heads", "n_head", "n_heads"])) is not None:
        w.add_head_count(v)
    if (v := find(["num_key_value_heads", "n_kv_heads"])) is not None:
        w.add_head_count_kv(v)
    p = rp.get("full_attention", rp)
    if (rtype := p.get("rope_type")) is not None:
        factor = p.get("factor")
        if rtype == "linear" and factor is not None:
            w.add_rope_scaling_type(gguf.RopeScalingType.LINEAR)
            w.add_rope_scaling_factor(factor)
        elif rtype == "yarn" and factor is not None:
            w.add_rope_scaling_type(gguf.RopeScalingType.YARN)
            w.add_rope_scaling_factor(factor)
            w.add_rope_scaling_orig_ctx_len(p["original_max_position_embeddings"])
            if (x := p.get("extrapolation_factor")) is not None:
                w.add_rope_scaling_yarn_ext_factor(x)
            if (x := p.get("attention_factor", p.get("attn_factor"))) is not None:
                w.add_rope_scaling_yarn_attn_factor(x)
            if (x := p.get("beta_fast")) is not None:
                w.add_rope_scaling_yarn_beta_fast(x)
            if (x := p.get("beta_slow")) is not None:
                w.add_rope_scaling_yarn_beta_slow(x)
        elif rtype in ("su", "longrope"):
            w.add_rope_scaling_type(gguf.RopeScalingType.LONGROPE)
    if (x := p.get("rope_theta")) is not None:
        w.add_rope_freq_base(x)
    if (x := rp.get("sliding_attention", {}).get("rope_theta")) is not None:
        w.add_rope_freq_base_swa(x)
    if (x := find(["rms_norm_eps", "norm_eps"])) is not None:
        w.add_layer_norm_rms_eps(x)
    if (x := find(["layer_norm_eps", "layer_norm_epsilon", "norm_epsilon"])) is not None:
        w.add_layer_norm_eps(x)
    if (x := find(["num_local_experts", "num_experts", "n_routed_experts"])) is not None:
        w.add_expert_count(x)
    if (x := find(["num_experts_per_tok", "num_experts_per_token", "top_k_experts"])) is not None:
        w.add_expert_used_count(x)
    if (x := hp.get("head_dim")) is not None:
        w.add_key_length(x)
        w.add_value_length(x)
    w.add_file_type(ftype)


def llama_permute(t, n_head, n_head_kv):
    """LlamaModel.permute: HF's rotate_half (neox) row order -> llama.cpp's interleaved (GPT-J) order."""
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return t.reshape(n_head, 2, t.shape[0] // n_head // 2, *t.shape[1:]).swapaxes(1, 2).reshape(t.shape)


def llama3_rope_factors(p, hp):
    """LlamaModel.generate_extra_tensors (rope_freqs)."""
    base = p.get("rope_theta", 10000.0)
    dim = hp.get("head_dim") or hp["hidden_size"] // hp["num_attention_heads"]
    freqs = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.float32) / dim))
    factor = p.get("factor", 8.0)
    lo, hi = p.get("low_freq_factor", 1.0), p.get("high_freq_factor", 4.0)
    # NOTE: the converter reads hparams["original_max_position_embeddings"] (top level, default 8192);
    # transformers 5 keeps it inside rope_parameters, so we take it from there (the value the model uses).
    old = p.get("original_max_position_embeddings", hp.get("original_max_position_embeddings", 8192))
    lo_wl, hi_wl = old / lo, old / hi
    out = []
    for f in freqs:
        wl = 2 * math.pi / f
        if wl < hi_wl:
            out.append(1)
        elif wl > lo_wl:
            out.append(factor)
        else:
            smooth = (old / wl - lo) / (hi - lo)
            out.append(1 / ((1 - smooth) / factor + smooth))
    return torch.tensor(out, dtype=torch.float32)


def write_gguf(s, folder, path):
    hp = json.loads((folder / "config.json").read_text())
    rp = converter_rope_parameters(hp)
    arch_name = s["gguf_arch"]
    arch = next(a for a, n in gguf.MODEL_ARCH_NAMES.items() if n == arch_name)
    n_block = next(hp[k] for k in ["num_hidden_layers", "n_layers", "n_layer", "num_layers"] if k in hp)
    tmap = gguf.get_tensor_name_map(arch, n_block)
    src = load_file(folder / "model.safetensors")
    dt = next(t.dtype for t in src.values() if t.dim() >= 2)
    ftype, qtype = {torch.float32: (gguf.LlamaFileType.ALL_F32, gguf.GGMLQuantizationType.F32),
                    torch.bfloat16: (gguf.LlamaFileType.MOSTLY_BF16, gguf.GGMLQuantizationType.BF16),
                    torch.float16: (gguf.LlamaFileType.MOSTLY_F16, gguf.GGMLQuantizationType.F16)}[dt]
    n_head, n_kv = hp.get("num_attention_heads"), hp.get("num_key_value_heads")

    w = gguf.GGUFWriter(path, arch_name)
    w.add_name(s["name"])
    tensors = []  # (hf-style name, torch tensor) after the converter's transforms

    if arch_name in ("llama", "smollm3"):
        write_base_params(w, hp, rp, n_block, ftype)
        w.add_vocab_size(hp["vocab_size"])
        w.add_rope_dimension_count(hp.get("head_dim") or hp["hidden_size"] // hp["num_attention_heads"])
        p = rp.get("full_attention", rp)
        if p.get("rope_type", "").lower() == "llama3":
            tensors.append((gguf.TENSOR_NAMES[gguf.MODEL_TENSOR.ROPE_FREQS] + ".weight",
                            llama3_rope_factors(p, hp)))
        experts = {}
        for name, t in src.items():
            t = t.float() if t.dtype not in (torch.float16, torch.float32) else t
            if name.endswith(("q_proj.weight", "q_proj.bias")):
                t = llama_permute(t, n_head, n_head)
            if name.endswith(("k_proj.weight", "k_proj.bias")):
                t = llama_permute(t, n_head, n_kv)
            if "block_sparse_moe.experts" in name:
                experts[name] = t
                continue
            tensors.append((name, t))
        if experts:
            ne = hp["num_local_experts"]
            for bid in range(n_block):
                for wid in ["w1", "w2", "w3"]:
                    st = torch.stack([experts[f"model.layers.{bid}.block_sparse_moe.experts.{x}.{wid}.weight"]
                                      for x in range(ne)], 0)
                    tensors.append((f"layers.{bid}.feed_forward.experts.{wid}.weight", st))
    elif arch_name in ("qwen3", "qwen3moe", "olmo2"):
        write_base_params(w, hp, rp, n_block, ftype)
        if arch_name == "qwen3moe":
            if (x := hp.get("moe_intermediate_size")) is not None:
                w.add_expert_feed_forward_length(x)
            if (x := hp.get("shared_expert_intermediate_size")) is not None:
                w.add_expert_shared_feed_forward_length(x)
        if arch_name == "olmo2" and "sliding_window" in hp:
            raise NotImplementedError("olmo3-style sliding window")
        experts = {}
        for name, t in src.items():
            t = t.float() if t.dtype not in (torch.float16, torch.float32) else t
            if arch_name == "qwen3moe" and ".mlp.experts." in name:
                experts[name] = t
                continue
            tensors.append((name, t))
        if experts:
            ne = next(hp[k] for k in ["num_local_experts", "num_experts"] if k in hp)
            for bid in range(n_block):
                if f"model.layers.{bid}.mlp.experts.0.down_proj.weight" not in experts:
                    continue
                for wn in ["down_proj", "gate_proj", "up_proj"]:
                    st = torch.stack([experts[f"model.layers.{bid}.mlp.experts.{x}.{wn}.weight"]
                                      for x in range(ne)], 0)
                    tensors.append((f"model.layers.{bid}.mlp.experts.{wn}.weight", st))
    elif arch_name == "gemma2":
        w.add_context_length(hp["max_position_embeddings"])
        w.add_embedding_length(hp["hidden_size"])
        w.add_block_count(n_block)
        w.add_feed_forward_length(hp["intermediate_size"])
        w.add_head_count(hp["num_attention_heads"])
        w.add_head_count_kv(hp.get("num_key_value_heads", hp["num_attention_heads"]))
        w.add_layer_norm_rms_eps(hp["rms_norm_eps"])
        w.add_key_length(hp["head_dim"])
        w.add_value_length(hp["head_dim"])
        w.add_file_type(ftype)
        w.add_attn_logit_softcapping(hp["attn_logit_softcapping"])
        w.add_final_logit_softcapping(hp["final_logit_softcapping"])
        w.add_sliding_window(hp["sliding_window"])
        for name, t in src.items():
            if name == "lm_head.weight":
                continue
            t = t.float() if t.dtype not in (torch.float16, torch.float32) else t
            if name.endswith("norm.weight"):
                t = t + 1
            tensors.append((name, t))
    elif arch_name == "gemma3":
        write_base_params(w, hp, rp, n_block, ftype)
        w.add_context_length(hp.get("max_position_embeddings", 131072))
        w.add_head_count(hp.get("num_attention_heads", 8))
        w.add_layer_norm_rms_eps(hp.get("rms_norm_eps", 1e-6))
        w.add_key_length(hp.get("head_dim", 256))
        w.add_value_length(hp.get("head_dim", 256))
        w.add_rope_freq_base(rp.get("full_attention", rp).get("rope_theta", 1_000_000.0))
        assert hp.get("attn_logit_softcapping") is None
        if (x := hp.get("final_logit_softcapping")):
            w.add_final_logit_softcapping(x)
        if hp.get("sliding_window_pattern") != 1:
            w.add_sliding_window(hp["sliding_window"])
        w.add_head_count_kv(hp.get("num_key_value_heads", 4))
        for name, t in src.items():
            t = t.float() if t.dtype not in (torch.float16, torch.float32) else t
            if name.endswith("norm.weight"):
                t = t + 1.0
            tensors.append((name, t))
    elif arch_name == "phi3":
        n_embd = hp["hidden_size"]
        orig = rp["original_max_position_embeddings"]
        max_pos = hp["max_position_embeddings"]
        rope_dims = int(rp.get("partial_rotary_factor", 1.0) * n_embd) // n_head
        w.add_context_length(max_pos)
        w.add_rope_scaling_orig_ctx_len(orig)
        w.add_embedding_length(n_embd)
        w.add_feed_forward_length(hp["intermediate_size"])
        w.add_block_count(n_block)
        w.add_head_count(n_head)
        w.add_head_count_kv(n_kv)
        w.add_layer_norm_rms_eps(hp["rms_norm_eps"])
        w.add_rope_dimension_count(rope_dims)
        w.add_rope_freq_base(rp.get("full_attention", rp)["rope_theta"])
        w.add_file_type(ftype)
        w.add_sliding_window(hp.get("sliding_window") or 0)
        if (long_f := rp.get("long_factor")):
            short_f = rp["short_factor"]
            scale = max_pos / orig
            rtype = rp.get("rope_type", "").lower()
            assert rtype in ("su", "longrope")
            w.add_rope_scaling_attn_factors(math.sqrt(1 + math.log(scale) / math.log(orig)) if scale > 1.0 else 1.0)
            assert len(long_f) == len(short_f) == rope_dims / 2
            tensors.append((gguf.TENSOR_NAMES[gguf.MODEL_TENSOR.ROPE_FACTORS_LONG] + ".weight",
                            torch.tensor(long_f, dtype=torch.float32)))
            tensors.append((gguf.TENSOR_NAMES[gguf.MODEL_TENSOR.ROPE_FACTORS_SHORT] + ".weight",
                            torch.tensor(short_f, dtype=torch.float32)))
        for name, t in src.items():
            t = t.float() if t.dtype not in (torch.float16, torch.float32) else t
            tensors.append((name, t))
    elif arch_name == "gpt2":
        w.add_block_count(hp["n_layer"])
        # the converter reads hparams["n_ctx"], which transformers 5 no longer writes; n_positions is the value
        w.add_context_length(hp.get("n_ctx", hp["n_positions"]))
        w.add_embedding_length(hp["n_embd"])
        w.add_feed_forward_length(4 * hp["n_embd"])
        w.add_head_count(hp["n_head"])
        w.add_layer_norm_eps(hp["layer_norm_epsilon"])
        w.add_file_type(ftype)
        for name, t in src.items():
            t = t.float() if t.dtype not in (torch.float16, torch.float32) else t
            if name.endswith((".attn.bias", ".attn.masked_bias")):
                continue
            if name.endswith((".c_attn.weight", ".c_proj.weight", ".c_fc.weight")):
                t = t.transpose(1, 0)
            tensors.append((name, t))
    else:
        raise ValueError(arch_name)

    names = []
    for name, t in tensors:
        if name.startswith(("rope_freqs", "rope_factors")):
            new = name
        else:
            new = tmap.get_name(name, try_suffixes=(".weight", ".bias"))
            if new is None:
                raise ValueError(f"{s['name']}: cannot map {name}")
        arr = t.contiguous().numpy()
        # the converter keeps 1-D tensors, norms, the MoE router and position embeddings in F32
        force_f32 = (arr.ndim <= 1 or new.endswith("_norm.weight")
                     or new.rsplit(".", 1)[0].split(".")[-1] in ("ffn_gate_inp", "position_embd"))
        if qtype == gguf.GGMLQuantizationType.F32 or force_f32:
            w.add_tensor(new, arr.astype(np.float32))
        elif qtype == gguf.GGMLQuantizationType.F16:
            w.add_tensor(new, arr.astype(np.float16))
        else:
            q = gguf.quants.quantize(arr.astype(np.float32), qtype)
            w.add_tensor(new, q, raw_dtype=qtype)
        names.append(new)
    assert len(set(names)) == len(names), "duplicate GGUF tensor names"
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return names


def check_gguf(path, folder, s):
    """Read the GGUF back: every HF weight appears (up to the documented transforms) bit-exactly."""
    r = gguf.GGUFReader(path)
    got = {t.name: t for t in r.tensors}
    src = load_file(folder / "model.safetensors")
    total_src = sum(t.numel() for k, t in src.items() if not (s["gguf_arch"] == "gemma2" and k == "lm_head.weight"))
    total = sum(int(np.prod(t.shape)) for n, t in got.items() if not n.startswith(("rope_freqs", "rope_factors")))
    assert total == total_src, (s["name"], total, total_src)
    emb = got["token_embd.weight"]
    e = np.array(emb.data)
    if emb.tensor_type == gguf.GGMLQuantizationType.BF16:
        e = gguf.quants.dequantize(e, emb.tensor_type)
    key = "transformer.wte.weight" if s["family"] == "gpt2" else "model.embed_tokens.weight"
    assert np.array_equal(e.astype(np.float32).reshape(VOCAB, HIDDEN), src[key].float().numpy()), "token_embd"


# ----------------------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    only = set(filter(None, args.only.split(",")))
    OUT.mkdir(parents=True, exist_ok=True)
    manifest_path = OUT / "manifest.json"
    old = {}
    if only and manifest_path.exists():
        old = {m["name"]: m for m in json.loads(manifest_path.read_text())["models"]}
    models = []
    for s in SPECS:
        if only and s["name"] not in only:
            if s["name"] in old:
                models.append(old[s["name"]])
            continue
        folder = OUT / s["name"]
        build_and_save(s, folder)
        model, atts, logits = run_golden(folder)
        peak = check_attention(s["name"], atts)
        write_attention(OUT / f"{s['name']}.f32", atts)
        n_layers = len(atts)
        heads = atts[0].shape[0]
        if s["v4"]:
            d = json.loads((folder / "config.json").read_text())
            (folder / "config.v4.json").write_text(json.dumps(to_v4_config(d, s), indent=2, sort_keys=True) + "\n")
            check_v4(folder, logits, model)
        gguf_name = None
        if s["gguf_arch"] is not None:
            gguf_name = f"{s['name']}.gguf"
            write_gguf(s, folder, OUT / gguf_name)
            check_gguf(OUT / gguf_name, folder, s)
        elif (OUT / f"{s['name']}.gguf").exists():
            (OUT / f"{s['name']}.gguf").unlink()
        entry = {"name": s["name"], "family": model.config.model_type, "layers": n_layers, "heads": heads,
                 "dtype": str(s["dtype"]).replace("torch.", ""), "seed": s["seed"], "gguf": gguf_name}
        if gguf_name is None or s["gguf_note"]:
            entry["gguf_note"] = s["gguf_note"]
        entry["gguf_matches_golden"] = bool(gguf_name) and s["gguf_exact"]
        entry["v4_config"] = s["v4"]
        entry["layer_types"] = getattr(model.config, "layer_types", None)
        entry["exercises"] = s["exercises"]
        entry["peak_attention_second_half"] = round(peak, 6)
        entry["logits_last"] = [float(x) for x in logits.tolist()]
        models.append(entry)
        print(f"{s['name']:22s} layers={n_layers} heads={heads} peak={peak:.3f} gguf={gguf_name}", flush=True)
    manifest = {"generator": "tools/runtime/make_family_models.py", "transformers": transformers.__version__,
                "torch": torch.__version__.split("+")[0], "gguf": getattr(gguf, "__version__", "0.19.0"),
                "ids": IDS, "n": len(IDS), "vocab": VOCAB,
                "f32_layout": "per layer: mean over heads [n*n], max over heads [n*n], heads [H*n*n]; "
                              "row-major [query][key], little-endian float32",
                "models": models}
    manifest_path.write_text(json.dumps(manifest, indent=1) + "\n")


if __name__ == "__main__":
    sys.exit(main())
