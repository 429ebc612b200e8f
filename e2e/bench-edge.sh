#!/usr/bin/env bash
# The edge's CPU per /v1/verify, read from /proc: natively, in workerd with
# our glue (warm Go instances), in workerd with syumai/workers' stock glue
# (a Go instance per request), and the platform's share alone (the plain-JS
# twin, e2e/edge-twin.mjs); the first request's latency (cold start); and
# the worker's upload size from `wrangler deploy --dry-run`.
# Prints a Markdown section; make bench appends it to e2e/BENCHMARKS.md.
# Needs make build and make edge-build first (make bench does both).
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
N=${N:-300}
# Requests before measuring: V8 compiles the worker's hot wasm functions
# again, optimized, in the background for the first several hundred
# requests (its compiler thread's CPU is the process's too); a short
# warm-up measured that instead of the steady state (18.6 vs 14.8 ms).
WARM=${WARM:-1000}
# On two or more CPUs the runtime gets one to itself and the client
# another, so they do not take turns on one core (and one another's caches).
pin_edge=() pin_client=()
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
  pin_edge=(taskset -c 1) pin_client=(taskset -c 0)
fi
export WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false CLOUDFLARE_CF_FETCH_ENABLED=false NO_UPDATE_NOTIFIER=1 CI=true
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -- -"$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
bash edge/build-worker.sh stock >&2
bash edge/build-worker.sh names >&2
$GO build -o "$tmp/edgebench" ./edge/cmd/edgebench
bin/issuer keys init -dir "$tmp/keys" >/dev/null
root=$PWD
# The issuer's report endpoint: every wrong code queues a progress report
# that the edge delivers after answering; edgebench -sink accepts them, as
# a live issuer would, so no run measures retries against a dead issuer.
issuer=http://127.0.0.1:28790
setsid "$tmp/edgebench" -sink 127.0.0.1:28790 >"$tmp/sink.log" 2>&1 &
pids+=("$!")

# workerd MAIN PUBLIC LABEL PORT [MODES]: serve the worker MAIN with the
# static assets PUBLIC, its own config and state, and measure MODES (all
# five by default; "profile" instead samples the isolate's CPU over N
# verifies through the inspector, see e2e/profile-edge.mjs).
workerd() {
  local main=$1 public=$2 label=$3 port=$4 modes=${5:-verify badsig healthz static notfound} w="$tmp/$3"
  mkdir -p "$w"
  sed -e "s|= \"build/worker.mjs\"|= \"$root/$main\"|" \
      -e "s|= \"build/public\"|= \"$root/$public\"|" \
      -e "s|= \"migrations\"|= \"$root/edge/migrations\"|" edge/wrangler.toml >"$w/wrangler.toml"
  bash edge/dev-vars.sh "$tmp/keys" "$issuer" >"$w/.dev.vars"
  edge/node_modules/.bin/wrangler d1 migrations apply DB --local --config "$w/wrangler.toml" --persist-to "$w/state" >/dev/null
  # edge/dev.mjs, as make edge-dev and the e2e suite run it: miniflare's
  # workerd with no wrangler dev proxy in front (wrangler's proxy, a second
  # workerd, used to be counted here too). No cron ticks: deliveries run
  # under waitUntil, and a tick would land in the middle of a measurement.
  # The DevTools port only for the profile: nothing else pays for it.
  local inspector=()
  [ "$modes" = profile ] && inspector=(-inspector-port $((port + 1)))
  setsid "${pin_edge[@]}" node edge/dev.mjs -config "$w/wrangler.toml" -persist "$w/state" -vars "$w/.dev.vars" \
    -cf edge/dev-cf.json -ip 127.0.0.1 -port "$port" "${inspector[@]}" -scheduled-every 0 >"$w/log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 150); do grep -q "ready on" "$w/log" && break; sleep 0.2; done
  grep -q "ready on" "$w/log" || { echo "bench-edge: $label: edge/dev.mjs did not start:" >&2; cat "$w/log" >&2; exit 1; }
  if [ "$modes" = profile ]; then
    "$tmp/edgebench" -url "http://127.0.0.1:$port" -keys "$tmp/keys" -pid "$pid" -comm workerd -n "$WARM" -label "$label-warm" -prewarm /honnin.js >/dev/null
    node $websocket e2e/profile-edge.mjs $((port + 1)) "$tmp/stop" "$N" >"$tmp/profile.md" &
    local prof=$!
    sleep 2
    "$tmp/edgebench" -url "http://127.0.0.1:$port" -keys "$tmp/keys" -pid "$pid" -comm workerd -n "$N" -warm 0 -label "$label-verify" >/dev/null
    touch "$tmp/stop"
    wait "$prof"
  else
    for mode in $modes; do
      "${pin_client[@]}" "$tmp/edgebench" -url "http://127.0.0.1:$port" -keys "$tmp/keys" -pid "$pid" -comm workerd -n "$N" -warm "$WARM" -label "$label-$mode" -mode $mode -prewarm /honnin.js
    done
  fi
  kill -- -"$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if grep -q "delivery failed" "$w/log"; then
    echo "bench-edge: $label: report deliveries failed:" >&2
    grep "delivery failed" "$w/log" | head -3 >&2
    exit 1
  fi
}
# Node 20 has WebSocket behind a flag (the profile's inspector client).
websocket=
node -e 'if (typeof WebSocket === "undefined") process.exit(1)' 2>/dev/null || websocket=--experimental-websocket

results=$(
  # What starts in here is stopped in here too: the EXIT trap above never
  # sees this subshell's additions to pids.
  first=${#pids[@]}
  trap 'for p in "${pids[@]:$first}"; do kill -- -"$p" 2>/dev/null || true; done' EXIT
  setsid "${pin_edge[@]}" bin/edge -addr 127.0.0.1:28780 -keys "$tmp/keys" -db "$tmp/edge.db" -issuer "$issuer" -dist web/dist >"$tmp/native.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  for mode in verify badsig healthz static notfound; do
    "${pin_client[@]}" "$tmp/edgebench" -url http://127.0.0.1:28780 -keys "$tmp/keys" -pid "$pid" -n "$N" -warm "$WARM" -label "native-$mode" -mode $mode -prewarm /honnin.js
  done
  kill "$pid"
  workerd edge/build/worker.mjs edge/build/public ours 28782
  workerd edge/build-stock/build/worker.mjs edge/build-stock/public stock 28784
  workerd e2e/edge-twin.mjs edge/build/public twin 28786 "verify static"
)
workerd edge/build-names/worker.mjs edge/build-names/public profile 28791 profile >&2
size=$(cd edge && node_modules/.bin/wrangler deploy --dry-run --outdir "$tmp/dry" 2>&1 | grep -i "total upload" || true)

field() { echo "$results" | awk -v l="$1" -v f="$2" '$1==l { for (i=2;i<=NF;i++) { split($i,kv,"="); if (kv[1]==f) print kv[2] } }'; }
echo "$results" >&2
echo "## The edge in workerd"
echo
echo "One run of \`e2e/bench-edge.sh\` ($N sequential /v1/verify with a wrong code, each on a new"
echo "authentication: token check, seal open, the attempt counted in D1/SQLite, a progress report queued and,"
echo "after the response, delivered to the issuer's report endpoint (answered by \`edgebench -sink\`); CPU is"
echo "utime+stime of the edge process from /proc over the $N requests: natively bin/edge, in workerd the one"
echo "workerd process that \`edge/dev.mjs\` (miniflare, as make edge-dev and the e2e suite run it) starts, not node)."
echo
echo "| edge | CPU per verify | the edge's own: less the platform twin* | p50 latency | bad-signature verify | /healthz (1 ledger read) | Go 404 | static file | first request (cold) |"
echo "|---|---|---|---|---|---|---|---|---|"
tv=$(field twin-verify cpu_per_verify_ms)
for l in stock ours twin native; do
  case $l in
    stock) name="workerd, syumai/workers stock glue (Go instance per request)" ;;
    ours) name="workerd, our glue (warm Go instances)" ;;
    twin) name="workerd, the platform twin alone (plain JS, no edge code)*" ;;
    native) name="native (bin/edge, SQLite)" ;;
  esac
  v=$(field $l-verify cpu_per_verify_ms)
  case $l in
    stock|ours) own="$(awk -v v="$v" -v t="$tv" 'BEGIN { printf "%.2f", v - t }') ms" ;;
    twin) own="(0 by definition)" ;;
    native) own="$v ms (no runtime around it)" ;;
  esac
  cell() { local x; x=$(field "$1" cpu_per_verify_ms); [ -n "$x" ] && echo "$x ms" || echo "–"; }
  echo "| $name | $v ms | $own | $(field $l-verify p50_ms) ms | $(cell $l-badsig) | $(cell $l-healthz) | $(cell $l-notfound) | $(cell $l-static) | $(field $l-verify cold_ms) ms |"
done
echo
echo "CPU is per request, of the edge process, after $WARM requests of warm-up (the steady state); runtime and client"
echo "pinned to CPUs of their own. *Locally the D1 database and miniflare's routing and asset workers run inside the"
echo "same workerd process as the worker, and every request pays for them; a deployed worker is billed for neither."
echo "The platform twin (\`e2e/edge-twin.mjs\`) is a plain-JS worker run and measured the same way that does what a"
echo "wrong-code verify asks of the runtime and nothing else: reads the body, runs the edge's three D1 statements (the"
echo "same SQL), answers JSON and posts a report of the same size to the issuer under waitUntil. The edge's own"
echo "CPU is the edge's figure less the twin's: Go, the JS-Go bridge, the token check, the seal and their crypto."
echo "Runs on this 2-core machine vary by ±1-2 ms per verify from one run to the next."
echo "Cold is the first /v1/verify after a static file was served (the runtime up, no Go instance yet)."
echo
echo "### Where the worker's own CPU goes"
echo
echo "A DevTools CPU profile of the worker's isolate (our glue and Go) over $N more verifies, from a build"
echo "that keeps the wasm's function names (\`e2e/profile-edge.mjs\`). The local D1 and miniflare's routing"
echo "run on the same thread in isolates of their own, and their work is sampled on whatever frame of ours is"
echo "waiting for them: from run to run a lump of 4-7 ms per verify (the twin's share) lands on one frame or"
echo "another (\`readBody\`, \`(program)\`, \`syscall/js.valueCall\`, the token check). Read the rows without"
echo "that lump, as shares; the profiler also slows the isolate about twofold."
echo
cat "$tmp/profile.md"
echo
echo "Worker upload (\`wrangler deploy --dry-run\`): ${size:-unknown}"
echo
echo "### What the worker's size is made of"
echo
echo "\`edge/cmd/wasmsize\` over the build with function names (the upload strips them): each Go package's"
echo "code compressed on its own, and the data section (read-only data, type descriptors, the function table)."
echo
$GO run ./edge/cmd/wasmsize -top 25 edge/build-names/app.wasm
