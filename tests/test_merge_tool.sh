#!/usr/bin/env bash
# `batchtune merge` and `batchtune compare`, and `sweep --shard slurm|k8s`: --help, exit codes
# (2 with a one-line message naming the bad flag), 4 shard processes in parallel merged equal
# to one unsharded run, refusals, missing shards by number, per-shard file names.
set -u
cd "$(dirname "$0")/.."
. tests/shlib.sh      # B (build folder), T (scratch), P/F counters, ok/no/check
cc -O2 -I. -I/usr/include/stb tools/batchtune.c -o "$B/batchtune_mt" -lm -pthread || { echo "results: 0 passed, 1 failed, 0 skipped"; exit 1; }
BT="$(cd "$B" && pwd)/batchtune_mt"   # absolute: some commands below run in other directories
code() { "$@" >"$T/out" 2>"$T/err"; echo $?; }
one_line_naming() { test "$(wc -l < "$T/err")" = 1 && grep -q -- "$1" "$T/err"; }

for c in merge compare; do
    check "$c --help" test "$(code $BT $c --help)" = 0
    grep -q "usage: batchtune $c" "$T/out" || no "$c --help prints usage"
done
check "main help lists merge and compare" bash -c "$BT --help | grep -q '^  merge' && $BT --help | grep -q '^  compare'"
check "merge unknown flag -> 2, named" bash -c "test \$(cd . && $BT merge o.csv a.csv --bogus >/dev/null 2>$T/err; echo \$?) = 2 && grep -q -- '--bogus' $T/err && test \$(wc -l < $T/err) = 1"
check "merge without files -> 2" test "$(code $BT merge)" = 2
check "merge without shards -> 2" test "$(code $BT merge $T/o.csv)" = 2
check "merge --expect abc -> 2, named" bash -c "test \$($BT merge o.csv a.csv --expect abc >/dev/null 2>$T/err; echo \$?) = 2 && grep -q -- '--expect' $T/err"
check "compare unknown flag -> 2, named" bash -c "test \$($BT compare a.csv b.csv --nope >/dev/null 2>$T/err; echo \$?) = 2 && grep -q -- '--nope' $T/err && test \$(wc -l < $T/err) = 1"
check "compare one file -> 2" test "$(code $BT compare a.csv)" = 2
check "compare missing file -> 1, named" bash -c "test \$($BT compare $T/none.csv $T/none2.csv >/dev/null 2>$T/err; echo \$?) = 1 && grep -q none.csv $T/err"

# --shard slurm / k8s resolve from the environment, one line naming the variable when unset
env -u SLURM_ARRAY_TASK_ID $BT sweep --shard slurm --quiet >/dev/null 2>"$T/err"; rc=$?
check "sweep --shard slurm outside an array -> 2, names SLURM_ARRAY_TASK_ID" bash -c "test $rc = 2 && grep -q SLURM_ARRAY_TASK_ID $T/err && test \$(wc -l < $T/err) = 1"
env -u JOB_COMPLETION_INDEX $BT sweep --shard k8s --shards 4 --quiet >/dev/null 2>"$T/err"; rc=$?
check "sweep --shard k8s without JOB_COMPLETION_INDEX -> 2, named" bash -c "test $rc = 2 && grep -q JOB_COMPLETION_INDEX $T/err"
JOB_COMPLETION_INDEX=1 $BT sweep --shard k8s --quiet >/dev/null 2>"$T/err"; rc=$?
check "sweep --shard k8s without --shards -> 2, named" bash -c "test $rc = 2 && grep -q -- '--shards' $T/err"
check "sweep --shards alone -> 2" bash -c "test \$($BT sweep --shards 4 >/dev/null 2>$T/err; echo \$?) = 2 && grep -q -- '--shards' $T/err"

SW="--items 16 --layers 2 --width 64 --axis batch=1,4,16,64 --axis threads=1,2 --max-time 0.03 --min-time 0.005 --monotone batch --quiet"
# Slurm array ids 5..8: shard = id - min
(cd "$T" && SLURM_ARRAY_TASK_ID=6 SLURM_ARRAY_TASK_MIN=5 SLURM_ARRAY_TASK_COUNT=4 "$BT" sweep $SW --shard slurm >/dev/null 2>"$T/err")
check "sweep --shard slurm (ids from 5) writes results.shard-1-of-4.csv" test -s "$T/results.shard-1-of-4.csv" -a -s "$T/results.shard-1-of-4.json"
mkdir -p "$T/k8s" "$T/p" "$T/q"
(cd "$T" && JOB_COMPLETION_INDEX=3 "$BT" sweep $SW --shard k8s --shards 4 --out 'k8s/part-{shard}-of-{shards}.csv' >/dev/null 2>"$T/err")
check "sweep --shard k8s --out '{shard}' pattern" test -s "$T/k8s/part-3-of-4.csv"

# 4 shard processes in parallel, merged, equal to one unsharded run
pids=()
for k in 0 1 2 3; do $BT sweep $SW --shard $k/4 --out "$T/p/r.csv" >/dev/null 2>"$T/err$k" & pids+=($!); done
fails=0; for p in "${pids[@]}"; do wait "$p" || fails=$((fails+1)); done
check "4 shard processes in parallel" test $fails = 0
$BT sweep $SW --out "$T/one.csv" >/dev/null 2>"$T/err"
check "merge of 4 shards (glob with samples and JSON beside them)" bash -c "$BT merge $T/m.csv $T/p/r.shard-* > $T/merge.out 2>$T/err && grep -q 'merged 4 files (4 of 4 shards): 8 rows' $T/merge.out"
cells() { awk -F, 'NR>1{print $1","$2","$3","$4","$5}' "$1"; }
check "merged file = unsharded run (cells, statuses, order)" test "$(cells "$T/m.csv")" = "$(cells "$T/one.csv")" -a -n "$(cells "$T/one.csv")"
check "merged samples and JSON written" test -s "$T/m.samples.csv" -a -s "$T/m.json"
check "merge refuses to overwrite its output -> 1" bash -c "test \$($BT merge $T/m.csv $T/p/r.shard-*-of-4.csv >/dev/null 2>$T/err; echo \$?) = 1 && grep -q 'already exists' $T/err"
check "merge --force replaces it" bash -c "$BT merge --force --quiet $T/m.csv $T/p/r.shard-*-of-4.csv"
check "merge with the output among the inputs -> 2" test "$(code $BT merge $T/p/r.shard-0-of-4.csv $T/p/r.shard-0-of-4.csv $T/p/r.shard-1-of-4.csv)" = 2
$BT merge "$T/m3.csv" "$T/p/r.shard-0-of-4.csv" "$T/p/r.shard-1-of-4.csv" "$T/p/r.shard-3-of-4.csv" >/dev/null 2>"$T/err"; rc=$?
check "missing shard -> 1, reported by number, nothing written" bash -c "test $rc = 1 && grep -q 'missing shard 2 of 4' $T/err && test ! -e $T/m3.csv"
check "--partial merges what is there" bash -c "$BT merge $T/m3.csv $T/p/r.shard-0-of-4.csv $T/p/r.shard-1-of-4.csv $T/p/r.shard-3-of-4.csv --partial >/dev/null 2>$T/err && grep -q 'missing shard 2' $T/err && test -s $T/m3.csv"
$BT sweep $SW --items 8 --shard 2/4 --out "$T/q/x.csv" >/dev/null 2>&1
$BT merge "$T/m4.csv" "$T/p/r.shard-0-of-4.csv" "$T/p/r.shard-1-of-4.csv" "$T/q/x.shard-2-of-4.csv" "$T/p/r.shard-3-of-4.csv" >/dev/null 2>"$T/err"; rc=$?
check "other settings -> 1, names the file and the setting" bash -c "test $rc = 1 && grep -q 'x.shard-2-of-4.csv: settings differ' $T/err && grep -q 'items=8' $T/err"

# compare: a run against itself, and against the merged file
check "compare prints the table and the picks" bash -c "$BT compare $T/one.csv $T/m.csv > $T/cmp.txt 2>$T/err && grep -q '^pick A: ' $T/cmp.txt && grep -q '^pick B: ' $T/cmp.txt && grep -q 'B/A' $T/cmp.txt"
check "compare of a run with itself: every cell within noise" bash -c "$BT compare $T/one.csv $T/one.csv --format csv > $T/cmp.csv && test \$(grep -c ',same$' $T/cmp.csv) = 8 && grep -q '^workload,batch,threads,status_a' $T/cmp.csv"
check "compare --objective items_per_s (higher is better)" bash -c "$BT compare $T/one.csv $T/m.csv --objective items_per_s | grep -q 'higher is better'"
check "compare unknown objective -> 2, named" bash -c "test \$($BT compare $T/one.csv $T/m.csv --objective nope >/dev/null 2>$T/err; echo \$?) = 2 && grep -q nope $T/err"
check "compare --format xml -> 2" test "$(code $BT compare $T/one.csv $T/m.csv --format xml)" = 2
echo "results: $P passed, $F failed, 0 skipped"
