#!/usr/bin/env bash
# Removes what demo/up.sh created, and only that: containers and networks
# labelled onprem.wandb.demo=true, and the demo's state under .cache/demo.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
label=onprem.wandb.demo=true

ids=$(docker ps -aq --filter "label=$label")
if [ -n "$ids" ]; then
  # shellcheck disable=SC2086
  docker rm -f -v $ids >/dev/null
  echo "[demo] removed containers: $(echo "$ids" | tr '\n' ' ')"
fi
nets=$(docker network ls -q --filter "label=$label")
if [ -n "$nets" ]; then
  # shellcheck disable=SC2086
  docker network rm $nets >/dev/null
  echo "[demo] removed the demo network"
fi
rm -rf "$top/.cache/demo"
echo "[demo] down"
