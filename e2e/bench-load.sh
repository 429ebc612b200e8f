#!/usr/bin/env bash
# Load on the native processes: e2e/cmd/load starts the issuer, the edge
# and the dev mail sink (e2e/stack) on SQLite, then on a throwaway
# PostgreSQL cluster (issuer/store/pgtest), and drives merchant create,
# create + start, wrong-code and right-code verify at 1, 4, 16 and 64
# concurrent clients on loopback, with CPU per request per process from
# /proc. Prints a Markdown section; make bench appends it to
# e2e/BENCHMARKS.md. Needs make build first (make bench does it).
# About 8 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
# Seconds per level, and the databases.
DURATION=${DURATION:-8s}
DBS=${DBS:-sqlite,postgres}
# The stack's ports, moved off the e2e suite's own and bench-mount.sh's,
# so a make test running at the same time does not collide with this one.
export HONNIN_E2E_PORT_OFFSET=${HONNIN_E2E_PORT_OFFSET:-3500}
$GO run ./e2e/cmd/load -bin bin -dist web/dist -db "$DBS" -duration "$DURATION"
# The figures the load work started from (issue 17: the code before
# edge/sqlitedb, batched reports and fewer statements per start, measured
# with an earlier driver on the same machine), printed beside the run's so
# the file always shows both.
cat <<'BEFORE'

### Before (issue 17's measurement of the old code, SQLite unless said)

| work | 1 client | 4 | 16 | 64 | CPU per request |
|---|---|---|---|---|---|
| merchant create | 715/s, p99 4.5 ms | 717/s, p99 58 ms | 703/s, p99 337 ms | 790/s, p99 1.3 s, 3 × 500 | issuer 1.1–1.3 ms |
| create + start (code mailed) | 111/s, p50 8.5 ms | 140/s | 128/s, p50 45 ms | 122/s, p50 111 ms, 7 × 500 on create, 22 × 502 at start | issuer 5.4–6.0 ms, edge 1.5 ms |
| wrong-code verify | 880/s | 1,395/s | 1,526/s, p99 93 ms | 1,611/s, p99 430 ms | edge 0.7–0.9 ms |
| create + start, PostgreSQL | 72/s | 81/s | 78/s, p50 202 ms | — | issuer 4.5–6.4 ms |

Reports then fell behind: at 16 verifying clients 63 reports/s were delivered against 1,526 verifies/s.
BEFORE
