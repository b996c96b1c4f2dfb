#!/usr/bin/env python3
"""A Qwen2-0.5B-shaped model with random weights (hidden 896, 24 layers, 14 heads, 2 KV heads,
intermediate 4,864, vocabulary 151,936, tied embeddings, rope_theta 1e6), saved by transformers
as bf16 safetensors with the Qwen2 tokenizer, for benchmarks only (not committed: ~1 GB).
Idempotent. Usage: python tools/bench/make_qwen2_shaped.py [OUT_DIR]   (default ~/.cache/rat/bench/qwen2-0.5b-random)
"""
import os
import shutil
import sys
from pathlib import Path

import torch
from transformers import Qwen2Config, Qwen2ForCausalLM

out = Path(sys.argv[1] if len(sys.argv) > 1 else os.path.expanduser("~/.cache/rat/bench/qwen2-0.5b-random"))
if (out / "model.safetensors").exists():
    print(out)
    sys.exit(0)
config = Qwen2Config(hidden_size=896, num_hidden_layers=24, num_attention_heads=14, num_key_value_heads=2,
                     intermediate_size=4864, vocab_size=151936, tie_word_embeddings=True, rope_theta=1000000.0,
                     rms_norm_eps=1e-6, max_position_embeddings=32768)
torch.manual_seed(0)
model = Qwen2ForCausalLM(config).to(torch.bfloat16)
model.save_pretrained(out, max_shard_size="4GB")
tokenizers = Path(os.environ.get("RAT_CACHE", os.path.expanduser("~/.cache/rat"))) / "tokenizers" / "qwen2"
for name in ("tokenizer.json", "tokenizer_config.json"):
    if (tokenizers / name).exists():
        shutil.copy(tokenizers / name, out / name)
print(out)
