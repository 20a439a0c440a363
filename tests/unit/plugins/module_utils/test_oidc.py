"""What W&B needs from an IdP's discovery document, JWKS and clock."""

import datetime

import pytest
from ansible_collections.onprem.wandb.plugins.module_utils.oidc import (
    check_document,
    clock_skew,
    explain,
    signing_keys,
)

ISSUER = "https://idp.example.test/realms/wandb"


def doc(**overrides):
    d = {
        "issuer": ISSUER,
        "authorization_endpoint": ISSUER + "/auth",
        "token_endpoint": ISSUER + "/token",
        "jwks_uri": ISSUER + "/jwks",
        "response_types_supported": ["code", "id_token", "code id_token"],
        "code_challenge_methods_supported": ["plain", "S256"],
    }
    d.update(overrides)
    return d


@pytest.mark.parametrize("method", ["pkce", "implicit"])
def test_a_good_document_passes(method):
    assert check_document(doc(), ISSUER, method) == []


def test_issuer_must_match_character_for_character():
    problems = check_document(doc(), ISSUER + "/", "pkce")
    assert [s for s, _m in problems] == ["issuer"]
    assert "differ only by a trailing slash" in problems[0][1]
    other = check_document(doc(issuer="https://idp.example.test/realms/other"), ISSUER, "pkce")
    assert "trailing slash" not in other[0][1] and "realms/other" in other[0][1]


def test_pkce_needs_code_and_s256():
    problems = check_document(doc(code_challenge_methods_supported=["plain"]), ISSUER, "pkce")
    assert [s for s, _m in problems] == ["auth_method"]
    assert "S256" in problems[0][1] and "{auth_method} to implicit" in problems[0][1]
    missing = check_document(doc(code_challenge_methods_supported=None), ISSUER, "pkce")
    assert "no code challenge methods" in missing[0][1]
    no_code = check_document(doc(response_types_supported=["id_token"]), ISSUER, "pkce")
    assert "'code'" in no_code[0][1]


def test_implicit_needs_id_token():
    problems = check_document(doc(response_types_supported=["code"]), ISSUER, "implicit")
    assert [s for s, _m in problems] == ["auth_method"]
    assert "'id_token'" in problems[0][1]
    # A combined response type counts.
    assert (
        check_document(doc(response_types_supported=["id_token token"]), ISSUER, "implicit") == []
    )


def test_missing_endpoints_are_named():
    problems = check_document(doc(jwks_uri=None, token_endpoint=""), ISSUER, "implicit")
    assert len(problems) == 2
    assert "token_endpoint" in problems[0][1] and "jwks_uri" in problems[1][1]


def test_signing_keys():
    keys = {
        "keys": [
            {"kty": "RSA", "use": "enc", "kid": "e"},
            {"kty": "RSA", "kid": "no-use"},
            {"kty": "EC", "use": "sig", "kid": "s"},
            {"kty": "oct", "kid": "symmetric"},
            {"kty": "RSA", "key_ops": ["encrypt"], "kid": "ops"},
        ]
    }
    assert [k["kid"] for k in signing_keys(keys)] == ["no-use", "s"]
    assert signing_keys({"keys": []}) == []
    assert signing_keys([]) == []


def test_clock_skew_from_the_date_header():
    now = datetime.datetime(2026, 11, 28, 1, 0, 0, tzinfo=datetime.timezone.utc)
    assert clock_skew("Sat, 28 Nov 2026 00:55:00 GMT", now) == 300.0
    assert clock_skew("Sat, 28 Nov 2026 01:00:30 GMT", now) == -30.0
    assert clock_skew("", now) is None
    assert clock_skew("not a date", now) is None


def test_explain_names_the_variables():
    msg = explain(
        "set {issuer} or {auth_method}", {"issuer": "wandb_sso_issuer", "auth_method": "m"}
    )
    assert msg == "set wandb_sso_issuer or m"
