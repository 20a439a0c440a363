#!/usr/bin/env bash
# Starts dockerd when its socket does not answer. The test machines have no
# systemd, so the daemon runs in the background and we wait for the socket.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/harness/lib.sh
. "$here/lib.sh"

if docker info >/dev/null 2>&1; then
  log "dockerd answers"
  exit 0
fi
# A running daemon that is slow to answer (a busy machine) is waited for: a
# second one would fail, and restarting it would kill every container.
if pgrep -x dockerd >/dev/null; then
  log "dockerd runs but does not answer yet; waiting"
  for _ in $(seq 1 120); do
    if docker info >/dev/null 2>&1; then
      log "dockerd answers"
      exit 0
    fi
    sleep 1
  done
  log "dockerd runs but did not answer within 120 s"
  exit 1
fi
logfile=${DOCKERD_LOG:-/var/log/onprem-wandb-dockerd.log}
log "starting dockerd (log: $logfile)"
nohup dockerd >"$logfile" 2>&1 &
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    log "dockerd is up"
    exit 0
  fi
  sleep 1
done
log "dockerd did not answer within 60 s; last lines of its log:"
tail -20 "$logfile" >&2
exit 1
