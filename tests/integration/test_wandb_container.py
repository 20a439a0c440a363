"""onprem.wandb.wandb_container against the machine's own Docker engine.

The playbook in targets/wandb_container does the four steps and every failure
path; this file provides what it runs against: the wandb/local contract
fixture images (0.83.0, 0.84.0 and the broken 0.85.0), a MariaDB and a Redis
the fixture must reach before it answers /ready, and a network on the subnet
CONTRIBUTING.md gives these tests. Everything started here carries the test
label and is removed at the end.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import mysql_servers
from mysql_servers import docker
from playbook import ansible_env, run_playbook

TOP = Path(__file__).resolve().parents[2]
PLAYBOOK = TOP / "tests/integration/targets/wandb_container/main.yml"
LABEL = "onprem.wandb.test=true"
NETWORK = "owt-wc"
SUBNET = "172.29.33.0/24"
DB_IP = "172.29.33.10"
REDIS_IP = "172.29.33.11"
PORT = 18330
FIXTURE = "fixture.test/wandb/local"
REDIS_IMAGE = "onprem-wandb-test/wc-redis:7.0"
# Characters W&B's URL parsing trips over, so the masking is tested on real-looking secrets.
DB_PASSWORD = "wc-Db-pw-7Qx"
REDIS_PASSWORD = "wc-Redis-pw-4Lm"
SECRET_A = "wc-license-AAAA-5b1e0f"
SECRET_B = "wc-license-BBBB-93c7d2"

REDIS_DOCKERFILE = """FROM onprem-wandb-test/debian:12
LABEL onprem.wandb.test=true
RUN apt-get update -qq \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \\
    redis-server >/dev/null \\
 && apt-get clean && rm -rf /var/lib/apt/lists/*
USER redis
ENTRYPOINT ["redis-server", "--bind", "0.0.0.0", "--save", "", "--appendonly", "no"]
"""


def ensure_redis_image() -> str:
    if subprocess.run(
        ["docker", "image", "inspect", REDIS_IMAGE], capture_output=True, check=False
    ).returncode:
        with tempfile.TemporaryDirectory() as ctx:
            Path(ctx, "Dockerfile").write_text(REDIS_DOCKERFILE)
            docker("build", "-q", "-t", REDIS_IMAGE, ctx)
    return REDIS_IMAGE


def wait_redis(timeout: float = 60) -> None:
    import redis

    deadline = time.monotonic() + timeout
    while True:
        try:
            redis.Redis(host=REDIS_IP, password=REDIS_PASSWORD, socket_timeout=2).ping()
            return
        except redis.RedisError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


@pytest.fixture(scope="module")
def images() -> dict[str, str]:
    # Cached by build.sh: a no-op when the sources did not change.
    subprocess.run([str(TOP / "tests/fixture/build.sh")], check=True, timeout=1800)
    ids = {}
    for version in ("0.83.0", "0.84.0", "0.85.0"):
        ids[version] = docker("image", "inspect", "--format", "{{.Id}}", f"{FIXTURE}:{version}")
    return ids


@pytest.fixture(scope="module")
def backends():
    docker("rm", "-f", "-v", "owt-wc-wandb", "owt-wc-redis", "owt-wc-mariadb", check=False)
    docker("network", "rm", NETWORK, check=False)
    docker("network", "create", "--label", LABEL, "--subnet", SUBNET, NETWORK)
    try:
        db = mysql_servers.start("mariadb", "owt-wc-mariadb")
        # The fixture reaches the database by address: nested names do not resolve.
        docker("network", "connect", "--ip", DB_IP, NETWORK, db.container)
        import pymysql

        conn = pymysql.connect(**_pymysql_login(db.login()))
        with conn.cursor() as cur:
            cur.execute("CREATE DATABASE wandb_local CHARACTER SET utf8mb4")
            cur.execute("CREATE USER 'wandb'@'%%' IDENTIFIED BY %s", (DB_PASSWORD,))
            cur.execute("GRANT ALL ON wandb_local.* TO 'wandb'@'%'")
        conn.close()
        docker(
            "run",
            "-d",
            "--name",
            "owt-wc-redis",
            "--label",
            LABEL,
            "--network",
            NETWORK,
            "--ip",
            REDIS_IP,
            ensure_redis_image(),
            "--requirepass",
            REDIS_PASSWORD,
        )
        wait_redis()
        yield
    finally:
        docker("rm", "-f", "-v", "owt-wc-wandb", "owt-wc-redis", check=False)
        mysql_servers.stop("owt-wc-mariadb")
        docker("network", "rm", NETWORK, check=False)


def _pymysql_login(login: dict) -> dict:
    return {
        "host": login["login_host"],
        "port": login["login_port"],
        "user": login["login_user"],
        "password": login["login_password"],
        "autocommit": True,
    }


def test_wandb_container(images, backends, tmp_path):
    vol = tmp_path / "vol"
    vol.mkdir()
    # The fixture runs as uid 999 gid 0 like wandb/local.
    os.chown(vol, 999, 0)
    # An interpreter without the docker SDK, for the missing-library failure.
    bare = tmp_path / "bare-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True)
    extra = {
        "wc_python_without_sdk": str(bare / "bin" / "python"),
        # The module runs under this interpreter; point it at one with another docker SDK
        # (Debian 12 ships 5.0.3) to check compatibility.
        "wc_python": os.environ.get("WANDB_TEST_TARGET_PYTHON", sys.executable),
        "wc_dir": str(tmp_path),
        "wc_port": PORT,
        "wc_network": NETWORK,
        "wc_db_address": DB_IP,
        "wc_mounts": [f"{vol}:/vol"],
        "wc_image_a": f"{FIXTURE}:0.83.0",
        "wc_image_b": f"{FIXTURE}:0.84.0",
        "wc_image_broken": f"{FIXTURE}:0.85.0",
        "wc_version_a": "0.83.0",
        "wc_version_b": "0.84.0",
        "wc_ready_timeout": 120,
        "wc_base_env": {
            "HOST": f"http://127.0.0.1:{PORT}",
            "MYSQL": f"mysql://wandb:{DB_PASSWORD}@{DB_IP}:3306/wandb_local",
            "REDIS": f"redis://:{REDIS_PASSWORD}@{REDIS_IP}:6379",
            "BUCKET_QUEUE": "internal://",
        },
        "wc_plain_a": f"http://127.0.0.1:{PORT}",
        "wc_plain_b": f"http://localhost:{PORT}",
        "wc_mysql_password": DB_PASSWORD,
        "wc_secret_a": SECRET_A,
        "wc_secret_b": SECRET_B,
        "wc_broken_status": "HTTP 503: not ready: broken release",
        "wc_broken_log_line": "this release is broken: it will never become ready",
    }
    # The module must work with the target's own docker SDK, not ours: the
    # interpreter is chosen per test (wc_python), not by the harness.
    env = ansible_env()
    env.pop("ANSIBLE_PYTHON_INTERPRETER")
    proc = run_playbook(PLAYBOOK, "--diff", extra_vars=extra, env=env, timeout=900)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-6000:]
    assert "failed=0" in out and "ok=" in out
    # The playbook ran with --diff and printed every result that failed on
    # purpose: no secret may appear anywhere in what it printed.
    for secret in (SECRET_A, SECRET_B, DB_PASSWORD, REDIS_PASSWORD):
        assert secret not in out, f"a secret appears in the playbook output: {secret[:6]}..."
    # And the deliberate failures really ran (their messages are in the output, masked).
    assert "image_id expects" in out
    assert "was not ready at" in out
    assert "******** (changed)" in out
