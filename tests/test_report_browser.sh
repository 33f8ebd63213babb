#!/usr/bin/env bash
# The HTML report in a real browser: a results file with known values (OOM, infeasible,
# timeout, error, not-run cells; HTML-hostile names) -> `batchtune report` -> headless
# Chromium (Debian `chromium`, installed when missing and we are root) renders it to PNG and
# dumps its DOM. Checks: the page loaded without console errors and without any network
# request; the DOM holds every heatmap, the escaped names and the marks; every heatmap cell
# shows up in the picture with the color the documented scale gives it (found by a checker
# built on stb_image: tests/report_browser_helper.c). Also: a real CPU sweep made into a report
# renders. Skips (counted, with the reason) when no Chromium can be had. 15-40 s, mostly
# compiling.
set -u
cd "$(dirname "$0")/.."
B="${BT_BUILD:-build/tests}"; mkdir -p "$B"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
P=0; F=0; S=0
ok() { P=$((P+1)); echo "  ok   $1"; }
no() { F=$((F+1)); echo "  FAIL $1"; }
sk() { S=$((S+1)); echo "  skip $1"; }
done_() { echo "results: $P passed, $F failed, $S skipped"; exit $([ "$F" -eq 0 ] && echo 0 || echo 1); }
CC="${CC:-cc}"
# both builds at once (they take most of this test's time on a small machine)
$CC -O1 -I. -I/usr/include/stb tools/batchtune.c -o "$B/batchtune_report" -lm -pthread 2>"$T/cc1.log" & pid1=$!
$CC -O1 -std=c99 -Wall -Wextra -Werror -I. -I/usr/include/stb tests/report_browser_helper.c -o "$B/report_browser_helper" -lm -pthread 2>"$T/cc2.log"; rc2=$?
wait $pid1 || { cat "$T/cc1.log"; no "build the tool"; done_; }
[ $rc2 = 0 ] || { cat "$T/cc2.log"; no "build the helper"; done_; }
BT="$B/batchtune_report"; H="$B/report_browser_helper"

# 1. the fixture and its report
if "$H" fixture "$T" > "$T/fixture.out" && "$BT" report "$T/fixture.csv" --out "$T/report.html" --title 'Fixture <report> & "checks"' > "$T/report.out" 2>&1; then
    ok "fixture -> batchtune report"
else
    cat "$T/report.out" 2>/dev/null; no "fixture -> batchtune report"; done_
fi
grep -q "with run metadata" "$T/report.out" && ok "report picked up the JSON metadata beside the CSV" || no "report picked up the JSON metadata beside the CSV"
SW="--items 32 --layers 2 --width 64 --axis batch=1,2,4,8,16 --axis threads=1,2 --constraint batch*threads<=16 --max-time 0.03 --min-time 0.003 --quiet"
if "$BT" sweep $SW --out "$T/sweep.csv" > /dev/null 2>"$T/sweep.err" && "$BT" report "$T/sweep.csv" --out "$T/sweep.html" > /dev/null 2>>"$T/sweep.err"; then
    ok "CPU sweep -> batchtune report"
else
    cat "$T/sweep.err"; no "CPU sweep -> batchtune report"
fi

# the subcommand's contract: --help 0; usage errors 2 with one line naming the flag; runtime 1 naming the file
code() { "$@" >"$T/o" 2>"$T/e"; echo $?; }
[ "$(code "$BT" report --help)" = 0 ] && grep -q 'usage: batchtune report' "$T/o" && "$BT" --help | grep -q '^  report ' \
    && ok "report --help, listed in batchtune --help" || no "report --help, listed in batchtune --help"
[ "$(code "$BT" report "$T/fixture.csv" --bogus)" = 2 ] && grep -q -- "--bogus" "$T/e" && [ "$(wc -l < "$T/e")" = 1 ] \
    && ok "unknown flag -> 2, one line naming it" || no "unknown flag -> 2, one line naming it"
[ "$(code "$BT" report "$T/fixture.csv" --x nope --out "$T/x.html")" = 2 ] && grep -q "'nope'" "$T/e" && [ ! -e "$T/x.html" ] \
    && [ "$(code "$BT" report "$T/fixture.csv" --objective nope2 --out "$T/x.html")" = 2 ] && grep -q "nope2" "$T/e" \
    && [ "$(code "$BT" report "$T/fixture.csv" --metric nope3 --out "$T/x.html")" = 2 ] && grep -q "nope3" "$T/e" \
    && [ "$(code "$BT" report)" = 2 ] && [ "$(code "$BT" report "$T/fixture.csv" --out)" = 2 ] \
    && ok "bad axis / objective / metric / no file -> 2, named" || no "bad axis / objective / metric / no file -> 2, named"
[ "$(code "$BT" report "$T/none.csv" --out "$T/x.html")" = 1 ] && grep -q "none.csv" "$T/e" \
    && [ "$(code "$BT" report "$T/fixture.csv" --out "$T/no/such/dir/x.html")" = 1 ] && grep -q "no/such/dir" "$T/e" \
    && ok "missing results file / unwritable output -> 1, named" || no "missing results file / unwritable output -> 1, named"

# 2. a browser
CHROME=""
for c in chromium chromium-browser google-chrome; do command -v "$c" >/dev/null 2>&1 && { CHROME=$(command -v "$c"); break; }; done
if [ -z "$CHROME" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "  installing Debian package chromium (needed to render the report)"
    (timeout 300 apt-get install -y -q chromium >/dev/null 2>&1 || { timeout 120 apt-get update -q >/dev/null 2>&1 && timeout 300 apt-get install -y -q chromium >/dev/null 2>&1; }) || true
    command -v chromium >/dev/null 2>&1 && CHROME=$(command -v chromium)
fi
if [ -z "$CHROME" ]; then
    sk "render in headless Chromium: no chromium found and it could not be installed (apt-get install chromium, as root)"
    done_
fi
echo "  browser: $("$CHROME" --version 2>/dev/null | head -1)"
chrome() { # chrome LOGFILE ARGS... ; a fresh profile each time, nothing from the network
    local log="$1"; shift
    local prof; prof=$(mktemp -d "$T/profile.XXXXXX")
    timeout 90 "$CHROME" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync --disable-dev-shm-usage \
        --hide-scrollbars --force-device-scale-factor=1 --user-data-dir="$prof" \
        --enable-logging=stderr --v=0 "$@" 2>"$log"
}
# console messages, failed loads or any request that is not file:// mean the page is not self-contained
page_errors() { grep -E 'CONSOLE|Uncaught|Failed to load resource|net::ERR_|Refused to' "$1" | grep -v 'dbus' ; }

# 3. screenshot and DOM of the fixture's report
if chrome "$T/shot.log" --screenshot="$T/report.png" --window-size=1400,2400 "file://$T/report.html" >/dev/null && [ -s "$T/report.png" ]; then
    ok "headless Chromium rendered report.html to PNG"
else
    tail -5 "$T/shot.log"; no "headless Chromium rendered report.html to PNG"; done_
fi
chrome "$T/dom.log" --log-net-log="$T/netlog.json" --dump-dom "file://$T/report.html" > "$T/dom.html"
if [ -z "$(page_errors "$T/shot.log"; page_errors "$T/dom.log")" ]; then ok "page loaded without console errors or failed requests"
else page_errors "$T/shot.log"; page_errors "$T/dom.log"; no "page loaded without console errors or failed requests"; fi
# the browser's net log holds every request; Chromium's own (update, time, accounts) aside, none may exist
if [ -s "$T/netlog.json" ]; then
    reqs=$(grep -o '"url":"[^"]*"' "$T/netlog.json" | grep -vE '"url":"https?://([a-z0-9.-]+\.)?(google\.com|googleapis\.com|gstatic\.com|gvt1\.com)[/"]' | sort -u)
    [ -z "$reqs" ] && ok "the page made no network request (Chromium's net log)" || { echo "$reqs" | head -5; no "the page made no network request (Chromium's net log)"; }
else sk "net log check: this Chromium wrote no net log"; fi
dom_has() { grep -qF -- "$1" "$T/dom.html"; }
all=1; for id in 'id="hm-w0-m0"' 'id="hm-w1-m0"' 'id="hm-regret"' 'id="per-item"' 'id="ranking"' 'id="evidence"' 'id="run-meta"' 'id="excluded"'; do dom_has "$id" || { echo "    DOM lacks $id"; all=0; }; done
[ $all = 1 ] && ok "DOM holds the heatmaps, the chart, the ranking, the evidence and the metadata" || no "DOM holds the heatmaps, the chart, the ranking, the evidence and the metadata"
dom_has '<title>Fixture &lt;report&gt; &amp; "checks"</title>' && dom_has 'resnet&lt;50&gt; &amp; "co"' && dom_has 'fixture device &lt;gpu0&gt; &amp; co' && ! dom_has '<gpu0>' && ! grep -q '<script' "$T/dom.html" \
    && ok "names, reasons and metadata arrive escaped (text, not markup)" || no "names, reasons and metadata arrive escaped (text, not markup)"
[ "$(grep -o 'data-status="oom"' "$T/dom.html" | wc -l)" = 4 ] && [ "$(grep -o 'data-status="infeasible"' "$T/dom.html" | wc -l)" = 3 ] && dom_has '>OOM</text>' && dom_has '>infeasible</text>' \
    && ok "DOM marks the OOM (4) and infeasible (3) cells, labelled" || no "DOM marks the OOM (4) and infeasible (3) cells, labelled"
pick=$(sed -n 's/^pick: //p' "$T/fixture.out")
dom_has "<b>$pick</b>" && ok "the recommendation ($pick) is on the page" || no "the recommendation ($pick) is on the page"

# 4. pixels: every cell of every heatmap, found in the picture, in its scale color
"$H" check "$T/report.png" "$T/expect.txt" > "$T/check.out"
grep -v '^results:' "$T/check.out"
line=$(grep '^results:' "$T/check.out")
if [ -z "$line" ]; then no "pixel checker ran"
else
    P=$((P + $(echo "$line" | sed -E 's/results: ([0-9]+) passed.*/\1/')))
    F=$((F + $(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')))
fi

# 5. the real sweep's report renders too
if [ -s "$T/sweep.html" ]; then
    chrome "$T/sdom.log" --dump-dom "file://$T/sweep.html" > "$T/sdom.html"
    if grep -qF 'id="hm-regret"' "$T/sdom.html" && grep -qF 'Probability of being the best cell' "$T/sdom.html" && [ -z "$(page_errors "$T/sdom.log")" ]; then
        ok "the CPU sweep's report loads (regret map, P(best))"
    else no "the CPU sweep's report loads (regret map, P(best))"; fi
fi
[ -n "${BT_KEEP_REPORT:-}" ] && cp "$T/report.png" "$T/report.html" "$BT_KEEP_REPORT"/ 2>/dev/null
done_
