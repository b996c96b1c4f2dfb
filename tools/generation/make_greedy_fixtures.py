#!/usr/bin/env python3
"""Greedy generation by transformers (eager attention, float32) on the project's real GGUFs, as
golden data for rat's KV-cache generation: for each prompt, the prompt ids (the model's own HF
tokenizer, chat template where noted), up to 32 generated ids (generation stops after the
generation config's end-of-sequence ids, recorded as eos_ids), and at each step the margin between the
top two logits (so a true near-tie can be told apart from a bug).

Output: Fixtures/generation/greedy.json
Usage (reference environment): python tools/generation/make_greedy_fixtures.py
"""
import json
import os
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "Fixtures" / "generation"
CACHE = Path(os.environ.get("RAT_CACHE", os.path.expanduser("~/.cache/rat"))) / "models"
MODELS = {
    "SmolLM2-135M-Instruct.Q4_1.gguf": [
        ("raw", "The quick brown fox"),
        ("raw", "def fibonacci(n):"),
        ("chat", "What is the capital of France?"),
    ],
    # The GGUF carries no chat template transformers reads: Gemma's turn markers by hand.
    "gemma-3-270m-q4_k_m.gguf": [
        ("raw", "The quick brown fox"),
        ("raw", "<start_of_turn>user\nWhat is the capital of France?<end_of_turn>\n<start_of_turn>model\n"),
    ],
}
NEW_TOKENS = 32


def main():
    torch.manual_seed(0)
    OUT.mkdir(parents=True, exist_ok=True)
    cases = []
    for name, prompts in MODELS.items():
        tok = AutoTokenizer.from_pretrained(CACHE, gguf_file=name)
        model = AutoModelForCausalLM.from_pretrained(CACHE, gguf_file=name, dtype=torch.float32,
                                                     attn_implementation="eager").eval()
        for kind, text in prompts:
            if kind == "chat":
                ids = tok.apply_chat_template([{"role": "user", "content": text}], add_generation_prompt=True)
                ids = ids["input_ids"] if isinstance(ids, dict) or hasattr(ids, "keys") else ids
            else:
                ids = tok(text).input_ids
            ids = list(ids)
            with torch.no_grad():
                out = model.generate(torch.tensor([ids]), max_new_tokens=NEW_TOKENS,
                                     do_sample=False, output_scores=True, return_dict_in_generate=True,
                                     pad_token_id=tok.eos_token_id)
            generated = out.sequences[0, len(ids):].tolist()
            margins = []
            for s in out.scores:
                top = torch.topk(s[0].float(), 2).values
                margins.append(float(top[0] - top[1]))
            eos = model.generation_config.eos_token_id
            eos = [eos] if isinstance(eos, int) else list(eos or [])
            cases.append({"model": name, "kind": kind, "text": text, "prompt_ids": ids, "generated_ids": generated,
                          "eos_ids": eos,
                          "top2_margins": margins, "generated_text": tok.decode(generated)})
            print(name, kind, repr(tok.decode(generated))[:80], min(margins), flush=True)
    (OUT / "greedy.json").write_text(json.dumps({"generator": "tools/generation/make_greedy_fixtures.py",
                                                 "new_tokens": NEW_TOKENS, "cases": cases}, indent=1) + "\n")


if __name__ == "__main__":
    main()
