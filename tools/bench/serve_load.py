#!/usr/bin/env python3
"""Load on `rat serve` (a benchmark, not a test): warm re-traces of a 100-token text, one client
and 16 at once, latency median and p99 over 200 requests each; the server's memory after 10
requests and after 1,000.

    python3 tools/bench/serve_load.py [--rat .build/release/rat] [--model M]

Standard library only. Starts the server on a free loopback port and stops it with Ctrl-C.
"""
import argparse
import http.client
import json
import os
import re
import signal
import statistics
import subprocess
import threading
import time

TEXT = ("Interpretability work is a loop: change the text, look again. The model reads every token, "
        "and attention flows back from the last one to the words that shaped it. We trace those paths, "
        "layer by layer, to see which earlier words the model drew on when it wrote the next one, and "
        "whether the first token soaks up most of the attention or the meaning really travels along the "
        "sentence from subject to verb to object and on to the end.")


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def post(port, path, body):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    start = time.perf_counter()
    connection.request("POST", path, body=body, headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    data = response.read()
    elapsed = time.perf_counter() - start
    connection.close()
    if response.status != 200:
        raise RuntimeError(f"{response.status}: {data[:200]!r}")
    return elapsed


def run(port, body, requests, clients):
    latencies, lock = [], threading.Lock()
    per_client = requests // clients

    def client():
        for _ in range(per_client):
            t = post(port, "/api/trace", body)
            with lock:
                latencies.append(t)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(round(0.99 * len(latencies))) - 1)]
    return statistics.median(latencies), p99, len(latencies) / wall


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rat", default=".build/release/rat")
    parser.add_argument("--model")
    args = parser.parse_args()
    command = [args.rat, "serve", "--port", "0"] + (["--model", args.model] if args.model else [])
    server = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    port = None
    for line in server.stderr:
        match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
        if match:
            port = int(match.group(1))
            break
    if port is None:
        raise SystemExit("rat serve did not start")
    threading.Thread(target=lambda: [None for _ in server.stderr], daemon=True).start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port)
        connection.request("POST", "/api/tokenize", body=json.dumps({"text": TEXT}))
        tokens = len(json.loads(connection.getresponse().read())["ids"])
        body = json.dumps({"text": TEXT})
        for _ in range(10):
            post(port, "/api/trace", body)
        after10 = rss_mb(server.pid)
        one = run(port, body, 200, 1)
        sixteen = run(port, body, 208, 16)
        done = 10 + 200 + 208
        while done < 1000:
            post(port, "/api/trace", body)
            done += 1
        after1000 = rss_mb(server.pid)
        print(f"rat serve, POST /api/trace of a {tokens}-token text (every layer up to the last, beam search, default options)")
        print("| clients | requests | median | p99 | requests/s |")
        print("|---|---|---|---|---|")
        for clients, (median, p99, rate), count in [(1, one, 200), (16, sixteen, 208)]:
            print(f"| {clients} | {count} | {median * 1000:.0f} ms | {p99 * 1000:.0f} ms | {rate:.1f} |")
        print(f"memory (RSS): {after10:.0f} MB after 10 requests, {after1000:.0f} MB after 1,000 ({after1000 - after10:+.0f} MB)")
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
