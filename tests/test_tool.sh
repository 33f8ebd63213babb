#!/usr/bin/env bash
# The command-line tool: --help everywhere, exit codes (0 ok, 1 runtime failure, 2 usage
# error with a one-line message naming the bad flag), sweep -> rank on its own results,
# resume, refusal to overwrite.
set -u
cd "$(dirname "$0")/.."
. tests/shlib.sh      # B (build folder), T (scratch), P/F counters, ok/no/check
cc -O2 -I. -I/usr/include/stb tools/batchtune.c -o "$B/batchtune" -lm -pthread || { echo "results: 0 passed, 1 failed, 0 skipped"; exit 1; }
BT="$B/batchtune"
code() { "$@" >"$T/out" 2>"$T/err"; echo $?; }
for c in "" sweep rank info; do
    check "--help ${c:-main}" test "$(code $BT $c --help)" = 0
    grep -q "usage: batchtune" "$T/out" || no "--help ${c:-main} prints usage"
done
check "no command -> 2" test "$(code $BT)" = 2
check "unknown command -> 2" test "$(code $BT frobnicate)" = 2
check "unknown flag -> 2, named" bash -c "test \"\$($BT sweep --bogus >/dev/null 2>$T/e; echo \$?)\" = 2 && grep -q -- '--bogus' $T/e && test \$(wc -l < $T/e) = 1"
check "bad value -> 2, named" bash -c "test \"\$($BT sweep --min-samples abc >/dev/null 2>$T/e; echo \$?)\" = 2 && grep -q -- '--min-samples' $T/e"
check "bad axis spec -> 2, named" bash -c "test \"\$($BT sweep --axis batch=5..1 >/dev/null 2>$T/e; echo \$?)\" = 2 && grep -q 'batch=5..1' $T/e"
check "bad shard -> 2" bash -c "test \"\$($BT sweep --shard 3/2 >/dev/null 2>$T/e; echo \$?)\" = 2 && grep -q -- '--shard' $T/e"
check "rank missing file -> 1" bash -c "test \"\$($BT rank $T/none.csv >/dev/null 2>$T/e; echo \$?)\" = 1 && grep -q 'none.csv' $T/e"
check "rank bad format -> 2" bash -c "test \"\$($BT rank x.csv --format xml >/dev/null 2>$T/e; echo \$?)\" = 2"
SW="--items 32 --layers 2 --width 64 --axis batch=1,4,16 --axis threads=1,2 --max-time 0.05 --min-time 0.005 --quiet"
check "sweep runs" bash -c "$BT sweep $SW --out $T/r.csv > $T/sweep.txt 2>$T/e"
check "sweep prints the recommendation and a heatmap" bash -c "grep -q '^recommendation:' $T/sweep.txt && grep -q 'rows: threads, columns: batch' $T/sweep.txt"
check "sweep wrote CSV, samples, JSON with ranking" bash -c "test \$(wc -l < $T/r.csv) = 7 && test -s $T/r.samples.csv && grep -q '\"ranking\"' $T/r.json"
pick_sweep=$(grep '^recommendation:' $T/sweep.txt | sed -E 's/recommendation: ([^:]*):.*/\1/')
$BT rank $T/r.csv > $T/rank.txt 2>$T/e
pick_rank=$(grep '^recommendation:' $T/rank.txt | sed -E 's/recommendation: ([^:]*):.*/\1/')
check "rank on the CSV picks what the sweep picked" test -n "$pick_rank" -a "$pick_rank" = "$pick_sweep"
check "sweep refuses to overwrite -> 1" bash -c "test \"\$($BT sweep $SW --out $T/r.csv >/dev/null 2>$T/e; echo \$?)\" = 1 && grep -q 'already exists' $T/e"
check "resume of a finished sweep re-runs nothing" bash -c "$BT sweep $SW --out $T/r.csv --resume >/dev/null 2>$T/e && test \$(wc -l < $T/r.csv) = 7"
check "resume with other axes -> 1, named" bash -c "test \"\$($BT sweep --items 32 --axis batch=1,4 --axis threads=1 --out $T/r.csv --resume --quiet >/dev/null 2>$T/e; echo \$?)\" = 1 && grep -q 'refusing to resume' $T/e"
check "sweep --isolate: each cell in its own process, all ok" bash -c "$BT sweep $SW --isolate --out $T/iso.csv > $T/iso.txt 2>$T/e && test \$(wc -l < $T/iso.csv) = 7 && test \$(grep -c ',ok,' $T/iso.csv) = 6 && test -s $T/iso.samples.csv && grep -q '^recommendation:' $T/iso.txt && ! grep -q 'sweeping.*sweeping' $T/e"
check "sweep --help mentions --isolate" bash -c "$BT sweep --help | grep -q -- '--isolate'"
check "sweep --isolate --strategy adaptive -> 2, named" bash -c "test \"\$($BT sweep $SW --isolate --strategy adaptive --out $T/iso2.csv >/dev/null 2>$T/e; echo \$?)\" = 2 && grep -q -- '--isolate' $T/e"
check "rank --format json/csv/md" bash -c "$BT rank $T/r.csv --format json | grep -q '\"pick\"' && $BT rank $T/r.csv --format csv | head -1 | grep -q '^rank,batch,threads' && $BT rank $T/r.csv --format md | grep -q 'Recommendation'"
check "rank --limit excludes" bash -c "$BT rank $T/r.csv --limit 'e2e_s_median<=0' | grep -q 'no recommendation'"
check "rank unknown objective -> 2" bash -c "test \"\$($BT rank $T/r.csv --objective nope >/dev/null 2>$T/e; echo \$?)\" = 2 && grep -q nope $T/e"
check "info --json" bash -c "$BT info --json | grep -q '\"clock_resolution_ns\"'"
# the inference pipeline (the main job's workload) on images it makes itself
check "mkimages writes JPEGs" bash -c "$BT mkimages $T/img --count 12 --min-side 64 --max-side 96 | grep -q '\"written\":12' && test \$(ls $T/img | wc -l) = 12"
check "mkimages keeps existing files" bash -c "$BT mkimages $T/img --count 12 --min-side 64 --max-side 96 | grep -q '\"kept\":12'"
check "pack makes the record file" bash -c "$BT pack --images $T/img --out $T/rec.bin --resize 64 --crop 56 | grep -q '\"written\":12'"
check "pipeline sweep over images and records" bash -c "$BT sweep --workload pipeline --images $T/img --records $T/rec.bin --resize 64 --crop 56 --axis batch=4,8 --axis workers=1,2 --min-samples 2 --max-time 0.2 --min-time 0.001 --quiet --out $T/p.csv > $T/p.txt 2>$T/e && grep -q '^images,' $T/p.csv && grep -q '^records,' $T/p.csv && test \$(grep -c ',ok,' $T/p.csv) = 8 && grep -q '^recommendation:' $T/p.txt"
check "pipeline reports first_batch_s and load_wait_s" bash -c "head -1 $T/p.csv | tr ',' '\\n' | grep -n 'first_batch_s' >/dev/null && awk -F, 'NR==2{print}' $T/p.csv | grep -q '[0-9]'"
check "pipeline --device auto without CUDA: CPU head, one line saying why" bash -c "$BT sweep --workload pipeline --records $T/rec.bin --resize 64 --crop 56 --axis batch=4 --axis workers=1 --min-samples 1 --max-time 0.1 --min-time 0.001 --quiet --device auto --out $T/pa.csv >/dev/null 2>$T/e && test \$(grep -c 'pipeline head on the CPU: this tool was built without CUDA' $T/e) = 1 && grep -q '^records,cpu,4,1,ok,' $T/pa.csv"
check "pipeline --device gpu without CUDA -> 1, says so" bash -c "test \"\$($BT sweep --workload pipeline --records $T/rec.bin --device gpu >/dev/null 2>$T/e; echo \$?)\" = 1 && grep -q -- '--device gpu: this tool was built without CUDA' $T/e && test \$(wc -l < $T/e) = 1"
check "pipeline --layout nhwc-u8 on the CPU head" bash -c "$BT sweep --workload pipeline --records $T/rec.bin --resize 64 --crop 56 --axis batch=4 --axis workers=1 --min-samples 1 --max-time 0.1 --min-time 0.001 --quiet --layout nhwc-u8 --out $T/pl.csv >/dev/null 2>$T/e && grep -q '^records,cpu,4,1,ok,' $T/pl.csv && grep -q 'layout=nhwc-u8' $T/pl.json"
check "pipeline bad --layout -> 2" bash -c "test \"\$($BT sweep --workload pipeline --records $T/rec.bin --layout planar >/dev/null 2>$T/e; echo \$?)\" = 2 && grep -q -- '--layout' $T/e"
check "pipeline without a source -> 2" bash -c "test \"\$($BT sweep --workload pipeline >/dev/null 2>$T/e; echo \$?)\" = 2 && grep -q -- '--images' $T/e"
check "recompute workload: recompute_pct and time per kept token" bash -c "$BT sweep --workload recompute --axis batch=1,2 --axis window=8,16 --min-samples 1 --warmup 0 --max-time 0.01 --min-time 0.001 --objective s_per_item --quiet --out $T/rc.csv >/dev/null 2>$T/e && head -1 $T/rc.csv | grep -q recompute_pct && test \$(grep -c ',ok,' $T/rc.csv) = 4"
check "GPU workload without CUDA -> 1, says so" bash -c "test \"\$($BT sweep --workload gpu-mlp --axis batch=1,2 >/dev/null 2>$T/e; echo \$?)\" = 1 && grep -q 'without CUDA' $T/e"
check "report writes HTML" bash -c "$BT report $T/p.csv --out $T/p.html >/dev/null && grep -q '<svg' $T/p.html"
echo "results: $P passed, $F failed, 0 skipped"
