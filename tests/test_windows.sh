#!/usr/bin/env bash
# The Windows build of batchtune, tested for real on a Linux machine (docs/platforms.md):
#   1. cross-compiles the header (C99, C11, C++17, static mode, two translation units), the test
#      programs and the tool with MinGW-w64, warnings as errors;
#   2. runs the tests and the tool under Wine (64-bit);
#   3. checks the header, tests and tool with clang in MSVC mode (--target=x86_64-pc-windows-msvc,
#      -fsyntax-only, against the MinGW-w64 headers: MSVC's own headers are not available here);
#   0. before all that, tests/lint_portable.py: POSIX-only calls outside non-Windows branches
#      (the MinGW headers declare some that MSVC lacks, so 1 and 3 cannot see them).
# Ends with "results: N passed, N failed, N skipped". Needs the Debian packages
# gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 wine64 libstb-dev (installed when run as root with
# apt-get, unless BT_NO_INSTALL=1; stb_image is header-only C, so the Linux package's header
# serves the Windows builds of the loader test and the tool) and clang for step 3; what cannot
# be had is skipped, saying why.
# About 1-3 minutes on 2 cores, Wine's first start (its prefix, kept in build/) included.
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
B="${BT_BUILD:-$ROOT/build/tests}/windows"
mkdir -p "$B"
P=0; F=0; S=0
ok()   { P=$((P+1)); echo "  ok   $1"; }
bad()  { F=$((F+1)); echo "  FAIL $1"; }
skip() { S=$((S+1)); echo "  skip $1: $2"; }
MINGW=x86_64-w64-mingw32-gcc
MINGWXX=x86_64-w64-mingw32-g++
TESTS="core rank sweep cmd faults platform loader"

install_pkgs() { # install_pkgs PKG...: quietly, only as root with apt-get
    [ "${BT_NO_INSTALL:-0}" = 1 ] && return 1
    [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || return 1
    echo "windows: installing Debian packages $* (once)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >"$B/apt.log" 2>&1 ||
        { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >"$B/apt.log" 2>&1; }
}
command -v $MINGW >/dev/null 2>&1 || install_pkgs gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 wine64
command -v $MINGWXX >/dev/null 2>&1 || { command -v $MINGW >/dev/null 2>&1 && install_pkgs g++-mingw-w64-x86-64; }
WINE=""
for w in wine64 /usr/lib/wine/wine64 wine; do command -v "$w" >/dev/null 2>&1 && { WINE=$w; break; }; done
[ -z "$WINE" ] && command -v $MINGW >/dev/null 2>&1 && install_pkgs wine64 && for w in wine64 /usr/lib/wine/wine64 wine; do command -v "$w" >/dev/null 2>&1 && { WINE=$w; break; }; done
STB=/usr/include/stb
[ -f "$STB/stb_image.h" ] || install_pkgs libstb-dev

WARN="-Wall -Wextra -Wpedantic -Werror"
INC="-I$ROOT -I$STB"   # stb_image.h: the loader test and the tool decode images

# ---- 0. no POSIX-only call outside a non-Windows branch (the MinGW headers would hide some)
echo "== portability lint (tests/lint_portable.py)"
if command -v python3 >/dev/null 2>&1; then
    if python3 tests/lint_portable.py >"$B/lint.txt" 2>&1; then ok "$(tail -1 "$B/lint.txt")"; else bad "portability lint:"; head -40 "$B/lint.txt"; fi
else skip "portability lint" "python3 not found"; fi

# ---- 1. MinGW-w64 builds
echo "== MinGW-w64 builds (x86_64-w64-mingw32, warnings as errors)"
if ! command -v $MINGW >/dev/null 2>&1; then
    skip "MinGW-w64 builds" "x86_64-w64-mingw32-gcc not found (apt-get install gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64)"
    HAVE_MINGW=0
else
    HAVE_MINGW=1
    printf '#define BATCHTUNE_IMPLEMENTATION\n#include "batchtune.h"\nint main(void){return bt_version_string()[0] == 0;}\n' > "$B/one.c"
    cp "$B/one.c" "$B/one.cpp"
    for std in c99 c11; do
        if $MINGW -std=$std $WARN $INC "$B/one.c" -o "$B/one_$std.exe" 2>"$B/one_$std.log"; then ok "mingw build $std"; else bad "mingw build $std"; head -20 "$B/one_$std.log"; fi
    done
    if command -v $MINGWXX >/dev/null 2>&1; then
        if $MINGWXX -std=c++17 $WARN $INC "$B/one.cpp" -o "$B/one_cxx17.exe" 2>"$B/one_cxx17.log"; then ok "mingw build c++17"; else bad "mingw build c++17"; head -20 "$B/one_cxx17.log"; fi
    else skip "mingw build c++17" "x86_64-w64-mingw32-g++ not found (apt-get install g++-mingw-w64-x86-64)"; fi
    printf '#define BATCHTUNE_STATIC\n#define BATCHTUNE_IMPLEMENTATION\n#include "batchtune.h"\nint main(void){bt_grid *g = bt_grid_create(); int ok = bt_grid_axis_pow2(g, "b", 1, 8) == 0; bt_grid_destroy(g); return !ok;}\n' > "$B/static.c"
    if $MINGW -std=c99 $WARN -Wno-unused-function $INC "$B/static.c" -o "$B/static.exe" 2>"$B/static.log"; then ok "mingw build static mode"; else bad "mingw build static mode"; head -20 "$B/static.log"; fi
    printf '#include "batchtune.h"\nint other(void){ return bt_grid_num_axes(0); }\n' > "$B/tu2.c"
    printf '#define BATCHTUNE_IMPLEMENTATION\n#include "batchtune.h"\nint other(void);\nint main(void){ return other(); }\n' > "$B/tu1.c"
    if $MINGW -std=c99 $WARN $INC "$B/tu1.c" "$B/tu2.c" -o "$B/tu.exe" 2>"$B/tu.log"; then ok "mingw build two translation units"; else bad "mingw build two translation units"; head -20 "$B/tu.log"; fi
    for t in $TESTS; do
        if $MINGW -std=c99 -O1 $WARN $INC "tests/test_$t.c" -o "$B/test_$t.exe" 2>"$B/test_$t.log"; then ok "mingw build tests/test_$t.c"; else bad "mingw build tests/test_$t.c"; head -20 "$B/test_$t.log"; rm -f "$B/test_$t.exe"; fi
    done
    if $MINGW -std=c99 -O2 $WARN $INC tools/batchtune.c -o "$B/batchtune.exe" 2>"$B/tool.log"; then ok "mingw build tools/batchtune.c"; else bad "mingw build tools/batchtune.c"; head -20 "$B/tool.log"; rm -f "$B/batchtune.exe"; fi
    # what the programs need from Windows: system DLLs only
    dlls=$(x86_64-w64-mingw32-objdump -p "$B/one_c99.exe" 2>/dev/null | sed -n 's/.*DLL Name: //p' | tr '\n' ' ')
    [ -n "$dlls" ] && echo "  (the programs import: $dlls)"
fi

# ---- 2. under Wine
echo "== under Wine"
if [ "$HAVE_MINGW" = 0 ]; then
    skip "Wine runs" "nothing was built (no MinGW-w64)"
elif [ -z "$WINE" ]; then
    skip "Wine runs" "wine not found (apt-get install wine64)"
else
    export WINEDEBUG=-all WINEARCH=win64 WINEPREFIX="${BT_WINEPREFIX:-$B/wine-prefix}"
    if [ ! -f "$WINEPREFIX/system.reg" ]; then
        echo "  (creating the Wine prefix $WINEPREFIX: about half a minute, once)"
        timeout 180 "$WINE" "$B/one_c99.exe" >/dev/null 2>&1
    fi
    if timeout 120 "$WINE" "$B/one_c99.exe" >/dev/null 2>&1; then ok "wine runs a MinGW-built program"; else bad "wine runs a MinGW-built program (exit $?)"; fi
    for t in $TESTS; do
        [ -f "$B/test_$t.exe" ] || { bad "test_$t under Wine (not built)"; continue; }
        echo "-- test_$t under Wine"
        out=$(cd "$ROOT" && TEMP='Z:'"$(echo "$B" | tr / '\\')" timeout 300 "$WINE" "$B/test_$t.exe" 2>&1 | tr -d '\r'); rc=$?
        printf '%s\n' "$out" | grep -v '^results:' | grep -v '^wine: ' | sed 's/^/  /' | grep -E '^\s+(ok|FAIL|skip|host)|FAIL' | head -60
        line=$(printf '%s\n' "$out" | grep '^results:' | tail -1)
        if [ -z "$line" ]; then bad "test_$t under Wine (crashed or timed out, exit $rc)"; printf '%s\n' "$out" | tail -15; continue; fi
        p=$(echo "$line" | sed -E 's/results: ([0-9]+) passed.*/\1/')
        f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
        s=$(echo "$line" | sed -E 's/.* ([0-9]+) skipped.*/\1/')
        P=$((P+p)); F=$((F+f)); S=$((S+s))
    done
    # the tool: sweep, resume (nothing left to run), rank, info
    if [ -f "$B/batchtune.exe" ]; then
        d="$B/tool-out"; rm -rf "$d"; mkdir -p "$d"
        wd='Z:'"$(echo "$d" | tr / '\\')"
        if timeout 240 "$WINE" "$B/batchtune.exe" sweep --items 16 --layers 2 --width 64 --axis batch=1,8 --axis threads=1,2 \
               --max-time 0.05 --min-time 0.001 --quiet --out "$wd\\r.csv" >"$d/sweep.txt" 2>&1 &&
           [ "$(grep -c ',ok,' "$d/r.csv")" = 4 ] && [ -s "$d/r.samples.csv" ] && grep -q '"cpus_online"' "$d/r.json"; then
            ok "tool sweep under Wine (4 cells ok, samples and JSON written)"
        else bad "tool sweep under Wine"; tail -5 "$d/sweep.txt"; fi
        if timeout 240 "$WINE" "$B/batchtune.exe" sweep --items 16 --layers 2 --width 64 --axis batch=1,8 --axis threads=1,2 \
               --max-time 0.05 --min-time 0.001 --quiet --resume --out "$wd\\r.csv" >"$d/resume.txt" 2>&1 &&
           [ "$(grep -c ',ok,' "$d/r.csv")" = 4 ]; then
            ok "tool resume under Wine (no cell run twice)"
        else bad "tool resume under Wine"; tail -5 "$d/resume.txt"; fi
        if timeout 120 "$WINE" "$B/batchtune.exe" rank "$wd\\r.csv" 2>&1 | tr -d '\r' | grep -q '^recommendation: '; then ok "tool rank under Wine"; else bad "tool rank under Wine"; fi
        if timeout 120 "$WINE" "$B/batchtune.exe" info 2>&1 | tr -d '\r' | grep -q '^clock:  QueryPerformanceCounter'; then ok "tool info under Wine (QueryPerformanceCounter clock)"; else bad "tool info under Wine"; fi
        # the loader: golden images -> JSON line; pack -> records read back; --cold refused (no eviction on Windows)
        mkdir -p "$d/img"; cp tests/golden/img*.jpg tests/golden/img4.png "$d/img/"; printf 'not an image\n' >"$d/img/z_bad.jpg"
        if timeout 120 "$WINE" "$B/batchtune.exe" loadbench --images "$wd\\img" --batch 2 --workers 2 --pin 2>&1 | tr -d '\r' >"$d/lb.txt" &&
           grep -q '"images":5,' "$d/lb.txt" && grep -q '"bad_items":1,' "$d/lb.txt" && grep -q 'z_bad.jpg' "$d/lb.txt"; then
            ok "tool loadbench --images --pin under Wine (5 images, the bad file named)"
        else bad "tool loadbench --images under Wine"; tail -5 "$d/lb.txt"; fi
        if (cd "$ROOT" && timeout 120 "$WINE" "$B/batchtune.exe" pack --images "$wd\\img" --out "$wd\\g.btrec" --crop 64 --resize 80 >/dev/null 2>&1) &&
           (cd "$ROOT" && timeout 120 "$WINE" "$B/batchtune.exe" loadbench --records "$wd\\g.btrec" --batch 2 2>&1) | tr -d '\r' | grep -q '"images":5,'; then
            ok "tool pack + loadbench --records under Wine"
        else bad "tool pack + loadbench --records under Wine"; fi
        if timeout 120 "$WINE" "$B/batchtune.exe" loadbench --images "$wd\\img" --decode-only --workers 2 2>&1 | tr -d '\r' |
               grep -q '"mode":"decode_only","images":5,'; then ok "tool loadbench --decode-only under Wine"
        else bad "tool loadbench --decode-only under Wine"; fi
        out=$( (cd "$ROOT" && timeout 120 "$WINE" "$B/batchtune.exe" loadbench --records "$wd\\g.btrec" --cold 2>&1) | tr -d '\r'); rc=$?
        if printf '%s\n' "$out" | grep -q 'page-cache eviction (cold) is not supported on this platform'; then
            ok "tool loadbench --cold under Wine: refused, saying why"
        else bad "tool loadbench --cold under Wine (exit $rc)"; printf '%s\n' "$out" | tail -3; fi
    fi
fi

# ---- 3. clang in MSVC mode (syntax and warnings only)
echo "== clang --target=x86_64-pc-windows-msvc (MSVC mode, -fsyntax-only)"
MSVC_INC=/usr/x86_64-w64-mingw32/include
if ! command -v clang >/dev/null 2>&1; then
    skip "MSVC-mode checks" "clang not found (apt-get install clang)"
elif [ ! -d "$MSVC_INC" ]; then
    skip "MSVC-mode checks" "no Windows headers ($MSVC_INC; apt-get install mingw-w64-x86-64-dev)"
else
    # _MSC_VER and MSVC's ABI and keywords, with the MinGW-w64 headers: they need __GNUC__
    # (-fgnuc-version) and the UCRT flavour of time.h (-D_UCRT)
    # -Wvla: cl has no variable-length arrays
    # stb_image.h (the loader test, the tool) through a shim: with __GNUC__ set, MinGW's _mingw.h
    # turns MSVC's __forceinline keyword into GCC's "extern __inline__", which stb's
    # "__forceinline static" (its MSVC spelling) cannot take; cl's own headers leave the keyword be
    mkdir -p "$B/msvc-stb"
    printf '#include <_mingw.h>\n#undef __forceinline\n#include "%s/stb_image.h"\n' "$STB" > "$B/msvc-stb/stb_image.h"
    printf '#include <_mingw.h>\n#undef __forceinline\n#include "%s/stb_image_write.h"\n' "$STB" > "$B/msvc-stb/stb_image_write.h"
    MF="--target=x86_64-pc-windows-msvc -fms-compatibility -fgnuc-version=4.2.1 -D_UCRT -fsyntax-only $WARN -Wvla -I$ROOT -I$B/msvc-stb -isystem $MSVC_INC"
    [ "$HAVE_MINGW" = 1 ] || { printf '#define BATCHTUNE_IMPLEMENTATION\n#include "batchtune.h"\nint main(void){return bt_version_string()[0] == 0;}\n' > "$B/one.c"; cp "$B/one.c" "$B/one.cpp"; }
    for std in c99 c11; do
        if clang $MF -std=$std "$B/one.c" 2>"$B/msvc_$std.log"; then ok "MSVC mode: header $std"; else bad "MSVC mode: header $std"; head -20 "$B/msvc_$std.log"; fi
    done
    if clang++ $MF -std=c++17 "$B/one.cpp" 2>"$B/msvc_cxx.log"; then ok "MSVC mode: header c++17"; else bad "MSVC mode: header c++17"; head -20 "$B/msvc_cxx.log"; fi
    for f in $(for t in $TESTS; do echo "tests/test_$t.c"; done) tools/batchtune.c; do
        if clang $MF -std=c99 "$f" 2>"$B/msvc_$(basename "$f" .c).log"; then ok "MSVC mode: $f"; else bad "MSVC mode: $f"; head -20 "$B/msvc_$(basename "$f" .c).log"; fi
    done
fi
echo "results: $P passed, $F failed, $S skipped"
[ "$F" -eq 0 ]
