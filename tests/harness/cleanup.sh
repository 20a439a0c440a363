#!/usr/bin/env bash
# Removes the containers and networks the harness created, and only those:
# everything it starts carries the test label.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/harness/lib.sh
. "$here/lib.sh"

docker info >/dev/null 2>&1 || exit 0
ids=$(docker ps -aq --filter "label=$WANDB_TEST_LABEL")
if [ -n "$ids" ]; then
  log "removing test containers: $(echo "$ids" | tr '\n' ' ')"
  # shellcheck disable=SC2086
  docker rm -f -v $ids >/dev/null
fi
nets=$(docker network ls -q --filter "label=$WANDB_TEST_LABEL")
if [ -n "$nets" ]; then
  log "removing test networks"
  # shellcheck disable=SC2086
  docker network rm $nets >/dev/null
fi
exit 0
