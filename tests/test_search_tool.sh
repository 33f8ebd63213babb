#!/usr/bin/env bash
# The tool's search flags: sweep --strategy adaptive (live, CPU model), --find-max next to the
# fastest cell, --replay printing one JSON line, and usage errors naming the flag.
set -u
cd "$(dirname "$0")/.."
. tests/shlib.sh      # B (build folder), T (scratch), P/F counters, ok/no/check
cc -O2 -I. -I/usr/include/stb tools/batchtune.c -o "$B/batchtune" -lm -pthread || { echo "results: 0 passed, 1 failed, 0 skipped"; exit 1; }
BT="$B/batchtune"
REC=bench/search/data/cpu_mlp_w512.csv
check "sweep --help lists the search flags" bash -c "$BT sweep --help | grep -q -- '--replay FILE' && $BT sweep --help | grep -q -- '--find-max AXIS'"
check "--replay prints one JSON line with pick, regret, cost_fraction" bash -c "$BT sweep --replay $REC --monotone batch > $T/j 2>$T/e && test \$(wc -l < $T/j) = 1 && grep -q '\"pick\":{\"batch\":' $T/j && grep -q '\"regret\":' $T/j && grep -q '\"cost_fraction\":' $T/j"
check "--replay --strategy exhaustive: regret 0, cost_fraction 1" bash -c "$BT sweep --replay $REC --strategy exhaustive > $T/j 2>$T/e && grep -q '\"regret\":0,' $T/j && grep -q '\"cost_fraction\":1,' $T/j"
check "--replay --search-budget: a tiny cap is spent, no cap (1) is not" bash -c "$BT sweep --replay $REC --monotone batch --search-budget 0.01 > $T/j 2>$T/e && grep -q '\"budget_spent\":true' $T/j && $BT sweep --replay $REC --monotone batch --search-budget 1 > $T/j 2>$T/e && grep -q '\"budget_spent\":false' $T/j"
check "--search-budget -1 -> 2, named" bash -c "test \"\$($BT sweep --replay $REC --search-budget -1 >/dev/null 2>$T/e; echo \$?)\" = 2 && grep -q search-budget $T/e"
check "--replay --find-max batch" bash -c "$BT sweep --replay $REC --find-max batch > $T/j 2>$T/e && grep -q '\"find_max\":{\"axis\":\"batch\",\"max_fit\":128' $T/j"
check "--strategy bogus -> 2, named" bash -c "test \"\$($BT sweep --strategy bogus >/dev/null 2>$T/e; echo \$?)\" = 2 && grep -q -- '--strategy' $T/e && test \$(wc -l < $T/e) = 1"
check "--replay missing file -> 1, named" bash -c "test \"\$($BT sweep --replay $T/none.csv >/dev/null 2>$T/e; echo \$?)\" = 1 && grep -q 'none.csv' $T/e"
check "--replay unknown monotone axis -> 2, named" bash -c "test \"\$($BT sweep --replay $REC --monotone nope >/dev/null 2>$T/e; echo \$?)\" = 2 && grep -q nope $T/e"
check "--find-max on a missing axis -> 2, named" bash -c "test \"\$($BT sweep --find-max nope --axis batch=1,2 >/dev/null 2>$T/e; echo \$?)\" = 2 && grep -q nope $T/e"
SW="--items 32 --layers 2 --width 64 --axis batch=1..64:x2 --axis threads=1,2 --monotone batch --max-time 0.05 --min-time 0.005 --quiet"
check "sweep --strategy adaptive runs, records every cell, prints a recommendation" bash -c "$BT sweep $SW --strategy adaptive --out $T/a.csv > $T/a.txt 2>$T/e && grep -q '^recommendation:' $T/a.txt && $BT rank $T/a.csv --format csv > $T/rk.csv && test \$(tail -n +2 $T/rk.csv | wc -l) = 14"
check "adaptive: unexplored or dropped cells are 'pruned' with a reason" bash -c "grep -q ',pruned,\(adaptive\|racing\|halving\|above OOM\)' $T/a.csv"
check "sweep --find-max batch prints the largest batch next to the fastest" bash -c "$BT sweep $SW --find-max batch --out $T/f.csv > $T/f.txt 2>$T/e && grep -q 'largest batch that fits: 64' $T/f.txt && grep -q 'fastest: batch=' $T/f.txt"
echo "results: $P passed, $F failed, 0 skipped"
