#!/usr/bin/env bash
# The main job (README.md): builds the tool and runs a sweep of the built-in CPU model over
# batch size x threads on this machine, then prints the ranking, the recommendation and a
# heatmap, and writes demo-out/report.html. Results go to demo-out/ (CSV, samples, JSON).
# Takes about a minute on 2 cores.
#   bash tools/demo.sh [extra flags for 'batchtune sweep']
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
echo
build/batchtune sweep --out demo-out/results.csv --force "$@"
build/batchtune report demo-out/results.csv --out demo-out/report.html
echo "demo: report written to demo-out/report.html (open it in a browser)"
