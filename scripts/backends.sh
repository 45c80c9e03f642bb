#!/usr/bin/env bash
# backends.sh installs and builds the real backends that vitals' integration
# tests run against. The tests start and stop the processes themselves
# (e2e/internal/testbackend); this script only makes sure the binaries exist.
#
#   scripts/backends.sh deps        install missing Debian packages (prometheus, postgresql-15, redis-server)
#   scripts/backends.sh collector   build the OpenTelemetry Collector from internal/otelcol/builder.yaml
#   scripts/backends.sh all         both
#   scripts/backends.sh env         print the environment the tests read
#
# Both steps are idempotent and cheap when there is nothing to do: packages
# already installed are left alone, and the collector is rebuilt only when
# its manifest is newer than the binary.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${VITALS_CACHE:-$ROOT/.cache}
GO=${GO:-go}
BUILDER_VERSION=v0.165.0
MANIFEST=$ROOT/internal/otelcol/builder.yaml
COL_DIR=$CACHE/otelcol
COL_BIN=$COL_DIR/otelcol-vitals

log() { printf '[backends] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Debian packages the tests need, each with the binary that proves it is there.
PACKAGES=(
  prometheus:/usr/bin/prometheus prometheus:/usr/bin/promtool
  postgresql-15:/usr/lib/postgresql/15/bin/postgres postgresql-15:/usr/lib/postgresql/15/bin/initdb
  redis-server:/usr/bin/redis-server redis-server:/usr/bin/redis-cli
)

deps() {
  local missing=() entry pkg bin
  for entry in "${PACKAGES[@]}"; do
    pkg=${entry%%:*}; bin=${entry#*:}
    [ -x "$bin" ] || missing+=("$pkg")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    log "Debian packages present"
    return 0
  fi
  # Only packages whose binaries are missing are named: naming an installed
  # one would upgrade it to the candidate version.
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  local sudo=
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  # Package scripts try to start their services; a policy-rc.d that answers
  # 101 stops that (the tests run their own instances on loopback ports).
  # An existing policy-rc.d is never replaced.
  local created=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod 755 /usr/sbin/policy-rc.d
    created=1
  fi
  log "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ "$created" -eq 0 ] || $sudo rm -f /usr/sbin/policy-rc.d
  # A package may have started its own server (prometheus on :9090, the
  # postgresql "main" cluster on :5432, redis on :6379); the tests use their
  # own ports, but a stray service is not wanted. Only services of packages
  # installed just now are stopped.
  local svc
  for pkg in "${missing[@]}"; do
    case $pkg in
      prometheus) svc=prometheus ;;
      postgresql-15) svc=postgresql ;;
      redis-server) svc=redis-server ;;
      *) continue ;;
    esac
    $sudo service "$svc" stop >/dev/null 2>&1 || true
  done
  for entry in "${PACKAGES[@]}"; do
    bin=${entry#*:}
    [ -x "$bin" ] || die "$bin still missing after installing ${entry%%:*}"
  done
}

collector() {
  if [ -x "$COL_BIN" ] && [ "$COL_BIN" -nt "$MANIFEST" ]; then
    log "collector up to date: $COL_BIN"
    return 0
  fi
  local builder=$CACHE/bin/builder
  if ! "$builder" version 2>/dev/null | grep -q "$BUILDER_VERSION"; then
    log "installing the collector builder $BUILDER_VERSION"
    mkdir -p "$CACHE/bin"
    GOBIN=$CACHE/bin $GO install "go.opentelemetry.io/collector/cmd/builder@$BUILDER_VERSION"
  fi
  mkdir -p "$COL_DIR"
  # The builder writes a Go module (go.mod, main.go, components.go) and the
  # binary into output_path; keep it under .cache, outside vitals' module.
  sed "s|^dist:|dist:\n  output_path: $COL_DIR|" "$MANIFEST" > "$COL_DIR/builder.yaml"
  log "building the collector (a cold build takes about two minutes)"
  local t0=$SECONDS
  (cd "$COL_DIR" && "$builder" --config builder.yaml >"$COL_DIR/build.log" 2>&1) ||
    { tail -40 "$COL_DIR/build.log" >&2; die "collector build failed (log: $COL_DIR/build.log)"; }
  "$COL_BIN" components >/dev/null || die "built collector does not run"
  touch "$COL_BIN"
  log "collector built in $((SECONDS - t0))s: $COL_BIN"
}

print_env() {
  echo "export VITALS_OTELCOL=$COL_BIN"
  echo "export VITALS_PROMETHEUS=/usr/bin/prometheus"
  echo "export VITALS_PGBIN=/usr/lib/postgresql/15/bin"
  echo "export VITALS_REDIS_SERVER=/usr/bin/redis-server"
}

case ${1:-all} in
  deps) deps ;;
  collector) collector ;;
  all) deps; collector ;;
  env) print_env ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 2 ;;
esac
