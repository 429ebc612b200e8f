#!/usr/bin/env bash
# The edge's CPU per /v1/verify, read from /proc: natively, in workerd with
# our glue (warm Go instances), and in workerd with syumai/workers' stock
# glue (a Go instance per request); the first request's latency (cold
# start); and the worker's upload size from `wrangler deploy --dry-run`.
# Prints a Markdown section; make bench appends it to e2e/BENCHMARKS.md.
# Needs make build and make edge-build first (make bench does both).
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
N=${N:-300}
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
  setsid node edge/dev.mjs -config "$w/wrangler.toml" -persist "$w/state" -vars "$w/.dev.vars" \
    -cf edge/dev-cf.json -ip 127.0.0.1 -port "$port" "${inspector[@]}" -scheduled-every 0 >"$w/log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 150); do grep -q "ready on" "$w/log" && break; sleep 0.2; done
  grep -q "ready on" "$w/log" || { echo "bench-edge: $label: edge/dev.mjs did not start:" >&2; cat "$w/log" >&2; exit 1; }
  if [ "$modes" = profile ]; then
    "$tmp/edgebench" -url "http://127.0.0.1:$port" -keys "$tmp/keys" -pid "$pid" -comm workerd -n 50 -label "$label-warm" -prewarm /honnin.js >/dev/null
    node $websocket e2e/profile-edge.mjs $((port + 1)) "$tmp/stop" "$N" >"$tmp/profile.md" &
    local prof=$!
    sleep 2
    "$tmp/edgebench" -url "http://127.0.0.1:$port" -keys "$tmp/keys" -pid "$pid" -comm workerd -n "$N" -warm 0 -label "$label-verify" >/dev/null
    touch "$tmp/stop"
    wait "$prof"
  else
    for mode in $modes; do
      "$tmp/edgebench" -url "http://127.0.0.1:$port" -keys "$tmp/keys" -pid "$pid" -comm workerd -n "$N" -label "$label-$mode" -mode $mode -prewarm /honnin.js
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
  setsid bin/edge -addr 127.0.0.1:28780 -keys "$tmp/keys" -db "$tmp/edge.db" -issuer "$issuer" -dist web/dist >"$tmp/native.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  for mode in verify badsig healthz static notfound; do
    "$tmp/edgebench" -url http://127.0.0.1:28780 -keys "$tmp/keys" -pid "$pid" -n "$N" -label "native-$mode" -mode $mode -prewarm /honnin.js
  done
  kill "$pid"
  workerd edge/build/worker.mjs edge/build/public ours 28782
  workerd edge/build-stock/build/worker.mjs edge/build-stock/public stock 28784
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
echo "| edge | CPU per verify | p50 latency | bad-signature verify | /healthz (1 ledger read) | Go 404 | static file | verify less runtime and ledger* | first request (cold) |"
echo "|---|---|---|---|---|---|---|---|---|"
for l in stock ours native; do
  case $l in
    stock) name="workerd, syumai/workers stock glue (Go instance per request)" ;;
    ours) name="workerd, our glue (warm Go instances)" ;;
    native) name="native (bin/edge, SQLite)" ;;
  esac
  v=$(field $l-verify cpu_per_verify_ms) h=$(field $l-healthz cpu_per_verify_ms) n=$(field $l-notfound cpu_per_verify_ms) st=$(field $l-static cpu_per_verify_ms)
  own=$(awk -v v="$v" -v h="$h" -v n="$n" -v s="$st" 'BEGIN { printf "%.2f", v - s - 3 * (h - n) }')
  echo "| $name | $v ms | $(field $l-verify p50_ms) ms | $(field $l-badsig cpu_per_verify_ms) ms | $h ms | $n ms | $st ms | $own ms | $(field $l-verify cold_ms) ms |"
done
echo
echo "CPU is per request, of the edge process. *verify less runtime and ledger = verify − static file − 3 × (/healthz − Go 404):"
echo "a wrong-code verify makes three D1 statements (count the try, queue the report leased to the request,"
echo "delete it once delivered); locally D1 runs inside the same workerd process and every request also passes"
echo "miniflare's local routing and asset workers (the static-file column, which runs no edge code at all), none"
echo "of which a deployed worker is billed for. It is an estimate: a statement that writes costs more than the"
echo "read /healthz makes, and the report's fetch() also passes local routing."
echo "Cold is the first /v1/verify after a static file was served (the runtime up, no Go instance yet)."
echo
echo "### Where the worker's own CPU goes"
echo
echo "A DevTools CPU profile of the worker's isolate (our glue and Go; not the local D1 nor miniflare's"
echo "routing) over $N more verifies, from a build that keeps the wasm's function names"
echo "(\`e2e/profile-edge.mjs\`):"
echo
cat "$tmp/profile.md"
echo
echo "Worker upload (\`wrangler deploy --dry-run\`): ${size:-unknown}"
