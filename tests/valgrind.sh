#!/usr/bin/env bash
# The CPU test programs under valgrind (memcheck): each tests/test_*.c built -O1 -g without
# sanitizers and run with --error-exitcode=99 --leak-check=full, so an invalid read or write,
# a use of uninitialised memory or a leak (definite or possible) fails it. Slow (10-50x): not
# part of tests/run.sh. A program running longer than VG_TIMEOUT seconds (default 600) is
# counted as skipped and named (600 s: test_search with its long counts skipped ran past 420 s beside a CI run on 2026-12-03). The tests named in VG_SKIP (default: five counting tests of
# test_search, about 60, 50, 6, 5 and 90 s natively (the first over 10 min under valgrind): the 480-replay
# needle test, whose code path, the endgame's second screen, the shorter tests run too, and the
# 96-surface unmeasured-value count, the 240-run coarse-timer count and the 768-run tied-medians
# count, whose code paths the
# *_two tests run on two of their surfaces; checked with gcov on 2026-12-03; and the 24-run
# skipped-values count on 1152-cell grids, whose code path, bti_srch_lattice_rest, no shorter
# test is known to run: it is covered by ASan+UBSan only) are
# passed to the harness as BT_TEST_SKIP and counted as skipped inside their program's results line.
# It passes under ASan+UBSan in tests/sanitize.sh. Usage: bash tests/valgrind.sh [substring]
# Ends with "N passed, N failed, N skipped". Needs valgrind (apt-get install valgrind).
set -u
cd "$(dirname "$0")/.."
B=build/valgrind; mkdir -p "$B"
CC="${CC:-cc}"
FILTER="${1:-}"
LIMIT="${VG_TIMEOUT:-600}"
VG_SKIP="${VG_SKIP-test_endgame_second_screen_unordered,test_unmeasured_value_screened,test_coarse_timer_means_break_tie,test_tied_medians_means_break,test_skipped_values_latticed_under_noise}"
P=0; F=0; S=0
if ! command -v valgrind >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "valgrind: installing Debian package valgrind"
    apt-get install -y -q valgrind >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q valgrind >/dev/null 2>&1; }
fi
if ! command -v valgrind >/dev/null 2>&1; then
    echo "  skip valgrind: not installed (apt-get install valgrind)"; echo "0 passed, 0 failed, 1 skipped"; exit 0
fi
for t in tests/test_*.c; do
    name=$(basename "$t" .c)
    if [ -n "$FILTER" ] && [[ "$name" != *"$FILTER"* ]]; then continue; fi
    if ! $CC -std=c99 -O1 -g -I. -I/usr/include/stb "$t" -o "$B/$name" -lm -pthread 2>"$B/$name.log"; then
        echo "  FAIL $name (build)"; head -20 "$B/$name.log"; F=$((F+1)); continue
    fi
    t0=$(date +%s)
    BT_TEST_SKIP="$VG_SKIP" BT_TEST_BIN="$B/$name" BT_BUILD="$B" timeout "$LIMIT" valgrind -q --error-exitcode=99 --leak-check=full \
        --log-file="$B/$name.vg" "$B/$name" >"$B/$name.out" 2>&1
    rc=$?; secs=$(( $(date +%s) - t0 ))
    if [ "$rc" = 124 ]; then
        echo "  skip $name: over ${LIMIT} s under valgrind"; S=$((S+1))
    elif [ "$rc" = 0 ] && [ ! -s "$B/$name.vg" ]; then
        echo "  ok   $name under valgrind (${secs} s, $(grep '^results:' "$B/$name.out" | tail -1))"; P=$((P+1))
    else
        echo "  FAIL $name under valgrind (exit $rc, ${secs} s)"; head -60 "$B/$name.vg"; tail -15 "$B/$name.out"; F=$((F+1))
    fi
done
echo "$P passed, $F failed, $S skipped"
[ "$F" -eq 0 ]
