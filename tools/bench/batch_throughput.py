#!/usr/bin/env python3
"""`rat batch` against one `rat trace` process per text (a benchmark, not a test): 200 short
texts traced both ways, and the batch's peak memory after 100 lines and after 10,000.

    python3 tools/bench/batch_throughput.py [--rat .build/release/rat] [--model M] [--lines 10000]

Standard library only. The memory runs trace the last layer, as the throughput run does
(10,000 lines take about 7 minutes on 2 cores); `--memory-layer 0` stops each pass at layer 0
for a quick look at what the batch keeps per line.
"""
import argparse
import json
import os
import subprocess
import tempfile
import time

SUBJECTS = ["The fox", "A tired engineer", "Our small team", "The old lighthouse keeper", "Every student"]
VERBS = ["noticed", "wrote about", "carried", "forgot", "painted"]
OBJECTS = ["the lazy dog", "a quiet harbour", "three red apples", "the final report", "an empty train"]


def texts(n):
    """n different short sentences (7 to 10 tokens)."""
    return [f"{SUBJECTS[i % 5]} {VERBS[i // 5 % 5]} {OBJECTS[i // 25 % 5]} on day {i}." for i in range(n)]


def write_jsonl(path, lines, **options):
    with open(path, "w") as f:
        for i, text in enumerate(lines):
            f.write(json.dumps({"id": i, "text": text, **options}) + "\n")


def run(argv):
    """Wall time and peak RSS (MB) of one process."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"failed ({status}): {' '.join(argv)}")
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rat", default=".build/release/rat")
    parser.add_argument("--model", default=os.path.expanduser("~/.cache/rat/models/SmolLM2-135M-Instruct.Q4_1.gguf"))
    parser.add_argument("--texts", type=int, default=200)
    parser.add_argument("--lines", type=int, default=10000)
    parser.add_argument("--memory-layer", type=int, default=-1)
    args = parser.parse_args()
    rat, model = args.rat, args.model
    with tempfile.TemporaryDirectory() as tmp:
        sample = texts(args.texts)
        jsonl = os.path.join(tmp, "in.jsonl")
        write_jsonl(jsonl, sample)
        batch_s, batch_mb = run([rat, "batch", jsonl, "--output", os.path.join(tmp, "out.jsonl"), "--model", model])
        processes_s = 0.0
        for text in sample:
            seconds, _ = run([rat, "trace", "--json", "--explore", "none", "--model", model, "--text", text,
                              "--output", os.path.join(tmp, "page")])
            processes_s += seconds
        print(f"{args.texts} short texts, SmolLM2 last layer: rat batch {batch_s:.2f} s "
              f"({args.texts / batch_s:.1f} texts/s, peak {batch_mb:.0f} MB); "
              f"{args.texts} rat trace processes {processes_s:.2f} s ({args.texts / processes_s:.1f} texts/s); "
              f"batch {processes_s / batch_s:.1f}x faster")
        for n in (100, args.lines):
            path = os.path.join(tmp, f"mem{n}.jsonl")
            write_jsonl(path, texts(n), layer=args.memory_layer)
            seconds, mb = run([rat, "batch", path, "--output", os.path.join(tmp, f"mem{n}.out.jsonl"), "--model", model])
            print(f"{n} lines at layer {args.memory_layer}: {seconds:.1f} s, peak RSS {mb:.1f} MB")


if __name__ == "__main__":
    main()
