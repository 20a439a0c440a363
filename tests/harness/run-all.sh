#!/usr/bin/env bash
# The whole suite, as CI runs it: prepare the machine, then every stage in
# order. Containers and networks the run created are removed on any exit.
# Ends with a "N passed, N failed" line and the total wall time.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=tests/harness/lib.sh
. "$here/lib.sh"
cd "$top"

start=$(date +%s)
trap '"$here/cleanup.sh"' EXIT

passed=0 failed=0 failed_names=()
stage() {
  local name=$1
  shift
  local t0
  t0=$(date +%s)
  log "=== stage $name"
  if "$@"; then
    passed=$((passed + 1))
    log "=== stage $name passed in $(($(date +%s) - t0)) s"
  else
    failed=$((failed + 1))
    failed_names+=("$name")
    log "=== stage $name FAILED in $(($(date +%s) - t0)) s"
  fi
}

# Preparation failures stop the run: nothing after them can be trusted.
# The Kubernetes test API server's image (minutes to build cold, only the
# operator scenario needs it) builds in the background until molecule starts.
make -s deps dockerd venv images || { log "preparation failed"; exit 1; }
k8s_log=$(mktemp)
make -s k8s-image >"$k8s_log" 2>&1 &
k8s_pid=$!

# The integration tests wait on their servers more than they use a core: they
# run beside the static checks, their output kept and shown when they end.
integration_log=$(mktemp)
log "=== stage integration started (beside lint, sanity, unit and build)"
(
  t0=$(date +%s)
  make -s integration >"$integration_log" 2>&1
  echo "$? $(($(date +%s) - t0))" >"$integration_log.rc"
) &
integration_pid=$!

stage lint make -s lint
stage sanity make -s sanity
stage unit make -s unit
stage build make -s build

wait "$integration_pid"
cat "$integration_log"
read -r integration_rc integration_secs <"$integration_log.rc"
rm -f "$integration_log" "$integration_log.rc"
if [ "$integration_rc" -eq 0 ]; then
  passed=$((passed + 1))
  log "=== stage integration passed in $integration_secs s"
else
  failed=$((failed + 1))
  failed_names+=(integration)
  log "=== stage integration FAILED in $integration_secs s"
fi

if ! wait "$k8s_pid"; then
  cat "$k8s_log"
  log "preparation failed: the Kubernetes test API server image"
  exit 1
fi
rm -f "$k8s_log"
stage molecule make -s molecule

total=$(($(date +%s) - start))
log "total wall time: $((total / 60)) min $((total % 60)) s"
[ "$failed" -eq 0 ] || log "failed stages: ${failed_names[*]}"
echo "harness: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
