"""The SSO part of the configuration model: env names, legacy aliases, CORS, registration."""

import pytest
from ansible_collections.onprem.wandb.plugins.module_utils.wandb_config import (
    settings,
    sso,
    sso_settings,
)


def base(**overrides):
    config = {
        "host": "https://wandb.example.test/",
        "license": "lic-123",
        "mysql_url": "mysql://wandb:pw@172.30.99.1:3306/wandb_local",
        "redis_url": "redis://:pw@172.30.99.1:6379",
        "oidc_auth_method": "implicit",
        "ca_dir": "/etc/wandb/ca",
    }
    config.update(overrides)
    return config


SECRET = "oidc/S3cret+key=%25@:?x"
ISSUER = "https://idp.example.test/realms/wandb"


def new_sso(**overrides):
    config = {
        "issuer": ISSUER,
        "client_id": "wandb",
        "auth_method": "pkce",
        "secret": SECRET,
        "scopes": ["groups"],
        "group_claims": True,
        "provisioning": True,
        "session_length": "",
        "local_restore": False,
    }
    config.update(overrides)
    return config


def test_pkce_env_cors_and_registration():
    got = settings(base(sso=new_sso()))
    assert got["errors"] == []
    env = got["env"]
    assert env["OIDC_ISSUER"] == ISSUER
    assert env["OIDC_CLIENT_ID"] == "wandb"
    assert env["OIDC_AUTH_METHOD"] == "pkce"
    # Current releases read the secret under either name.
    assert env["OIDC_SECRET"] == env["GORILLA_OIDC_SECRET"] == SECRET
    assert env["GORILLA_OIDC_CUSTOM_SCOPES"] == "groups"
    assert env["GORILLA_ENABLE_SSO_GROUP_CLAIMS"] == "true"
    # W&B's chart: HOST and the literal origin null when OIDC is on.
    assert env["GORILLA_CORS_ORIGINS"] == "https://wandb.example.test,null"
    assert "LOCAL_RESTORE" not in env and "DISABLE_SSO_PROVISIONING" not in env
    assert {"OIDC_SECRET", "GORILLA_OIDC_SECRET"} <= set(got["secret_env_keys_set"])
    reg = got["sso"]["registration"]
    assert reg["redirect_uri"] == "https://wandb.example.test/oidc/callback"
    assert reg["origin"] == "https://wandb.example.test"
    assert (reg["grant_type"], reg["response_type"], reg["code_challenge_method"]) == (
        "authorization_code",
        "code",
        "S256",
    )
    assert reg["client_secret"] is True


def test_implicit_flow_and_site_cors_origins_kept_first():
    got = settings(
        base(
            sso=new_sso(auth_method="implicit", secret=""),
            extra_env={"GORILLA_CORS_ORIGINS": "https://portal.example.test"},
        )
    )
    assert got["errors"] == []
    assert got["env"]["GORILLA_CORS_ORIGINS"] == (
        "https://portal.example.test,https://wandb.example.test,null"
    )
    assert "OIDC_SECRET" not in got["env"]
    reg = got["sso"]["registration"]
    assert (reg["grant_type"], reg["response_type"], reg["response_mode"]) == (
        "implicit",
        "id_token",
        "form_post",
    )
    assert reg["client_secret"] is False


def test_sso_off_writes_no_oidc_env_and_no_cors():
    got = settings(base(sso=new_sso(issuer="", client_id="", secret="")))
    assert got["errors"] == []
    assert not [k for k in got["env"] if "OIDC" in k or k == "GORILLA_CORS_ORIGINS"]
    assert got["sso"]["enabled"] is False


def test_session_provisioning_and_local_restore():
    got = settings(base(sso=new_sso(session_length=48, provisioning=False, local_restore=True)))
    assert got["errors"] == []
    env = got["env"]
    assert (env["SESSION_LENGTH"], env["DISABLE_SSO_PROVISIONING"], env["LOCAL_RESTORE"]) == (
        "48",
        "true",
        "true",
    )
    assert any("wandb_sso_local_restore is on" in w for w in got["warnings"])
    # Managed: a site cannot set it behind the model's back.
    bad = settings(base(extra_env={"LOCAL_RESTORE": "true"}))
    assert [e["var"] for e in bad["errors"]] == ["wandb_server_extra_env"]


@pytest.mark.parametrize(
    "overrides, var, text",
    [
        ({"issuer": "idp.example.test"}, "wandb_sso_issuer", "issuer URL with scheme"),
        ({"issuer": "http://idp.example.test"}, "wandb_sso_issuer", "uses http://"),
        ({"client_id": ""}, "wandb_sso_client_id", "set the client id"),
        ({"auth_method": "code"}, "wandb_sso_auth_method", "must be one of: implicit, pkce"),
        ({"scopes": ["openid profile"]}, "wandb_sso_scopes", "own item"),
        ({"session_length": "2 days"}, "wandb_sso_session_length", "whole hours"),
        ({"session_length": 0}, "wandb_sso_session_length", "whole hours"),
        ({"issuer": "", "client_id": "wandb"}, "wandb_sso_issuer", "SSO off"),
    ],
)
def test_errors_name_the_variable_never_the_secret(overrides, var, text):
    got = settings(base(sso=new_sso(**overrides)))
    assert [e["var"] for e in got["errors"]] == [var]
    assert text in got["errors"][0]["msg"]
    assert SECRET not in str(got["errors"]) + str(got["warnings"])


def test_http_issuer_allowed_for_a_test_idp():
    got = sso(new_sso(issuer="http://idp.test", allow_insecure_issuer=True, host="https://w"))
    assert got["errors"] == [] and got["enabled"]


def test_trailing_slash_issuer_kept_as_given_discovery_url_not_doubled():
    got = sso(new_sso(issuer=ISSUER + "/", host="https://w"))
    assert got["env"]["OIDC_ISSUER"] == ISSUER + "/"
    assert got["discovery_url"] == ISSUER + "/.well-known/openid-configuration"


# --- the older server variables -------------------------------------------------


def legacy(**overrides):
    config = {
        "oidc_issuer": ISSUER,
        "oidc_client_id": "wandb-client",
        "oidc_auth_method": "pkce",
        "oidc_secret": SECRET,
        "oidc_custom_scopes": ["openid", "groups"],
        "oidc_group_claims": True,
        "disable_sso_provisioning": True,
        "session_length": "24",
    }
    config.update(overrides)
    return config


def test_legacy_variables_still_wire_everything_with_a_deprecation_warning():
    got = settings(base(**legacy()))
    assert got["errors"] == []
    env = got["env"]
    assert env["OIDC_ISSUER"] == ISSUER and env["OIDC_CLIENT_ID"] == "wandb-client"
    assert env["OIDC_SECRET"] == env["GORILLA_OIDC_SECRET"] == SECRET
    assert env["GORILLA_OIDC_CUSTOM_SCOPES"] == "openid,groups"
    assert (env["DISABLE_SSO_PROVISIONING"], env["SESSION_LENGTH"]) == ("true", "24")
    assert env["GORILLA_CORS_ORIGINS"] == "https://wandb.example.test,null"
    assert any(w.startswith("DEPRECATED: wandb_server_oidc_*") for w in got["warnings"])


def test_legacy_errors_name_the_legacy_variable():
    got = settings(base(**legacy(oidc_client_id="")))
    assert [e["var"] for e in got["errors"]] == ["wandb_server_oidc_client_id"]


def test_legacy_client_settings_without_issuer_stay_ignored():
    got = settings(base(oidc_client_id="c", oidc_secret=SECRET))
    assert got["errors"] == [] and "OIDC_SECRET" not in got["env"]


def test_both_issuers_refused():
    got = settings(base(sso=new_sso(), **legacy()))
    assert "wandb_sso_issuer" in [e["var"] for e in got["errors"]]


def test_both_session_lengths_must_agree():
    got = settings(base(sso=new_sso(session_length=48), session_length="24"))
    assert [e["var"] for e in got["errors"]] == ["wandb_sso_session_length"]
    same = settings(base(sso=new_sso(session_length=24), session_length="24"))
    assert same["errors"] == []


def test_sso_settings_alone_matches_the_whole_model():
    config = base(sso=new_sso(), host="https://wandb.example.test/")
    part = sso_settings(config)
    whole = settings(config)
    assert part["errors"] == []
    assert part["registration"] == whole["sso"]["registration"]
    for key, value in part["env"].items():
        assert whole["env"][key] == value
