#!/usr/bin/env python3
"""Times the reference (reverse-attention 0.1.0 on transformers, CPU) on the same ids as
rat-bench, in the same run: model load, then `tracer.trace(ids)` (last layer, mean), median of
`--repeat`. Prints one JSON line: {"load_s", "trace_s", "peak_rss_mb"} (or {"error"}).

Called by `rat-bench` when a reference environment is found (RAT_REFERENCE_PYTHON or ../refenv).
"""
import argparse
import json
import os
import resource
import statistics
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="a GGUF file or a HuggingFace folder")
    ap.add_argument("--ids", required=True, help="file with comma-separated ids")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    args = ap.parse_args()
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from reverse_attention import ReverseAttentionTracer

    torch.set_num_threads(args.threads)
    ids = [int(x) for x in open(args.ids).read().split(",")]
    start = time.perf_counter()
    if os.path.isdir(args.model):
        tok = AutoTokenizer.from_pretrained(args.model)
        model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32, attn_implementation="eager")
    else:
        folder, name = os.path.dirname(args.model), os.path.basename(args.model)
        tok = AutoTokenizer.from_pretrained(folder, gguf_file=name)
        model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32, attn_implementation="eager")
    model.eval()
    tracer = ReverseAttentionTracer(model, tok)
    load = time.perf_counter() - start
    input_ids = torch.tensor([ids])
    times = []
    try:
        for _ in range(args.repeat):
            start = time.perf_counter()
            tracer.trace(input_ids, layer=-1, agg_heads="mean")
            times.append(time.perf_counter() - start)
    except RuntimeError as e:  # out of memory
        print(json.dumps({"error": str(e)[:200]}))
        return
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"load_s": load, "trace_s": statistics.median(times), "peak_rss_mb": peak}))


if __name__ == "__main__":
    main()
