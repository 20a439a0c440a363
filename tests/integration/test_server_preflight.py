"""Bad input to site.yml fails in the server role's preflight, before any host changes.

Runs the real site.yml against a throwaway Debian 12 container (no systemd
needed: preflight only reads) and checks, for each bad input, the message that
names the variable or the fix, that the run stopped in the preflight play, and
that the host is untouched (no /etc/wandb, no Docker, no nginx).
"""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import servers
from playbook import TOP, assert_fails_with, failure_env, run_playbook

IMAGE = "onprem-wandb-test/debian:12"

GOOD = {
    "wandb_host_url": "https://wandb.example.test",
    "wandb_server_version": "0.83.0",
    "wandb_server_license": "test-license",
    "wandb_mysql_password": "test-mysql-pw",
    "wandb_mysql_connect_host": "172.30.99.1",
    "wandb_redis_password": "test-redis-pw",
    "wandb_redis_connect_host": "172.30.99.1",
    "wandb_redis_tls_ca_passphrase": "test-ca-passphrase",
    "wandb_server_min_vcpus": 1,
    "wandb_server_min_memory_mb": 256,
    "wandb_server_min_disk_gb": 1,
}


@pytest.fixture(scope="module")
def host(docker_client):
    if not docker_client.images.list(name=IMAGE):
        pytest.fail(f"host image {IMAGE} is missing: run `make images`")
    with servers.host_container(IMAGE, "preflight") as running:
        yield running


def _run(host, tmp_path, variables, playbook="site.yml"):
    inventory = {
        "all": {
            "children": {
                group: {"hosts": {host.name: None}}
                for group in ("wandb_server", "wandb_mysql", "wandb_redis")
            },
            "vars": {
                "ansible_connection": "community.docker.docker",
                "ansible_python_interpreter": "/usr/bin/python3",
                **variables,
            },
        }
    }
    inv = tmp_path / "inventory.json"
    inv.write_text(json.dumps(inventory))
    env = failure_env()
    # The target's own Python, set in the inventory above.
    env.pop("ANSIBLE_PYTHON_INTERPRETER")
    return run_playbook(playbook, inventory=str(inv), cwd=TOP, env=env)


def _untouched(host):
    for path in ("/etc/wandb", "/usr/bin/dockerd", "/usr/sbin/nginx", "/var/lib/wandb"):
        assert host.exec("test", "-e", path)[0] == 1, path


def _assert_fails_in_preflight(host, tmp_path, variables, *expected):
    out = assert_fails_with(_run(host, tmp_path, variables), *expected)
    assert "PLAY [Docker engine" not in out, out
    assert "changed=0" in out and "changed: [" not in out, out
    _untouched(host)


def test_good_input_passes_preflight(host, tmp_path):
    """The control: the same inputs minus the defect pass, so each failure below is the defect."""
    playbook = tmp_path / "preflight.yml"
    playbook.write_text(
        "- hosts: wandb_server\n"
        "  tasks:\n"
        "    - ansible.builtin.include_role:\n"
        "        name: onprem.wandb.server\n"
        "        tasks_from: preflight\n"
    )
    proc = _run(host, tmp_path, GOOD, playbook)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    _untouched(host)


def test_missing_license(host, tmp_path):
    variables = {k: v for k, v in GOOD.items() if k != "wandb_server_license"}
    _assert_fails_in_preflight(
        host, tmp_path, variables, "Missing required variables: wandb_server_license"
    )


def test_missing_host(host, tmp_path):
    variables = {k: v for k, v in GOOD.items() if k != "wandb_host_url"}
    _assert_fails_in_preflight(
        host, tmp_path, variables, "Missing required variables: wandb_server_host or wandb_host_url"
    )


def test_host_without_scheme(host, tmp_path):
    _assert_fails_in_preflight(
        host,
        tmp_path,
        {**GOOD, "wandb_host_url": "wandb.example.test"},
        "the scheme is missing: write https://wandb.example.test",
    )


def test_host_not_matching_proxy_name(host, tmp_path):
    _assert_fails_in_preflight(
        host,
        tmp_path,
        {**GOOD, "wandb_server_proxy_server_name": "other.example.test"},
        'wandb_server_proxy_server_name is "other.example.test" but HOST\'s host name is '
        '"wandb.example.test"',
    )


def test_unknown_oidc_auth_method(host, tmp_path):
    _assert_fails_in_preflight(
        host,
        tmp_path,
        {
            **GOOD,
            "wandb_server_oidc_issuer": "https://idp.example.test",
            "wandb_server_oidc_client_id": "wandb",
            "wandb_server_oidc_auth_method": "password",
        },
        "wandb_server_oidc_auth_method must be one of: implicit, pkce",
    )


def test_port_clash(host, tmp_path):
    host.exec("python3", "-m", "http.server", "443", detach=True)
    try:
        # Give the listener a moment to bind before preflight looks.
        for _attempt in range(50):
            if "443" in host.exec("ss", "-Hltn")[1]:
                break
        _assert_fails_in_preflight(
            host,
            tmp_path,
            GOOD,
            "Port(s) W&B needs are taken: 0.0.0.0:443 used by python3",
            "wandb_server_proxy_https_port",
        )
    finally:
        host.exec("pkill", "-f", "http.server 443")


def test_image_archive_missing(host, tmp_path):
    missing = str(tmp_path / "wandb-local-0.83.0.tar")
    _assert_fails_in_preflight(
        host,
        tmp_path,
        {**GOOD, "wandb_server_image_archive": missing},
        f"Not found on the controller: wandb_server_image_archive = {missing}",
        "docker save wandb/local:0.83.0",
    )


def test_blocked_version(host, tmp_path):
    _assert_fails_in_preflight(
        host,
        tmp_path,
        {**GOOD, "wandb_server_version": "0.78.1"},
        "wandb_server_version 0.78.1 is blocked (wandb_server_blocked_versions)",
    )


def test_below_minimum_resources(host, tmp_path):
    variables = {k: v for k, v in GOOD.items() if not k.startswith("wandb_server_min_")}
    _assert_fails_in_preflight(
        host,
        tmp_path,
        {**variables, "wandb_server_min_vcpus": 4096},
        "(wandb_server_min_vcpus 4096)",
    )


def test_unsupported_os(host, tmp_path):
    _assert_fails_in_preflight(
        host,
        tmp_path,
        {**GOOD, "wandb_server_supported_distributions": {"Ubuntu": ["24"]}},
        "Debian 12 is not supported (wandb_server_supported_distributions:",
    )


# Hostile or unsafe input the security review found accepted: each must stop
# the run in the preflight play, naming the variable, with the host untouched.
@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        pytest.param(
            {"wandb_host_url": "https://wandb.example.test;return 301 x"},
            "the host name may hold only letters, digits, dots and hyphens",
            id="host-semicolon",
        ),
        pytest.param(
            {"wandb_host_url": "https://wandb example.test"},
            "the host name may hold only letters, digits, dots and hyphens",
            id="host-space",
        ),
        pytest.param(
            {"wandb_server_app_bind_address": "0.0.0.0"},  # noqa: S104 - the input under test
            "wandb_server_app_bind_address must be one IPv4 address of this host",
            id="app-bind-wildcard",
        ),
        pytest.param(
            {"wandb_server_app_bind_address": "::1"},
            "wandb_server_app_bind_address must be one IPv4 address of this host",
            id="app-bind-ipv6",
        ),
        pytest.param(
            {"wandb_server_metrics_enabled": True, "wandb_server_metrics_bind_address": "::"},
            "wandb_server_metrics_bind_address must be one IPv4 address of this host",
            id="metrics-bind-ipv6",
        ),
        pytest.param(
            {"wandb_server_container_user": "0"},
            'wandb_server_container_user must be "999"',
            id="container-user-root",
        ),
        pytest.param(
            {"wandb_server_container_user": "1000:1000"},
            'wandb_server_container_user must be "999"',
            id="container-user-system",
        ),
        pytest.param(
            {"wandb_server_data_dir": "/var/lib"},
            "wandb_server_data_dir must be an absolute path of a directory of its own",
            id="data-dir-system",
        ),
        pytest.param(
            {"wandb_server_data_dir": "/var/lib/wandb/../../../etc"},
            "wandb_server_data_dir must be an absolute path of a directory of its own",
            id="data-dir-dotdot",
        ),
        pytest.param(
            {
                "wandb_server_oidc_issuer": "http://idp.example.test",
                "wandb_server_oidc_client_id": "wandb",
            },
            "wandb_server_oidc_allow_insecure_issuer: true",
            id="oidc-http-issuer",
        ),
        pytest.param(
            {"wandb_server_bucket": {"bucket": "files?x=1", "host": "s3.test"}},
            "bucket name must be 3-63 lower-case letters",
            id="bucket-name-unsafe",
        ),
        pytest.param(
            {
                "wandb_server_bucket": {
                    "bucket": "files",
                    "host": "s3.test/evil",
                    "access_key": "AKIATEST",
                    "secret_key": "test-secret",
                }
            },
            "bucket endpoint host must be a host name or address",
            id="bucket-host-unsafe",
        ),
        pytest.param(
            {"wandb_mysql_connect_host": "192.0.2.21", "wandb_server_mysql_tls": "preferred"},
            'set wandb_server_mysql_tls: "true"',
            id="mysql-remote-plaintext",
        ),
        pytest.param(
            {
                "wandb_docker_daemon_options": {
                    "hosts": ["unix:///run/docker.sock", "tcp://0.0.0.0:2375"]
                }
            },
            'opens the Docker API on TCP (tcp://0.0.0.0:2375) without "tlsverify": true',
            id="docker-api-tcp",
        ),
        pytest.param(
            {"wandb_redis_password": "short"},
            "wandb_redis_password must be at least 12 characters",
            id="redis-password-short-first-play",
        ),
    ],
)
def test_unsafe_input_refused(host, tmp_path, overrides, expected):
    _assert_fails_in_preflight(host, tmp_path, {**GOOD, **overrides}, expected)
