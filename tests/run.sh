#!/usr/bin/env bash
# The test command (README.md): builds and runs every test on this machine, CPU only when
# there is no GPU, and ends with one line: "N passed, N failed, N skipped".
#   bash tests/run.sh             all tests but the extended ones (a few minutes on 2 cores)
#   bash tests/run.sh sweep       only tests/test_*sweep* (a substring of the file name)
#   bash tests/run.sh --extended  only the extended tests, which install Debian packages and
#                                 take minutes each: a real browser (chromium), a one-node
#                                 Slurm cluster, Windows builds under Wine. .ci/run runs them.
# Needs: a C compiler, a C++ compiler, and stb's headers (Debian libstb-dev; installed here
# when missing and we are root). nvcc is used when present (GPU tests skip without a GPU).
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
B="$ROOT/build/tests"
mkdir -p "$B"
FILTER="${1:-}"
EXTENDED_TESTS=" test_report_browser test_slurm test_windows "
SANITIZER_TESTS=" test_sanitize_loader "   # run by tests/sanitize.sh (CI's sanitizer step)
EXT=0
if [ "$FILTER" = --extended ]; then EXT=1; FILTER=""; fi
CC="${CC:-cc}"
CXX="${CXX:-c++}"
PASS=0; FAIL=0; SKIP=0
FAILED=()

note() { printf '%s\n' "$*"; }
need_pkg() { # need_pkg FILE-OR-COMMAND PACKAGE
    if [ -e "$1" ] || command -v "$1" >/dev/null 2>&1; then return 0; fi
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        note "tests: installing Debian package $2 (needed for $1)"
        (apt-get install -y -q "$2" >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q "$2" >/dev/null 2>&1; }) || true
    fi
    if [ -e "$1" ] || command -v "$1" >/dev/null 2>&1; then return 0; fi
    note "tests: missing $1: install the Debian package '$2' (apt-get install $2) and run again"
    return 1
}
command -v "$CC" >/dev/null || { note "tests: no C compiler ($CC): apt-get install build-essential"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
need_pkg /usr/include/stb/stb_image.h libstb-dev || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }

pass() { PASS=$((PASS+1)); note "  ok   $1"; }
# run_counted NAME COMMAND...: runs a test program or script (8 minutes at most), shows its
# output, and adds the counts of its last "results: N passed, N failed, N skipped" line
run_counted() {
    local name="$1" out rc line p f s; shift
    out=$(cd "$ROOT" && timeout 480 "$@" 2>&1); rc=$?
    printf '%s\n' "$out" | grep -v '^results:'
    line=$(printf '%s\n' "$out" | grep '^results:' | tail -1)
    if [ -z "$line" ]; then fail "$name (crashed, timed out or no results line; exit $rc)"; return; fi
    p=$(echo "$line" | sed -E 's/results: ([0-9]+) passed.*/\1/')
    f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
    s=$(echo "$line" | sed -E 's/.* ([0-9]+) skipped.*/\1/')
    PASS=$((PASS+p)); FAIL=$((FAIL+f)); SKIP=$((SKIP+s))
    [ "$f" -gt 0 ] && FAILED+=("$name")
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && fail "$name (exit $rc)"
}
fail() { FAIL=$((FAIL+1)); FAILED+=("$1"); note "  FAIL $1"; }
skip() { SKIP=$((SKIP+1)); note "  skip $1: $2"; }

WARN="-Wall -Wextra -Wpedantic -Werror"
INC="-I$ROOT -I/usr/include/stb"

# 1. the header builds warning-free in every language mode users compile it in
if [ "$EXT" = 0 ] && { [ -z "$FILTER" ] || [ "$FILTER" = build ]; }; then
    note "== build checks"
    printf '#define BATCHTUNE_IMPLEMENTATION\n#include "batchtune.h"\nint main(void){return bt_version_string()[0] == 0;}\n' > "$B/one.c"
    cp "$B/one.c" "$B/one.cpp"
    for std in c99 c11; do
        if $CC -std=$std $WARN $INC "$B/one.c" -o "$B/one_$std" -lm -pthread 2>"$B/one_$std.log" && "$B/one_$std"; then pass "build $std"; else fail "build $std"; head -20 "$B/one_$std.log"; fi
    done
    if command -v "$CXX" >/dev/null; then
        if $CXX -std=c++17 $WARN $INC "$B/one.cpp" -o "$B/one_cxx17" -lm -pthread 2>"$B/one_cxx17.log" && "$B/one_cxx17"; then pass "build c++17"; else fail "build c++17"; head -20 "$B/one_cxx17.log"; fi
    else skip "build c++17" "no C++ compiler"; fi
    if command -v clang >/dev/null; then
        if clang -std=c99 $WARN $INC "$B/one.c" -o "$B/one_clang" -lm -pthread 2>"$B/one_clang.log"; then pass "build clang c99"; else fail "build clang c99"; head -20 "$B/one_clang.log"; fi
    else skip "build clang c99" "clang not installed"; fi
    # static mode: everything private to one translation unit
    printf '#define BATCHTUNE_STATIC\n#define BATCHTUNE_IMPLEMENTATION\n#include "batchtune.h"\nint main(void){bt_grid *g = bt_grid_create(); int ok = bt_grid_axis_pow2(g, "b", 1, 8) == 0; bt_grid_destroy(g); return !ok;}\n' > "$B/static.c"
    if $CC -std=c99 $WARN -Wno-unused-function $INC "$B/static.c" -o "$B/static" -lm -pthread 2>"$B/static.log" && "$B/static"; then pass "build static mode"; else fail "build static mode"; head -20 "$B/static.log"; fi
    # two translation units: declarations in one, implementation in the other (no duplicates)
    printf '#include "batchtune.h"\nint other(void){ return bt_grid_num_axes(0); }\n' > "$B/tu2.c"
    printf '#define BATCHTUNE_IMPLEMENTATION\n#include "batchtune.h"\nint other(void);\nint main(void){ return other(); }\n' > "$B/tu1.c"
    if $CC -std=c99 $WARN $INC "$B/tu1.c" "$B/tu2.c" -o "$B/tu" -lm -pthread 2>"$B/tu.log" && "$B/tu"; then pass "build two translation units"; else fail "build two translation units"; head -20 "$B/tu.log"; fi
    # POSIX-only calls outside non-Windows branches, names <windows.h> turns into macros
    if command -v python3 >/dev/null 2>&1; then
        if python3 tests/lint_portable.py >"$B/lint.txt" 2>&1; then pass "portability lint"; else fail "portability lint"; head -20 "$B/lint.txt"; fi
    else skip "portability lint" "python3 not found"; fi
    # a CPU-only program links without batchtune_cuda.cu and without libcudart
    if $CC -std=c99 -O1 $INC examples/cpu_quickstart.c -o "$B/cpu_only" -lm -pthread 2>"$B/cpu_only.log" && ! nm "$B/cpu_only" | grep -qi cuda; then pass "CPU-only program links without CUDA"; else fail "CPU-only program links without CUDA"; head -20 "$B/cpu_only.log"; fi
    if command -v nvcc >/dev/null; then
        cp "$B/one.c" "$B/one.cu"
        if nvcc -Werror all-warnings $INC -c "$B/one.cu" -o "$B/one_cu.o" 2>"$B/nvcc_h.log"; then pass "build header in a .cu file (nvcc)"; else fail "build header in a .cu file (nvcc)"; head -20 "$B/nvcc_h.log"; fi
        if [ -f batchtune_cuda.cu ]; then
            if nvcc -Werror all-warnings $INC -c batchtune_cuda.cu -o "$B/batchtune_cuda.o" 2>"$B/nvcc_cu.log"; then pass "build batchtune_cuda.cu (nvcc)"; else fail "build batchtune_cuda.cu (nvcc)"; head -20 "$B/nvcc_cu.log"; fi
            # without CUPTI's headers (its record offsets are then batchtune's own constants)
            if nvcc -Werror all-warnings -DBATCHTUNE_NO_CUPTI_H $INC -c batchtune_cuda.cu -o "$B/batchtune_cuda_nocupti.o" 2>"$B/nvcc_nocupti.log" && ! nm "$B/batchtune_cuda_nocupti.o" | grep -q ' U cupti' && ! nm "$B/batchtune_cuda_nocupti.o" | grep -q ' U cublas'; then pass "build batchtune_cuda.cu without CUPTI headers, no CUPTI or cuBLAS link dependency"; else fail "build batchtune_cuda.cu without CUPTI headers"; head -20 "$B/nvcc_nocupti.log"; fi
            # linking the .cu next to the implementation gives no duplicate symbols
            if nvcc $INC "$B/one.cu" batchtune_cuda.cu -o "$B/with_cuda" 2>"$B/nvcc_link.log"; then pass "link implementation + batchtune_cuda.cu"; else fail "link implementation + batchtune_cuda.cu"; head -20 "$B/nvcc_link.log"; fi
            # the tool with the GPU side (README's nvcc line); without a GPU it reports "no device"
            if nvcc -O1 -Werror all-warnings -x cu -DBATCHTUNE_WITH_CUDA $INC tools/batchtune.c batchtune_cuda.cu -o "$B/batchtune_gpu" 2>"$B/nvcc_tool.log" && "$B/batchtune_gpu" info >"$B/gpu_info.txt" 2>&1 && grep -q '^gpu: ' "$B/gpu_info.txt"; then pass "tool builds with nvcc and runs ($(grep '^gpu:' "$B/gpu_info.txt" | cut -c1-60))"; else fail "tool builds with nvcc"; head -20 "$B/nvcc_tool.log"; fi
        fi
    else
        skip "nvcc builds" "nvcc not found (install the CUDA Toolkit)"
    fi
fi

# 2. the test programs
[ "$EXT" = 0 ] && note "== unit and integration tests"
for t in tests/test_*.c; do
    [ -e "$t" ] || continue
    [ "$EXT" = 1 ] && continue
    name=$(basename "$t" .c)
    if [ -n "$FILTER" ] && [ "$FILTER" != build ] && [[ "$name" != *"$FILTER"* ]]; then continue; fi
    [ -n "$FILTER" ] && [ "$FILTER" = build ] && continue
    note "-- $name"
    if ! $CC -std=c99 -O1 -g $WARN $INC "$t" -o "$B/$name" -lm -pthread 2>"$B/$name.log"; then
        fail "$name (does not build)"; head -30 "$B/$name.log"; continue
    fi
    run_counted "$name" env BT_TEST_BIN="$B/$name" BT_BUILD="$B" "$B/$name"
done
# GPU tests (.cu): built with nvcc when it exists; without a GPU their device tests skip (counted)
for t in tests/test_*.cu; do
    [ -e "$t" ] || continue
    [ "$EXT" = 1 ] && continue
    name=$(basename "$t" .cu)
    if [ -n "$FILTER" ] && [ "$FILTER" != build ] && [[ "$name" != *"$FILTER"* ]]; then continue; fi
    [ -n "$FILTER" ] && [ "$FILTER" = build ] && continue
    note "-- $name"
    if ! command -v nvcc >/dev/null 2>&1; then skip "$name" "nvcc not found (install the CUDA Toolkit)"; continue; fi
    if ! nvcc -Werror all-warnings $INC "$t" batchtune_cuda.cu -o "$B/$name" 2>"$B/$name.log"; then
        fail "$name (does not build)"; head -30 "$B/$name.log"; continue
    fi
    run_counted "$name" env BT_TEST_BIN="$B/$name" BT_BUILD="$B" "$B/$name"
done
for t in tests/test_*.sh; do
    [ -e "$t" ] || continue
    name=$(basename "$t" .sh)
    if [ -n "$FILTER" ] && [[ "$name" != *"$FILTER"* ]]; then continue; fi
    case "$SANITIZER_TESTS" in *" $name "*) if [ -z "$FILTER" ]; then note "-- $name: in tests/sanitize.sh"; continue; fi ;; esac
    case "$EXTENDED_TESTS" in
        *" $name "*) if [ "$EXT" = 0 ] && [ -z "$FILTER" ]; then note "-- $name: extended (bash tests/run.sh --extended)"; continue; fi ;;
        *) [ "$EXT" = 1 ] && continue ;;
    esac
    note "-- $name"
    run_counted "$name" env BT_BUILD="$B" bash "$t"
done

[ ${#FAILED[@]} -gt 0 ] && note "failed: ${FAILED[*]}"
echo "$PASS passed, $FAIL failed, $SKIP skipped"
[ "$FAIL" -eq 0 ]
