#!/usr/bin/env bash
# Fuzzes rat's parsers with libFuzzer (address sanitizer on): builds Sources/rat-fuzz with
# -sanitize=fuzzer,address into .build/fuzz, then runs each target for SECONDS.
#
#   scripts/fuzz.sh [TARGET|all] [SECONDS]      (default: all, 20 s each; make fuzz: 1,000,000 inputs
#                                                or 1800 s, whichever comes first; FUZZ_RUNS sets the count)
#   scripts/fuzz.sh all smoke                   (make test: each target from its seeds alone, with a
#                                                fixed seed and count, so every machine runs the same inputs)
#
# Each target's working corpus lives in ~/.cache/rat/fuzz/TARGET (seeded from the test fixtures,
# kept between runs); Fixtures/fuzz/TARGET holds committed regression inputs, read as corpus too
# and replayed by the test suite. A crash, leak, timeout (10 s) or allocation over 2 GB stops the
# run with its input saved in .build/fuzz/crashes: commit it to Fixtures/fuzz/TARGET with a fix.
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-all}
seconds=${2:-20}
targets=(gguf gguf-tokenizer safetensors safetensors-index config tokenizer-json chat-template npy trace-json request)
if [ "$which" != all ]; then targets=("$which"); fi

swift build -c release --product rat-fuzz --scratch-path .build/fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DRAT_LIBFUZZER 2>&1 | grep -Ev "warning: |^\[" || true
binary=.build/fuzz/release/rat-fuzz
[ -x "$binary" ] || { echo "fuzz: the build failed (swift build --scratch-path .build/fuzz)"; exit 1; }

# Seed inputs: the fixtures each parser already reads.
seeds() {
    case "$1" in
        gguf) ls Fixtures/runtime/families/*.gguf Fixtures/tokenizer/gguf/*.gguf ;;
        gguf-tokenizer) ls Fixtures/tokenizer/gguf/*.gguf Fixtures/runtime/families/*.gguf ;;
        safetensors) ls Fixtures/runtime/families/llama3_rope/model.safetensors Fixtures/runtime/tiny/*/model*.safetensors ;;
        safetensors-index) ls Fixtures/runtime/tiny/*/model.safetensors.index.json ;;
        config) ls Fixtures/runtime/families/*/config*.json Fixtures/runtime/tiny/*/config.json ;;
        tokenizer-json) ls Fixtures/tokenizer/sentencepiece/*/tokenizer.json ;;
        npy) ls Examples/fox/attention.npy Fixtures/paths/matrices/*_n[0-9].npy Fixtures/paths/matrices/*_n[0-9][0-9].npy ;;
        trace-json) ls Fixtures/fuzz/seeds/trace-json/* ;;
        request) ls Fixtures/fuzz/seeds/request/* ;;
    esac 2>/dev/null || true
}

cache=${RAT_CACHE:-$HOME/.cache/rat}/fuzz
crashes=.build/fuzz/crashes
mkdir -p "$crashes"
status=0
for target in "${targets[@]}"; do
    corpus=$cache/$target
    limit=(-max_total_time="$seconds")
    if [ -n "${FUZZ_RUNS:-}" ]; then limit+=(-runs="$FUZZ_RUNS"); fi
    if [ "$seconds" = smoke ]; then
        # A fresh corpus, a fixed seed and count: the same inputs on every machine, so a green run
        # stays green (the open-ended search is make fuzz's). Swift seeds its hashing per process,
        # which changes dictionary order, so the coverage, so the inputs: fixed here too.
        corpus=.build/fuzz/smoke/$target
        rm -rf "$corpus"
        limit=(-seed=1 -runs="${FUZZ_SMOKE_RUNS:-20000}")
        export SWIFT_DETERMINISTIC_HASHING=1
    fi
    regressions=Fixtures/fuzz/$target
    mkdir -p "$corpus" "$regressions"
    for seed in $(seeds "$target"); do cp -n "$seed" "$corpus/seed-$(basename "$(dirname "$seed")")-$(basename "$seed")" 2>/dev/null || true; done
    if [ "$target" = chat-template ]; then
        # A template, a NUL byte, then the messages as JSON.
        for template in Fixtures/chat/templates/*.jinja; do
            seed=$corpus/seed-$(basename "$template")
            [ -f "$seed" ] || { cat "$template"; printf '\0[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}, {"role": "user", "content": "2+2?"}]'; } >"$seed"
        done
    fi
    log=.build/fuzz/$target.log
    echo "fuzz $target: ${limit[*]}"
    if RAT_FUZZ_TARGET=$target ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 LSAN_OPTIONS=suppressions=$PWD/scripts/fuzz-lsan.supp "$binary" "$corpus" "$regressions" \
        "${limit[@]}" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 -max_len=262144 \
        -artifact_prefix="$crashes/$target-" -print_final_stats=1 >"$log" 2>&1; then
        grep -E "^stat::number_of_executed_units|^#[0-9]+.*DONE" "$log" | tail -1 | sed "s/^/  /"
    else
        status=1
        echo "  FAILED: see $log; the input is in $crashes (commit it to $regressions with the fix)"
        grep -E "ERROR|SUMMARY|Test unit written" "$log" | head -5 | sed "s/^/  /"
    fi
done
exit $status
