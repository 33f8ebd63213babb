# Sourced by the shell tests (tests/test_*.sh) after they cd to the repository root: the build
# folder B, a scratch folder T removed on exit, the counters and the checks. Each test prints
# "ok"/"FAIL" lines and ends with "results: $P passed, $F failed, N skipped".
B="${BT_BUILD:-build/tests}"; mkdir -p "$B"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
P=0; F=0
ok() { P=$((P+1)); echo "  ok   $1"; }
no() { F=$((F+1)); echo "  FAIL $1"; }
check() { local name="$1"; shift; if "$@"; then ok "$name"; else no "$name"; fi; }
