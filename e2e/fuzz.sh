#!/usr/bin/env bash
# Runs every Go fuzz target of the repository (the Fuzz functions of its
# *_fuzz_test.go files), each for FUZZTIME (default 10s), JOBS (default 2)
# at a time with one fuzzing worker each: `go test -fuzz` takes one target
# of one package per run. `make fuzz-short` (part of `make test`) runs it
# with 10 s a target, `make fuzz` with 5 minutes.
#
#   e2e/fuzz.sh [package ...]        default: every package with a target
#   FUZZTIME=1m JOBS=1 TARGETS='^FuzzVerify$' e2e/fuzz.sh ./edge/challenge
#
# FUZZMINIMIZETIME caps the minimising of each new input (go test's
# default is 60s, which a 10 s run cannot afford). A target that fails
# leaves its input in the package's testdata/fuzz/<Target>/: look at it,
# fix the parser (or the property), and commit the file, which plain
# `go test` then runs as a regression case. Inputs found interesting stay
# in go's fuzz cache ($(go env GOCACHE)/fuzz) for the next run.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-10s}
JOBS=${JOBS:-2}
TARGETS=${TARGETS:-.}

if [ $# -gt 0 ]; then
  pkgs=("$@")
else
  mapfile -t pkgs < <(grep -rl --include='*_fuzz_test.go' '^func Fuzz' edge issuer wasm web e2e 2>/dev/null |
    xargs -n1 dirname | sort -u | sed 's|^|./|')
fi
[ ${#pkgs[@]} -gt 0 ] || { echo "fuzz: no fuzz targets" >&2; exit 1; }

# "package target" per line, from go test -list (one build for all).
listed=$($GO test -list '^Fuzz' "${pkgs[@]}") || { echo "$listed" >&2; exit 1; }
targets=()
names=()
while read -r line; do
  case $line in
  Fuzz*) names+=("$line") ;;
  ok*)
    pkg=$(awk '{print $2}' <<<"$line")
    for n in "${names[@]}"; do
      if [[ $n =~ $TARGETS ]]; then targets+=("$pkg $n"); fi
    done
    names=()
    ;;
  esac
done <<<"$listed"
[ ${#targets[@]} -gt 0 ] || { echo "fuzz: no target matches $TARGETS" >&2; exit 1; }

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
minimize=()
[ -n "${FUZZMINIMIZETIME:-}" ] && minimize=(-fuzzminimizetime "$FUZZMINIMIZETIME")
echo "fuzz: ${#targets[@]} targets, $FUZZTIME each, $JOBS at a time"

# timeout is go test's -timeout for one target: FUZZTIME and 10 minutes
# (go test's default of 10m would end a longer run as a failure).
timeout=30m
if [[ $FUZZTIME =~ ^([0-9]+)([smh])$ ]]; then
  n=${BASH_REMATCH[1]}
  case ${BASH_REMATCH[2]} in s) n=$((n / 60)) ;; h) n=$((n * 60)) ;; esac
  timeout=$((n + 10))m
fi

# inputs DIR: how many inputs a corpus holds; 0 when it does not exist yet
# (a new target's: under set -e and pipefail, a failing ls would end the
# job silently, and the target would never run).
inputs() { if [ -d "$1" ]; then ls "$1" | wc -l; else echo 0; fi; }

run() { # package target log
  local dir=${1#github.com/honnin/honnin/}
  local corpus=$dir/testdata/fuzz/$2 before after rc=0 last
  before=$(inputs "$corpus")
  $GO test -run '^$' -fuzz "^$2\$" -fuzztime "$FUZZTIME" "${minimize[@]}" -parallel 1 -timeout "$timeout" "$1" >"$3" 2>&1 || rc=$?
  after=$(inputs "$corpus")
  last=$(grep -o 'execs: [0-9]*.*' "$3" | tail -1 | sed 's/ ([0-9]*\/sec)//') || true
  # Go before 1.27 may end a run that found nothing with "context deadline
  # exceeded" when the fuzz time runs out (go.dev/issue/75804): no input
  # was written, so there is nothing to fix.
  if [ $rc -ne 0 ] && [ "$after" -eq "$before" ] && grep -q '^    context deadline exceeded$' "$3"; then
    printf 'ok    %-30s %-20s %s (stopped by go.dev/issue/75804)\n' "$dir" "$2" "$last"
  elif [ $rc -eq 0 ]; then
    printf 'ok    %-30s %-20s %s\n' "$dir" "$2" "$last"
  else
    printf 'FAIL  %-30s %-20s %s\n' "$dir" "$2" "$last"
    sed 's/^/      /' "$3" | tail -30
    touch "$3.failed"
  fi
}

start=$SECONDS
i=0
for t in "${targets[@]}"; do
  read -r p n <<<"$t"
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
  run "$p" "$n" "$logs/$i.log" &
  i=$((i + 1))
done
wait
failed=$(find "$logs" -name '*.failed' | wc -l)
echo "fuzz: ${#targets[@]} targets in $((SECONDS - start)) s, $failed failed"
if [ "$failed" -gt 0 ]; then
  echo "fuzz: the failing inputs are in the packages' testdata/fuzz/; commit them as regression cases" >&2
  exit 1
fi
