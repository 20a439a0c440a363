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
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import servers
from playbook import ansible_env, run_playbook

TOP = Path(__file__).resolve().parents[2]
PLAYBOOK = TOP / "tests/integration/targets/wandb_container/main.yml"
NETWORK = "owt-wc"
SUBNET = "172.29.33.0/24"
DB_IP = "172.29.33.10"
REDIS_IP = "172.29.33.11"
PORT = 18330
FIXTURE = servers.FIXTURE_REPO
# The container the module under test starts (named in targets/wandb_container/main.yml).
WANDB_NAME = "owt-wc-wandb"
# Characters W&B's URL parsing trips over, so the masking is tested on real-looking secrets.
DB_PASSWORD = "wc-Db-pw-7Qx"
REDIS_PASSWORD = "wc-Redis-pw-4Lm"
SECRET_A = "wc-license-AAAA-5b1e0f"
SECRET_B = "wc-license-BBBB-93c7d2"


@pytest.fixture(scope="module")
def images(docker_client) -> dict[str, str]:
    # Cached by build.sh: a no-op when the sources did not change.
    tags = servers.build_fixture_images()
    return {version: docker_client.images.get(tag).id for version, tag in tags.items()}


@pytest.fixture(scope="module")
def backends(docker_client):
    # A container left by a run that died would hold the name.
    servers.remove_named(WANDB_NAME)
    with (
        servers.docker_network(NETWORK, SUBNET) as net,
        # The fixture reaches the database by address: nested names do not resolve.
        servers.sql_container("mariadb", network=net.name, ip=DB_IP, password=DB_PASSWORD) as db,
        servers.redis_container(
            network=net.name, ip=REDIS_IP, tls=False, password=REDIS_PASSWORD
        ) as cache,
    ):
        try:
            yield db, cache
        finally:
            servers.remove_named(WANDB_NAME)


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
