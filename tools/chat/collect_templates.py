#!/usr/bin/env python3
"""Copies real chat templates into Fixtures/chat/templates/NAME.jinja and writes SOURCES.md.

The templates are data: each is the `chat_template` a model ships (tokenizer_config.json or the
GGUF `tokenizer.chat_template` metadata), taken from

  - the rat asset cache: SmolLM2's GGUF and Qwen2's tokenizer_config.json;
  - huggingface/huggingface.js: packages/ollama-utils/src/chat-template-automap.ts, whose `gguf`
    fields are the templates embedded in the GGUF files of the Ollama library, and
    packages/jinja/test/e2e.test.js, whose test templates are copied from Hub models;
  - a llama.cpp checkout: models/templates/*.jinja, verbatim copies of Hub templates;
  - chujiezheng/chat_templates: chat_templates/chatml.jinja.

Usage (paths are git directories, e.g. from the search tool's `fetch`):
  /work/refenv/bin/python tools/chat/collect_templates.py \
      --huggingface-js /work/.mirror/huggingface+huggingface.js/repo \
      --llama-cpp /work/.mirror/ye-NX+llama.cpp/repo \
      --chat-templates /work/.mirror/chujiezheng+chat_templates/repo

The .js/.ts files are evaluated with node to read their string literals exactly.
"""

import argparse
import json
import os
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Fixtures", "chat", "templates")
CACHE = os.environ.get("RAT_CACHE") or os.path.expanduser("~/.cache/rat")

# name -> key in the Ollama automap (GGUF metadata of the Ollama library models).
OLLAMA = {
    "gemma3": "library/gemma3:270m",
    "gemma3-1b": "library/gemma3:1b",
    "gemma2": "library/gemma2:2b",
    "llama2-chat": "library/llama2:7b",
    "llama3": "library/llama3:8b",
    "llama3.1": "library/llama3.1:8b",
    "llama3.2": "library/llama3.2:3b",
    "llama4": "library/llama4:latest",
    "mistral-instruct": "library/mistral:7b-instruct-fp16",
    "mixtral": "library/mixtral:8x7b",
    "mistral-small": "library/mistral-small:24b",
    "devstral": "library/devstral:latest",
    "phi3": "library/phi3:3.8b",
    "phi3-medium": "library/phi3:14b",
    "phi4": "library/phi4:14b",
    "phi4-mini": "library/phi4-mini:3.8b",
    "deepseek-r1": "library/deepseek-r1:latest",
    "deepseek-r1-distill-llama": "library/deepseek-r1:8b",
    "deepseek-v3": "library/deepseek-v3:671b",
    "deepseek-coder": "library/deepseek-coder:1.3b",
    "qwq": "library/qwq:32b",
    "qwen2.5-vl": "library/qwen2.5vl:latest",
    "qwen3-coder": "library/qwen3-coder:30b",
    "qwen1.5": "library/qwen:0.5b",
    "granite3.3": "library/granite3.3:2b",
    "granite4": "library/granite4:latest",
    "command-r": "library/command-r:35b",
    "command-r7b": "library/command-r7b:7b",
    "command-a": "library/command-a:111b",
    "hermes3": "library/hermes3:70b",
    "olmo2": "library/olmo2:7b",
    "openchat": "library/openchat:7b",
    "exaone3.5": "library/exaone3.5:7.8b",
    "internlm2": "library/internlm2:1.8b",
    "nemotron-mini": "library/nemotron-mini:4b",
    "glm4": "library/glm4:9b",
    "falcon2": "library/falcon2:11b",
    "yi": "library/yi:6b",
    "firefunction-v2": "library/firefunction-v2:70b",
    "llama-guard3": "library/llama-guard3:1b",
    "cogito": "library/cogito:14b",
    "smallthinker": "library/smallthinker:3b",
    "tulu3": "library/tulu3:70b",
}

# name -> key of TEST_CUSTOM_TEMPLATES in huggingface.js' jinja e2e tests.
HF_JS_TESTS = {
    "zephyr": "HuggingFaceH4/zephyr-7b-beta (add_generation_prompt=false)",
    "mistral-v0.3-tools": "mistralai/Mistral-7B-Instruct-v0.3 (JSON Schema)",
    "smollm3": "HuggingFaceTB/SmolLM3-3B",
    "codellama-70b": "codellama/CodeLlama-70b-Instruct-hf",
    "command-r-tools": "CohereForAI/c4ai-command-r-v01 (JSON Schema)",
    "hermes2-pro-tools": "NousResearch/Hermes-2-Pro-Llama-3-8B (JSON Schema)",
    "minicpm3": "openbmb/MiniCPM3-4B",
    "jamba-1.6": "ai21labs/AI21-Jamba-Large-1.6",
    "qwen3.5": "Qwen/Qwen3.5-4B",
    "kimi-k2-thinking": "moonshotai/Kimi-K2-Thinking",
    "lfm2.5-vl": "LiquidAI/LFM2.5-VL-450M",
    "hammer2.1": "MadeAgents/Hammer2.1",
    "glm-5.1": "zai-org/GLM-5.1",
}

# name -> file under models/templates in llama.cpp.
LLAMA_CPP = {
    "qwen2.5": "Qwen-Qwen2.5-7B-Instruct.jinja",
    "phi3.5": "microsoft-Phi-3.5-mini-instruct.jinja",
    "mistral-nemo": "mistralai-Mistral-Nemo-Instruct-2407.jinja",
    "mistral-small-3.2": "Mistral-Small-3.2-24B-Instruct-2506.jinja",
    "devstral-small": "unsloth-mistral-Devstral-Small-2507.jinja",
    "deepseek-r1-distill-qwen": "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja",
    "deepseek-v3.1": "deepseek-ai-DeepSeek-V3.1.jinja",
    "hermes2-pro": "NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use.jinja",
    "functionary-v3.1": "meetkai-functionary-medium-v3.1.jinja",
    "functionary-v3.2": "meetkai-functionary-medium-v3.2.jinja",
    "gpt-oss": "openai-gpt-oss-120b.jinja",
    "kimi-k2": "moonshotai-Kimi-K2.jinja",
    "command-r-plus-tools": "CohereForAI-c4ai-command-r-plus-tool_use.jinja",
    "command-r7b-tools": "CohereForAI-c4ai-command-r7b-12-2024-tool_use.jinja",
    "granite3.3-hub": "ibm-granite-granite-3.3-2B-Instruct.jinja",
    "seed-oss": "ByteDance-Seed-OSS.jinja",
    "nemotron-nano-v2": "NVIDIA-Nemotron-Nano-v2.jinja",
}


def git_show(repo, path):
    return subprocess.run(["git", "--git-dir", repo, "show", f"HEAD:{path}"], check=True, capture_output=True).stdout


def git_head(repo):
    return subprocess.run(["git", "--git-dir", repo, "rev-parse", "HEAD"], check=True, capture_output=True,
                          text=True).stdout.strip()


def node_eval(script):
    with tempfile.NamedTemporaryFile("w", suffix=".mjs", delete=False) as fh:
        fh.write(script)
        path = fh.name
    try:
        return json.loads(subprocess.run(["node", path], check=True, capture_output=True, text=True).stdout)
    finally:
        os.unlink(path)


def ollama_templates(repo):
    source = git_show(repo, "packages/ollama-utils/src/chat-template-automap.ts").decode()
    source = "\n".join(l for l in source.split("\n") if not l.startswith("import"))
    source = source.replace(": OllamaChatTemplateMapEntry[]", "")
    source += "\nconst o = {}; for (const e of OLLAMA_CHAT_TEMPLATE_MAPPING) o[e.model] = e.gguf;" \
              "\nconsole.log(JSON.stringify(o));\n"
    return node_eval(source)


def hf_js_test_templates(repo):
    source = git_show(repo, "packages/jinja/test/e2e.test.js").decode()
    end = source.index('describe("End-to-end tests"')
    source = "\n".join(l for l in source[:end].split("\n") if not l.startswith("import"))
    source += "\nconst o = {}; for (const [k, v] of Object.entries(TEST_CUSTOM_TEMPLATES)) o[k] = v.chat_template;" \
              "\nconsole.log(JSON.stringify(o));\n"
    return node_eval(source)


def gguf_template(path):
    import gguf

    return gguf.GGUFReader(path).fields["tokenizer.chat_template"].contents()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--huggingface-js", required=True)
    ap.add_argument("--llama-cpp", required=True)
    ap.add_argument("--chat-templates", required=True)
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    sources = []

    def save(name, text, origin):
        with open(os.path.join(OUT, name + ".jinja"), "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        sources.append((name, origin))

    save("smollm2", gguf_template(os.path.join(CACHE, "models/SmolLM2-135M-Instruct.Q4_1.gguf")),
         "GGUF metadata `tokenizer.chat_template` of SmolLM2-135M-Instruct.Q4_1.gguf (rat asset cache)")
    with open(os.path.join(CACHE, "tokenizers/qwen2/tokenizer_config.json"), encoding="utf-8") as fh:
        save("qwen3", json.load(fh)["chat_template"],
             "`chat_template` of tokenizers/qwen2/tokenizer_config.json in the rat asset cache (the same text as "
             "Qwen3-0.6B's template: `library/qwen3:0.6b` in the Ollama automap, Qwen-Qwen3-0.6B.jinja in llama.cpp)")

    hfjs = args.huggingface_js
    hfjs_head = git_head(hfjs)
    automap = ollama_templates(hfjs)
    for name, key in OLLAMA.items():
        save(name, automap[key], f"huggingface/huggingface.js@{hfjs_head[:12]} "
             f"packages/ollama-utils/src/chat-template-automap.ts, `gguf` of `{key}`")
    tests = hf_js_test_templates(hfjs)
    for name, key in HF_JS_TESTS.items():
        save(name, tests[key], f"huggingface/huggingface.js@{hfjs_head[:12]} packages/jinja/test/e2e.test.js, "
             f"TEST_CUSTOM_TEMPLATES[\"{key}\"]")

    lc = args.llama_cpp
    lc_head = git_head(lc)
    for name, file in LLAMA_CPP.items():
        save(name, git_show(lc, f"models/templates/{file}").decode(),
             f"ye-NX/llama.cpp@{lc_head[:12]} (fork of ggml-org/llama.cpp) models/templates/{file}")

    ct = args.chat_templates
    save("chatml", git_show(ct, "chat_templates/chatml.jinja").decode(),
         f"chujiezheng/chat_templates@{git_head(ct)[:12]} chat_templates/chatml.jinja")

    with open(os.path.join(OUT, "SOURCES.md"), "w", encoding="utf-8") as fh:
        fh.write("# Where the chat templates come from\n\n")
        fh.write("Each file is a model's `chat_template`, copied unchanged (collected by "
                 "tools/chat/collect_templates.py). They are test data for the ChatTemplates target.\n\n")
        fh.write("| template | source |\n| --- | --- |\n")
        for name, origin in sources:
            fh.write(f"| {name} | {origin} |\n")
    print(f"wrote {len(sources)} templates to {OUT}")


if __name__ == "__main__":
    main()
