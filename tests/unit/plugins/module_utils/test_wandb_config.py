"""The W&B configuration model: the environment, secret keys, mounts and errors it returns."""

import pytest
from ansible_collections.onprem.wandb.plugins.module_utils import wandb_config
from ansible_collections.onprem.wandb.plugins.module_utils.wandb_config import settings

MYSQL_PW = "my p@ss:w/rd?#%1"
REDIS_PW = "re p@ss:w/rd?#%2"


def base(**overrides):
    config = {
        "host": "https://wandb.example.test/",
        "license": "lic-123",
        "mysql": {
            "user": "wandb",
            "password": MYSQL_PW,
            "host": "172.30.99.1",
            "port": "3306",
            "database": "wandb_local",
            "tls": "",
        },
        "redis": {
            "username": "wandb",
            "password": REDIS_PW,
            "host": "172.30.99.1",
            "port": "6380",
            "tls": True,
            "ttl_in_seconds": 604800,
            "ca_cert_path": "/etc/wandb/redis-ca.pem",
        },
        "bucket_queue": "internal://",
        "oidc_auth_method": "implicit",
        "ca_dir": "/etc/wandb/ca",
        "data_dir": "/var/lib/wandb/vol",
    }
    config.update(overrides)
    return config


def test_minimal_env_in_file_order():
    out = settings(base())
    assert out["errors"] == []
    assert out["env_keys"] == ["HOST", "LICENSE", "MYSQL", "REDIS"]
    assert out["env"]["HOST"] == "https://wandb.example.test"
    assert out["env"]["MYSQL"] == (
        "mysql://wandb:my%20p%40ss%3Aw%2Frd%3F%23%251@172.30.99.1:3306/wandb_local"
    )
    assert out["env"]["REDIS"].startswith(
        "redis://wandb:re%20p%40ss%3Aw%2Frd%3F%23%252@172.30.99.1:6380?"
    )
    assert "caCertPath=/etc/wandb/redis-ca.pem" in out["env"]["REDIS"]
    # No bucket: no queue either, W&B keeps files in /vol.
    assert "BUCKET_QUEUE" not in out["env"]


def test_explicit_urls_win():
    out = settings(
        base(mysql_url="mysql://a:b@db/x", redis_url="redis://:p@r:6379", mysql={}, redis={})
    )
    assert out["env"]["MYSQL"] == "mysql://a:b@db/x"
    assert out["env"]["REDIS"] == "redis://:p@r:6379"
    assert out["errors"] == []


def test_missing_mysql_and_redis_name_the_variables():
    cfg = base()
    cfg["mysql"]["password"] = ""
    cfg["redis"]["host"] = ""
    msgs = " ".join(e["msg"] for e in settings(cfg)["errors"])
    assert "Missing: wandb_mysql_password" in msgs
    assert "Missing: wandb_redis_connect_host" in msgs
    assert "wandb_server_mysql_url" in msgs and "wandb_server_redis_url" in msgs


def test_bucket_queue_region_kms():
    out = settings(
        base(
            bucket={
                "bucket": "files",
                "host": "s3.test:9000",
                "access_key": "AK",
                "secret_key": "s/k",
            },
            aws_region="eu-west-1",
            aws_s3_kms_id="arn:kms",
        )
    )
    env = out["env"]
    assert env["BUCKET"] == "s3://AK:s%2Fk@s3.test:9000/files?tls=true"
    assert env["BUCKET_QUEUE"] == "internal://"
    assert env["AWS_REGION"] == "eu-west-1" and env["AWS_S3_KMS_ID"] == "arn:kms"


def test_bad_bucket_is_an_error_without_the_secret():
    out = settings(base(bucket={"bucket": "files", "host": "s3.test", "access_key": "AK"}))
    assert out["errors"][0]["var"] == "wandb_server_bucket"
    assert "secret" not in out["errors"][0]["msg"].lower().replace("secret_key", "")


def test_oidc_sets_both_secret_names():
    out = settings(
        base(
            oidc_issuer="https://idp.test/realms/w",
            oidc_client_id="cid",
            oidc_auth_method="pkce",
            oidc_secret="s3cr3t",
            oidc_custom_scopes=["openid", "email"],
            oidc_group_claims=True,
        )
    )
    env = out["env"]
    assert env["OIDC_SECRET"] == env["GORILLA_OIDC_SECRET"] == "s3cr3t"
    assert env["OIDC_AUTH_METHOD"] == "pkce"
    assert env["GORILLA_OIDC_CUSTOM_SCOPES"] == "openid,email"
    assert env["GORILLA_ENABLE_SSO_GROUP_CLAIMS"] == "true"
    assert "GORILLA_USE_IDENTIFIER_CLAIMS" not in env


@pytest.mark.parametrize(
    ("overrides", "var", "text"),
    [
        (
            {"oidc_auth_method": "password"},
            "wandb_server_oidc_auth_method",
            "must be one of: implicit, pkce",
        ),
        (
            {"oidc_issuer": "idp.test", "oidc_client_id": "c"},
            "wandb_server_oidc_issuer",
            "issuer URL with scheme",
        ),
        ({"oidc_issuer": "https://idp.test"}, "wandb_server_oidc_client_id", "client id"),
        (
            {"oidc_issuer": "http://idp.test", "oidc_client_id": "c"},
            "wandb_server_oidc_issuer",
            "wandb_server_oidc_allow_insecure_issuer: true",
        ),
        ({"rate_limits": {"nope": 1}}, "wandb_server_rate_limits", "unknown key(s) nope"),
        ({"ldap": {"nope": 1}}, "wandb_server_ldap", "unknown key(s) nope"),
        (
            {"extra_env": {"bad-name": "x"}},
            "wandb_server_extra_env",
            "not environment variable names",
        ),
        ({"extra_env": {"MYSQL": "x"}}, "wandb_server_extra_env", "which the role writes itself"),
        (
            {"extra_env": {"LOCAL_LDAP_LOGIN": "x"}},
            "wandb_server_extra_env",
            "which the role writes itself",
        ),
        ({"smtp_url": "mail.test:25"}, "wandb_server_smtp_url", "must start with smtp://"),
        ({"license": "a\nb"}, "env", "LICENSE"),
        ({"license": ""}, "wandb_server_license", "LICENSE is empty"),
    ],
)
def test_errors_name_the_variable(overrides, var, text):
    errors = settings(base(**overrides))["errors"]
    assert [e["var"] for e in errors] == [var]
    assert text in errors[0]["msg"]


def test_errors_never_quote_secret_values():
    cfg = base(license="lic\nsecret-part", smtp_url="mail://user:pw-secret@x")
    cfg["mysql"]["port"] = "not-a-port"
    for error in settings(cfg)["errors"]:
        assert "secret-part" not in error["msg"] and "pw-secret" not in error["msg"]
        assert MYSQL_PW not in error["msg"]


def test_rate_limits_ldap_extra_values():
    out = settings(
        base(
            rate_limits={
                "filestream_count": 500,
                "GORILLA_DEFAULT_RATE_LIMITS_FILESTREAM_SIZE": 120,
            },
            ldap={"address": "ldaps://ldap.test", "tls_enable": True, "bind_pw": "pw"},
            extra_env={"GORILLA_CORS_ORIGINS": "https://x", "LOGGING_ENABLED": False},
            rate_limiter="redis",
        )
    )
    env = out["env"]
    assert env["GORILLA_DEFAULT_RATE_LIMITS_FILESTREAM_COUNT"] == "500"
    assert env["GORILLA_DEFAULT_RATE_LIMITS_FILESTREAM_SIZE"] == "120"
    assert env["LOCAL_LDAP_TLS_ENABLE"] == "true"
    assert env["LOGGING_ENABLED"] == "false"
    assert env["GORILLA_LIMITER"] == env["REDIS"]
    assert "LOCAL_LDAP_BIND_PW" in out["secret_env_keys_set"]
    assert "GORILLA_LIMITER" in out["secret_env_keys_set"]
    # Managed keys first in the model's order, the rest sorted after them.
    assert out["env_keys"].index("GORILLA_LIMITER") < out["env_keys"].index("GORILLA_CORS_ORIGINS")


def test_secret_keys_cover_every_managed_secret_and_extras():
    out = settings(base(extra_secret_env_keys=["MY_API_THING"]))
    managed_secrets = {k for k, secret in wandb_config.MANAGED_ENV if secret}
    assert managed_secrets <= set(out["secret_keys"])
    assert "MY_API_THING" in out["secret_keys"]
    assert wandb_config.is_secret_key("MY_API_THING", ("MY_API_THING",))
    assert not wandb_config.is_secret_key("HOST")


def test_mounts_and_ca_files():
    out = settings(
        base(
            ca_certs=["/ctl/idp-ca.crt", "/ctl/s3-ca.crt"],
            redis_ca="/ctl/pki/ca.crt",
            redis_ca_container_path="/etc/wandb/redis-ca.pem",
        )
    )
    assert out["ca_files"] == [
        {
            "src": "/ctl/idp-ca.crt",
            "host": "/etc/wandb/ca/customCA0.crt",
            "container": "/usr/local/share/ca-certificates/customCA0.crt",
            "redis": False,
        },
        {
            "src": "/ctl/s3-ca.crt",
            "host": "/etc/wandb/ca/customCA1.crt",
            "container": "/usr/local/share/ca-certificates/customCA1.crt",
            "redis": False,
        },
        {
            "src": "/ctl/pki/ca.crt",
            "host": "/etc/wandb/ca/redis-ca.pem",
            "container": "/etc/wandb/redis-ca.pem",
            "redis": True,
        },
    ]
    assert out["mounts"] == [
        "/var/lib/wandb/vol:/vol:rw",
        "/etc/wandb/ca/customCA0.crt:/usr/local/share/ca-certificates/customCA0.crt:ro",
        "/etc/wandb/ca/customCA1.crt:/usr/local/share/ca-certificates/customCA1.crt:ro",
        "/etc/wandb/ca/redis-ca.pem:/etc/wandb/redis-ca.pem:ro",
    ]
    assert out["ports"] == {"app": 8080, "metrics": 8181}


def test_insecure_issuer_by_name():
    out = settings(
        base(oidc_issuer="http://idp.test", oidc_client_id="c", oidc_allow_insecure_issuer=True)
    )
    assert out["errors"] == [] and out["env"]["OIDC_ISSUER"] == "http://idp.test"


def test_prefix_names_other_variables():
    errors = settings(base(rate_limits={"x": 1}), prefix="wandb_operator_")["errors"]
    assert errors[0]["var"] == "wandb_operator_rate_limits"


# --- object storage (wandb_storage_*) ---------------------------------------
S3_SECRET = "s3cr/t+key=%@:?"


def s3(**overrides):
    config = {
        "type": "s3",
        "bucket": "wandb-files",
        "endpoint": "s3.example.test:9000",
        "access_key": "AKIATEST",
        "secret_key": S3_SECRET,
        "tls": True,
        "region": "us-east-1",
        "path_prefix": "",
        "kms_key_id": "",
        "azure_account": "",
        "azure_key": "",
    }
    config.update(overrides)
    return config


def test_storage_s3_builds_bucket_region_and_kms():
    out = wandb_config.storage(s3(path_prefix="w/prod", kms_key_id="arn:aws:kms:x:1:key/k"))
    assert out["errors"] == [] and out["warnings"] == []
    assert out["kind"] == "s3" and out["checkable"]
    assert out["env"] == {
        "BUCKET": "s3://AKIATEST:s3cr%2Ft%2Bkey%3D%25%40%3A%3F@s3.example.test:9000/wandb-files"
        "/w/prod?tls=true",
        "AWS_REGION": "us-east-1",
        "AWS_S3_KMS_ID": "arn:aws:kms:x:1:key/k",
    }


def test_storage_without_tls_warns():
    out = wandb_config.storage(s3(tls=False))
    assert out["env"]["BUCKET"].endswith("/wandb-files")
    assert "wandb_storage_tls" in out["warnings"][0]


def test_storage_instance_credentials_gcs_azure():
    out = wandb_config.storage(s3(endpoint="", access_key="", secret_key="", region=""))
    assert (out["kind"], out["checkable"], out["env"]) == (
        "s3_instance",
        False,
        {"BUCKET": "s3://wandb-files"},
    )
    gcs = wandb_config.storage({"type": "gcs", "bucket": "wandb-files", "path_prefix": "p"})
    assert (gcs["kind"], gcs["env"], gcs["errors"]) == ("gcs", {"BUCKET": "gs://wandb-files/p"}, [])
    az = wandb_config.storage(
        {"type": "azure", "bucket": "files", "azure_account": "acct1", "azure_key": "k=="}
    )
    assert az["errors"] == []
    assert az["env"] == {"BUCKET": "az://acct1/files", "AZURE_STORAGE_KEY": "k=="}
    assert not az["checkable"]


def test_storage_empty_bucket_is_no_storage():
    out = wandb_config.storage(s3(bucket="", endpoint="", access_key="", secret_key="", region=""))
    assert (out["kind"], out["env"], out["errors"]) == ("none", {}, [])
    assert wandb_config.storage({})["kind"] == "none"


@pytest.mark.parametrize(
    "overrides, var, words",
    [
        ({"type": "minio"}, "wandb_storage_type", "one of s3, gcs, azure"),
        ({"bucket": ""}, "wandb_storage_bucket", "wandb_storage_endpoint"),
        ({"bucket": "Wandb_Files"}, "wandb_storage_bucket", "S3 bucket name"),
        ({"endpoint": "https://s3.example.test"}, "wandb_storage_endpoint", "without a scheme"),
        ({"endpoint": "s3.example.test/wandb"}, "wandb_storage_endpoint", "without a path"),
        ({"secret_key": ""}, "wandb_storage_secret_key", "needs access keys"),
        ({"endpoint": ""}, "wandb_storage_endpoint", "instance credentials"),
        ({"region": "eu west"}, "wandb_storage_region", "region name"),
        ({"path_prefix": "/w"}, "wandb_storage_path_prefix", "leading"),
        ({"azure_account": "acct"}, "wandb_storage_type", "does not read wandb_storage_azure"),
    ],
)
def test_storage_errors_name_the_variable_not_the_secret(overrides, var, words):
    out = wandb_config.storage(s3(**overrides))
    assert out["errors"], out
    assert out["errors"][0]["var"] == var
    assert words in out["errors"][0]["msg"]
    assert out["env"] == {}
    for error in out["errors"]:
        assert S3_SECRET not in error["msg"] and "s3cr" not in error["msg"]


def test_storage_gcs_and_azure_refuse_s3_settings():
    out = wandb_config.storage({"type": "gcs", "bucket": "wandb-files", "endpoint": "h"})
    assert "does not read wandb_storage_endpoint" in out["errors"][0]["msg"]
    out = wandb_config.storage({"type": "azure", "bucket": "files", "azure_account": "A!"})
    assert out["errors"][0]["var"] == "wandb_storage_azure_account"


def test_settings_read_the_storage_variables():
    out = settings(base(storage=s3(kms_key_id="arn:k")))
    env = out["env"]
    assert env["BUCKET"].startswith("s3://AKIATEST:s3cr%2Ft")
    assert env["BUCKET_QUEUE"] == "internal://"
    assert (env["AWS_REGION"], env["AWS_S3_KMS_ID"]) == ("us-east-1", "arn:k")
    assert "BUCKET" in out["secret_env_keys_set"]
    assert out["env_keys"][4:8] == ["BUCKET", "BUCKET_QUEUE", "AWS_REGION", "AWS_S3_KMS_ID"]


def test_settings_azure_key_is_secret_and_not_set_twice():
    az = {"type": "azure", "bucket": "files", "azure_account": "acct1", "azure_key": "k=="}
    out = settings(base(storage=az))
    assert out["env"]["AZURE_STORAGE_KEY"] == "k=="
    assert "AZURE_STORAGE_KEY" in out["secret_env_keys_set"]
    both = settings(base(storage=az, extra_env={"AZURE_STORAGE_KEY": "other"}))
    assert both["errors"][0]["var"] == "wandb_server_extra_env"


def test_settings_keep_the_older_server_bucket_variables():
    legacy = {"bucket": "files", "host": "s3.test:9000", "access_key": "AK", "secret_key": "s"}
    out = settings(base(bucket=legacy, aws_region="eu-west-1", storage=s3(bucket="", **NO_S3)))
    assert out["errors"] == []
    assert out["env"]["BUCKET"] == "s3://AK:s@s3.test:9000/files?tls=true"
    assert out["env"]["AWS_REGION"] == "eu-west-1"


NO_S3 = {"endpoint": "", "access_key": "", "secret_key": "", "region": ""}


def test_settings_refuse_old_and_new_bucket_together():
    out = settings(base(bucket_url="s3://other", storage=s3()))
    assert out["errors"][0]["var"] == "wandb_storage_bucket"
    assert "wandb_server_bucket_url" in out["errors"][0]["msg"]
    out = settings(base(aws_region="eu-west-1", storage=s3()))
    assert out["errors"][0]["var"] == "wandb_server_aws_region"
    # The same value twice is not a conflict: a site mid-migration keeps working.
    assert settings(base(aws_region="us-east-1", storage=s3()))["errors"] == []


def test_settings_pass_storage_warnings_on():
    assert "wandb_storage_tls" in settings(base(storage=s3(tls=False)))["warnings"][0]
