#!/usr/bin/env bash
# batchtune's loader vs PyTorch's DataLoader (+ torchvision) vs decode-only threads,
# side by side in one run: the same ~1000 JPEG photos, Resize(256) + CenterCrop(224) +
# Normalize into NCHW float32 batches of 64, workers 1 and 2, several interleaved
# repetitions, medians. Prints the ratios and writes bench/results/loader_vs_torch.md.
#   bash bench/loader_vs_torch/run.sh [IMAGES_DIR (default /tmp/bt_images)] [REPS (default 5)]
#   REPS=0 only rewrites the report from the last run's build/bench_loader/runs.jsonl.
# Needs: cc, stb headers (libstb-dev), /usr/bin/python3 with python3-torch,
# python3-torchvision, python3-pil (Debian packages).
set -eu
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
IMAGES="${1:-/tmp/bt_images}"
REPS="${2:-5}"
BATCH=64
PY=/usr/bin/python3
OUT="$ROOT/build/bench_loader"
mkdir -p "$OUT" "$ROOT/bench/results"
if [ ! -d "$IMAGES" ] || [ "$(ls "$IMAGES" | wc -l)" -lt 1000 ]; then
    echo "making the image set in $IMAGES"
    $PY bench/make_imageset.py "$IMAGES"
fi
CC="${CC:-cc}"
$CC -O2 -std=c99 -Wall -Wextra -Werror -I. -I/usr/include/stb bench/loader_vs_torch/loadbench_main.c \
    -o "$OUT/loadbench" -lm -pthread
LOG="$OUT/runs.jsonl"
if [ "$REPS" -gt 0 ]; then
: > "$LOG"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT/load.txt"
for r in $(seq 1 "$REPS"); do
    for w in 1 2; do
        "$OUT/loadbench" loadbench --images "$IMAGES" --batch $BATCH --workers $w | sed "s/^{/{\"rep\":$r,\"impl\":\"batchtune\",/" >> "$LOG"
        "$OUT/loadbench" loadbench --images "$IMAGES" --workers $w --decode-only | sed "s/^{/{\"rep\":$r,\"impl\":\"stb_decode\",/" >> "$LOG"
        $PY bench/loader_vs_torch/torch_loader.py --images "$IMAGES" --batch $BATCH --workers $w | sed "s/^{/{\"rep\":$r,/" >> "$LOG"
        $PY bench/loader_vs_torch/torch_loader.py --images "$IMAGES" --decode-only --threads $w | sed "s/^{/{\"rep\":$r,/" >> "$LOG"
    done
    echo "rep $r/$REPS done (load $(cut -d' ' -f1 /proc/loadavg))" | tee -a "$OUT/load.txt"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/load.txt"
cp "$LOG" "$ROOT/bench/results/loader_vs_torch_runs.jsonl"
fi
$PY - "$LOG" "$IMAGES" "$REPS" "$OUT/load.txt" "$ROOT/bench/results/loader_vs_torch.md" <<'PYEOF'
import json, statistics, subprocess, sys, platform, os, datetime
log, images, reps, loadf, mdpath = sys.argv[1:6]
rows = [json.loads(l) for l in open(log) if l.strip()]
reps = str(max(r["rep"] for r in rows))
def med(impl, w, key):
    v = [r[key] for r in rows if r["impl"] == impl and r.get("workers", r.get("threads")) == w and key in r]
    return statistics.median(v) if v else float("nan"), len(v)
def cpu():
    out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    d = dict(l.split(":", 1) for l in out.splitlines() if ":" in l)
    return d.get("Model name", "?").strip(), d.get("CPU(s)", "?").strip()
model, ncpu = cpu()
import torch, torchvision, PIL
n_img = [r["images"] for r in rows if r["impl"] == "batchtune"][0]
tab = []
res = {}
for w in (1, 2):
    bt, n = med("batchtune", w, "images_per_s")
    tt, _ = med("torch", w, "images_per_s")
    sd, _ = med("stb_decode", w, "images_per_s")
    pd, _ = med("pil_decode", w, "images_per_s")
    bfb, _ = med("batchtune", w, "first_batch_s")
    tfb, _ = med("torch", w, "first_batch_s")
    res[w] = dict(bt=bt, tt=tt, sd=sd, pd=pd, bfb=bfb, tfb=tfb, n=n)
per_item_1 = 1.0 / res[1]["bt"]           # whole pipeline, one worker
lines = []
def p(s=""):
    print(s); lines.append(s)
p("| workers | batchtune img/s | torch DataLoader img/s | stb decode-only img/s | PIL decode-only img/s | batchtune first batch s | torch first batch s |")
p("|---|---|---|---|---|---|---|")
for w in (1, 2):
    r = res[w]
    p("| %d | %.1f | %.1f | %.1f | %.1f | %.3f | %.3f |" % (w, r["bt"], r["tt"], r["sd"], r["pd"], r["bfb"], r["tfb"]))
p()
p("Ratios (medians over %s interleaved repetitions of the ratio within each repetition, %d images, batch 64, NCHW float32):" % (reps, n_img))
p()
goals = []
def ratio(name, val, goal, ok):
    p("- %s: **%.2f** (goal %s) %s" % (name, val, goal, "met" if ok else "NOT met"))
# Paired ratios: each repetition runs batchtune, decode-only and torch back to back for a given
# worker count, so a ratio taken within one repetition cancels the slow drifts of a shared
# host's speed (seen here: the same binary 25 % faster or slower from one minute to the next);
# the goal figures are the medians over repetitions of those per-repetition ratios.
def val(impl, w, rep, key):
    v = [r[key] for r in rows if r["impl"] == impl and r.get("workers", r.get("threads")) == w and r["rep"] == rep and key in r]
    return v[0] if v else None
def paired(f):
    out = []
    for rep in sorted(set(r["rep"] for r in rows)):
        try:
            x = f(rep)
        except (TypeError, ZeroDivisionError):
            x = None
        if x is not None: out.append(x)
    return statistics.median(out) if out else float("nan"), out
def show(name, pr, goal=None, ok=None):
    v, allv = pr
    tail = " (per repetition: %s)" % ", ".join("%.2f" % x for x in allv)
    if goal is None: p("- %s: **%.2f**%s" % (name, v, tail))
    else: p("- %s: **%.2f** (goal %s) %s%s" % (name, v, goal, "met" if ok(v) else "NOT met", tail))
show("images/s vs torch, 2 workers", paired(lambda k: val("batchtune", 2, k, "images_per_s") / val("torch", 2, k, "images_per_s")), ">= 1.7x", lambda v: v >= 1.7)
show("images/s vs torch, 1 worker", paired(lambda k: val("batchtune", 1, k, "images_per_s") / val("torch", 1, k, "images_per_s")))
for w in (1, 2):
    show("images/s vs stb decode-only, %d worker%s" % (w, "s" if w > 1 else ""),
         paired(lambda k: val("batchtune", w, k, "images_per_s") / val("stb_decode", w, k, "images_per_s")), ">= 0.85", lambda v: v >= 0.85)
show("first batch vs torch, 2 workers", paired(lambda k: val("batchtune", 2, k, "first_batch_s") / val("torch", 2, k, "first_batch_s")), "<= 0.3x", lambda v: v <= 0.3)
for w in (1, 2):
    show("first batch vs 64 x per-item / %d, per-item = that run's own read+decode+transform time per item (the goal's model)" % w,
         paired(lambda k: val("batchtune", w, k, "first_batch_s") / val("batchtune", w, k, "first_batch_model_s")), "<= 1.2x", lambda v: v <= 1.2)
for w in (1, 2):
    show("first batch vs 64 x per-item / %d, per-item from that repetition's 1-worker rate (also charges the machine's own 2-thread scaling)" % w,
         paired(lambda k: val("batchtune", w, k, "first_batch_s") / (64.0 / val("batchtune", 1, k, "images_per_s") / w)))
show("2-thread scaling of stb decode-only on this machine (2-thread rate / 1-thread rate; 2.00 = perfect)",
     paired(lambda k: val("stb_decode", 2, k, "images_per_s") / val("stb_decode", 1, k, "images_per_s")))
p()
p("Load-independent check (CPU seconds of the process over the timed region, medians): decode-only CPU / loader CPU")
p("= how much of the loader's CPU time is the stb_image decode floor:")
p()
for w in (1, 2):
    lc, _ = med("batchtune", w, "cpu_s")
    dc, _ = med("stb_decode", w, "cpu_s")
    p("- %d worker%s: loader %.3f s, decode-only %.3f s -> **%.2f**" % (w, "s" if w > 1 else "", lc, dc, dc / lc))
load = open(loadf).read().strip().replace("\n", "; ")
md = ["# batchtune loader vs PyTorch DataLoader", "",
      "Recorded by `bash bench/loader_vs_torch/run.sh %s %s` on %s UTC." % (images, reps, datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M")), "",
      "Machine: %s CPUs, `lscpu` model \"%s\", Linux %s; %s. The machine was shared with other jobs; load average %s." % (ncpu, model, platform.release(), "Python %s, torch %s, torchvision %s, Pillow %s" % (platform.python_version(), torch.__version__, torchvision.__version__, PIL.__version__), load), "",
      "Data: %d JPEG photos (bench/make_imageset.py from Debian mate-backgrounds, shorter side 320-500 px), read from the page cache. "
      "Pipeline on both sides: decode, Resize(256) (antialiased bilinear), CenterCrop(224), ToTensor + Normalize(ImageNet) into NCHW float32 batches of 64, "
      "no shuffle; time from creating the loader to the last batch in hand. torch: DataLoader with worker processes, one intra-op thread per process "
      "(torch_loader.py). batchtune: `loadbench --images DIR --batch 64 --workers N` (bench/loader_vs_torch/loadbench_main.c, cc -O2). "
      "Decode-only: N threads doing nothing but stb_image decodes of the same files, preloaded into memory (`loadbench --decode-only`); "
      "PIL decode-only for reference (torch_loader.py --decode-only, threads)." % n_img, ""] + lines + ["",
      "Notes:", "",
      "- Noise: these VMs share their host; the same binary runs 20-25 % faster or slower from one minute to the "
      "next even with the machine otherwise idle (load averages above). Each repetition runs batchtune, "
      "decode-only and torch back to back per worker count; the goal figures are medians over repetitions of "
      "the ratio within a repetition, and the per-repetition values are listed so the spread is visible. The "
      "CPU-seconds ratio above does not depend on the host's other load: it says how much of the loader's own "
      "CPU time is the stb_image decode floor.",
      "- Where the loader's time went beyond the decode (perf record, 1 worker, 1000 photos, 2026-11-30, Intel "
      "Xeon VM, float transform): the fused resize/crop/normalize about 11 % (vertical pass 5 %, horizontal 6 %), first-touch "
      "page faults of the three 38 MB batch buffers about 3 %, and stb_image itself about 8 % slower than in "
      "decode-only (the 600 KB float item written per image evicts its working set from L2). Since then the "
      "transform runs in fixed point (1.5x cheaper for NCHW float32 alone: bench/results/loader_transform.md). Tried and "
      "dropped (measured worse or no better): streaming stores for the item, a 4-accumulator horizontal pass, "
      "transparent huge pages, and MADV_POPULATE_WRITE of whole batch buffers at creation. Kept: the JPEG Huffman guard "
      "hops between FF bytes with memchr (it was 2.5 % of the loader's time); MADV_POPULATE_WRITE per item by the worker, "
      "in the first batches only (see the first-batch note).",
      "- The resize runs in fixed point with AVX2 here (chosen at run time; floats with SSE2 or portable C elsewhere). Output matches "
      "torchvision's golden outputs within a mean absolute difference of 0.15-0.18/255 (tests/test_loader.c).",
      "- First batch vs batch x per-item / workers: the goal's model takes the per-item time each run measures itself "
      "(read + decode + transform per item, summed over its workers, over items): what the first batch would take if its items "
      "were split perfectly with no overhead. Dividing the 1-worker per-item time by 2 instead also charges the machine: two "
      "threads of pure stb decoding run only about 1.8x one thread's rate on this 2-vCPU VM (the line above), so even a loader with "
      "no overhead at all would read about 1.11 on that line. Both per-item times are the steady state, but the first batches write fresh pages of the batch buffers (147 first-touch page faults per "
      "600 KB item, about 1.8 us each on this VM: 10-20 % of an item), while later batches reuse warm buffers. Items claim "
      "one at a time from a shared counter, so the split is already dynamic; the workers start within 0.1-0.3 ms of each other; the "
      "consumer sleeps. With caller-supplied pre-touched buffers (allocator hook) batch-0 items cost the same as later "
      "ones. Faulting each item's pages in with one MADV_POPULATE_WRITE (worker, first batches) cut batch-0 items from "
      "1.19-1.21x to 1.11x a warm item (10 paired runs, s14 branch, 2026-11-30).",
      "- torch's first batch includes starting its worker processes; batchtune's includes listing the folder "
      "and starting its threads. batchtune splits the items of each batch among the workers, so with more "
      "workers the first batch arrives sooner; torch's workers each load a whole batch, so it arrives later.",
      "",
      "Raw runs: bench/results/loader_vs_torch_runs.jsonl (one JSON line per run)."]
open(mdpath, "w").write("\n".join(md) + "\n")
print("\nwrote", mdpath)
PYEOF
