"""Install-mode input errors of the mysql role fail early with a message naming the variable.

The external-mode cases run in molecule/mysql_external (they need a server to point at).
The playbook runs in check mode against this machine: nothing can be installed even if a
preflight check wrongly passed, and the playbook then fails on its own assert.
"""

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TOP = HERE.parent.parent


def test_role_input_failures():
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=str(TOP / "collections"),
        ANSIBLE_CONFIG=str(TOP / "ansible.cfg"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
    )
    proc = subprocess.run(
        [
            str(Path(sys.executable).parent / "ansible-playbook"),
            "--check",
            "-i",
            "localhost,",
            str(HERE / "targets" / "wandb_mysql_role_input" / "main.yml"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]
    assert "TASK [All cases ran]" in proc.stdout
    assert "rescued=8" in proc.stdout
