#!/usr/bin/env bash
# Sharded sweep on a real (one-node, localhost) Slurm vs the same grid in one process.
# Runs tests/test_slurm.sh (which starts and stops its own munged, slurmctld, slurmd) for each
# grid below, REPS times, and prints its "timing:" lines, then the medians per grid.
#   bash bench/slurm_scaleout.sh [REPS]        (root on Debian; results in bench/results/slurm.md)
set -u
cd "$(dirname "$0")/.."
REPS=${1:-3}
ONLY=${2:-}   # a grid number (1..) to run only that one
GRIDS=(
  "--items 16 --layers 2 --width 64 --axis batch=1,4,16,64 --axis threads=1,2 --max-time 0.05"
  "--items 64 --layers 4 --width 128 --axis batch=1,4,16,64 --axis threads=1,2 --min-time 0.5 --max-time 0.5 --max-noise 0.0001"
  "--items 64 --layers 4 --width 128 --axis batch=1..128:x2 --axis threads=1 --axis rep=1,2 --min-time 1 --max-time 1 --max-noise 0.0001"
)
OUT=$(mktemp)
gi=0
for g in "${GRIDS[@]}"; do
    gi=$((gi+1)); [ -n "$ONLY" ] && [ "$ONLY" != $gi ] && continue
    for r in $(seq 1 "$REPS"); do
        line=$(BT_SLURM_SW="$g" bash tests/test_slurm.sh 2>&1 | tee -a "$OUT.log" | grep '^timing:')
        echo "grid [$g] rep $r: ${line:-no timing (see $OUT.log)}"
        echo "$g|$line" >> "$OUT"
    done
done
echo
echo "medians (seconds; runs in brackets):"
cut -d'|' -f1 "$OUT" | awk '!seen[$0]++' | while IFS= read -r g; do
    echo "grid: $g"
    for key in single_s single_measure_s sharded_s measure_s_sum task_s_sum overhead_per_shard_s outside_tasks_s; do
        vals=$(grep -F -- "$g|" "$OUT" | cut -d'|' -f2 | tr ' ' '\n' | sed -n "s/^$key=//p" | sort -g)
        n=$(printf '%s\n' "$vals" | grep -c .)
        [ "$n" = 0 ] && continue
        med=$(printf '%s\n' "$vals" | awk -v n="$n" '{a[NR]=$1} END{print (n%2) ? a[(n+1)/2] : (a[n/2]+a[n/2+1])/2}')
        printf '  %-22s %8s   [%s]\n' "$key" "$med" "$(echo $vals)"
    done
done
rm -f "$OUT" "$OUT.log"
