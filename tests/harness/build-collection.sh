#!/usr/bin/env bash
# Builds the collection tarball and proves it is what users should get: no
# tests, molecule, benchmarks, demo or caches inside, and ansible-doc can read
# every plugin and role from the installed result.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=tests/harness/lib.sh
. "$here/lib.sh"
cd "$top"

out="$top/.cache/dist"
rm -rf "$out"
mkdir -p "$out"
ansible-galaxy collection build --force --output-path "$out" . >/dev/null
tarball=$(ls "$out"/onprem-wandb-*.tar.gz)
log "built $(basename "$tarball") ($(du -h "$tarball" | cut -f1))"

bad=$(tar -tzf "$tarball" | grep -E '^(tests|molecule|benchmarks|demo|collections|\.cache|\.venv|\.git)(/|$)|__pycache__|\.pyc$' || true)
if [ -n "$bad" ]; then
  log "the tarball carries files users must not get:"
  echo "$bad" >&2
  exit 1
fi

# Install into a scratch path with the bundled community collections beside it
# and ask ansible-doc for every plugin and role, as a user would.
inst="$out/installed"
export ANSIBLE_COLLECTIONS_PATH="$inst"
ansible-galaxy collection install --force --offline --no-deps -p "$inst" "$tarball" >/dev/null
list_names() {
  # Roles are listed as "NAME:" headers with their entry points below.
  if [ "$1" = role ]; then
    ansible-doc -t role -l onprem.wandb 2>/dev/null | sed -n 's/^\(onprem\.wandb\.[a-z_]*\):$/\1/p'
  else
    ansible-doc -t "$1" -l onprem.wandb 2>/dev/null | awk '{print $1}'
  fi
}
for type in module filter role; do
  mapfile -t names < <(list_names "$type")
  [ ${#names[@]} -gt 0 ] || { log "ansible-doc lists no ${type} of onprem.wandb"; exit 1; }
  for name in "${names[@]}"; do
    ansible-doc -t "$type" "$name" >/dev/null || { log "ansible-doc -t $type $name failed"; exit 1; }
  done
  log "ansible-doc reads ${#names[@]} ${type}(s): ${names[*]}"
done
