#!/usr/bin/env bash
# `batchtune recompute`: --help, exit codes (2 usage naming the flag, 1 bad file naming the
# line), fit prints the parameters and "RMSE <x> pp", --predict writes the grid, measure
# (injected test mode, tiny grid) writes its CSV and the fit reads it back.
set -u
cd "$(dirname "$0")/.."
. tests/shlib.sh      # B (build folder), T (scratch), P/F counters, ok/no/check
cc -O1 -Wall -Wextra -Werror -I. -I/usr/include/stb tools/batchtune.c -o "$B/batchtune_rc" -lm -pthread || { echo "results: 0 passed, 1 failed, 0 skipped"; exit 1; }
BT="$B/batchtune_rc"
code() { "$@" >"$T/out" 2>"$T/err"; echo $?; }
check "recompute --help -> 0" bash -c "test \"\$($BT recompute --help >$T/o; echo \$?)\" = 0 && grep -q 'usage: batchtune recompute fit' $T/o"
check "recompute fit --help -> 0" test "$(code $BT recompute fit --help)" = 0
check "recompute (no subcommand) -> 2" test "$(code $BT recompute)" = 2
check "fit without --csv -> 2, named" bash -c "test \"\$($BT recompute fit 2>$T/e; echo \$?)\" = 2 && grep -q -- '--csv' $T/e && test \$(wc -l < $T/e) = 1"
check "unknown flag -> 2, named" bash -c "test \"\$($BT recompute fit --csv x --bogus 2>$T/e; echo \$?)\" = 2 && grep -q -- '--bogus' $T/e"
check "bad --windows -> 2, named" bash -c "test \"\$($BT recompute fit --csv x --predict --windows 16,x --batches 1 2>$T/e; echo \$?)\" = 2 && grep -q -- '--windows' $T/e"
check "--predict without --batches -> 2" bash -c "test \"\$($BT recompute fit --csv x --predict --windows 16 2>$T/e; echo \$?)\" = 2 && grep -q -- '--batches' $T/e"
check "bad --lengths -> 2" bash -c "test \"\$($BT recompute fit --csv x --lengths poisson 2>$T/e; echo \$?)\" = 2 && grep -q 'poisson' $T/e"
cat > "$T/cells.csv" <<'CSV'
batch,window,recompute_pct,note
1,16,3.03,a
1,32,6.21,b
1,64,13.1,c
4,16,3.10,d
4,32,6.05,e
4,128,27.9,f
CSV
check "fit -> 0, RMSE line" bash -c "$BT recompute fit --csv $T/cells.csv --lengths unbounded --plain >$T/fit.txt 2>$T/e && grep -Eq '^RMSE [0-9.]+ pp$' $T/fit.txt && grep -q '^  p ' $T/fit.txt && grep -q 'leave-one-out' $T/fit.txt"
check "fit recovers p ~ 0.004 on unbounded cells" bash -c "awk '/^  p /{ exit !(\$2 > 0.0036 && \$2 < 0.0044) }' $T/fit.txt"
check "fit with the length parameter fitted -> 0" bash -c "$BT recompute fit --csv $T/cells.csv --lengths geometric --no-loo --plain >$T/fit2.txt 2>$T/e && grep -q 'parameter fitted' $T/fit2.txt"
check "--predict --out writes the grid" bash -c "$BT recompute fit --csv $T/cells.csv --lengths unbounded --predict --windows 16,32,512 --batches 1,2 --cap 512 --out $T/pred.csv >$T/o 2>$T/e && test \$(wc -l < $T/pred.csv) = 7 && head -1 $T/pred.csv | grep -q '^batch,window,recompute_pct,feasible,kind,measured_pct' && grep -q '^2,512,[0-9.e+-]*,0,prediction,$' $T/pred.csv && grep -q '^1,16,[0-9.e+-]*,1,fitted,3.03$' $T/pred.csv"
check "--predict to stdout keeps the CSV clean" bash -c "$BT recompute fit --csv $T/cells.csv --lengths unbounded --predict --windows 16 --batches 1 >$T/o 2>$T/e && test \$(wc -l < $T/o) = 2 && grep -q RMSE $T/e"
printf 'batch,window,recompute_pct\n1,16,3\n2,sixteen,3\n' > "$T/bad.csv"
check "bad file -> 1, names the line" bash -c "test \"\$($BT recompute fit --csv $T/bad.csv 2>$T/e; echo \$?)\" = 1 && grep -q 'bad.csv:3:' $T/e && grep -q 'sixteen' $T/e"
printf 'batch,recompute_pct\n1,3\n' > "$T/bad2.csv"
check "missing column -> 1, named" bash -c "test \"\$($BT recompute fit --csv $T/bad2.csv 2>$T/e; echo \$?)\" = 1 && grep -q \"bad2.csv:1:.*'window'\" $T/e"
check "missing file -> 1" bash -c "test \"\$($BT recompute fit --csv $T/none.csv 2>$T/e; echo \$?)\" = 1 && grep -q 'none.csv' $T/e"
check "measure (injected, tiny grid) -> 0" bash -c "$BT recompute measure --inject 0.01 --windows 8,16,64 --batches 1,4 --cap 128 --requests 300 --out $T/m.csv --plain >$T/m.txt 2>$T/e"
check "measure CSV: feasible rows ok, over-budget infeasible" bash -c "grep -c ',ok,' $T/m.csv | grep -qx 5 && grep -q '^4,64,infeasible' $T/m.csv"
check "measure prints heatmap, fit and trade-off" bash -c "grep -q 'n/a' $T/m.txt && grep -q '^RMSE' $T/m.txt && grep -q 'trade-off' $T/m.txt"
check "fit --html writes measured and model heatmaps" bash -c "$BT recompute fit --csv $T/m.csv --html $T/r.html --cap 128 --windows 8,16,64 --batches 1,4 >$T/o 2>$T/e && grep -q 'id=\"hm-w0-m1\"' $T/r.html && grep -q 'data-status=\"infeasible\"' $T/r.html"
check "fit reads the measure CSV back" bash -c "$BT recompute fit --csv $T/m.csv --plain >$T/o 2>$T/e && grep -q '^RMSE' $T/o"
check "measure bad --min-div -> 2" bash -c "test \"\$($BT recompute measure --min-div 0 2>$T/e; echo \$?)\" = 2 && grep -q -- '--min-div' $T/e"
echo "results: $P passed, $F failed, 0 skipped"
