"""The S3 client's diagnoses: each failure blames the setting a user has to change."""

import http.client
import socket
import ssl

import pytest
from ansible_collections.onprem.wandb.plugins.module_utils import s3_client
from ansible_collections.onprem.wandb.plugins.module_utils.s3_client import (
    Client,
    Response,
    S3Error,
)

SECRET = "s3cr/t+key=%@:?"


def client(endpoint="s3.example.test:9000", **options):
    return Client(endpoint, "wandb-files", "AKIATEST", SECRET, **options)


def error_doc(code, message="m", **extra):
    fields = "".join("<%s>%s</%s>" % (k, v, k) for k, v in extra.items())
    body = "<Error><Code>%s</Code><Message>%s</Message>%s" % (code, message, fields)
    body += "<StringToSign>AWS4-HMAC-SHA256 secret-ish</StringToSign></Error>"
    return body.encode()


@pytest.mark.parametrize(
    "status, code, extra, setting",
    [
        (403, "InvalidAccessKeyId", {}, "access_key"),
        (403, "SignatureDoesNotMatch", {}, "secret_key"),
        (403, "RequestTimeTooSkewed", {}, "clock"),
        (403, "AccessDenied", {"Message": "Request has expired"}, "clock"),
        (400, "AuthorizationHeaderMalformed", {"Region": "eu-west-1"}, "region"),
        (
            301,
            "PermanentRedirect",
            {"Endpoint": "wandb-files.s3.eu-west-1.amazonaws.com"},
            "region",
        ),
        (404, "NoSuchBucket", {}, "bucket"),
        (403, "AccessDenied", {}, "permissions"),
        (503, "SlowDown", {}, "endpoint"),
    ],
)
def test_s3_errors_blame_the_setting(status, code, extra, setting):
    message = extra.pop("Message", "m")
    response = Response(status, "x", [], error_doc(code, message, **extra))
    err = client().failure(response, "listing bucket wandb-files")
    assert err.setting == setting, err.msg
    assert err.code == code
    assert "secret-ish" not in err.msg and SECRET not in err.msg
    if "Region" in extra:
        assert "eu-west-1" in err.msg


def test_a_web_server_that_is_not_s3():
    err = client().failure(Response(404, "Not Found", [], b"<html>nope</html>"), "listing")
    assert err.setting == "endpoint"
    assert "without an S3 error document" in err.msg


@pytest.mark.parametrize(
    "exc, setting, words",
    [
        (socket.gaierror(-2, "Name or service not known"), "endpoint", "cannot resolve"),
        (ConnectionRefusedError(111, "refused"), "endpoint", "nothing accepts connections"),
        (TimeoutError("timed out"), "endpoint", "no answer"),
        (ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number"), "tls", "TLS"),
        (http.client.RemoteDisconnected("closed"), "endpoint", "closed or reset the connection"),
    ],
)
def test_transport_errors_blame_the_setting(exc, setting, words):
    err = client()._transport_error(exc, "s3.example.test")
    assert (err.setting, words in err.msg) == (setting, True), err.msg


def test_certificate_errors():
    def verify_error(code, message):
        e = ssl.SSLCertVerificationError(1, "certificate verify failed")
        e.verify_code, e.verify_message = code, message
        return e

    c = client()
    assert "self-signed" in c._transport_error(verify_error(18, "self-signed certificate"), "h").msg
    untrusted = c._transport_error(verify_error(20, "unable to get local issuer certificate"), "h")
    assert untrusted.setting == "ca_certs" and "{ca_certs}" in untrusted.msg
    mismatch = c._transport_error(verify_error(62, "Hostname mismatch"), "h")
    assert mismatch.setting == "endpoint"


def test_virtual_hosted_name_resolution_blames_addressing():
    err = client(path_style=False)._transport_error(socket.gaierror(-2, "unknown"), "b.h")
    assert err.setting == "path_style"


def test_virtual_hosting_needs_a_name():
    with pytest.raises(S3Error) as caught:
        client(endpoint="172.29.19.30:9000", path_style=False)
    assert caught.value.setting == "path_style"


def test_addressing_and_urls():
    assert client().url("a b/c") == "https://s3.example.test:9000/wandb-files/a%20b/c"
    assert client(path_style=False).url("k") == "https://wandb-files.s3.example.test:9000/k"
    assert client(endpoint="h:443").url() == "https://h/wandb-files"
    assert client(endpoint="h", tls=False).url() == "http://h/wandb-files"
    with pytest.raises(ValueError):
        s3_client.split_endpoint("https://h", True)


@pytest.mark.parametrize(
    "url, origin",
    [
        ("https://wandb.example.com/", "https://wandb.example.com"),
        ("https://WandB.Example.com:443", "https://wandb.example.com"),
        ("https://172.29.19.10:8443/x", "https://172.29.19.10:8443"),
        ("http://[::1]:80", "http://[::1]"),
    ],
)
def test_origin_of(url, origin):
    assert s3_client.origin_of(url) == origin


def test_cors_documents_round_trip():
    rules = [
        {
            "id": "onprem-wandb",
            "allowed_origins": ["https://w.test"],
            "allowed_methods": ["put", "GET", "HEAD"],
            "allowed_headers": ["*"],
            "expose_headers": ["ETag"],
            "max_age_seconds": 3000,
        },
        {"allowed_origins": ["*"], "allowed_methods": ["GET"]},
    ]
    normalized = [s3_client.normalize_rule(r) for r in rules]
    assert normalized[0]["allowed_methods"] == ["GET", "HEAD", "PUT"]
    assert s3_client.parse_cors(s3_client.cors_xml(normalized)) == normalized


def test_settings_are_named_as_the_caller_names_them():
    names = s3_client.setting_names({"ca_certs": "wandb_storage_ca_certs"})
    assert s3_client.explain("list it in {ca_certs}, {tls}", names) == (
        "list it in wandb_storage_ca_certs, tls"
    )
