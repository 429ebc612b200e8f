#!/usr/bin/env bash
# Runs the benchmarks and writes them, with the machine and the date, to the
# file given as $1 (e2e/BENCHMARKS.md, cited by the README). Numbers are
# checked here, never by timed assertions in tests.
set -euo pipefail
out=${1:-e2e/BENCHMARKS.md}
cd "$(dirname "$0")/.."
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

go test -run '^$' -bench . -benchmem -count 5 -benchtime 1s \
  ./edge/challenge/ ./edge/api/ ./issuer/acs/ ./issuer/api/ ./issuer/portal/ ./issuer/threeds/ ./edge/emv3ds/ | tee "$tmp"

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
{
  echo "# Benchmarks"
  echo
  echo "Written by \`make bench\` on $(date -u '+%Y-%m-%d %H:%M UTC')."
  echo "Machine: $(nproc) cores, ${cpu:-unknown CPU}, $(free -g | awk '/Mem:/{print $2}') GiB; $(go version | cut -d' ' -f3-)."
  echo "Each line is one of 5 runs (compare with benchstat); ns/op is wall time per operation."
  echo
  echo "## Wasm client size"
  echo
  if [ -f web/dist/manifest.json ]; then
    echo '| build | raw | gzip -9 | brotli -q 11 |'
    echo '|---|---|---|---|'
    node -e '
      const m = require("./web/dist/manifest.json"), s = m.sizes;
      const kb = n => Math.round(n / 1024).toLocaleString("en") + " KiB";
      console.log(`| ${m.wasm} | ${kb(s.raw)} | ${kb(s.gzip)} | ${kb(s.brotli)} |`);'
  else
    echo "(web/dist not built)"
  fi
  echo
  echo "## Go benchmarks"
  echo
  echo '```'
  grep -E '^(goos|goarch|pkg|cpu|Benchmark)' "$tmp"
  echo '```'
} > "$out"
echo "wrote $out"
