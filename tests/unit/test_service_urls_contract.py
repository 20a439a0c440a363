"""What the collection builds, the strict contract parser reads back exactly.

The builders (plugins/module_utils/service_urls.py) and the fixture's parser
(tests/fixture) were written apart; this ties them so neither can drift.
"""

import hashlib

import pytest
from ansible_collections.onprem.wandb.plugins.module_utils.service_urls import (
    bucket_url,
    mysql_url,
    redis_url,
)

from tests.unit.fixture._support import SPECIAL_PASSWORDS, load

dsn = load("dsn")
CA = "/etc/wandb/ca/redis-ca.pem"
PASSWORDS = [*SPECIAL_PASSWORDS, "plain", "ünï cödé"]


def sha(value):
    return hashlib.sha256(value.encode()).hexdigest()


@pytest.mark.parametrize("password", PASSWORDS)
def test_mysql_url_parses_back_exactly(password):
    view = dsn.parse_mysql(mysql_url("wandb", password, "172.30.99.1", 3306, "wandb_local")).view()
    assert view["password_sha256"] == sha(password)
    assert (view["user"], view["host"], view["port"], view["database"]) == (
        "wandb",
        "172.30.99.1",
        3306,
        "wandb_local",
    )


def test_mysql_url_tls_mode_is_read():
    assert dsn.parse_mysql(mysql_url("u", "p", "h", tls="preferred")).view()["tls"] == "preferred"


@pytest.mark.parametrize("password", PASSWORDS)
@pytest.mark.parametrize("username", ["", "wandb"])
def test_redis_url_parses_back_exactly(password, username):
    url = redis_url(password, "172.30.99.1", 6380, username=username, tls=True, ca_cert_path=CA)
    view = dsn.parse_redis(url, lambda path: path == CA).view()
    assert view["password_sha256"] == sha(password)
    assert (view["username"] or "") == username
    assert view["tls"] is True
    assert view["ca_cert_path"] == CA
    assert view["ttl_in_seconds"] == 604800
    assert (view["host"], view["port"]) == ("172.30.99.1", 6380)


@pytest.mark.parametrize("secret", PASSWORDS)
def test_bucket_url_parses_back_exactly(secret):
    url = bucket_url("wandb", host="127.0.0.1:9000", access_key="AKIA", secret_key=secret)
    view = dsn.parse_bucket(url)
    assert view["secret_key_sha256"] == sha(secret)
    assert (view["name"], view["host"], view["port"], view["tls"]) == (
        "wandb",
        "127.0.0.1",
        9000,
        True,
    )
