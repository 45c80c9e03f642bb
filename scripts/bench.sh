#!/usr/bin/env bash
# bench.sh runs the side-by-side benchmarks of ./benchmarks (vitals, the raw
# OpenTelemetry SDK and Prometheus client_golang on the same work), keeps the
# raw output and prints a benchstat table and the ratios of each row to the
# baseline rows of its group. It is what `make bench` runs.
#
# It runs COUNT passes of every benchmark, one `go test -count 1` each, one
# after the other, so that a row and its baselines are measured minutes
# apart at most and a noisy moment of the machine slows both: the ratio
# command pairs the i-th result of each row with the i-th of its baseline.
#
#   scripts/bench.sh
#   COUNT=20 BENCHTIME=500ms scripts/bench.sh      more runs, longer each
#   BENCH='CounterAdd$' scripts/bench.sh           one group only
#   BENCHSTAT_FLAGS='-col /impl -row .name -filter .unit:ns/op' scripts/bench.sh
#                                                  another benchstat view (wide)
#
# Environment:
#   COUNT            passes, one run of each benchmark each (default 10:
#                    benchstat needs 6 for a 95% confidence interval, and the
#                    parallel groups are noisy on two shared cores)
#   BENCHTIME        go test -benchtime of each run (default 200ms)
#   BENCH            go test -bench regexp (default ., every group)
#   BENCHSTAT_FLAGS  flags for benchstat in place of the default view
#   VITALS_CACHE     cache directory (default .cache at the module root)
#
# Files:
#   $VITALS_CACHE/bench/latest.txt    raw go test output of the last run
#   $VITALS_CACHE/bench/previous.txt  the run before it, for
#                                     benchstat previous.txt latest.txt
#   $VITALS_CACHE/bin/benchstat       installed on first use
#
# The defaults keep a full run near 5 minutes on two cores. Only
# ratios between rows of one run mean anything; benchmarks/README.md says
# how to read the output.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${VITALS_CACHE:-$ROOT/.cache}
GO=${GO:-go}
COUNT=${COUNT:-10}
BENCHTIME=${BENCHTIME:-200ms}
BENCH=${BENCH:-.}
case $COUNT in
  '' | *[!0-9]* | 0) echo "[bench] ERROR: COUNT must be a positive integer, not '$COUNT'" >&2; exit 1 ;;
esac
BENCHSTAT_VERSION=v0.0.0-20260908200009-22c9c6c9d4da
BENCHSTAT=$CACHE/bin/benchstat
OUT_DIR=$CACHE/bench
RAW=$OUT_DIR/latest.txt

log() { printf '[bench] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

cd "$ROOT"

# Install benchstat (outside go.mod) unless the pinned version is there.
if ! "$GO" version -m "$BENCHSTAT" 2>/dev/null | grep -q "golang.org/x/perf[[:space:]]*$BENCHSTAT_VERSION"; then
  log "installing benchstat $BENCHSTAT_VERSION into $CACHE/bin"
  GOBIN=$CACHE/bin "$GO" install "golang.org/x/perf/cmd/benchstat@$BENCHSTAT_VERSION" ||
    die "cannot install benchstat"
fi

mkdir -p "$OUT_DIR"
tmp=$(mktemp "$OUT_DIR/run.XXXXXX")
out=
trap 'rm -f "$tmp" ${out:+"$out"}' EXIT

log "$COUNT passes of go test ./benchmarks/... -bench '$BENCH' -benchmem -count 1 -benchtime $BENCHTIME"
start=$SECONDS
for pass in $(seq "$COUNT"); do
  out=$(mktemp "$OUT_DIR/pass.XXXXXX")
  if ! "$GO" test ./benchmarks/... -run '^$' -bench "$BENCH" -benchmem \
      -count 1 -benchtime "$BENCHTIME" >"$out" 2>&1; then
    cat "$out" >&2
    die "benchmarks failed in pass $pass (output above)"
  fi
  cat "$out" >>"$tmp"
  rm -f "$out"
  out=
  log "pass $pass of $COUNT done, $((SECONDS - start))s"
done
grep -q '^Benchmark' "$tmp" || die "no benchmark matched -bench '$BENCH'"

[ -f "$RAW" ] && mv "$RAW" "$OUT_DIR/previous.txt"
mv "$tmp" "$RAW"
trap - EXIT
log "raw output in ${RAW#"$ROOT"/}"

echo
if [ -n "${BENCHSTAT_FLAGS:-}" ]; then
  # shellcheck disable=SC2086 # the flags are meant to be split
  "$BENCHSTAT" $BENCHSTAT_FLAGS "$RAW"
else
  # One table per group (and size, /n, in the collection groups), one row
  # per implementation: median time per op and its 95% confidence interval
  # over the COUNT passes.
  "$BENCHSTAT" -filter '.unit:ns/op' -table '.name /n' -row /impl "median of $COUNT runs=$RAW"
fi
echo
"$GO" run ./benchmarks/internal/ratio -base otel-kept-set,prom-kept,otel-sync "$RAW"
