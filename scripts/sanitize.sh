#!/usr/bin/env bash
# Runs the test suite under a sanitizer (make sanitize): address (ASan, with leak checking) and
# thread (TSan). Each builds the whole package, the tests and the `rat` the tests start, with
# -sanitize=KIND into .build/KIND, then runs `swift test` there.
#
#   scripts/sanitize.sh [address|thread|all] [swift test arguments…]
#
# Every process (the test runner and each rat it starts, including `rat serve`) writes its reports
# to .build/sanitize/KIND.PID, so a report from a child whose failure a test expected (a crafted
# file must fail) is not lost: the run fails when any report exists, and prints them.
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-all}
shift || true
kinds=(address thread)
if [ "$which" != all ]; then kinds=("$which"); fi

reports=$PWD/.build/sanitize
status=0
for kind in "${kinds[@]}"; do
    case "$kind" in
        address | thread) ;;
        *) echo "sanitize: unknown sanitizer '$kind' (address, thread or all)"; exit 2 ;;
    esac
    mkdir -p "$reports"
    rm -f "$reports/$kind".* "$reports/$kind"-*
    # The same options for both: reports to files, a process stops at its first report, and an
    # allocation over 8 GB is a report (the tests' `ulimit -v` cannot coexist with shadow memory).
    common="log_path=$reports/$kind:halt_on_error=1:max_allocation_size_mb=8192:allocator_may_return_null=0"
    echo "sanitize $kind: building and testing (.build/$kind; log .build/sanitize-$kind.log)"
    start=$(date +%s)
    set +e
    processes=$reports/$kind-processes.txt
    : >"$processes"
    RAT_SANITIZER=$kind RAT_SANITIZER_PROCESSES=$processes RAT_TIMEOUT_SCALE=${RAT_TIMEOUT_SCALE:-8} RAT_REQUIRE_ASSETS=1 \
    ASAN_OPTIONS="$common:detect_leaks=1:detect_stack_use_after_return=0" \
    LSAN_OPTIONS="suppressions=$PWD/scripts/sanitize-lsan.supp:print_suppressions=0" \
    TSAN_OPTIONS="$common:suppressions=$PWD/scripts/sanitize-tsan.supp" \
        swift test -c release --sanitize="$kind" --scratch-path ".build/$kind" "$@" >".build/sanitize-$kind.log" 2>&1
    result=$?
    set -e
    tail -3 ".build/sanitize-$kind.log"
    found=$(ls "$reports/$kind".* 2>/dev/null || true)
    if [ -n "$found" ]; then
        echo "sanitize $kind: $(echo "$found" | wc -l) report(s):"
        for f in $found; do
            pid=${f##*.}
            echo "--- $f: $(grep -m1 "^$pid " "$processes" | cut -d' ' -f2- | cut -c1-300 || true)"
            head -60 "$f"
        done
        status=1
    fi
    if [ $result -ne 0 ]; then
        echo "sanitize $kind: swift test failed (exit $result); see .build/sanitize-$kind.log"
        status=1
    fi
    [ $status -eq 0 ] && echo "sanitize $kind: clean ($(( $(date +%s) - start )) s)"
done
exit $status
