#!/usr/bin/env bash
# Runs one molecule scenario, or all of them. Each scenario destroys what it
# created; the label sweep in cleanup.sh catches the rest.
#
# All of them run in MOLECULE_JOBS lanes side by side (default 2: most of a
# scenario's time is spent waiting on systemd, dockerd and the W&B fixture, not
# on a core). Scenarios are dealt longest first to the lane that is free first,
# by their measured time (molecule-times: update it when a scenario's time
# changes much; the run prints them all at the end); each
# one's output goes to .cache/molecule-logs/<scenario>.log, and a failed one's
# log is printed at the end.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=tests/harness/lib.sh
. "$here/lib.sh"
cd "$top"

run_one() {
  local s=$1 t0 rc
  t0=$(date +%s)
  log "molecule scenario $s"
  molecule test -s "$s"
  rc=$?
  if [ $rc -eq 0 ]; then
    log "scenario $s passed in $(($(date +%s) - t0)) s"
  else
    log "scenario $s FAILED in $(($(date +%s) - t0)) s"
  fi
  return $rc
}

if [ $# -gt 0 ] && [ -n "$1" ]; then
  rc=0
  for s in "$@"; do run_one "$s" || rc=1; done
  exit $rc
fi

jobs=${MOLECULE_JOBS:-2}
times="$here/molecule-times"
logs="$top/.cache/molecule-logs"
mkdir -p "$logs"

# Longest first, by the last recorded time (unknown: 300 s).
mapfile -t scenarios < <(
  find molecule -mindepth 2 -maxdepth 2 -name molecule.yml -printf '%h\n' | xargs -n1 basename |
    while read -r s; do
      t=$(awk -v s="$s" '$1 == s {print $2}' "$times" 2>/dev/null)
      printf '%s %s\n' "${t:-300}" "$s"
    done | sort -rn | awk '{print $2}'
)

queue="$logs/.queue"
printf '%s\n' "${scenarios[@]}" >"$queue"
: >"$logs/.results"

# A lane takes the next scenario from the queue until it is empty.
lane() {
  local s t0 rc
  while :; do
    s=$(flock "$queue" sh -c 'head -n1 "$1" && sed -i 1d "$1"' _ "$queue")
    [ -n "$s" ] || return 0
    t0=$(date +%s)
    run_one "$s" >"$logs/$s.log" 2>&1
    rc=$?
    printf '%s %s %s\n' "$s" "$rc" "$(($(date +%s) - t0))" >>"$logs/.results"
    log "lane $1: scenario $s $([ $rc -eq 0 ] && echo passed || echo FAILED) in $(($(date +%s) - t0)) s"
  done
}

log "molecule: ${#scenarios[@]} scenarios in $jobs lanes: ${scenarios[*]}"
for i in $(seq 1 "$jobs"); do
  lane "$i" &
  # Staggered: two scenarios creating their hosts in the same second only contend.
  sleep 20
done
wait

rc=0
while read -r s r _t; do
  if [ "$r" -ne 0 ]; then
    rc=1
    log "=== scenario $s FAILED; its log follows"
    cat "$logs/$s.log"
  fi
done <"$logs/.results"
awk '{printf "  %-16s %s %5d s\n", $1, ($2 == 0 ? "passed" : "FAILED"), $3}' "$logs/.results" >&2
exit $rc
