#!/usr/bin/env bash
# Builds the systemd "VM" host images the molecule scenarios boot, once: an
# existing image is reused. No registry is reachable from CI, so the root
# filesystem comes from debootstrap against the machine's own Debian mirror.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/harness/lib.sh
. "$here/lib.sh"

mirror=$(debian_mirror)
# Packages every test host needs before Ansible can manage it. python3-apt
# saves each scenario an extra install round-trip.
include=python3,python3-apt,systemd,systemd-sysv,ca-certificates,iproute2,procps

build_one() {
  local suite=$1 tag=$2 image="$WANDB_TEST_IMAGE_PREFIX/debian:$2"
  if docker image inspect "$image" >/dev/null 2>&1; then
    log "host image $image is cached"
    return 0
  fi
  local root
  root=$(mktemp -d)
  log "debootstrap $suite from $mirror into $root"
  debootstrap --variant=minbase --include="$include" "$suite" "$root" "$mirror" >"$root.log" 2>&1 \
    || { tail -20 "$root.log"; rm -rf "$root"; return 1; }
  # The host must not start services we did not ask for, and journald's
  # rate limits make test logs harder to read.
  rm -f "$root/etc/machine-id" && touch "$root/etc/machine-id"
  tar -C "$root" -c . | docker import \
    --change 'CMD ["/lib/systemd/systemd"]' \
    --change 'LABEL onprem.wandb.test=true' - "$image" >/dev/null
  rm -rf "$root" "$root.log"
  log "built $image"
}

build_one bookworm 12
build_one trixie 13
