# Copyright: (c) 2026, onprem.wandb contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""W&B's Kubernetes operator: the second renderer of the configuration model.

``resources(model, options)`` takes what ``wandb_config.settings`` returned
(the environment W&B reads, which keys are secret) and lays it out the way the
W&B operator's ``WeightsAndBiases`` resource (``apps.wandb.com/v2``) reads it:
Secrets holding the connection parts, and the resource pointing at them with
Secret key references. It reads the model's output by the model's own key
names (checked against ``wandb_config.MANAGED_ENV_KEYS`` at import) and never
builds a W&B URL: MYSQL, REDIS and BUCKET are split back into the parts the
operator asks for, so a site's VM install and its operator install cannot
disagree about a value.

What the operator has no typed field for (rate limits, LDAP, the queue, pass-
through env, the license) goes to ``spec.wandb.legacyOverrides.global.env``,
the operator's documented per-variable override: plain values inline, secret
ones as ``valueFrom.secretKeyRef`` into the ``<name>-env`` Secret, so no
credential is ever written into the resource itself.

Like the model, nothing here raises on bad input: problems come back in
``errors``, each naming the variable to fix, never quoting a value.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from urllib.parse import parse_qs, unquote, urlsplit

from ansible_collections.onprem.wandb.plugins.module_utils import wandb_config

# --- what the operator reads (W&B operator, api/v2) ------------------------
API_GROUP = "apps.wandb.com"
API_VERSION = API_GROUP + "/v2"
KIND = "WeightsAndBiases"
PLURAL = "weightsandbiases"
CRD_NAME = PLURAL + "." + API_GROUP
# spec.mysql, spec.redis and spec.objectStore are maps keyed by instance name;
# the operator falls back to this one.
DEFAULT_INSTANCE = "default"
SIZES = ("dev", "micro", "small", "medium", "large", "xlarge", "xxlarge")
RETENTION_POLICIES = ("detach", "purge")
OBJECT_STORE_PROVIDERS = {"s3": "s3", "gs": "gcs", "az": "azure"}
OPTION_PREFIX = "wandb_operator_"
_DNS_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def _key(name):
    """A key of the model's env; a model that renamed it fails at import, not at a site."""
    if name not in wandb_config.MANAGED_ENV_KEYS:
        raise ImportError("wandb_config no longer writes %s" % name)
    return name


HOST = _key("HOST")
LICENSE = _key("LICENSE")
MYSQL = _key("MYSQL")
REDIS = _key("REDIS")
BUCKET = _key("BUCKET")
AWS_REGION = _key("AWS_REGION")
OIDC_ISSUER = _key("OIDC_ISSUER")
OIDC_CLIENT_ID = _key("OIDC_CLIENT_ID")
OIDC_AUTH_METHOD = _key("OIDC_AUTH_METHOD")
OIDC_SECRET = _key("OIDC_SECRET")
OIDC_SECRET_ALIAS = _key("GORILLA_OIDC_SECRET")
SESSION_LENGTH = _key("SESSION_LENGTH")
# The Azure account key rides beside an az:// BUCKET (a pass-through W&B key).
AZURE_KEY = "AZURE_STORAGE_KEY"

# Keys the resource carries in typed fields; every other env key is an override.
# (The operator sets both names of the OIDC client secret from spec.wandb.oidc.)
TYPED_KEYS = (
    HOST,
    MYSQL,
    REDIS,
    BUCKET,
    AWS_REGION,
    AZURE_KEY,
    OIDC_ISSUER,
    OIDC_CLIENT_ID,
    OIDC_AUTH_METHOD,
    OIDC_SECRET,
    OIDC_SECRET_ALIAS,
    SESSION_LENGTH,
)

# The Secrets: suffix -> role in the resource. Their key names follow the
# operator's own connection fields.
SECRET_SUFFIXES = ("mysql", "redis", "object-store", "oidc", "env")


class _Out(object):
    def __init__(self):
        self.errors = []
        self.warnings = []

    def error(self, var, msg):
        self.errors.append({"var": var, "msg": msg})


def _ref(name, key):
    return {"name": name, "key": key}


def _split_url(value):
    """(scheme, user, password, host, port, path, query) of a model URL, decoded."""
    parts = urlsplit(value)
    user = unquote(parts.username) if parts.username is not None else ""
    password = unquote(parts.password) if parts.password is not None else ""
    query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    return parts.scheme, user, password, parts.hostname or "", parts.port, parts.path, query


def mysql_parts(url):
    """MYSQL (mysql://USER:PASSWORD@HOST:PORT/DATABASE[?tls=MODE]) as the operator's fields."""
    _scheme, user, password, host, port, path, query = _split_url(url)
    data = {
        "Host": host,
        "Port": str(port or 3306),
        "Database": unquote(path.lstrip("/")),
        "Username": user,
        "Password": password,
    }
    if query.get("tls"):
        data["Tls"] = query["tls"]
    return data


def redis_parts(url):
    """REDIS (redis://[USER]:PASSWORD@HOST:PORT?tls=true...) as the operator's fields."""
    _scheme, user, password, host, port, _path, query = _split_url(url)
    data = {"Host": host, "Port": str(port or 6379)}
    if password:
        data["Password"] = password
    if query.get("tls") == "true":
        data["Tls"] = "true"
    return data, user


def bucket_parts(url, region="", azure_key=""):
    """BUCKET (s3://, gs://, az://) as the operator's object store fields."""
    scheme, user, password, host, port, path, query = _split_url(url)
    provider = OBJECT_STORE_PROVIDERS.get(scheme, "")
    path = path.strip("/")
    data = {"Provider": provider}
    if scheme == "s3" and user:
        # s3://KEY:SECRET@ENDPOINT/BUCKET[/PREFIX]?tls=true
        bucket, _sep, prefix = path.partition("/")
        data.update(Host=host, AccessKey=user, SecretKey=password, Bucket=bucket)
        if port:
            data["Port"] = str(port)
        data["TlsEnabled"] = "true" if query.get("tls") == "true" else "false"
    elif scheme == "az":
        # az://ACCOUNT/CONTAINER[/PREFIX]: the operator reads the account as the access key.
        bucket, _sep, prefix = path.partition("/")
        data.update(AccessKey=host, Bucket=bucket)
        if azure_key:
            data["SecretKey"] = azure_key
    else:
        # s3://BUCKET[/PREFIX] (instance credentials) or gs://BUCKET[/PREFIX]
        data["Bucket"] = host
        prefix = path
    if prefix:
        data["Path"] = prefix
    if region:
        data["Region"] = region
    return data


def _name_ok(value):
    return bool(_DNS_LABEL.match(str(value or "")))


def _options(options, out):
    o = dict(options or {})
    for var in ("name", "namespace"):
        if not _name_ok(o.get(var)):
            out.error(
                OPTION_PREFIX + var,
                "%s must be a DNS label (lower-case letters, digits and '-', at most 63)."
                % (OPTION_PREFIX + var),
            )
    if not o.get("version"):
        out.error(
            OPTION_PREFIX + "version",
            "%s is empty: set wandb_server_version (the release the VM site runs) or %s."
            % (OPTION_PREFIX + "version", OPTION_PREFIX + "version"),
        )
    size = o.get("size") or "small"
    if size not in SIZES:
        out.error(
            OPTION_PREFIX + "size",
            '%s must be one of %s, got "%s".' % (OPTION_PREFIX + "size", ", ".join(SIZES), size),
        )
    retention = o.get("retention_policy") or "detach"
    if retention not in RETENTION_POLICIES:
        out.error(
            OPTION_PREFIX + "retention_policy",
            '%s must be detach or purge, got "%s".'
            % (OPTION_PREFIX + "retention_policy", retention),
        )
    elif retention == "purge" and not o.get("allow_purge"):
        # purge deletes what the operator made when the resource goes; a typo must not get there.
        out.error(
            OPTION_PREFIX + "retention_policy",
            "%s is purge, which makes the operator delete what it created when the resource is "
            "deleted. Set %s: true as well if that is what you want, or use detach."
            % (OPTION_PREFIX + "retention_policy", OPTION_PREFIX + "allow_purge"),
        )
    o["size"], o["retention_policy"] = size, retention
    return o


def _secret(name, namespace, labels, data):
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(labels)},
        "type": "Opaque",
        "stringData": dict(data),
    }


def _oidc(env, secret_name):
    """spec.wandb.oidc and its Secret's data from the model's OIDC keys (empty: SSO off)."""
    if not env.get(OIDC_ISSUER):
        return {}, {}
    data = {
        "IssuerUrl": env[OIDC_ISSUER],
        "ClientId": env.get(OIDC_CLIENT_ID, ""),
        "AuthMethod": env.get(OIDC_AUTH_METHOD, ""),
        "ClientSecret": env.get(OIDC_SECRET, ""),
    }
    data = {k: v for k, v in data.items() if v}
    field = {
        "IssuerUrl": "issuerUrl",
        "ClientId": "clientId",
        "AuthMethod": "authMethod",
        "ClientSecret": "clientSecret",
    }
    spec = {field[k]: _ref(secret_name, k) for k in data}
    if env.get(SESSION_LENGTH):
        spec["sessionLength"] = env[SESSION_LENGTH]
    return spec, data


def _endpoints(data):
    """Where W&B's pods connect (host, port), for a reachability check; no credentials."""
    found = []
    for suffix, what, var in (
        ("mysql", "MySQL", "wandb_operator_mysql_host, wandb_mysql_port"),
        ("redis", "Redis", "wandb_operator_redis_host, wandb_redis_tls_port or wandb_redis_port"),
        ("object-store", "the bucket's endpoint", "wandb_storage_endpoint"),
    ):
        parts = data.get(suffix) or {}
        if not parts.get("Host"):
            # AWS with instance credentials, GCS, Azure: no endpoint of the site's own.
            continue
        port = parts.get("Port") or ("443" if parts.get("TlsEnabled", "true") == "true" else "80")
        found.append({"what": what, "host": parts["Host"], "port": int(port), "vars": var})
    return found


def resources(model, options):
    """The operator's Secrets and WeightsAndBiases resource for ``model``.

    ``model``: ``wandb_config.settings()``'s output (its errors are carried
    over). ``options``: ``name``, ``namespace``, ``version``, ``size``,
    ``retention_policy``, ``allow_purge``, ``ca_certs`` (PEM texts W&B must
    trust), ``redis_ca`` (PEM text of the Redis CA, or empty), ``labels``.

    Returns ``secrets`` (Secret manifests, ``stringData``), ``resource`` (the
    custom resource; holds Secret references only), ``secret_names``,
    ``errors`` and ``warnings``.
    """
    out = _Out()
    out.errors.extend(model.get("errors") or [])
    out.warnings.extend(model.get("warnings") or [])
    o = _options(options, out)
    env = dict(model.get("env") or {})
    secret_keys = set(model.get("secret_env_keys_set") or [])
    name, namespace = o.get("name") or "", o.get("namespace") or ""
    labels = {"app.kubernetes.io/managed-by": "onprem.wandb", "app.kubernetes.io/instance": name}
    labels.update(o.get("labels") or {})
    names = {s: "%s-%s" % (name, s) for s in SECRET_SUFFIXES}
    data = {s: {} for s in SECRET_SUFFIXES}

    if env.get(MYSQL):
        data["mysql"] = mysql_parts(env[MYSQL])
    if env.get(REDIS):
        data["redis"], redis_user = redis_parts(env[REDIS])
        if redis_user and redis_user != "default":
            # The operator's externalRedis has no user name field: it logs in as "default".
            out.error(
                "wandb_redis_username",
                "W&B's operator logs in to Redis without a user name (Redis' default user), "
                "but wandb_redis_username is set: give the operator a Redis whose default user "
                "has wandb_redis_password, and set wandb_redis_username to default.",
            )
        if o.get("redis_ca"):
            data["redis"]["SslCa"] = o["redis_ca"]
    if env.get(BUCKET):
        data["object-store"] = bucket_parts(
            env[BUCKET], env.get(AWS_REGION, ""), env.get(AZURE_KEY, "")
        )
    else:
        out.error(
            "wandb_storage_bucket",
            "W&B's operator keeps W&B's files in a bucket, and none is configured (the VM site "
            "keeps them under /vol): set wandb_storage_bucket and its wandb_storage_* "
            "companions, and move the files there first (see the operator migration guide).",
        )
    oidc_spec, data["oidc"] = _oidc(env, names["oidc"])

    overrides = []
    for key in model.get("env_keys") or sorted(env):
        if key in TYPED_KEYS or key not in env:
            continue
        if key in secret_keys:
            data["env"][key] = env[key]
            overrides.append({"name": key, "valueFrom": {"secretKeyRef": _ref(names["env"], key)}})
        else:
            overrides.append({"name": key, "value": env[key]})

    def refs(suffix, fields):
        return {field: _ref(names[suffix], key) for key, field in fields if key in data[suffix]}

    wandb = {
        "hostname": env.get(HOST, ""),
        "version": str(o.get("version") or ""),
        # Required by the CRD; the collection enables no optional feature.
        "features": {},
        "bucketProxy": False,
    }
    if oidc_spec:
        wandb["oidc"] = oidc_spec
    if overrides:
        wandb["legacyOverrides"] = {"global": {"env": overrides}}
    spec = {
        "size": o["size"],
        "retentionPolicy": {"onDelete": o["retention_policy"]},
        "wandb": wandb,
        "mysql": {
            DEFAULT_INSTANCE: {
                "externalMysql": refs(
                    "mysql",
                    [
                        ("Host", "host"),
                        ("Port", "port"),
                        ("Database", "database"),
                        ("Username", "username"),
                        ("Password", "password"),
                        ("Tls", "tls"),
                    ],
                )
            }
        },
        "redis": {
            DEFAULT_INSTANCE: {
                "externalRedis": refs(
                    "redis",
                    [
                        ("Host", "host"),
                        ("Port", "port"),
                        ("Password", "password"),
                        ("Tls", "tls"),
                        ("SslCa", "sslCa"),
                    ],
                )
            }
        },
        "objectStore": {
            DEFAULT_INSTANCE: {
                "externalObjectStore": refs(
                    "object-store",
                    [
                        ("Provider", "provider"),
                        ("Host", "endpoint"),
                        ("Port", "port"),
                        ("AccessKey", "accessKey"),
                        ("SecretKey", "secretKey"),
                        ("Bucket", "bucket"),
                        ("Path", "path"),
                        ("Region", "region"),
                        ("TlsEnabled", "tlsEnabled"),
                    ],
                )
            }
        },
    }
    ca_certs = [str(c).strip() + "\n" for c in (o.get("ca_certs") or []) if str(c).strip()]
    if ca_certs:
        spec["global"] = {"customCACerts": ca_certs}
    secrets = [_secret(names[s], namespace, labels, data[s]) for s in SECRET_SUFFIXES if data[s]]
    resource = {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": labels,
        },
        "spec": spec,
    }
    return {
        "endpoints": _endpoints(data),
        "api_version": API_VERSION,
        "kind": KIND,
        "crd": CRD_NAME,
        "served_version": API_VERSION.split("/")[1],
        "secrets": secrets if not out.errors else [],
        "secret_names": [s["metadata"]["name"] for s in secrets],
        "resource": resource if not out.errors else {},
        "errors": out.errors,
        "warnings": out.warnings,
    }
