#!/usr/bin/env bash
# `batchtune loadbench` and `batchtune pack`: --help, exit codes (2 with a one-line message
# naming the bad flag), the JSON line, pack -> records round trip, bad-input policies.
set -u
cd "$(dirname "$0")/.."
. tests/shlib.sh      # B (build folder), T (scratch), P/F counters, ok/no/check
cc -O2 -I. -I/usr/include/stb tools/batchtune.c -o "$B/batchtune_lb" -lm -pthread || { echo "results: 0 passed, 1 failed, 0 skipped"; exit 1; }
BT="$B/batchtune_lb"
code() { "$@" >"$T/out" 2>"$T/err"; echo $?; }
for c in loadbench pack; do
    check "$c --help -> 0, usage" bash -c "test \"\$($BT $c --help >$T/o 2>&1; echo \$?)\" = 0 && grep -q 'usage: batchtune $c' $T/o"
done
check "unknown flag -> 2, named, one line" bash -c "test \"\$($BT loadbench --bogus >/dev/null 2>$T/e; echo \$?)\" = 2 && grep -q -- '--bogus' $T/e && test \$(wc -l < $T/e) = 1"
check "bad value -> 2, named" bash -c "test \"\$($BT loadbench --synthetic 10 --workers 0 >/dev/null 2>$T/e; echo \$?)\" = 2 && grep -q -- '--workers' $T/e"
check "bad format -> 2, named" bash -c "test \"\$($BT loadbench --synthetic 10 --format png >/dev/null 2>$T/e; echo \$?)\" = 2 && grep -q -- '--format' $T/e"
check "no source -> 2" test "$(code $BT loadbench --batch 4)" = 2
check "pack without --out -> 2" bash -c "test \"\$($BT pack --images tests/golden >/dev/null 2>$T/e; echo \$?)\" = 2 && grep -q -- '--out' $T/e"
check "missing folder -> 1, named" bash -c "test \"\$($BT loadbench --images $T/none >/dev/null 2>$T/e; echo \$?)\" = 1 && grep -q '$T/none' $T/e"
check "synthetic: one JSON line with the figures" bash -c "$BT loadbench --synthetic 100 --batch 16 --workers 2 > $T/s.json && test \$(wc -l < $T/s.json) = 1 && for k in images images_per_s first_batch_s total_s bad_items; do grep -q \"\\\"\$k\\\":\" $T/s.json || exit 1; done; grep -q '\"images\":100,' $T/s.json"
mkdir -p "$T/img"
cp tests/golden/img0.jpg tests/golden/img1.jpg tests/golden/img4.png "$T/img/"
printf 'not an image' > "$T/img/notes.txt"
check "pack: 3 written, 1 bad" bash -c "$BT pack --images $T/img --out $T/r.btrec --workers 2 > $T/p.json && grep -q '\"written\":3,\"bad_items\":1' $T/p.json"
check "records: 3 items, nhwc-u8 and --cold" bash -c "$BT loadbench --records $T/r.btrec --batch 2 --format nhwc-u8 --cold > $T/r.json && grep -q '\"images\":3,' $T/r.json && grep -q '\"batches\":2,' $T/r.json"
check "images, skip: bad file counted and named" bash -c "$BT loadbench --images $T/img --batch 2 > $T/i.json && grep -q '\"bad_items\":1,' $T/i.json && grep -q 'notes.txt' $T/i.json"
check "images, --policy fail -> 1 naming the file" bash -c "test \"\$($BT loadbench --images $T/img --batch 2 --policy fail >/dev/null 2>$T/e; echo \$?)\" = 1 && grep -q 'notes.txt' $T/e"
check "--decode-only" bash -c "$BT loadbench --images $T/img --decode-only --workers 2 --reps 2 > $T/d.json && test \$(wc -l < $T/d.json) = 2 && grep -q '\"mode\":\"decode_only\",\"images\":3,' $T/d.json"
check "--shuffle, --epochs, --pin, --depth" bash -c "$BT loadbench --synthetic 50 --batch 8 --shuffle 7 --epochs 2 --pin --depth 2 > $T/x.json && grep -q '\"images\":100,' $T/x.json"
echo "results: $P passed, $F failed, 0 skipped"
[ $F -eq 0 ]
