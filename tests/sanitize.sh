#!/usr/bin/env bash
# The test programs again under AddressSanitizer + UndefinedBehaviorSanitizer (and the
# threaded CPU model under ThreadSanitizer). Run by .ci/run after tests/run.sh.
set -u
cd "$(dirname "$0")/.."
B=build/sanitize; mkdir -p "$B"
CC="${CC:-cc}"
P=0; F=0
for t in tests/test_*.c; do
    name=$(basename "$t" .c)
    if ! $CC -std=c99 -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined \
        -I. -I/usr/include/stb "$t" -o "$B/$name" -lm -pthread 2>"$B/$name.log"; then
        echo "  FAIL $name (asan build)"; head -20 "$B/$name.log"; F=$((F+1)); continue
    fi
    if ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 BT_TEST_BIN="$B/$name" \
        timeout 900 "$B/$name" >"$B/$name.out" 2>&1; then
        echo "  ok   $name under ASan+UBSan"; P=$((P+1))
    else
        echo "  FAIL $name under ASan+UBSan"; tail -30 "$B/$name.out"; F=$((F+1))
    fi
done
# ThreadSanitizer on the threaded CPU model (a short sweep through the tool)
if $CC -O1 -g -fsanitize=thread -I. -I/usr/include/stb tools/batchtune.c -o "$B/batchtune_tsan" -lm -pthread 2>"$B/tsan.log"; then
    d=$(mktemp -d)
    if TSAN_OPTIONS=halt_on_error=1 "$B/batchtune_tsan" sweep --items 16 --layers 2 --width 64 --axis batch=1,8 --axis threads=1,2,3 \
        --max-time 0.05 --min-time 0.001 --quiet --out "$d/r.csv" >"$B/tsan.out" 2>&1; then
        echo "  ok   CPU model thread pool under TSan"; P=$((P+1))
    else
        echo "  FAIL CPU model thread pool under TSan"; tail -30 "$B/tsan.out"; F=$((F+1))
    fi
    rm -rf "$d"
else
    echo "  FAIL tsan build"; head "$B/tsan.log"; F=$((F+1))
fi
echo "$P passed, $F failed, 0 skipped"
[ "$F" -eq 0 ]
