#!/usr/bin/env bash
# Installs the machine packages the harness needs, only when one is missing,
# so a second run on a prepared machine costs nothing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/harness/lib.sh
. "$here/lib.sh"

# docker.io: the engine; debootstrap: the host images; openssl: test
# certificates; git: ansible-test and the build read the file list from it;
# rsync: molecule's docker driver copies build contexts with it.
# nodejs: the sso scenario's OpenID provider (its npm is needed too; Debian splits it out,
# NodeSource's package carries it, so it is not listed: ensure-oidc-provider.sh says when missing).
pkgs=(docker.io debootstrap make openssl python3-venv git curl rsync nodejs)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  log "machine packages present"
  exit 0
fi
log "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
