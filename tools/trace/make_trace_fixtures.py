#!/usr/bin/env python3
"""End-to-end golden traces: reverse-attention 0.1.0's `trace_text` on SmolLM2-135M-Instruct
(transformers, GGUF, eager attention, float32) for texts and option sets covering layers,
targets, both aggregations, every length_norm and min_attn. Writes Fixtures/trace/cases.json
(each case: the options and the reference's trace.json).

Usage (reference environment): python tools/trace/make_trace_fixtures.py
"""
import json
import os
import warnings
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer
from reverse_attention import ReverseAttentionTracer
from reverse_attention.sankey import trace_result_to_json

ROOT = Path(__file__).resolve().parents[2]
GGUF = os.path.expanduser("~/.cache/rat/models/SmolLM2-135M-Instruct.Q4_1.gguf")

CHAT = ("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
        "What is the capital of France?<|im_end|>\n<|im_start|>assistant\nThe capital of France is Paris.")
CASES = [
    ("The quick brown fox jumps over the lazy dog.", {}),
    ("The quick brown fox jumps over the lazy dog.", {"layer": 0, "agg_heads": "max"}),
    (CHAT, {}),
    (CHAT, {"layer": 15, "top_beam": 8, "top_k": 3, "length_norm": "sqrt"}),
    (CHAT, {"target_pos": -3, "agg_heads": "max", "length_norm": "none", "stop_at_bos": False}),
    ("def greet(name):\n    return f\"Hello, {name}!\"\n\nprint(greet(\"world\"))", {"layer": -5, "length_norm": "pow:0.7", "min_attn": 0.02}),
    ("In 1969, Neil Armstrong walked on the Moon. Where did he walk?", {"target_pos": 8, "top_beam": 3, "top_k": 7}),
    ("Café, naïve, résumé — 東京 and 🙂 emoji.", {"layer": 10, "length_norm": "pow:1.5", "min_attn": 0.05}),
    ("One two three four five six seven eight nine ten eleven twelve.", {"layer": 29, "top_beam": 10, "top_k": 10, "agg_heads": "max"}),
    ("Colorless green ideas sleep furiously.", {"layer": 20, "length_norm": "avg_logprob", "top_beam": 1, "top_k": 1}),
    (CHAT, {"layer": 3, "min_attn": 0.1, "length_norm": "pow:0.5", "agg_heads": "max"}),
    ("A", {}),
]


def main():
    folder, name = os.path.dirname(GGUF), os.path.basename(GGUF)
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32, attn_implementation="eager")
    model.eval()
    tracer = ReverseAttentionTracer(model, tok)
    out = []
    for text, options in CASES:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = tracer.trace_text(text, **options)
        out.append({"text": text, "options": options, "expected": json.loads(trace_result_to_json(result))})
    (ROOT / "Fixtures" / "trace").mkdir(parents=True, exist_ok=True)
    (ROOT / "Fixtures" / "trace" / "cases.json").write_text(json.dumps(
        {"generator": "tools/trace/make_trace_fixtures.py", "reference": "reverse-attention 0.1.0", "cases": out},
        ensure_ascii=False, indent=1))
    print(len(out), "cases")


if __name__ == "__main__":
    main()
