#!/usr/bin/env python3
"""Fixtures/chat/renderings.json: every template in Fixtures/chat/templates rendered by
transformers for every conversation in tools/chat/conversations.json, with and without the
generation prompt: the expected text, or the error the template raised.

The context is built as `tokenizer.apply_chat_template(..., tokenize=False)` builds it: messages
normalized (keys whose value is None dropped, reasoning fields aliased), `tools` (None unless
the conversation has some), `documents=None`, `add_generation_prompt`, and the tokenizer's
special tokens. Each rendering is also checked against transformers' own
`render_jinja_template`, and SmolLM2's and Qwen's against `apply_chat_template` of the real
tokenizers in the rat asset cache.

Run with the reference environment:  /work/refenv/bin/python tools/chat/make_template_fixtures.py
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jinja_reference import FIXED_NOW, VERSIONS, render  # noqa: E402
from transformers.utils import chat_template_utils as ctu  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TEMPLATES = os.path.join(ROOT, "Fixtures", "chat", "templates")
OUT = os.path.join(ROOT, "Fixtures", "chat", "renderings.json")
CACHE = os.environ.get("RAT_CACHE") or os.path.expanduser("~/.cache/rat")

LLAMA2 = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"}
LLAMA3 = {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"}
CHATML = {"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"}
GEMMA = {"bos_token": "<bos>", "eos_token": "<eos>", "unk_token": "<unk>", "pad_token": "<pad>"}
DEEPSEEK = {"bos_token": "<｜begin▁of▁sentence｜>", "eos_token": "<｜end▁of▁sentence｜>"}
PHI3 = {"bos_token": "<s>", "eos_token": "<|endoftext|>", "unk_token": "<unk>", "pad_token": "<|endoftext|>"}
COHERE = {"bos_token": "<BOS_TOKEN>", "eos_token": "<|END_OF_TURN_TOKEN|>", "pad_token": "<PAD>"}
GRANITE = {"bos_token": "<|end_of_text|>", "eos_token": "<|end_of_text|>", "pad_token": "<|end_of_text|>"}

# The special tokens each model's tokenizer passes (its `special_tokens_map`).
SPECIAL_TOKENS = {
    "smollm2": {"bos_token": "<|im_start|>", "eos_token": "<|im_end|>", "unk_token": "<|endoftext|>",
                "pad_token": "<|im_end|>"},
    "qwen3": CHATML, "qwen2.5": CHATML, "qwq": CHATML, "qwen2.5-vl": CHATML, "qwen3-coder": CHATML,
    "qwen1.5": CHATML, "qwen3.5": CHATML, "chatml": CHATML, "hermes2-pro": {"bos_token": "<|begin_of_text|>", "eos_token": "<|im_end|>"},
    "hermes2-pro-tools": {"bos_token": "<|begin_of_text|>", "eos_token": "<|im_end|>"},
    "hermes3": {"bos_token": "<|begin_of_text|>", "eos_token": "<|im_end|>"},
    "smollm3": {"eos_token": "<|im_end|>", "pad_token": "<|im_end|>"},
    "gemma3": GEMMA, "gemma3-1b": GEMMA, "gemma2": GEMMA,
    "llama2-chat": LLAMA2, "mistral-instruct": LLAMA2, "mixtral": LLAMA2, "mistral-v0.3-tools": LLAMA2,
    "mistral-nemo": LLAMA2, "mistral-small": LLAMA2, "mistral-small-3.2": LLAMA2, "devstral": LLAMA2,
    "devstral-small": LLAMA2, "zephyr": LLAMA2, "codellama-70b": LLAMA2, "openchat": LLAMA2, "yi": LLAMA2,
    "internlm2": LLAMA2, "minicpm3": LLAMA2, "smallthinker": CHATML,
    "llama3": LLAMA3, "llama3.1": LLAMA3, "llama3.2": LLAMA3, "llama4": {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot|>"},
    "functionary-v3.1": LLAMA3, "functionary-v3.2": LLAMA3, "firefunction-v2": LLAMA3, "llama-guard3": LLAMA3,
    "cogito": LLAMA3, "tulu3": {"bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>"},
    "deepseek-r1": DEEPSEEK, "deepseek-r1-distill-llama": DEEPSEEK, "deepseek-r1-distill-qwen": DEEPSEEK,
    "deepseek-v3": DEEPSEEK, "deepseek-v3.1": DEEPSEEK, "deepseek-coder": DEEPSEEK,
    "phi3": PHI3, "phi3-medium": PHI3, "phi3.5": PHI3, "phi4": {"eos_token": "<|im_end|>", "pad_token": "<|dummy_85|>"},
    "phi4-mini": {"bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>"},
    "command-r": COHERE, "command-r7b": COHERE, "command-a": COHERE, "command-r-tools": COHERE,
    "command-r-plus-tools": COHERE, "command-r7b-tools": COHERE,
    "granite3.3": GRANITE, "granite3.3-hub": GRANITE, "granite4": GRANITE,
    "olmo2": {"bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>", "pad_token": "<|pad|>"},
    "exaone3.5": {"bos_token": "[BOS]", "eos_token": "[|endofturn|]", "unk_token": "[UNK]", "pad_token": "[PAD]"},
    "nemotron-mini": {"bos_token": "<s>", "eos_token": "</s>"},
    "nemotron-nano-v2": {"bos_token": "<SPECIAL_10>", "eos_token": "<SPECIAL_11>"},
    "glm4": {"eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>"},
    "glm-5.1": {"eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>"},
    "falcon2": {"eos_token": "<|endoftext|>"},
    "gpt-oss": {"bos_token": "<|startoftext|>", "eos_token": "<|return|>", "pad_token": "<|endoftext|>"},
    "kimi-k2": {"bos_token": "[BOS]", "eos_token": "[EOS]", "unk_token": "[UNK]"},
    "kimi-k2-thinking": {"bos_token": "[BOS]", "eos_token": "[EOS]", "unk_token": "[UNK]"},
    "seed-oss": {"bos_token": "<seed:bos>", "eos_token": "<seed:eos>", "pad_token": "<seed:pad>"},
    "jamba-1.6": {"bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>", "unk_token": "<|unk|>", "pad_token": "<|pad|>"},
    "lfm2.5-vl": {"bos_token": "<|startoftext|>", "eos_token": "<|im_end|>", "pad_token": "<|pad|>"},
    "hammer2.1": CHATML,
}


def context(conversation, add_generation_prompt, special_tokens):
    """The keyword arguments compiled_template.render() receives from apply_chat_template."""
    chat = ctu._alias_reasoning_fields(ctu._plain_template_data(ctu._normalize_chat_messages(conversation["messages"])))
    tools = ctu._plain_template_data(conversation.get("tools"))
    return {"messages": chat, "tools": tools, "documents": None, "add_generation_prompt": add_generation_prompt,
            **special_tokens}


def transformers_render(source, conversation, add_generation_prompt, special_tokens):
    try:
        rendered, _ = ctu.render_jinja_template(
            conversations=[ctu._normalize_chat_messages(conversation["messages"])], tools=conversation.get("tools"),
            chat_template=source, add_generation_prompt=add_generation_prompt, **special_tokens)
        return {"output": rendered[0]}
    except Exception as e:  # noqa: BLE001
        return {"error": {"type": type(e).__name__, "message": str(e)}}


def check_real_tokenizers(templates, conversations, cases):
    """SmolLM2's and Qwen's renderings equal what their real tokenizers' apply_chat_template gives."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoTokenizer

    tokenizers = {}
    qwen = os.path.join(CACHE, "tokenizers/qwen2")
    if os.path.exists(os.path.join(qwen, "tokenizer.json")):
        tokenizers["qwen3"] = AutoTokenizer.from_pretrained(qwen)
    smol = os.path.join(CACHE, "models/SmolLM2-135M-Instruct.Q4_1.gguf")
    if os.path.exists(smol):
        tokenizers["smollm2"] = AutoTokenizer.from_pretrained(os.path.dirname(smol), gguf_file=os.path.basename(smol))
    checked = 0
    for case in cases:
        tok = tokenizers.get(case["template"])
        if tok is None or "output" not in case:
            continue
        conv = conversations[case["conversation"]]
        got = tok.apply_chat_template(conv["messages"], tools=conv.get("tools"), tokenize=False,
                                      add_generation_prompt=case["add_generation_prompt"])
        assert got == case["output"], (case["template"], case["conversation"], got, case["output"])
        assert tok.special_tokens_map == SPECIAL_TOKENS[case["template"]], tok.special_tokens_map
        checked += 1
    return checked


def main():
    with open(os.path.join(HERE, "conversations.json"), encoding="utf-8") as fh:
        conversations = json.load(fh)
    names = sorted(f[:-len(".jinja")] for f in os.listdir(TEMPLATES) if f.endswith(".jinja"))
    cases = []
    used_conversations = {}
    for name in names:
        with open(os.path.join(TEMPLATES, name + ".jinja"), encoding="utf-8", newline="") as fh:
            source = fh.read()
        special = SPECIAL_TOKENS[name]
        for conv_name, conversation in conversations.items():
            for agp in (False, True):
                ctx = context(conversation, agp, special)
                result = render(source, ctx)
                reference = transformers_render(source, conversation, agp, special)
                assert result == reference, (name, conv_name, agp, result, reference)
                used_conversations[conv_name] = {"messages": ctx["messages"], "tools": ctx["tools"]}
                cases.append({"template": name, "conversation": conv_name, "add_generation_prompt": agp, **result})
    checked = check_real_tokenizers(names, conversations, cases)
    doc = {
        "generator": "tools/chat/make_template_fixtures.py",
        "versions": VERSIONS,
        "now": FIXED_NOW,
        "context_note": "render context = messages and tools of the conversation, documents=None, "
                        "add_generation_prompt, and the template's special_tokens",
        "templates": {name: {"special_tokens": SPECIAL_TOKENS[name]} for name in names},
        "conversations": used_conversations,
        "cases": cases,
    }
    with open(OUT, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, ensure_ascii=False, separators=(",", ":"))
        fh.write("\n")
    errors = sum(1 for c in cases if "error" in c)
    print(f"wrote {len(cases)} renderings of {len(names)} templates ({errors} expected errors; "
          f"{checked} checked against real tokenizers) to {OUT}")
    by_template = {}
    for c in cases:
        by_template.setdefault(c["template"], [0, 0])[0 if "output" in c else 1] += 1
    for name, (ok, err) in sorted(by_template.items()):
        if err:
            kinds = sorted({c["error"]["type"] + ": " + c["error"]["message"][:60] for c in cases
                            if c["template"] == name and "error" in c})
            print(f"  {name}: {ok} rendered, {err} errors: {kinds[:3]}")


if __name__ == "__main__":
    main()
