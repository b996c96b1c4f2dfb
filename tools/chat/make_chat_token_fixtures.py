#!/usr/bin/env python3
"""Chat templates applied by transformers to the real tokenizers rat reads, as text and as ids.

For each tokenizer (SmolLM2's GGUF and its template, the Qwen2 folder and its tokenizer_config
template, Gemma 3 270M's GGUF with Gemma 3 instruct's template from Fixtures/chat/templates, since
the base model's GGUF carries none) and each conversation below, with and without the generation
prompt: `apply_chat_template(tokenize=False)` and the ids of `apply_chat_template(tokenize=True)`
(transformers encodes the rendering with add_special_tokens=False).

Usage: /work/refenv/bin/python tools/chat/make_chat_token_fixtures.py [--cache ~/.cache/rat]
Writes Fixtures/chat/tokenized.json.
"""
import argparse
import json
import os
import tempfile

import transformers
from transformers import AutoTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CONVERSATIONS = {
    "single": [{"role": "user", "content": "What is the capital of France?"}],
    "system": [
        {"role": "system", "content": "You are a terse geography tutor."},
        {"role": "user", "content": "What is the capital of France?"},
    ],
    "multi": [
        {"role": "user", "content": "Name a river in Paris."},
        {"role": "assistant", "content": "The Seine."},
        {"role": "user", "content": "How long is it?  Answer in km,\nplease."},
    ],
    "unicode": [
        {"role": "system", "content": "  Réponds en français.  "},
        {"role": "user", "content": "Écris « bonjour » 🙂 et {{ pas un modèle }} <b>gras</b>"},
        {"role": "assistant", "content": "bonjour 🙂"},
    ],
}


def gguf_tokenizer(path):
    tmp = tempfile.mkdtemp()
    os.symlink(path, os.path.join(tmp, os.path.basename(path)))
    return AutoTokenizer.from_pretrained(tmp, gguf_file=os.path.basename(path))


def ids_of(out):
    if isinstance(out, dict) or hasattr(out, "keys"):
        out = out["input_ids"]
    return list(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", default=os.environ.get("RAT_CACHE", os.path.expanduser("~/.cache/rat")))
    args = ap.parse_args()
    gemma_template = open(os.path.join(ROOT, "Fixtures", "chat", "templates", "gemma3.jinja"), encoding="utf-8").read()
    subjects = [
        ("smollm2", "models/SmolLM2-135M-Instruct.Q4_1.gguf", None,
         gguf_tokenizer(os.path.join(args.cache, "models", "SmolLM2-135M-Instruct.Q4_1.gguf"))),
        ("qwen2", "tokenizers/qwen2", None, AutoTokenizer.from_pretrained(os.path.join(args.cache, "tokenizers", "qwen2"))),
        ("gemma3", "models/gemma-3-270m-q4_k_m.gguf", "Fixtures/chat/templates/gemma3.jinja",
         gguf_tokenizer(os.path.join(args.cache, "models", "gemma-3-270m-q4_k_m.gguf"))),
    ]
    out = {"versions": {"transformers": transformers.__version__}, "tokenizers": {}}
    for name, source, template_file, tok in subjects:
        template = gemma_template if template_file else None
        cases = []
        for conv_name, messages in CONVERSATIONS.items():
            for gen in (True, False):
                text = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=gen, chat_template=template)
                ids = ids_of(tok.apply_chat_template(messages, tokenize=True, add_generation_prompt=gen, chat_template=template))
                cases.append({"conversation": conv_name, "add_generation_prompt": gen, "text": text, "ids": ids})
        out["tokenizers"][name] = {"source": source, "template_file": template_file, "cases": cases}
        print(name, len(cases), "cases")
    out["conversations"] = CONVERSATIONS
    with open(os.path.join(ROOT, "Fixtures", "chat", "tokenized.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
