#!/usr/bin/env bash
# The loader's transform alone (resize-antialias + crop + normalize/layout, fused): the float
# path vs the fixed-point path, side by side in one run, both paths on every image of each
# repetition, thread CPU time, medians of the per-repetition ratios, both output layouts.
# Writes bench/results/loader_transform.md (+ loader_transform_runs.jsonl).
#   bash bench/loader_transform/run.sh [IMAGES_DIR (default /tmp/bt_images)] [N (300)] [REPS (9)]
# Needs: cc, stb headers (libstb-dev); the images from bench/make_imageset.py.
set -eu
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
IMAGES="${1:-/tmp/bt_images}"
N="${2:-300}"
REPS="${3:-9}"
OUT="$ROOT/build/bench_transform"
mkdir -p "$OUT" "$ROOT/bench/results"
CC="${CC:-cc}"
$CC -O2 -std=c99 -Wall -Wextra -Werror -I. -I/usr/include/stb bench/loader_transform/transform_bench.c \
    -o "$OUT/transform_bench" -lm -pthread
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
"$OUT/transform_bench" "$IMAGES" "$N" "$REPS" | tee "$OUT/runs.jsonl"
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
cp "$OUT/runs.jsonl" "$ROOT/bench/results/loader_transform_runs.jsonl"
python3 - "$OUT/runs.jsonl" "$ROOT/bench/results/loader_transform.md" "$IMAGES" "$N" "$REPS" "$LOAD0" "$LOAD1" <<'PYEOF'
import json, sys, subprocess, platform, datetime
runs, md, images, n, reps, load0, load1 = sys.argv[1:8]
rows = [json.loads(l) for l in open(runs) if l.strip()]
out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
d = dict(l.split(":", 1) for l in out.splitlines() if ":" in l)
model, ncpu = d.get("Model name", "?").strip(), d.get("CPU(s)", "?").strip()
L = ["# The loader's transform alone: float vs fixed point", "",
     "Recorded by `bash bench/loader_transform/run.sh %s %s %s` on %s UTC." % (images, n, reps, datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M")), "",
     "Machine: shared %s-core VM, `lscpu` model \"%s\", Linux %s; load average before %s, after %s (other jobs ran on the machine)." % (ncpu, model, platform.release(), load0, load1), "",
     "What is timed: `bti_ld_transform` (the loader's fused resize-antialias + center crop 224 of Resize(256) + normalize/layout) on "
     "photos decoded beforehand (bench/make_imageset.py set, shorter side 320-500 px), each copied to a work buffer just before "
     "(untimed, so it is in cache as after the decode in the loader), written into a ring of 64 item buffers as in a batch. "
     "Both paths run on every image of each repetition (order alternating image by image), thread CPU time; "
     "the ratio is float time / fixed-point time within a repetition, the figures are medians over repetitions. "
     "Filter taps are computed per image in both (all sizes differ in this set).", "",
     "| layout | images | reps | float ms/image | fixed-point ms/image | float / fixed (median) | min | max |", "|---|---|---|---|---|---|---|---|"]
for r in rows:
    if r.get("summary"):
        L.append("| %s | %d | %d | %.4f | %.4f | **%.2f** | %.2f | %.2f |" % (r["layout"], r["images"], r["reps"], r["float_ms_per_image_median"],
                 r["fixed_ms_per_image_median"], r["float_over_fixed_median"], r["float_over_fixed_min"], r["float_over_fixed_max"]))
L += ["", "Float path: vertical pass with Q14 weights (pmaddwd) into a float row, horizontal pass with AVX2+FMA on floats "
      "(NCHW), SSE2 floats (NHWC). Fixed-point path (the default with AVX2): Q16 vertical weights (pmulhuw) into a Q7 int16 row, "
      "Q15 horizontal taps by pairs (pmaddwd), int32 sums, one conversion at the end. Accuracy: tests/test_loader.c test_fixed_point.", "",
      "Raw lines: bench/results/loader_transform_runs.jsonl."]
open(md, "w").write("\n".join(L) + "\n")
print("wrote", md)
PYEOF
