"""The wandb_mysql_* modules against real MariaDB 10.11 and MySQL 9.7 servers.

Each server runs in a labelled container on this test's network (172.29.31.0/24), published
on 127.0.0.1 where the modules log in as an admin (see servers.sql_container); the playbooks
in targets/<module>/ do the four steps and the failure paths with asserts.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
TOP = HERE.parent.parent
sys.path.insert(0, str(HERE))

import servers  # noqa: E402  (a sibling helper, not an installed package)
from playbook import run_playbook  # noqa: E402

NETWORK = "owt-mysql-modules"
SUBNET = "172.29.31.0/24"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def bare_python(tmp_path_factory) -> str:
    """An interpreter without pymysql, for the missing-library failure path."""
    venv = tmp_path_factory.mktemp("bare") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    probe = subprocess.run([python, "-c", "import pymysql"], capture_output=True, check=False)
    assert probe.returncode != 0, "the bare interpreter must not have pymysql"
    return python


@pytest.fixture(scope="session")
def silent_port():
    """A TCP port that accepts connections and never speaks: the timeout path."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    held = []
    stop = threading.Event()

    def accept():
        srv.settimeout(0.5)
        while not stop.is_set():
            try:
                held.append(srv.accept()[0])
            except OSError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield srv.getsockname()[1]
    stop.set()
    t.join(2)
    for c in held:
        c.close()
    srv.close()


@pytest.fixture(scope="session")
def other_ca(tmp_path_factory) -> str:
    """A CA that signed nothing the servers present."""
    d = tmp_path_factory.mktemp("ca")
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=owt-unrelated-ca",
            "-keyout", str(d / "ca.key"), "-out", str(d / "ca.pem"),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return str(d / "ca.pem")


@pytest.fixture(scope="module")
def network(docker_client):
    with servers.docker_network(NETWORK, SUBNET) as net:
        yield net.name


@pytest.fixture(scope="module", params=["mariadb", "mysql"])
def server(request, tmp_path_factory, network):
    with servers.sql_container(
        request.param,
        network=network,
        user=None,
        admin_password=servers.ADMIN_PASSWORD,
        publish=True,
    ) as srv:
        if srv.flavor == "mysql":
            ca = tmp_path_factory.mktemp("srvca") / "ca.pem"
            ca.write_bytes(srv.read_file("/var/lib/mysql/ca.pem"))
            srv.ca_cert = str(ca)
        yield srv


def test_wandb_mysql_settings(server, bare_python, silent_port, other_ca):
    started = time.monotonic()
    proc = run_playbook(
        HERE / "targets" / "wandb_mysql_settings" / "main.yml",
        extra_vars=dict(
            owt_login=server.login(),
            owt_flavor=server.flavor,
            owt_bare_python=bare_python,
            owt_closed_port=free_port(),
            owt_silent_port=silent_port,
            owt_ca_cert=server.ca_cert,
            owt_other_ca=other_ca,
        ),
    )
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    # The playbook's asserts ran (a playbook that skipped everything would also exit 0).
    assert "Steps 3 and 4 found nothing to do" in proc.stdout
    assert "failed=0" in proc.stdout
    print("%s: %.1f s" % (server.flavor, time.monotonic() - started))


def test_settings_survive_a_restart(server, bare_python):
    """SET PERSIST must outlive the process on MySQL; MariaDB forgets (the role's file keeps it)."""
    login = server.login()
    proc = run_playbook(
        HERE / "targets" / "wandb_mysql_settings" / "persist.yml",
        extra_vars=dict(owt_login=login, owt_flavor=server.flavor),
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    server.restart()
    conn = server.connect_admin()
    with conn.cursor() as cur:
        cur.execute("SELECT @@GLOBAL.max_prepared_stmt_count")
        value = cur.fetchone()[0]
        cur.execute("SET GLOBAL max_prepared_stmt_count = DEFAULT")
        if server.flavor == "mysql":
            cur.execute("RESET PERSIST")
    conn.close()
    if server.flavor == "mysql":
        assert value == 1048575
    else:
        assert value != 1048575
