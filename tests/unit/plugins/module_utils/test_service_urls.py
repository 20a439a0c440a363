"""The W&B connection URLs: encoding of awkward credentials and refusals."""

from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from ansible_collections.onprem.wandb.plugins.module_utils.service_urls import (
    ServiceURLError,
    bucket_url,
    mysql_url,
    redis_url,
)

AWKWARD = ["p@ss", "a:b", "sl/ash", "q?uery", "ha#sh", "per%cent", "sp ace", "@:/?#% all", "ünï"]


def _split_auth(url):
    # Split the way a strict product does: exactly one '@' in the authority.
    netloc = urlsplit(url).netloc
    assert netloc.count("@") == 1, url
    auth, hostport = netloc.split("@")
    assert auth.count(":") == 1, url
    user, password = auth.split(":")
    return unquote(user), unquote(password), hostport


@pytest.mark.parametrize("password", AWKWARD)
def test_mysql_url_round_trips_awkward_passwords(password):
    url = mysql_url("wandb", password, "10.1.2.3", 3307, "wandb_local")
    user, decoded, hostport = _split_auth(url)
    assert (user, decoded, hostport) == ("wandb", password, "10.1.2.3:3307")
    assert urlsplit(url).path == "/wandb_local"
    for ch in "@:/?# ":
        assert ch not in url.split("@")[0].split("//", 1)[1].split(":", 1)[1]


def test_mysql_url_exact_form():
    assert (
        mysql_url("wandb", "s3cret", "db.internal")
        == "mysql://wandb:s3cret@db.internal:3306/wandb_local"
    )
    assert mysql_url("u", "p", "h", tls="preferred").endswith("/wandb_local?tls=preferred")
    assert mysql_url("u", "p", "::1").startswith("mysql://u:p@[::1]:3306/")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"user": "", "password": "p", "host": "h"}, "user"),
        ({"user": "u", "password": "", "host": "h"}, "password"),
        ({"user": "u", "password": "p", "host": ""}, "host"),
        ({"user": "u", "password": "p", "host": "h", "port": 0}, "port"),
        ({"user": "u", "password": "p", "host": "h", "port": "x"}, "port"),
        ({"user": "u", "password": "p", "host": "h", "tls": "yes"}, "tls"),
        ({"user": "u", "password": "p", "host": "h", "database": ""}, "database"),
    ],
)
def test_mysql_url_refuses_bad_values(kwargs, message):
    with pytest.raises(ServiceURLError, match=message):
        mysql_url(**kwargs)


@pytest.mark.parametrize("password", AWKWARD)
def test_redis_url_round_trips_awkward_passwords(password):
    url = redis_url(password, "10.0.0.6", 6380, tls=True, ca_cert_path="/etc/wandb/ca.pem")
    user, decoded, hostport = _split_auth(url)
    assert (user, decoded, hostport) == ("", password, "10.0.0.6:6380")
    assert parse_qs(urlsplit(url).query) == {
        "tls": ["true"],
        "ttlInSeconds": ["604800"],
        "caCertPath": ["/etc/wandb/ca.pem"],
    }


def test_redis_url_exact_contract_form():
    assert (
        redis_url("pw", "10.0.0.6", 6380, tls=True, ca_cert_path="/path/in/container/ca.pem")
        == "redis://:pw@10.0.0.6:6380?tls=true&ttlInSeconds=604800&caCertPath=/path/in/container/ca.pem"
    )
    assert redis_url("pw", "h", username="wandb") == "redis://wandb:pw@h:6379?ttlInSeconds=604800"
    assert redis_url("", "h", ttl_in_seconds=None) == "redis://h:6379"
    assert not redis_url("pw", "h", tls=True).startswith("rediss")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"password": "", "host": "h", "username": "u"}, "username needs a password"),
        ({"password": "p", "host": "h", "ca_cert_path": "/ca.pem"}, "caCertPath"),
        ({"password": "p", "host": "h", "ttl_in_seconds": 0}, "ttlInSeconds"),
        ({"password": "p", "host": "h", "port": 70000}, "port"),
    ],
)
def test_redis_url_refuses_bad_values(kwargs, message):
    with pytest.raises(ServiceURLError, match=message):
        redis_url(**kwargs)


def test_bucket_url_forms():
    assert bucket_url("wandb") == "s3://wandb"
    assert bucket_url("wandb", scheme="gs") == "gs://wandb"
    url = bucket_url("wandb", host="127.0.0.1:9000", access_key="AK", secret_key="s/k+=")
    assert url == "s3://AK:s%2Fk%2B%3D@127.0.0.1:9000/wandb?tls=true"
    assert (
        bucket_url("bkt", host="h", access_key="a", secret_key="s", tls=False) == "s3://a:s@h/bkt"
    )
    assert bucket_url(
        "my.bucket-1", host="[fd00::1]:9000", access_key="a", secret_key="s"
    ).startswith("s3://a:s@[fd00::1]:9000/my.bucket-1")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"bucket": ""}, "bucket name"),
        ({"bucket": "bkt", "access_key": "a"}, "endpoint host"),
        ({"bucket": "bkt", "host": "h", "access_key": "a"}, "both access_key"),
        # Not URL-safe: they would change where BUCKET points.
        ({"bucket": "b"}, "bucket name must be 3-63"),
        ({"bucket": "My_Bucket"}, "bucket name must be 3-63"),
        ({"bucket": "bkt/../other"}, "bucket name must be 3-63"),
        ({"bucket": "bkt?x=1"}, "bucket name must be 3-63"),
        ({"bucket": "-bkt"}, "bucket name must be 3-63"),
        (
            {"bucket": "bkt", "host": "https://s3.test", "access_key": "a", "secret_key": "s"},
            "without scheme",
        ),
        (
            {"bucket": "bkt", "host": "s3.test/path", "access_key": "a", "secret_key": "s"},
            "without scheme",
        ),
        (
            {"bucket": "bkt", "host": "evil@s3.test", "access_key": "a", "secret_key": "s"},
            "without scheme",
        ),
        (
            {"bucket": "bkt", "host": "s3 .test", "access_key": "a", "secret_key": "s"},
            "without scheme",
        ),
        ({"bucket": "bkt", "scheme": "ftp"}, "scheme"),
        ({"bucket": "bkt", "scheme": "az"}, "storage account"),
        ({"bucket": "bkt", "scheme": "az", "account": "acct", "host": "h"}, "no host"),
        ({"bucket": "bkt", "account": "acct"}, "only valid for az"),
        ({"bucket": "bkt", "prefix": "/lead"}, "prefix"),
        ({"bucket": "bkt", "prefix": "a//b"}, "prefix"),
        ({"bucket": "bkt", "prefix": "sp ace"}, "prefix"),
        ({"bucket": "bkt", "prefix": "at@sign"}, "prefix"),
    ],
)
def test_bucket_url_refuses_bad_values(kwargs, message):
    with pytest.raises(ServiceURLError, match=message):
        bucket_url(**kwargs)


def test_bucket_url_prefix_and_azure():
    url = bucket_url("wandb", host="h:9000", access_key="a", secret_key="s", prefix="w/prod")
    assert url == "s3://a:s@h:9000/wandb/w/prod?tls=true"
    assert bucket_url("wandb", prefix="p") == "s3://wandb/p"
    assert bucket_url("wandb", scheme="gs", prefix="p/q") == "gs://wandb/p/q"
    assert bucket_url("files", scheme="az", account="acct") == "az://acct/files"
    assert bucket_url("files", scheme="az", account="acct", prefix="p") == "az://acct/files/p"
