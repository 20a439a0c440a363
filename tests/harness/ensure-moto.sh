#!/usr/bin/env bash
# The S3 stand-in for test hosts: moto[server] (the version pinned in
# requirements-test.txt) as Linux x86_64 / Python 3.11 wheels fetched from PyPI
# on this machine (the test hosts cannot reach PyPI), installed without network
# into .cache/moto/site, a folder a Debian 12 container mounts and puts on
# PYTHONPATH (its minimal image has no pip). Cached: a second run with the same
# pin does nothing. Prints the site folder.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=tests/harness/lib.sh
. "$here/lib.sh"

pin=$(grep -E '^moto\[server\]==' "$top/requirements-test.txt" | head -1)
[ -n "$pin" ] || { log "no moto[server]== pin in requirements-test.txt"; exit 1; }
pip=${PIP:-$top/.venv/bin/pip}
cache="$top/.cache/moto"
platform=(--only-binary=:all: --python-version 3.11 --implementation cp --platform manylinux2014_x86_64)

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if [ "$(cat "$cache/site/.pin" 2>/dev/null)" = "$pin" ]; then
  printf '%s\n' "$cache/site"
  exit 0
fi
log "fetching $pin wheels for the test hosts"
rm -rf "$cache/wheels.new" "$cache/site.new"
"$pip" download -q "${platform[@]}" -d "$cache/wheels.new" "$pin" >&2
"$pip" install -q --no-index --find-links "$cache/wheels.new" --target "$cache/site.new" \
  "${platform[@]}" "$pin" >&2
printf '%s\n' "$pin" >"$cache/site.new/.pin"
rm -rf "$cache/wheels" "$cache/site"
mv "$cache/wheels.new" "$cache/wheels"
mv "$cache/site.new" "$cache/site"
printf '%s\n' "$cache/site"
