#!/usr/bin/env bash
# ansible-test sanity, offline. ansible-test wants (1) to run from a path
# ending in ansible_collections/onprem/wandb and (2) to download a pip
# bootstrap script on first use. We give it (1) a copy of the tracked tree
# and (2) a cached stand-in that bootstraps pip from ensurepip instead.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=tests/harness/lib.sh
. "$here/lib.sh"
cd "$top"

py=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
at_dir=$(python3 -c 'import ansible_test, os; print(os.path.dirname(ansible_test.__file__))')
pip_version=$(sed -n "s/.*pip='\([0-9.]*\)'.*/\1/p" "$at_dir/_internal/python_requirements.py" | head -1)
cache="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
if [ ! -f "$cache" ]; then
  mkdir -p "$(dirname "$cache")"
  cat >"$cache" <<'PY'
# Offline stand-in for get-pip.py: ensurepip, then pip installs what was asked.
import os
import subprocess
import sys

subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
env = dict(os.environ)
# ensurepip points PIP_CONFIG_FILE at /dev/null, hiding the machine's pip
# configuration (and with it the certificate settings).
env.pop("PIP_CONFIG_FILE", None)
subprocess.check_call([sys.executable, "-m", "pip", "install", *args], env=env)
PY
  log "wrote offline pip bootstrap stand-in $cache"
fi

dest="$top/.cache/ansible-test/ansible_collections/onprem/wandb"
mkdir -p "$dest"
# Keep tests/output: it holds ansible-test's delegation venv (slow to build).
find "$dest" -mindepth 1 -maxdepth 1 ! -name tests -exec rm -rf {} +
find "$dest/tests" -mindepth 1 -maxdepth 1 ! -name output -exec rm -rf {} + 2>/dev/null || true
# Only what git would ship: tracked files plus untracked ones not ignored
# (a tracked file deleted in the work tree is skipped, not an error).
git ls-files -co --exclude-standard -z | grep -zv '^collections/' \
  | tar --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -xf - -C "$dest"
# The copy sits inside this checkout, where .cache is git-ignored: give it a
# repository of its own so ansible-test lists its files, not the outer ones.
cd "$dest"
git init -q . && git add -A
ansible-test sanity --venv --python "$py" --color no "$@"
