#!/usr/bin/env bash
# Creates the virtualenv with the pinned test toolchain; reinstalls only when
# the requirement files changed since the last install.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=tests/harness/lib.sh
. "$here/lib.sh"

venv=${VENV:-$top/.venv}
stamp="$venv/.requirements.sha256"
want=$(cat "$top/requirements.txt" "$top/requirements-test.txt" | sha256sum | cut -d' ' -f1)
if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  log "venv $venv is current"
  exit 0
fi
log "creating venv $venv"
python3 -m venv "$venv"
"$venv/bin/pip" install -q --upgrade pip >/dev/null
"$venv/bin/pip" install -q -r "$top/requirements.txt" -r "$top/requirements-test.txt" 2>&1 \
  | grep -v "is ignored: it is neither a file nor a directory" || true
"$venv/bin/python" -c 'import ansible, molecule, docker, pymysql, redis' \
  || { log "venv install failed"; exit 1; }
echo "$want" >"$stamp"
