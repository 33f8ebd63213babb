#!/usr/bin/env bash
# The loader test under ThreadSanitizer and under AddressSanitizer + UndefinedBehaviorSanitizer.
# Also the portable (no SIMD) and SSE2-only resize paths.
# Prints "results: N passed, N failed, N skipped" (one test per build).
# Uses clang when present (faster sanitizer builds), else cc. Takes about a minute on 2 cores.
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
B="${BT_BUILD:-$ROOT/build/tests}"
mkdir -p "$B"
CC_SAN="${CC_SAN:-}"
if [ -z "$CC_SAN" ]; then if command -v clang >/dev/null 2>&1; then CC_SAN=clang; else CC_SAN=cc; fi; fi
PASS=0; FAIL=0; SKIP=0
run_one() { # name flags env
    local name=$1 flags=$2 envs=$3 bin="$B/test_loader_$1" out rc
    if ! $CC_SAN -std=c99 -O1 -g -fno-omit-frame-pointer $flags -Wall -Wextra -Wpedantic -Werror \
            -I"$ROOT" -I/usr/include/stb tests/test_loader.c -o "$bin" -lm -pthread 2>"$bin.log"; then
        if grep -qi "unsupported\|cannot find\|not supported" "$bin.log"; then
            SKIP=$((SKIP+1)); echo "  skip $name: $CC_SAN cannot build with $flags"; return
        fi
        FAIL=$((FAIL+1)); echo "  FAIL $name (does not build)"; head -20 "$bin.log"; return
    fi
    out=$(env $envs BT_BUILD="$B" timeout 300 "$bin" 2>&1); rc=$?
    if [ $rc -eq 0 ] && printf '%s\n' "$out" | grep -q '^results: [0-9]* passed, 0 failed' \
       && ! printf '%s\n' "$out" | grep -qE 'WARNING: ThreadSanitizer|ERROR: AddressSanitizer|runtime error|LeakSanitizer'; then
        PASS=$((PASS+1)); echo "  ok   $name ($(printf '%s\n' "$out" | grep '^results:' | tail -1 | sed 's/results: //'))"
    else
        FAIL=$((FAIL+1)); echo "  FAIL $name (exit $rc)"; printf '%s\n' "$out" | grep -vE '^  (ok|golden|bad:)' | head -60
    fi
}
run_one tsan "-fsanitize=thread" "TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1"
run_one asan_ubsan "-fsanitize=address,undefined -fno-sanitize-recover=undefined" "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1"
# the portable resize path (no SSE2/AVX2) and the SSE2 path without AVX2, under ASan+UBSan
run_one scalar_asan "-DBATCHTUNE_NO_SIMD -fsanitize=address,undefined -fno-sanitize-recover=undefined" "ASAN_OPTIONS=detect_leaks=1"
run_one sse2_only "-DBATCHTUNE_NO_AVX2" ""
echo "results: $PASS passed, $FAIL failed, $SKIP skipped"
[ $FAIL -eq 0 ]
