#!/usr/bin/env bash
# bench/gpu/run.sh — measures batchtune's GPU goals and records them under bench/results/:
#   pinned upload >= 90 % of the measured cudaMemcpy pinned peak; overlapped pipeline <=
#   1.10 x max(load, compute) + fill/drain; utilization heatmap over S x batch with OOM cells
#   (events, CUPTI's kernel records and NVML); per-item time vs batch for the model variants; energy per item; and the
#   demo's inference-pipeline sweep with the head on the GPU beside the same sweep on the CPU
#   (pipeline/: results, report.html; the recommendations go into summary.md).
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
if [ "$rc" -eq 0 ]; then
    # the main job on this GPU: the demo's pipeline sweep, head on the GPU, then on the CPU
    P="$OUT/pipeline"; mkdir -p "$P"
    if nvcc -O3 -Werror all-warnings -x cu -DBATCHTUNE_WITH_CUDA -I. -I/usr/include/stb tools/batchtune.c batchtune_cuda.cu -o "$B/batchtune_gpu"; then
        BT="$B/batchtune_gpu"
        "$BT" mkimages "$B/images" --count 192 >/dev/null
        "$BT" pack --images "$B/images" --out "$B/records.bin" >/dev/null
        GRID="--axis batch=16,32,64,128 --axis workers=1,2,4 --min-samples 3 --max-time 2"
        [ "${1:-}" = --quick ] && GRID="--axis batch=32,128 --axis workers=1,4 --min-samples 2 --max-time 1"
        for dev in gpu cpu; do
            "$BT" sweep --workload pipeline --images "$B/images" --records "$B/records.bin" $GRID --device "$dev" \
                --out "$P/$dev.csv" --force >"$P/$dev.txt" 2>"$P/$dev.err" || echo "pipeline sweep on the $dev failed: $P/$dev.err"
        done
        "$BT" report "$P/gpu.csv" --out "$P/report.html" >/dev/null 2>&1 || true
        {
            echo; echo "## Inference pipeline (the demo's sweep), head on the GPU vs on the CPU"; echo
            for dev in gpu cpu; do echo "- $dev: $(grep -m1 '^recommendation:' "$P/$dev.txt" 2>/dev/null || echo 'no recommendation (see pipeline/'$dev'.err)')"; done
            echo; echo "Rows, phases (h2d_s, compute_s from CUDA events) and report: pipeline/."
        } >>"$OUT/summary.md"
    else
        echo "the tool does not build with nvcc: pipeline sweep not recorded"
    fi
fi
[ "$rc" -eq 0 ] && echo "results: $OUT (summary.md)"
exit "$rc"
