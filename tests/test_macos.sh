#!/usr/bin/env bash
# macOS cannot be compiled here (no SDK), so this is the next best thing: the __APPLE__ branches
# of batchtune.h (mach_absolute_time, F_FULLFSYNC, sysctlbyname, _NSGetEnviron, no affinity,
# no page-cache drop) are compiled with clang, warnings as errors, against the Linux headers
# plus stub declarations of those few Apple functions (written below), with __linux__ undefined.
# It catches typos and missing declarations in the Apple code, not Apple header differences.
# Prints "results: N passed, N failed, N skipped" (docs/platforms.md).
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
B="${BT_BUILD:-$ROOT/build/tests}/macos-stub"
mkdir -p "$B/stub/mach" "$B/stub/sys"
P=0; F=0; S=0
if ! command -v clang >/dev/null 2>&1; then
    echo "  skip macOS stub build: clang not found (apt-get install clang)"
    echo "results: 0 passed, 0 failed, 1 skipped"; exit 0
fi
cat > "$B/stub/mach/mach_time.h" <<'EOF'
/* stub: the declarations batchtune.h uses from Apple's <mach/mach_time.h> */
#include <stdint.h>
typedef struct mach_timebase_info { uint32_t numer, denom; } mach_timebase_info_data_t;
uint64_t mach_absolute_time(void);
int mach_timebase_info(mach_timebase_info_data_t *info);
EOF
cat > "$B/stub/sys/sysctl.h" <<'EOF'
/* stub: Apple's <sys/sysctl.h>, the one function batchtune.h uses */
#include <stddef.h>
int sysctlbyname(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen);
EOF
cat > "$B/stub/crt_externs.h" <<'EOF'
/* stub: Apple's <crt_externs.h> */
char ***_NSGetEnviron(void);
EOF
printf '#define BATCHTUNE_IMPLEMENTATION\n#include "batchtune.h"\nint main(void){return bt_version_string()[0] == 0;}\n' > "$B/one.c"
# _GNU_SOURCE stands in for Darwin's default (everything visible); F_FULLFSYNC is Darwin's fcntl
AF="-fsyntax-only -Wall -Wextra -Wpedantic -Werror -U__linux__ -D__APPLE__ -D_GNU_SOURCE -DF_FULLFSYNC=51 -I$ROOT -I$B/stub -I/usr/include/stb"
check() { # check NAME COMMAND...
    local name=$1; shift
    if "$@" 2>"$B/log.txt"; then P=$((P+1)); echo "  ok   $name"; else F=$((F+1)); echo "  FAIL $name"; head -20 "$B/log.txt"; fi
}
check "macOS branches: header c99" clang -std=c99 $AF "$B/one.c"
check "macOS branches: header c11" clang -std=c11 $AF "$B/one.c"
check "macOS branches: header c++17" clang++ -x c++ -std=c++17 $AF "$B/one.c"
for f in tests/test_platform.c tests/test_sweep.c tests/test_cmd.c tests/test_faults.c tests/test_loader.c tools/batchtune.c; do
    check "macOS branches: $f" clang -std=c99 $AF "$f"
done
echo "results: $P passed, $F failed, $S skipped"
[ "$F" -eq 0 ]
