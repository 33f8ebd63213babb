#!/usr/bin/env bash
# bench/gpu/run.sh — measures batchtune's GPU goals and records them under bench/results/:
#   pinned upload >= 90 % of the measured cudaMemcpy pinned peak; overlapped pipeline <=
#   1.10 x max(load, compute) + fill/drain; utilization heatmap over S x batch with OOM cells
#   (events and NVML); per-item time vs batch for the model variants; energy per item.
#   bash bench/gpu/run.sh            full run (a few minutes on one GPU)
#   bash bench/gpu/run.sh --quick    smaller grids
# Without a GPU it says "no GPU: nothing measured" and records nothing.
set -u
cd "$(dirname "$0")/../.."
B=build/bench
mkdir -p "$B"
if ! command -v nvcc >/dev/null 2>&1; then
    echo "no GPU: nothing measured (nvcc not found: install the CUDA Toolkit)"; exit 0
fi
nvcc -O2 -Werror all-warnings -I. -I/usr/include/stb bench/gpu/gpu_bench.cu batchtune_cuda.cu -o "$B/gpu_bench" || { echo "gpu_bench does not build"; exit 1; }
OUT="bench/results/gpu-$(date -u +%Y%m%dT%H%M%SZ)-$(hostname -s 2>/dev/null || echo host)"
mkdir -p "$OUT"
nvidia-smi >"$OUT/nvidia-smi.txt" 2>&1 || rm -f "$OUT/nvidia-smi.txt"
"$B/gpu_bench" "$OUT" "$@"; rc=$?
if [ "$rc" -eq 3 ]; then
    rm -rf "$OUT"
    echo "no GPU: nothing measured (no results were recorded)"
    exit 0
fi
[ "$rc" -eq 0 ] && echo "results: $OUT (summary.md)"
exit "$rc"
