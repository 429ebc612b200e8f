#!/usr/bin/env bash
# Builds the Workers edge into edge/build (nothing there is committed):
#   app.wasm      edge/cmd/edgeworker, GOOS=js GOARCH=wasm
#   wasm_exec.js  github.com/syumai/workers' (per-instance globalThis.context)
#   worker.mjs    our glue, edge/worker/glue.mjs
#   public/       the client files as static assets, with _headers
# With "stock" as $1 it builds edge/build-stock instead: the same handler
# behind syumai/workers' own glue (a fresh Go instance per request), only
# for make bench's comparison. With "names" it builds edge/build-names: our
# worker with the wasm's function names kept (no -s), for make bench's CPU
# profile of the isolate.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
mode=${1:-ours}
dist=${DIST:-web/dist}
flags=$($GO run ./edge/cmd/edgeassets -dist "$dist" -o edge/build/public.tmp)
if [ "$mode" = stock ]; then
  out=edge/build-stock
  rm -rf "$out"
  $GO run github.com/syumai/workers/cmd/workers-assets-gen -mode=go -o "$out/build" >/dev/null
  # The same fetch fix as ours (below): without it the stock worker's
  # report deliveries fail with "Illegal invocation".
  sed -i 's|return Reflect.get(target, prop, target);|const v = Reflect.get(target, prop, target); return prop === "fetch" \&\& typeof v === "function" ? v.bind(target) : v;|' "$out/build/wasm_exec.js"
  grep -q 'v.bind(target)' "$out/build/wasm_exec.js" || { echo "build-worker: could not patch wasm_exec.js (syumai/workers changed?)" >&2; exit 1; }
  mv edge/build/public.tmp "$out/public"
  GOOS=js GOARCH=wasm $GO build -trimpath -tags stockglue -ldflags="-s -w $flags" -o "$out/build/app.wasm" ./edge/cmd/edgeworker
  exit 0
fi
out=edge/build
strip="-s -w"
if [ "$mode" = names ]; then
  out=edge/build-names
  strip=""
  rm -rf "$out"
  mkdir -p "$out"
fi
gen=$(mktemp -d)
trap 'rm -rf "$gen"' EXIT
$GO run github.com/syumai/workers/cmd/workers-assets-gen -mode=go -o "$gen" >/dev/null
rm -rf "$out/public"
mv edge/build/public.tmp "$out/public"
# syumai's per-instance globalThis is a Proxy, and edge/fetch calls
# globalThis.fetch as a method of it: workerd refuses fetch with a `this`
# other than the real global ("Illegal invocation"). Hand out fetch bound.
sed 's|return Reflect.get(target, prop, target);|const v = Reflect.get(target, prop, target); return prop === "fetch" \&\& typeof v === "function" ? v.bind(target) : v;|' \
  "$gen/wasm_exec.js" >"$out/wasm_exec.js"
grep -q 'v.bind(target)' "$out/wasm_exec.js" || { echo "build-worker: could not patch wasm_exec.js (syumai/workers changed?)" >&2; exit 1; }
cp edge/worker/glue.mjs "$out/worker.mjs"
GOOS=js GOARCH=wasm $GO build -trimpath -ldflags="$strip $flags" -o "$out/app.wasm.tmp" ./edge/cmd/edgeworker
mv "$out/app.wasm.tmp" "$out/app.wasm"
