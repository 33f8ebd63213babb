#!/usr/bin/env bash
# The main job (README.md), the image-model study on this machine: builds the tool, makes a
# small image set (photo-like JPEGs written with stb_image_write) and its preprocessed record
# file, sweeps the inference pipeline (loader -> model) over batch size x loader workers on
# both data settings (decoded images, preprocessed records), prints the top-3 counts, the
# mean-regret ranking, the recommendation and heatmaps, and writes demo-out/report.html.
# The model head runs on the GPU when nvcc exists and a GPU is usable (nvidia-smi -L lists
# one): the tool is then built with nvcc and batchtune_cuda.cu. Otherwise (no nvcc, or nvcc
# without a GPU, as in CI) it is built with cc and the head runs on the CPU. The first lines
# say which path was taken and why. About 2 minutes on 2 cores (CPU path).
#   bash tools/demo.sh [extra flags for 'batchtune sweep']
#   IMAGES=DIR bash tools/demo.sh      use your own image folder instead
set -euo pipefail
cd "$(dirname "$0")/.."
CC="${CC:-cc}"
command -v "$CC" >/dev/null || { echo "demo: no C compiler ($CC): apt-get install build-essential" >&2; exit 1; }
if [ ! -e /usr/include/stb/stb_image.h ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "demo: installing Debian package libstb-dev (stb headers)" >&2
        apt-get install -y -q libstb-dev >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q libstb-dev >/dev/null 2>&1; } || true
    fi
    [ -e /usr/include/stb/stb_image.h ] || { echo "demo: stb headers missing: apt-get install libstb-dev" >&2; exit 1; }
fi
mkdir -p build demo-out
GPU=0
if ! command -v nvcc >/dev/null 2>&1; then WHY="no nvcc (CUDA Toolkit) on this machine"
elif ! command -v nvidia-smi >/dev/null 2>&1; then WHY="nvcc found, but no nvidia-smi (no NVIDIA driver): no usable GPU"
elif ! nvidia-smi -L >/dev/null 2>&1; then WHY="nvcc found, but 'nvidia-smi -L' lists no usable GPU"
else GPU=1; WHY="nvcc found and 'nvidia-smi -L' lists: $(nvidia-smi -L 2>/dev/null | head -1)"
fi
if [ "$GPU" = 1 ]; then
    echo "demo: GPU path ($WHY): building build/batchtune with nvcc" >&2
    if ! nvcc -O3 -x cu -DBATCHTUNE_WITH_CUDA -I. -I/usr/include/stb tools/batchtune.c batchtune_cuda.cu -o build/batchtune; then
        GPU=0; WHY="the nvcc build failed (messages above)"
    fi
fi
if [ "$GPU" = 0 ]; then
    echo "demo: CPU path ($WHY): building build/batchtune with $CC" >&2
    $CC -O3 -I. -I/usr/include/stb tools/batchtune.c -o build/batchtune -lm -pthread
fi
build/batchtune info
IMAGES="${IMAGES:-demo-out/images}"
if [ "$IMAGES" = demo-out/images ]; then
    echo "demo: writing 192 images to demo-out/images (kept for later runs)" >&2
    build/batchtune mkimages demo-out/images --count 192 >/dev/null
fi
echo "demo: packing them into demo-out/records.bin (the preprocessed setting)" >&2
build/batchtune pack --images "$IMAGES" --out demo-out/records.bin >/dev/null
echo
build/batchtune sweep --workload pipeline --images "$IMAGES" --records demo-out/records.bin \
    --axis batch=16,32,64,128 --axis workers=1,2,4 --min-samples 3 --max-time 2 \
    --device auto --out demo-out/results.csv --force "$@"
build/batchtune report demo-out/results.csv --out demo-out/report.html
echo "demo: report written to demo-out/report.html (open it in a browser)"
