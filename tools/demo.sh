#!/usr/bin/env bash
# The main job (README.md), the image-model study on this machine: builds the tool, makes a
# small image set (photo-like JPEGs written with stb_image_write) and its preprocessed record
# file, sweeps the inference pipeline (loader -> model) over batch size x loader workers on
# both data settings (decoded images, preprocessed records), prints the top-3 counts, the
# mean-regret ranking, the recommendation and heatmaps, and writes demo-out/report.html.
# CPU here; the GPU pieces are in batchtune_cuda.cu. About 2 minutes on 2 cores.
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
echo "demo: building build/batchtune" >&2
$CC -O3 -I. -I/usr/include/stb tools/batchtune.c -o build/batchtune -lm -pthread
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
    --out demo-out/results.csv --force "$@"
build/batchtune report demo-out/results.csv --out demo-out/report.html
echo "demo: report written to demo-out/report.html (open it in a browser)"
