#!/usr/bin/env bash
# The OpenID provider for test hosts: oidc-provider (the version pinned in
# tests/oidc/package.json) installed from npm on this machine (test hosts cannot
# reach npm) into .cache/oidc-provider, beside tests/oidc/idp.mjs. A Debian 12
# container mounts that folder and this machine's node binary and runs
# `node /opt/idp/idp.mjs`. Cached: a second run with the same package.json does
# nothing. Prints the folder.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=tests/harness/lib.sh
. "$here/lib.sh"

src="$top/tests/oidc"
cache="$top/.cache/oidc-provider"
want=$(cat "$src/package.json" "$src/idp.mjs" | sha256sum | cut -c1-16)
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if [ "$(cat "$cache/app/.hash" 2>/dev/null)" = "$want" ]; then
  printf '%s\n' "$cache/app"
  exit 0
fi
command -v npm >/dev/null || { log "npm is missing (make prepare installs it)"; exit 1; }
log "installing oidc-provider from npm for the test IdP"
rm -rf "$cache/app.new"
mkdir -p "$cache/app.new"
cp "$src/package.json" "$src/idp.mjs" "$cache/app.new/"
(cd "$cache/app.new" && npm install --omit=dev --no-audit --no-fund --no-package-lock >&2)
printf '%s\n' "$want" >"$cache/app.new/.hash"
rm -rf "$cache/app"
mv "$cache/app.new" "$cache/app"
printf '%s\n' "$cache/app"
