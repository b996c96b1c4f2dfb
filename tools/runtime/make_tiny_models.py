#!/usr/bin/env python3
"""Tiny random-weight Qwen2 and Llama checkpoints saved by transformers (safetensors), with
transformers' own attention (eager, float32; every layer, mean and max over heads) and logits
for a fixed id sequence, as golden data for rat's HuggingFace loader and forward pass.

Covers: q/k/v biases (Qwen2), grouped-query attention, tied and untied embeddings, F32 / F16 /
BF16 weights, rope_theta, and a sharded checkpoint (model.safetensors.index.json).
Output: Fixtures/runtime/tiny/<name>/ (config.json, weights) and Fixtures/runtime/tiny/golden.json.

Usage (reference environment): python tools/runtime/make_tiny_models.py
"""
import json
import shutil
from pathlib import Path

import torch
from transformers import LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "Fixtures" / "runtime" / "tiny"
IDS = [3, 17, 42, 99, 5, 5, 120, 64, 1, 77, 23, 101]

MODELS = [
    ("qwen2_tied_f32", Qwen2Config, Qwen2ForCausalLM,
     dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
          vocab_size=128, tie_word_embeddings=True, rope_theta=1000000.0, rms_norm_eps=1e-6), torch.float32, None),
    ("qwen2_untied_bf16_sharded", Qwen2Config, Qwen2ForCausalLM,
     dict(hidden_size=48, intermediate_size=96, num_hidden_layers=3, num_attention_heads=6, num_key_value_heads=2,
          vocab_size=128, tie_word_embeddings=False, rope_theta=10000.0, rms_norm_eps=1e-6), torch.bfloat16, "20KB"),
    ("llama_untied_f16_gqa", LlamaConfig, LlamaForCausalLM,
     dict(hidden_size=32, intermediate_size=80, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=1,
          vocab_size=128, tie_word_embeddings=False, rope_theta=500000.0, rms_norm_eps=1e-5), torch.float16, None),
    ("llama_tied_f32_mha", LlamaConfig, LlamaForCausalLM,
     dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=2,
          vocab_size=128, tie_word_embeddings=True, rope_theta=10000.0, rms_norm_eps=1e-5), torch.float32, None),
]


def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    golden = {"generator": "tools/runtime/make_tiny_models.py", "ids": IDS, "models": {}}
    for i, (name, config_cls, model_cls, kwargs, dtype, shard) in enumerate(MODELS):
        torch.manual_seed(100 + i)
        config = config_cls(**kwargs)
        model = model_cls(config).eval()
        with torch.no_grad():  # larger-than-default weights so that attention is far from uniform
            for p in model.parameters():
                p.normal_(0, 0.3)
        folder = OUT / name
        model.to(dtype).save_pretrained(folder, max_shard_size=shard) if shard else model.to(dtype).save_pretrained(folder)
        # The golden values come from the saved weights, run in float32.
        reloaded = model_cls.from_pretrained(folder, dtype=torch.float32, attn_implementation="eager").eval()
        with torch.no_grad():
            out = reloaded(input_ids=torch.tensor([IDS]), output_attentions=True, use_cache=False)
        golden["models"][name] = {
            "mean": [a[0].mean(dim=0).flatten().tolist() for a in out.attentions],
            "max": [a[0].max(dim=0).values.flatten().tolist() for a in out.attentions],
            "logits": out.logits[0].flatten().tolist(),
        }
        for f in folder.iterdir():
            if f.name == "generation_config.json":
                f.unlink()
    (OUT / "golden.json").write_text(json.dumps(golden))


if __name__ == "__main__":
    main()
