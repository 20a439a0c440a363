#!/usr/bin/env bash
# Runs one molecule scenario, or all of them in a fixed order. Each scenario
# destroys what it created; the label sweep in cleanup.sh catches the rest.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=tests/harness/lib.sh
. "$here/lib.sh"
cd "$top"

if [ $# -gt 0 ] && [ -n "$1" ]; then
  scenarios=("$@")
else
  mapfile -t scenarios < <(find molecule -mindepth 2 -maxdepth 2 -name molecule.yml -printf '%h\n' | xargs -n1 basename | sort)
fi
rc=0
for s in "${scenarios[@]}"; do
  t0=$(date +%s)
  log "molecule scenario $s"
  if molecule test -s "$s"; then
    log "scenario $s passed in $(($(date +%s) - t0)) s"
  else
    log "scenario $s FAILED in $(($(date +%s) - t0)) s"
    rc=1
  fi
done
exit $rc
