#!/usr/bin/env bash
# Every example builds with the one-line build command in its first comment, and the CPU ones
# run with small settings; where an example prints a recommendation, 'batchtune rank' on its
# CSV picks the same cell.
set -u
cd "$(dirname "$0")/.."
B="${BT_BUILD:-build/tests}"; mkdir -p "$B"; B=$(cd "$B" && pwd)
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
P=0; F=0; S=0
ok() { P=$((P+1)); echo "  ok   $1"; }
no() { F=$((F+1)); echo "  FAIL $1"; }
cc -O2 -I. -I/usr/include/stb tools/batchtune.c -o "$B/batchtune" -lm -pthread || { echo "results: 0 passed, 1 failed, 0 skipped"; exit 1; }
for ex in examples/*.c examples/*.cu; do
    [ -e "$ex" ] || continue
    name=$(basename "$ex"); name=${name%.*}
    line=$(grep -m1 -E '^ *Build: ' "$ex" | sed -E 's/^ *Build: *//')
    if [ -z "$line" ]; then no "$name: no 'Build:' line in its first comment"; continue; fi
    case "$line" in nvcc*) command -v nvcc >/dev/null || { S=$((S+1)); echo "  skip $name: nvcc not found"; continue; } ;; esac
    # the documented line, with the output put in the build folder
    cmd=$(echo "$line" | sed -E "s# -o ([^ ]+)# -o $B/\1#")
    if bash -c "$cmd" >"$T/$name.build" 2>&1; then ok "$name builds with its own line"; else no "$name builds with its own line: $cmd"; head -20 "$T/$name.build"; continue; fi
    # an example that also runs on a GPU gives its nvcc line as "GPU build:"
    gline=$(grep -m1 -E '^ *GPU build: ' "$ex" | sed -E 's/^ *GPU build: *//')
    if [ -n "$gline" ]; then
        if ! command -v nvcc >/dev/null; then S=$((S+1)); echo "  skip $name GPU build: nvcc not found"; continue; fi
        gcmd=$(echo "$gline" | sed -E "s# -o ([^ ]+)# -o $B/\1#")
        if bash -c "$gcmd" >"$T/$name.gbuild" 2>&1; then ok "$name builds with its GPU line"; else no "$name GPU build: $gcmd"; head -20 "$T/$name.gbuild"; fi
    fi
done
run_and_compare() { # name args... ; compares the printed recommendation with batchtune rank
    local name="$1" csv="$2"; shift 2
    if ! (cd "$T" && timeout 300 "$B/$name" "$@" >"$T/$name.out" 2>"$T/$name.err"); then no "$name runs"; tail -5 "$T/$name.err"; return; fi
    ok "$name runs"
    local p1 p2
    p1=$(grep '^recommendation:' "$T/$name.out" | sed -E 's/recommendation: ([^:]*):.*/\1/')
    p2=$("$B/batchtune" rank "$T/$csv" $RANKARGS 2>/dev/null | grep '^recommendation:' | sed -E 's/recommendation: ([^:]*):.*/\1/')
    if [ -n "$p1" ] && [ "$p1" = "$p2" ]; then ok "$name: pick equals batchtune rank ($p1)"; else no "$name: pick '$p1' vs batchtune rank '$p2'"; fi
}
[ -x "$B/cpu_quickstart" ] && { RANKARGS=""; run_and_compare cpu_quickstart q.csv q.csv; }
[ -x "$B/frame_budget" ] && { RANKARGS="--limit e2e_s_p99<=0.0166"; run_and_compare frame_budget fb.csv 20000 fb.csv; }
# the recompute study on the real generator, small: budget 32, 10 divergences per sample
[ -x "$B/recompute_window" ] && { RANKARGS="--objective s_per_item"; run_and_compare recompute_window rw.csv 32 10 rw.csv; }
if [ -x "$B/recompute_window" ]; then
    if grep -q '^RMSE' "$T/recompute_window.out" && grep -q '<- pick' "$T/recompute_window.out" && [ -s "$T/recompute_window_model.csv" ] \
       && [ -s "$T/recompute_window.html" ] && [ "$(grep -c ',infeasible,' "$T/rw.csv")" -gt 0 ]; then ok "recompute_window: fit, model pick, infeasible cells, reports"
    else no "recompute_window: fit, model pick, infeasible cells, reports"; fi
fi
# the image-model study: 6 workloads (3 variants x images/records), its pick against batchtune rank
[ -x "$B/inference_batch_workers" ] && { RANKARGS=""; run_and_compare inference_batch_workers ibw.csv --count 16 --batch 8,16 --workers 1,2 --max-time 0.3 --out ibw.csv; }
if [ -x "$B/inference_batch_workers" ]; then
    if [ -s "$T/ibw.html" ] && [ -s "$T/ibw.records.bin" ] && [ "$(grep -c '^recommendation:' "$T/inference_batch_workers.out" 2>/dev/null)" = 1 ] \
       && [ "$(cut -d, -f1 "$T/ibw.csv" | sort -u | grep -vc '^workload$')" = 6 ]; then ok "inference_batch_workers: 6 workloads, records, HTML report"
    else no "inference_batch_workers: 6 workloads, records, HTML report"; fi
fi
# GPU: on a machine without one it says "no GPU: <CUDA's reason>" and exits 0
if [ -x "$B/utilization_oom" ]; then
    if (cd "$T" && timeout 600 "$B/utilization_oom" uo >"$T/uo.out" 2>&1); then
        if grep -q '^no GPU: ' "$T/uo.out"; then
            if grep -q 'no CPU' "$T/uo.out"; then ok "utilization_oom without a GPU: $(head -1 "$T/uo.out" | cut -c1-80)"; else no "utilization_oom: no-GPU message lacks the reason it stops"; fi
        elif [ -s "$T/uo_util.csv" ] && grep -q '^recommendation:' "$T/uo.out"; then
            ok "utilization_oom runs on the GPU"
            RANKARGS=""
            p1=$(grep '^recommendation:' "$T/uo.out" | sed -E 's/recommendation: ([^:]*):.*/\1/')
            p2=$("$B/batchtune" rank "$T/uo_latency.csv" 2>/dev/null | grep '^recommendation:' | sed -E 's/recommendation: ([^:]*):.*/\1/')
            if [ -n "$p1" ] && [ "$p1" = "$p2" ]; then ok "utilization_oom: pick equals batchtune rank ($p1)"; else no "utilization_oom: pick '$p1' vs batchtune rank '$p2'"; fi
        else no "utilization_oom: neither a no-GPU message nor results"; tail -5 "$T/uo.out"; fi
    else no "utilization_oom exits 0"; tail -5 "$T/uo.out"; fi
fi
# the nvcc build: the GPU models where a GPU can be used, else the CPU ones with the reason
if [ -x "$B/per_item_time_gpu" ]; then
    if (cd "$T" && timeout 300 "$B/per_item_time_gpu" 32 pitg.csv >"$T/pitg.out" 2>&1) && grep -q 'knee' "$T/pitg.out" \
       && { grep -q '^GPU: ' "$T/pitg.out" || grep -q '^no GPU (.*): measuring the CPU' "$T/pitg.out"; }; then ok "per_item_time (nvcc build): $(head -1 "$T/pitg.out" | cut -c1-70)"
    else no "per_item_time (nvcc build)"; tail -5 "$T/pitg.out"; fi
fi
if [ -x "$B/per_item_time" ]; then
    if (cd "$T" && timeout 300 "$B/per_item_time" 64 pit.csv >"$T/pit.out" 2>&1) && grep -q 'knee' "$T/pit.out" && grep -q '^conv_like' "$T/pit.out"; then ok "per_item_time runs and reports knees"; else no "per_item_time"; tail -5 "$T/pit.out"; fi
fi
echo "results: $P passed, $F failed, $S skipped"
