#!/usr/bin/env python3
"""llama.cpp's in-process generation (llama-cpp-python), timed with the model preloaded, for
rat-bench --versus-llamacpp: greedy, the prompt given as ids, N tokens whatever the end-of-sequence.

Usage: python tools/bench/llamacpp_generate.py MODEL.gguf ID,ID,... N [THREADS]
Prints JSON: {"prefill_s", "decode_s", "total_s", "tokens", "tokens_per_s", "ids"}.
"""
import json
import sys
import time

from llama_cpp import Llama


def main():
    path, ids, n = sys.argv[1], [int(x) for x in sys.argv[2].split(",")], int(sys.argv[3])
    threads = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    llm = Llama(model_path=path, n_threads=threads, n_threads_batch=threads, n_ctx=len(ids) + n + 8, verbose=False)
    out = []
    start = time.perf_counter()
    first = None
    for token in llm.generate(ids, temp=0.0, top_k=1, repeat_penalty=1.0, reset=True):
        if first is None:
            first = time.perf_counter()  # the prompt is evaluated before the first token comes out
        out.append(token)
        if len(out) == n:
            break
    end = time.perf_counter()
    print(json.dumps({"prefill_s": first - start, "decode_s": end - first, "total_s": end - start, "tokens": len(out),
                      "tokens_per_s": len(out) / (end - start), "ids": out}))


if __name__ == "__main__":
    main()
