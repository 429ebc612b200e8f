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
