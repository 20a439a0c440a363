"""The operator renderer: the configuration model's data as W&B's operator reads it."""

import json
import re
from pathlib import Path

import pytest
import yaml
from ansible_collections.onprem.wandb.plugins.module_utils import service_urls, wandb_operator
from ansible_collections.onprem.wandb.plugins.module_utils.wandb_config import settings

kubernetes = pytest.importorskip("kubernetes")


class _Response:
    """What ApiClient.deserialize reads: a body as the API server would send it."""

    def __init__(self, obj):
        self.data = json.dumps(obj)


def to_model(api, obj, kind):
    return api.deserialize(_Response(obj), kind)


TOP = Path(__file__).resolve().parents[4]
CRD = TOP / "tests/k8s/weightsandbiases-crd.yaml"
MYSQL_PW = "my p@ss:w/rd?#%&+=1"
REDIS_PW = "re p@ss:w/rd?#%&+=2"
S3_SECRET = "s3 s/cr+t:k@y?#"
OIDC_SECRET = "oidc s3cr#t/&"
LICENSE = "lic-{{ not a template }}"
CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"
SECRETS = (MYSQL_PW, REDIS_PW, S3_SECRET, OIDC_SECRET, LICENSE)


def site(**overrides):
    config = {
        "host": "https://wandb.example.test",
        "license": LICENSE,
        "mysql": {
            "user": "wandb",
            "password": MYSQL_PW,
            "host": "db.example.test",
            "port": 3307,
            "database": "wandb_local",
            "tls": "true",
        },
        "redis": {
            "username": "",
            "password": REDIS_PW,
            "host": "10.0.0.5",
            "port": 6380,
            "tls": True,
            "ttl_in_seconds": 604800,
        },
        "storage": {
            "type": "s3",
            "bucket": "wandb-files",
            "endpoint": "s3.example.test:9000",
            "access_key": "AKIA-TEST",
            "secret_key": S3_SECRET,
            "tls": True,
            "region": "eu-west-1",
            "path_prefix": "prod/wandb",
        },
        "bucket_queue": "internal://",
        "oidc_issuer": "https://idp.example.test/realms/w",
        "oidc_client_id": "wandb",
        "oidc_auth_method": "pkce",
        "oidc_secret": OIDC_SECRET,
        "session_length": 72,
        "rate_limits": {"FILESTREAM_COUNT": 100},
        "extra_env": {"GORILLA_CORS_ORIGINS": "https://a.example.test", "MY_API_TOKEN": "tok"},
    }
    config.update(overrides)
    return config


def options(**overrides):
    o = {"name": "wandb", "namespace": "wandb", "version": "0.84.0", "ca_certs": [CA_PEM]}
    o.update(overrides)
    return o


def render(config=None, **opts):
    return wandb_operator.resources(settings(config or site()), options(**opts))


def secret(out, suffix):
    return next(s for s in out["secrets"] if s["metadata"]["name"] == "wandb-" + suffix)


def deref(out, ref):
    return secret(out, ref["name"][len("wandb-") :])["stringData"][ref["key"]]


def test_resource_points_at_the_same_services_as_the_env_file():
    out = render()
    assert out["errors"] == []
    spec = out["resource"]["spec"]
    assert out["resource"]["apiVersion"] == "apps.wandb.com/v2"
    assert out["resource"]["kind"] == "WeightsAndBiases"
    assert spec["wandb"]["hostname"] == "https://wandb.example.test"
    assert spec["wandb"]["version"] == "0.84.0"
    assert spec["retentionPolicy"] == {"onDelete": "detach"}
    assert spec["size"] == "small"
    assert spec["global"]["customCACerts"] == [CA_PEM + "\n"]
    mysql = spec["mysql"]["default"]["externalMysql"]
    assert {k: deref(out, v) for k, v in mysql.items()} == {
        "host": "db.example.test",
        "port": "3307",
        "database": "wandb_local",
        "username": "wandb",
        "password": MYSQL_PW,
        "tls": "true",
    }
    redis = spec["redis"]["default"]["externalRedis"]
    assert {k: deref(out, v) for k, v in redis.items()} == {
        "host": "10.0.0.5",
        "port": "6380",
        "password": REDIS_PW,
        "tls": "true",
    }
    store = spec["objectStore"]["default"]["externalObjectStore"]
    assert {k: deref(out, v) for k, v in store.items()} == {
        "provider": "s3",
        "endpoint": "s3.example.test",
        "port": "9000",
        "accessKey": "AKIA-TEST",
        "secretKey": S3_SECRET,
        "bucket": "wandb-files",
        "path": "prod/wandb",
        "region": "eu-west-1",
        "tlsEnabled": "true",
    }
    oidc = spec["wandb"]["oidc"]
    assert oidc["sessionLength"] == "72"
    assert {k: deref(out, v) for k, v in oidc.items() if k != "sessionLength"} == {
        "issuerUrl": "https://idp.example.test/realms/w",
        "clientId": "wandb",
        "authMethod": "pkce",
        "clientSecret": OIDC_SECRET,
    }


def test_settings_without_a_typed_field_become_overrides_secrets_by_reference():
    out = render()
    env = {
        e["name"]: e for e in out["resource"]["spec"]["wandb"]["legacyOverrides"]["global"]["env"]
    }
    model = settings(site())["env"]
    # Every model key is either a typed field or an override: nothing is dropped.
    assert set(model) == set(env) | (set(model) & set(wandb_operator.TYPED_KEYS))
    assert env["BUCKET_QUEUE"] == {"name": "BUCKET_QUEUE", "value": "internal://"}
    # With SSO on, the model adds HOST and null after the site's own origins, as W&B's chart does.
    assert env["GORILLA_CORS_ORIGINS"]["value"] == model["GORILLA_CORS_ORIGINS"]
    assert env["GORILLA_CORS_ORIGINS"]["value"].startswith("https://a.example.test,")
    for key in ("LICENSE", "MY_API_TOKEN"):
        assert env[key] == {
            "name": key,
            "valueFrom": {"secretKeyRef": {"name": "wandb-env", "key": key}},
        }
    assert secret(out, "env")["stringData"] == {"LICENSE": LICENSE, "MY_API_TOKEN": "tok"}


def test_no_secret_value_in_the_resource():
    text = yaml.safe_dump(render()["resource"])
    for value in (*SECRETS, "tok"):
        assert value not in text
        assert service_urls._enc(value) not in text


def test_round_trip_through_the_url_builders():
    """The parts go back into the same URLs the env file holds: one model, two layouts."""
    out = render()
    model = settings(site())["env"]
    m = secret(out, "mysql")["stringData"]
    assert model["MYSQL"] == service_urls.mysql_url(
        m["Username"], m["Password"], m["Host"], m["Port"], m["Database"], m["Tls"]
    )
    s = secret(out, "object-store")["stringData"]
    assert model["BUCKET"] == service_urls.bucket_url(
        s["Bucket"],
        host="%s:%s" % (s["Host"], s["Port"]),
        access_key=s["AccessKey"],
        secret_key=s["SecretKey"],
        tls=s["TlsEnabled"] == "true",
        prefix=s["Path"],
    )


@pytest.mark.parametrize(
    "storage, want",
    [
        ({"type": "s3", "bucket": "wandb-files"}, {"Provider": "s3", "Bucket": "wandb-files"}),
        (
            {"type": "gcs", "bucket": "wandb-files", "path_prefix": "a/b"},
            {"Provider": "gcs", "Bucket": "wandb-files", "Path": "a/b"},
        ),
        (
            {"type": "azure", "bucket": "wandb", "azure_account": "acct1", "azure_key": "k3y"},
            {"Provider": "azure", "Bucket": "wandb", "AccessKey": "acct1", "SecretKey": "k3y"},
        ),
        (
            {
                "type": "s3",
                "bucket": "wandb-files",
                "endpoint": "10.0.0.9",
                "tls": False,
                "access_key": "a",
                "secret_key": "b",
            },
            {
                "Provider": "s3",
                "Bucket": "wandb-files",
                "Host": "10.0.0.9",
                "AccessKey": "a",
                "SecretKey": "b",
                "TlsEnabled": "false",
            },
        ),
    ],
)
def test_object_store_kinds(storage, want):
    out = render(site(storage=storage))
    assert out["errors"] == []
    assert secret(out, "object-store")["stringData"] == want


def test_no_bucket_is_refused_naming_the_variable():
    out = render(site(storage={}))
    assert [e["var"] for e in out["errors"]] == ["wandb_storage_bucket"]
    assert "/vol" in out["errors"][0]["msg"]
    assert out["resource"] == {} and out["secrets"] == []


def test_purge_only_when_asked_by_name():
    out = render(retention_policy="purge")
    assert [e["var"] for e in out["errors"]] == ["wandb_operator_retention_policy"]
    assert "wandb_operator_allow_purge" in out["errors"][0]["msg"]
    ok = render(retention_policy="purge", allow_purge=True)
    assert ok["errors"] == []
    assert ok["resource"]["spec"]["retentionPolicy"] == {"onDelete": "purge"}


@pytest.mark.parametrize(
    "opts, var",
    [
        ({"name": "W&B"}, "wandb_operator_name"),
        ({"namespace": ""}, "wandb_operator_namespace"),
        ({"version": ""}, "wandb_operator_version"),
        ({"size": "huge"}, "wandb_operator_size"),
        ({"retention_policy": "keep"}, "wandb_operator_retention_policy"),
    ],
)
def test_bad_options_name_their_variable(opts, var):
    out = render(**opts)
    assert [e["var"] for e in out["errors"]] == [var]


def test_redis_user_the_operator_cannot_pass_is_refused():
    config = site()
    config["redis"] = dict(config["redis"], username="wandb")
    out = render(config)
    assert [e["var"] for e in out["errors"]] == ["wandb_redis_username"]
    for value in SECRETS:
        assert value not in str(out["errors"])


def test_model_errors_are_carried_over():
    out = render(site(license=""))
    assert "wandb_server_license" in [e["var"] for e in out["errors"]]


def test_sso_off_renders_no_oidc():
    out = render(site(oidc_issuer="", oidc_client_id="", oidc_secret="", oidc_auth_method=""))
    assert "oidc" not in out["resource"]["spec"]["wandb"]
    assert "wandb-oidc" not in out["secret_names"]


def test_redis_ca_goes_to_the_redis_secret():
    out = render(redis_ca=CA_PEM)
    ref = out["resource"]["spec"]["redis"]["default"]["externalRedis"]["sslCa"]
    assert deref(out, ref) == CA_PEM


def test_secrets_are_valid_kubernetes_secrets():
    """Shape test with the kubernetes client's own models (the test apiserver has no core API)."""
    api = kubernetes.client.ApiClient()
    out = render(redis_ca=CA_PEM)
    assert {s["metadata"]["name"] for s in out["secrets"]} == {
        "wandb-mysql",
        "wandb-redis",
        "wandb-object-store",
        "wandb-oidc",
        "wandb-env",
    }
    for manifest in out["secrets"]:
        model = to_model(api, manifest, "V1Secret")
        # Unknown fields would be dropped by the model: the round trip must be exact.
        assert api.sanitize_for_serialization(model) == manifest
        assert all(isinstance(v, str) and v for v in manifest["stringData"].values())
        # Kubernetes' rule for Secret keys.
        assert all(re.match(r"^[-._a-zA-Z0-9]+$", k) for k in manifest["stringData"])


def _check(schema, value, path="spec"):
    """The resource against the test CRD's structural schema: known fields, right types."""
    kind = schema.get("type")
    types = {"object": dict, "array": list, "string": str, "boolean": bool}
    assert isinstance(value, types[kind]), path
    if kind == "string" and "enum" in schema:
        assert value in schema["enum"], path
    if kind == "array":
        for i, item in enumerate(value):
            _check(schema["items"], item, "%s[%d]" % (path, i))
    if kind == "object":
        for req in schema.get("required", []):
            assert req in value, "%s.%s is required" % (path, req)
        for key, item in value.items():
            sub = (schema.get("properties") or {}).get(key) or schema.get("additionalProperties")
            assert isinstance(sub, dict), "%s.%s is not in the CRD" % (path, key)
            _check(sub, item, "%s.%s" % (path, key))


def test_resource_fits_the_crd_schema():
    crd = yaml.safe_load(CRD.read_text())
    version = crd["spec"]["versions"][0]
    assert crd["spec"]["group"] + "/" + version["name"] == wandb_operator.API_VERSION
    assert crd["metadata"]["name"] == wandb_operator.CRD_NAME
    schema = version["schema"]["openAPIV3Schema"]["properties"]["spec"]
    _check(schema, render(redis_ca=CA_PEM)["resource"]["spec"])
    _check(
        schema, render(site(storage={"type": "gcs", "bucket": "wandb-files"}))["resource"]["spec"]
    )
