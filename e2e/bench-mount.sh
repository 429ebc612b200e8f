#!/usr/bin/env bash
# The challenge client on a slow phone: BenchmarkMount (e2e/mount_bench_test.go)
# times Honnin.mount to a usable code field in Chromium under DevTools' Fast 3G
# and 4× CPU slowdown, cold and prepared, on the e2e stack; then the client's
# brotli size by Go package (edge/cmd/wasmsize over a build that keeps the
# function names; the served one is stripped).
# Prints a Markdown section; make bench appends it to e2e/BENCHMARKS.md.
# Needs make build first (make bench does it).
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
# Runs per mode (go test runs one more first, not counted: the stack's and
# Chromium's warm-up).
RUNS=${RUNS:-5}
# The stack's ports, moved off the e2e suite's own, so a make test running
# at the same time does not collide with this one.
export HONNIN_E2E_PORT_OFFSET=${HONNIN_E2E_PORT_OFFSET:-3000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

(cd e2e && HONNIN_BIN="$PWD/../bin" HONNIN_DIST="$PWD/../web/dist" \
  $GO test -count=1 -run '^$' -bench '^BenchmarkMount$' -benchtime "${RUNS}x" -timeout 20m .) | tee "$tmp/mount.txt" >&2
grep -q '^BenchmarkMount/prepared' "$tmp/mount.txt" || { echo "bench-mount: BenchmarkMount did not run" >&2; exit 1; }

GOOS=js GOARCH=wasm $GO build -trimpath -buildvcs=false -o "$tmp/client.wasm" ./wasm
brotli_size=$(node -e 'console.log(Math.round(require("./web/dist/manifest.json").sizes.brotli / 1024))')

echo
echo "## The challenge client on a slow phone"
echo
echo "Run on $(date -u '+%Y-%m-%d %H:%M UTC')."
echo
echo "\`e2e/bench-mount.sh\`: BenchmarkMount pays on the demo shop (a fresh card and browser context each run)"
echo "in $(chromium --version 2>/dev/null | grep -m1 -o '^[A-Za-z ]*[0-9.]*' | cut -d' ' -f1-2 || echo Chromium), under DevTools' Fast 3G (562.5 ms latency,"
echo "180,000 B/s down, 84,375 B/s up) and 4× CPU slowdown from the pay page on, and times Honnin.mount to a"
echo "code field that takes typing (enabled and visible inside the challenge frame: the page's own field, which"
echo "loader.js enables once its early start has the code sent, before the wasm has arrived; or the client's),"
echo "and to the client's screen (its Send enabled). Cold: nothing cached."
echo "Prepared: the page called Honnin.prepare first and mounted once the client was in the cache;"
echo "prepared-loopback: the same without any throttling (a desktop on a good network). First paint"
echo "is the frame's first contentful paint after mount: the page's skeleton of the screen (checked), drawn"
echo "before the client runs. $RUNS runs each, after one not counted; the served wasm is $brotli_size KiB brotli."
echo "The machine's other work shows in the slowest run."
echo
echo '| mount to | usable code field: median | slowest | usable before the client ran | client screen ready (median) | first paint (median) | wasm over the wire |'
echo '|---|---|---|---|---|---|---|'
awk '/^BenchmarkMount\// {
  split($1, n, "/"); sub(/-[0-9]+$/, "", n[2])
  for (i = 3; i < NF; i += 2) v[$(i+1)] = $i
  printf "| %s | %.0f ms | %.0f ms | %.0f %% of runs | %.0f ms | %.0f ms | %.0f KiB |\n", n[2], v["ms-median"], v["ms-max"], 100 * v["by-page"], v["ms-client-median"], v["ms-first-paint"], v["wasm-KiB-wire"]
}' "$tmp/mount.txt"
echo
echo "### What the client's size is made of"
echo
echo "\`edge/cmd/wasmsize -brotli\` over the client built without -s: each Go package's code compressed alone"
echo "with brotli -q 11, as the edge serves it, and the data section (read-only data, type descriptors, the"
echo "function table)."
echo
$GO run ./edge/cmd/wasmsize -top 20 -brotli -title "part of the client's wasm" "$tmp/client.wasm"
