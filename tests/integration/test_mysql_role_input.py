"""Install-mode input errors of the mysql role fail early with a message naming the variable.

The external-mode cases run in molecule/mysql_external (they need a server to point at).
The playbook runs in check mode against this machine: nothing can be installed even if a
preflight check wrongly passed, and the playbook then fails on its own assert.
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from playbook import run_playbook  # noqa: E402  (a sibling helper, not an installed package)


def test_role_input_failures():
    proc = run_playbook(
        HERE / "targets" / "wandb_mysql_role_input" / "main.yml", "--check", timeout=300
    )
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]
    assert "TASK [All cases ran]" in proc.stdout
    assert "rescued=8" in proc.stdout
