"""Runs ansible-playbook from this venv against the checkout, as every integration test does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

TOP = Path(__file__).resolve().parents[2]
ANSIBLE_PLAYBOOK = str(Path(sys.executable).parent / "ansible-playbook")


def ansible_env(**overrides: str) -> dict:
    env = dict(os.environ)
    env.update(
        ANSIBLE_COLLECTIONS_PATH=str(TOP / "collections"),
        ANSIBLE_CONFIG=str(TOP / "ansible.cfg"),
        ANSIBLE_NOCOLOR="1",
        PY_COLORS="0",
        ANSIBLE_LOCALHOST_WARNING="0",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
        # Interpreter discovery on the test machines can pick a pyenv shim of
        # a Python that is not installed; localhost plays use this venv's.
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
    )
    env.update(overrides)
    return env


def run_playbook(
    playbook: str | Path,
    *args: str,
    extra_vars: dict | None = None,
    inventory: str = "localhost,",
    timeout: float = 600,
    cwd: str | Path | None = None,
    env: dict | None = None,
) -> subprocess.CompletedProcess:
    """ansible-playbook -i INVENTORY ARGS [-e @vars.json] PLAYBOOK; never raises on failure.

    Extra vars travel in a file, not on the command line, where process
    listings would show the test secrets.
    """
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [ANSIBLE_PLAYBOOK, "-i", inventory, *args]
        if extra_vars is not None:
            varfile = Path(tmp) / "vars.json"
            varfile.write_text(json.dumps(extra_vars))
            cmd += ["-e", f"@{varfile}"]
        cmd.append(str(playbook))
        return subprocess.run(
            cmd,
            env=env if env is not None else ansible_env(),
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
