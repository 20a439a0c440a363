"""Bad input to the redis role fails in its preflight, naming the variable and the fix.

Runs the role against localhost with only its preflight tags, so nothing on
the machine is installed or changed even if a check wrongly passed. A failed
task's message must hold the expected text (playbook.assert_fails_with).
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from playbook import assert_fails_with, run_role

GOOD = {
    "wandb_redis_password": "a-long-test-password",
    "wandb_redis_min_memory_check": False,
    "wandb_redis_maxmemory": "256mb",
    "wandb_redis_tls_ca_passphrase": "a-long-test-passphrase",
}


def run_preflight(tmp_path, **overrides):
    return run_role(
        "onprem.wandb.redis",
        {**GOOD, **overrides},
        "--tags",
        "wandb_redis_preflight",
        workdir=tmp_path,
        timeout=180,
    )


def flat(proc) -> str:
    return " ".join((proc.stdout + proc.stderr).split())


def test_good_input_passes(tmp_path):
    proc = run_preflight(tmp_path)
    out = flat(proc)
    assert proc.returncode == 0, out
    assert "WARNING: wandb_redis_maxmemory" not in out


def test_low_memory_warns_but_continues(tmp_path):
    proc = run_preflight(tmp_path, wandb_redis_min_memory_check=True, wandb_redis_maxmemory="1gb")
    out = flat(proc)
    assert proc.returncode == 0, out
    assert "WARNING: wandb_redis_maxmemory is 1gb; W&B asks for at least 4 GB" in out


def test_secret_never_printed(tmp_path):
    out = assert_fails_with(
        run_preflight(tmp_path, wandb_redis_password="tiny-pw"),
        "wandb_redis_password must be at least 12 characters",
    )
    assert "tiny-pw" not in out


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        pytest.param(
            {"wandb_redis_password": None},
            "missing required arguments: wandb_redis_password",
            id="password-missing",
        ),
        pytest.param(
            {"wandb_redis_password": "short"},
            "wandb_redis_password must be at least 12 characters",
            id="password-short",
        ),
        pytest.param(
            {"wandb_redis_username": "default"},
            "wandb_redis_username must be a plain name other than 'default'",
            id="username-default",
        ),
        pytest.param(
            {"wandb_redis_default_user": "nopass"},
            "wandb_redis_default_user must be one of: disabled, password",
            id="default-user-choice",
        ),
        pytest.param(
            {"wandb_redis_default_user": "password"},
            "set wandb_redis_default_user_password to at least 12 characters",
            id="default-user-no-password",
        ),
        pytest.param(
            {"wandb_redis_bind": []},
            "wandb_redis_bind must list at least one address",
            id="bind-empty",
        ),
        pytest.param(
            {"wandb_redis_tls_port": 6379},
            "must be 1-65535 and differ when wandb_redis_tls is true",
            id="same-ports",
        ),
        pytest.param(
            {"wandb_redis_tls_cert": "/nonexistent/redis.crt"},
            "either keep wandb_redis_tls_generate: true and leave wandb_redis_tls_cert",
            id="generate-and-supplied",
        ),
        pytest.param(
            {"wandb_redis_tls_generate": False, "wandb_redis_tls_cert": "/x.crt"},
            "supply all of wandb_redis_tls_cert, wandb_redis_tls_key and wandb_redis_tls_ca_cert",
            id="supplied-incomplete",
        ),
        pytest.param(
            {"wandb_redis_tls_ca_cert": "/elsewhere/ca.crt"},
            "unset wandb_redis_tls_ca_cert, or set wandb_redis_tls_ca_dir",
            id="generated-ca-elsewhere",
        ),
        pytest.param(
            {"wandb_redis_tls_ca_passphrase": ""},
            "wandb_redis_tls_ca_passphrase must be set (at least 12 characters, in a vault)",
            id="ca-passphrase-missing",
        ),
        pytest.param(
            {"wandb_redis_tls_ca_passphrase": "short"},
            "wandb_redis_tls_ca_passphrase must be set (at least 12 characters, in a vault)",
            id="ca-passphrase-short",
        ),
        pytest.param(
            {"wandb_redis_tls_san": ["redis.example.com"]},
            "wandb_redis_tls_san entries must look like 'IP:10.0.0.5'",
            id="san-without-prefix",
        ),
        pytest.param(
            {"wandb_redis_maxmemory": "lots"},
            "wandb_redis_maxmemory must be a positive number with an optional Redis unit",
            id="maxmemory-format",
        ),
        pytest.param(
            {"wandb_redis_maxmemory_policy": "evict-everything"},
            "wandb_redis_maxmemory_policy must be one of",
            id="policy-choice",
        ),
        pytest.param(
            {"wandb_redis_install": False},
            "set wandb_redis_connect_host to its address",
            id="external-without-host",
        ),
        pytest.param(
            {
                "wandb_redis_install": False,
                "wandb_redis_connect_host": "127.0.0.1",
                "wandb_redis_min_version": "seven",
            },
            "wandb_redis_min_version to a version like '7.0'",
            id="external-bad-min-version",
        ),
    ],
)
def test_bad_input_fails_with_the_fix(tmp_path, overrides, expected):
    assert_fails_with(run_preflight(tmp_path, **overrides), expected)
