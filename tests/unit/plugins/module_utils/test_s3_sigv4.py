"""The standard-library SigV4 signer gives byte-for-byte what botocore's signer gives.

botocore is AWS's own implementation; the same inputs (keys, region, time, method,
path, query, headers) must give the same Authorization header and presigned URL.
"""

import datetime
from urllib.parse import parse_qsl, urlsplit

import botocore.auth
import pytest
from ansible_collections.onprem.wandb.plugins.module_utils import s3_sigv4
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

NOW = datetime.datetime(2026, 11, 27, 21, 5, 9, tzinfo=datetime.timezone.utc)
ACCESS = "AKIATESTSIGNER"
# Characters URL and form encoders treat differently.
SECRET = "s3cr/t+key=%@:?wJalrXUtnFEMI"
KEYS = [
    "plain.txt",
    "dir/sub dir/file name+plus=eq&amp.bin",
    "ünï/cödé ~tilde*star'quote(paren)",
    ".onprem-wandb-check/0f3c",
]


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: NOW.replace(tzinfo=None))


def botocore_presign(method, url, expires, region):
    auth = botocore.auth.S3SigV4QueryAuth(Credentials(ACCESS, SECRET), "s3", region, expires)
    request = AWSRequest(method=method, url=url)
    auth.add_auth(request)
    return request.url


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("method", ["PUT", "GET", "HEAD", "DELETE"])
def test_presigned_url_matches_botocore(frozen, key, method):
    host = "172.29.19.30:9000"
    path = "/wandb-files/" + s3_sigv4.uri_encode(key)
    ours = s3_sigv4.Signer(ACCESS, SECRET, "eu-central-1").presign(
        method, host, path, expires=300, now=NOW
    )
    theirs = urlsplit(botocore_presign(method, "https://" + host + path, 300, "eu-central-1"))
    assert theirs.path == path
    assert dict(parse_qsl(ours)) == dict(parse_qsl(theirs.query))


def test_presigned_query_keeps_extra_parameters(frozen):
    ours = s3_sigv4.Signer(ACCESS, SECRET, "us-east-1").presign(
        "GET", "h", "/b/k", expires=60, query=[("response-content-type", "a/b c")], now=NOW
    )
    url = "https://h/b/k?response-content-type=a%2Fb%20c"
    theirs = botocore_presign("GET", url, 60, "us-east-1")
    assert dict(parse_qsl(ours)) == dict(parse_qsl(urlsplit(theirs).query))


@pytest.mark.parametrize(
    "method, query, body, extra",
    [
        ("GET", [("list-type", "2"), ("max-keys", "1"), ("prefix", "w/p q")], b"", {}),
        ("GET", [("cors", "")], b"", {}),
        ("PUT", [("cors", "")], b"<CORSConfiguration/>", {"content-md5": "abc=="}),
        ("DELETE", [], b"", {}),
    ],
)
def test_authorization_header_matches_botocore(frozen, method, query, body, extra):
    host = "s3.example.test:9000"
    path = "/wandb-files/" + s3_sigv4.uri_encode("a b/c+d")
    ours = s3_sigv4.Signer(ACCESS, SECRET, "us-east-1").sign_headers(
        method, host, path, query, extra, body, now=NOW
    )
    qs = "&".join(
        "%s=%s" % (s3_sigv4.uri_encode(k, False), s3_sigv4.uri_encode(v, False)) for k, v in query
    )
    headers = dict(extra)
    headers["x-amz-content-sha256"] = ours["x-amz-content-sha256"]
    request = AWSRequest(
        method=method,
        url="https://%s%s%s" % (host, path, "?" + qs if qs else ""),
        data=body,
        headers=headers,
    )
    botocore.auth.S3SigV4Auth(Credentials(ACCESS, SECRET), "s3", "us-east-1").add_auth(request)
    assert ours["authorization"] == request.headers["Authorization"]
    assert ours["x-amz-date"] == request.headers["X-Amz-Date"]


def test_expiry_is_bounded():
    signer = s3_sigv4.Signer(ACCESS, SECRET, "us-east-1")
    with pytest.raises(ValueError):
        signer.presign("GET", "h", "/b/k", expires=s3_sigv4.MAX_EXPIRES + 1)


def test_the_secret_never_appears_in_what_is_sent():
    signer = s3_sigv4.Signer(ACCESS, SECRET, "us-east-1")
    sent = signer.presign("PUT", "h", "/b/k") + repr(signer.sign_headers("GET", "h", "/b"))
    assert SECRET not in sent
    assert s3_sigv4.uri_encode(SECRET, False) not in sent
