"""Runs ansible-playbook from this venv against the checkout, as every integration test does."""

from __future__ import annotations

import json
import os
import re
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


# Bad input must fail, with a message naming the variable: the one pytest helper for it
# (molecule/_shared/tasks/expect-failure.yml is the one for molecule).

# A failed task as the default callback prints it: "fatal: [host]: FAILED! => {...}", or
# "failed: [host] (item=...) => {...}" in a loop.
_FAILED = re.compile(r"^(?:fatal|failed): \[[^\]]*\](?: \(item=.*?\))?(?:: FAILED!)? => (\{.*\})$")


def failure_env(env: dict | None = None) -> dict:
    """ansible_env with each result on one JSON line, which failure_messages reads back."""
    env = dict(env if env is not None else ansible_env())
    env.update(ANSIBLE_CALLBACK_RESULT_FORMAT="json", ANSIBLE_CALLBACK_FORMAT_PRETTY="false")
    return env


def failure_messages(output: str) -> list[str]:
    """The message of every failed task in output from failure_env: the msg of each
    "fatal:"/"failed:" result (and failed loop item), and the text of each "[ERROR]: Task
    failed" block, which also shows the message of a task whose result no_log hides."""
    messages = []
    error: list[str] | None = None
    for line in output.splitlines():
        if error is not None:
            if not line.strip() or line.startswith("Origin: "):
                messages.append("\n".join(error))
                error = None
            else:
                error.append(line)
                continue
        if line.startswith("[ERROR]: Task failed"):
            error = [line.removeprefix("[ERROR]: ")]
            continue
        match = _FAILED.match(line.strip())
        if not match:
            continue
        try:
            result = json.loads(match.group(1))
        except json.JSONDecodeError:
            continue
        for item in [result, *result.get("results", [])]:
            if isinstance(item, dict) and item.get("failed") is not False and "msg" in item:
                messages.append(str(item["msg"]))
    if error is not None:
        messages.append("\n".join(error))
    return messages


def assert_fails_with(proc: subprocess.CompletedProcess, *expected: str) -> str:
    """The run failed, and one failed task's message holds every expected fragment (compared
    with runs of whitespace as one space, so wrapped messages match). Returns the output."""
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, f"the run succeeded; expected a failure naming {expected}\n{out}"
    messages = [" ".join(m.split()) for m in failure_messages(proc.stdout + "\n" + proc.stderr)]
    wanted = [" ".join(text.split()) for text in expected]
    assert any(all(w in m for w in wanted) for m in messages), (
        f"no failed task's message holds all of {wanted}; messages: {messages}\n{out[-6000:]}"
    )
    return out


ROLE_PLAY = """- hosts: localhost
  connection: local
  gather_facts: {gather_facts}
  roles:
    - {role}
"""


def run_role(
    role: str,
    variables: dict,
    *args: str,
    workdir: Path,
    gather_facts: bool = False,
    timeout: float = 300,
) -> subprocess.CompletedProcess:
    """Runs role against this machine with variables as extra vars (a None value: unset),
    output as failure_env prints it. args: e.g. --check, --tags."""
    variables = {k: v for k, v in variables.items() if v is not None}
    # The controller's own Python: interpreter discovery on this machine may pick a pyenv
    # shim that is not installed.
    variables["ansible_python_interpreter"] = sys.executable
    play = workdir / "play.yml"
    play.write_text(ROLE_PLAY.format(role=role, gather_facts=str(gather_facts).lower()))
    return run_playbook(
        play,
        *args,
        extra_vars=variables,
        cwd=workdir,
        timeout=timeout,
        env=failure_env(),
    )
