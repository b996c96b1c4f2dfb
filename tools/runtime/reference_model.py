"""The reference model for the runtime fixtures: SmolLM2-135M-Instruct from the project's GGUF,
loaded by transformers (gguf_file=) in float32 with eager attention, so attentions are returned."""
import argparse
import os
from pathlib import Path

import torch

OUT = Path(__file__).resolve().parents[2] / "Fixtures" / "runtime"
# The texts the SmolLM2 fixtures (rollout, value-weighted attention, knockouts) are made from.
TEXTS = [
    "The quick brown fox jumps over the lazy dog.",
    "<|im_start|>user\nWhat is the capital of France? Answer in one word.<|im_end|>\n<|im_start|>assistant\nParis",
]
DEFAULT_GGUF = os.path.expanduser("~/.cache/rat/models/SmolLM2-135M-Instruct.Q4_1.gguf")


def load_smollm2(description=None):
    """Parses --gguf and returns (tokenizer, model, file name)."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--gguf", default=DEFAULT_GGUF)
    args = ap.parse_args()
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder, name = os.path.dirname(args.gguf), os.path.basename(args.gguf)
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32, attn_implementation="eager")
    model.eval()
    return tok, model, name
