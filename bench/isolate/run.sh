#!/usr/bin/env bash
# Per-cell overhead of isolated cells: builds bench/isolate/overhead.c (-O2) and runs N cells of
# a do-nothing workload in-process and isolated, alternating, R rounds; prints medians, the
# ratio and the overhead per cell. Usage: bash bench/isolate/run.sh [N=200] [R=7]
# Results: bench/results/reliability.md ("Isolated cells").
set -eu
cd "$(dirname "$0")/../.."
mkdir -p build
cc -std=c99 -O2 -I. bench/isolate/overhead.c -o build/isolate_overhead -lm -pthread
build/isolate_overhead "${1:-200}" "${2:-7}"
