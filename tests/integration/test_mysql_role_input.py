"""Install-mode input errors of the mysql role fail early with a message naming the variable.

The external-mode cases run in molecule/mysql_external (they need a server to point at).
The role runs in check mode against this machine: nothing can be installed even if a
preflight check wrongly passed. A failed task's message must hold the expected text
(playbook.assert_fails_with).
"""

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from playbook import assert_fails_with, run_role  # noqa: E402  (a sibling helper)

# Each case changes one or two of these.
GOOD = {
    "wandb_mysql_password": "owt-role-input",
    "wandb_mysql_flavor": "mysql",
    "wandb_mysql_allow_unsupported_flavor": False,
    "wandb_mysql_package_source": "oracle",
    "wandb_mysql_bind_address": "127.0.0.1",
    "wandb_mysql_tls": False,
    "wandb_mysql_require_secure_transport": False,
    "wandb_mysql_backup_user": "",
    "wandb_mysql_port": 3306,
}


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        pytest.param(
            {"wandb_mysql_flavor": "mysql", "wandb_mysql_package_source": "distribution"},
            "ships no MySQL, use wandb_mysql_package_source: oracle",
            id="mysql-from-distribution",
        ),
        pytest.param(
            {
                "wandb_mysql_flavor": "mariadb",
                "wandb_mysql_allow_unsupported_flavor": True,
                "wandb_mysql_package_source": "oracle",
            },
            "use wandb_mysql_package_source: distribution for MariaDB",
            id="mariadb-from-oracle",
        ),
        pytest.param(
            {"wandb_mysql_bind_address": "db.example.com"},
            "wandb_mysql_bind_address 'db.example.com' must be IP addresses",
            id="bind-address-name",
        ),
        pytest.param(
            {"wandb_mysql_tls": True},
            "wandb_mysql_tls needs wandb_mysql_tls_cert and wandb_mysql_tls_key",
            id="tls-without-cert",
        ),
        pytest.param(
            {"wandb_mysql_require_secure_transport": True},
            "wandb_mysql_require_secure_transport needs wandb_mysql_tls",
            id="secure-transport-without-tls",
        ),
        pytest.param(
            {"wandb_mysql_backup_user": "backup"},
            "wandb_mysql_backup_password must be set too",
            id="backup-user-without-password",
        ),
        pytest.param(
            {"wandb_mysql_package_source": "rpm"},
            "wandb_mysql_package_source",
            id="package-source-choice",
        ),
        pytest.param(
            {"wandb_mysql_port": "not-a-port"},
            "wandb_mysql_port",
            id="port-not-a-number",
        ),
    ],
)
def test_role_input_failures(tmp_path, overrides, expected):
    assert_fails_with(
        run_role(
            "onprem.wandb.mysql",
            {**GOOD, **overrides},
            "--check",
            workdir=tmp_path,
            gather_facts=True,
        ),
        expected,
    )
