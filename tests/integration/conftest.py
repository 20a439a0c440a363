"""Shared pytest fixtures for integration tests: Docker, the fixture network and images,
and session-wide MariaDB and TLS Redis servers (see servers.py for the helpers)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

# A sibling helper module, not an installed package.
import servers


@pytest.fixture(scope="session")
def docker_client():
    try:
        return servers.client()
    except servers.DockerUnavailable as e:
        pytest.skip(f"{e}; these tests start real servers in containers")


@pytest.fixture(scope="session")
def fixture_network(docker_client):
    with servers.docker_network() as net:
        yield net.name


@pytest.fixture(scope="session")
def fixture_images(docker_client):
    return servers.build_fixture_images()


@pytest.fixture(scope="session")
def mariadb(fixture_network):
    """MariaDB offering TLS (certificate with the container's IP SAN from servers.session_ca)."""
    with servers.sql_container(
        "mariadb", network=fixture_network, tls=True, server_args=("--skip-name-resolve",)
    ) as db:
        yield db


@pytest.fixture(scope="session")
def redis_tls(fixture_network):
    """Redis serving TLS only, with a password on the default user."""
    with servers.redis_container(network=fixture_network, tls=True) as cache:
        yield cache
