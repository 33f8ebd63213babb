#!/usr/bin/env bash
# The recompute grid of the real CPU workload (batchtune recompute measure): builds the tool,
# measures recompute % over batch x window with batch*window <= 512, fits the model, times one
# full window per cell in interleaved rounds, and picks (W, B). Writes
# bench/results/recompute_cpu.csv and .txt; bench/results/recompute_cpu.md is written from them.
# Extra arguments go to `batchtune recompute measure` (e.g. --min-div 200).
set -eu
cd "$(dirname "$0")/../.."
mkdir -p build bench/results
cc -O2 -I. -I/usr/include/stb tools/batchtune.c -o build/batchtune -lm -pthread
build/batchtune recompute measure --out bench/results/recompute_cpu.csv --plain "$@" 2>bench/results/recompute_cpu.log | tee bench/results/recompute_cpu.txt
