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
  ./edge/challenge/ ./edge/api/ ./edge/ledger/sqlite/ ./issuer/acs/ ./issuer/api/ ./issuer/portal/ ./issuer/threeds/ ./edge/emv3ds/ ./issuer/dispatch/ | tee "$tmp"
# The SQLite drivers side by side (the pure-Go one in use, the cgo one
# measured against it): needs gcc, so behind a build tag.
CGO_ENABLED=1 go test -tags cgosqlite -run '^$' -bench . -benchmem -count 5 -benchtime 1s ./edge/sqlitedb/drivers/ | tee -a "$tmp"

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
  cat <<'DRIVERS'

### The SQLite driver, chosen by measurement

`BenchmarkDrivers` (`edge/sqlitedb/drivers`, `-tags cgosqlite`) runs the same prepared statements through
database/sql on modernc.org/sqlite (pure Go, in use, through `edge/sqlitedb`) and github.com/mattn/go-sqlite3
(cgo), WAL, `synchronous=FULL`, a 20,000-row table. Measured 2026-12-06, 3 runs each, CPU per operation:

| statement | modernc (pure Go) | mattn (cgo) | cgo faster by |
|---|---:|---:|---:|
| point read by primary key | 5.5 µs | 4.1 µs | 1.35× |
| bounded index count (200 of 1,000 rows) | 59 µs | 26 µs | 2.3× |
| write transaction (insert + update + commit, fsync) | 82 µs (wall 132 µs) | 72 µs (wall 123 µs) | 1.14× |

Not several-fold where honnin spends its time: a start is commits (the write row, mostly the WAL write and
fsync system calls) and Go-side work (HTTP, JSON, X-Wing, Ed25519, SMTP), and its reads are point reads and
short bounded counts. Switching would save an estimated tenth of the issuer's CPU per create + start, and cost
a C toolchain in every build of the native programs (`make run` on a machine without gcc). Kept: modernc.

DRIVERS
} > "$out"
echo "wrote $out"
