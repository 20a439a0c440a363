#!/usr/bin/env bash
# ansible-lint (production profile, offline), yamllint and ruff, all of them
# even when one fails, so one run shows every finding.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=tests/harness/lib.sh
. "$here/lib.sh"
cd "$top"

rc=0
log "yamllint"
yamllint -s . || rc=1
log "ruff"
ruff check . || rc=1
ruff format --check --diff . || rc=1
log "ansible-lint (production, offline)"
ansible-lint --offline --profile production -q || rc=1
exit $rc
