#!/usr/bin/env bash
# The adaptive search's own CPU time (its bookkeeping, not the measurements) on grids with a long
# unordered axis, this header against another revision's, side by side in one run: each size is
# replayed --reps times by each build in turn and the median taken; prints both, their ratio, and
# whether the search's result (its cost fraction) is the same. Records bench/results/search-hotpath.md.
#   bash bench/search/hotpath.sh [BASE_REV] [V ...]     (default: c1d3000, the header before the value-effect scan was narrowed; 32 64 128 kernels)
set -eu
cd "$(dirname "$0")/../.."
BASE=${1:-c1d3000}; shift || true
SIZES=${*:-32 64 128}
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
mkdir -p "$W/base" build bench/results
git show "$BASE:batchtune.h" > "$W/base/batchtune.h" || { echo "hotpath.sh: no batchtune.h at $BASE" >&2; exit 2; }
CC="${CC:-cc}"
$CC -std=c99 -O2 -Wall -Wextra -Werror -I. bench/search/hotpath.c -o build/hotpath -lm -pthread
$CC -std=c99 -O2 -I"$W/base" bench/search/hotpath.c -o "$W/hotpath_base" -lm -pthread
OUT=bench/results/search-hotpath.md
{
    echo "# bench/search/hotpath.sh: the adaptive search's own CPU time, $(git rev-parse --short HEAD) against $(git rev-parse --short "$BASE")"
    echo
    echo "Recorded $(date -u +%Y-%m-%dT%H:%MZ). Machine: $(uname -sm), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //'), $(nproc) CPUs, shared."
    echo "One workload, V kernels (unordered) x 8 batches, 1 % noise, seed 1; median of 5 replays per build, the base build first at each size."
    echo
    echo "| kernels | cells | base s | this s | base / this | cost fraction base, this |"
    echo "|---|---|---|---|---|---|"
    for v in $SIZES; do
        b=$("$W/hotpath_base" --reps=5 "$v"); n=$(build/hotpath --reps=5 "$v")
        bs=$(echo "$b" | sed 's/.*seconds=\([0-9.]*\).*/\1/'); ns=$(echo "$n" | sed 's/.*seconds=\([0-9.]*\).*/\1/')
        bc=$(echo "$b" | sed 's/.*cost_fraction=//'); nc=$(echo "$n" | sed 's/.*cost_fraction=//')
        echo "| $v | $((v * 8)) | $bs | $ns | $(awk -v a="$bs" -v b="$ns" 'BEGIN{printf "%.2f", a / b}') | $bc, $nc |"
    done
} | tee "$OUT"
