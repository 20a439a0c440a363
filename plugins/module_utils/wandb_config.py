# Copyright: (c) 2026, onprem.wandb contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""W&B Server's configuration as data: the one place that knows W&B's names.

``settings(config)`` takes the site's W&B settings (the server role's
variables without their ``wandb_server_`` prefix, plus the shared MySQL and
Redis connection parts) and returns what W&B reads: the environment, which of
its keys are secret, what the container mounts and which ports it serves.
Renderers (the env file today, an operator custom resource later) only lay
this data out; none of them repeats a W&B variable name or URL form.

Nothing here raises on bad input: every problem is returned in ``errors``,
each naming the variable to fix and never quoting a value, so a role can
fail in preflight with a message that is safe to print.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from urllib.parse import unquote, urlsplit

from ansible_collections.onprem.wandb.plugins.module_utils.service_urls import (
    ServiceURLError,
    bucket_url,
    mysql_url,
    redis_url,
)

# --- what W&B reads (see the product contract) ----------------------------
APP_PORT = 8080
METRICS_PORT = 8181
DATA_PATH = "/vol"
DEFAULT_USER = "999"
# W&B's chart mounts the n-th custom CA under this name; the image trusts it at start.
CA_MOUNT = "/usr/local/share/ca-certificates/customCA%d.crt"
READY_PATH = "/ready"
HEALTH_PATH = "/healthz"
OIDC_AUTH_METHODS = ("implicit", "pkce")

RATE_LIMIT_PREFIX = "GORILLA_DEFAULT_RATE_LIMITS_"
RATE_LIMIT_NAMES = (
    "FILESTREAM_COUNT",
    "FILESTREAM_SIZE",
    "FILESTREAM_PER_RUN_COUNT",
    "RUN_UPDATE_COUNT",
    "SDK_GRAPHQL_QUERY_SECONDS",
    "CREATE_ARTIFACTS",
    "CREATE_ARTIFACTS_TIME_WINDOW",
    # Older W&B material uses these two; passed through under their own names.
    "FILESTREAM",
    "GRAPHQL",
)
LDAP_PREFIX = "LOCAL_LDAP_"
LDAP_KEYS = (
    "address",
    "base_dn",
    "bind_dn",
    "bind_pw",
    "attributes",
    "tls_enable",
    "group_allow_list",
    "login",
)

# Every variable the collection writes itself, in the order the env file
# lists them; True marks the ones that carry a credential.
MANAGED_ENV = (
    ("HOST", False),
    ("LICENSE", True),
    ("MYSQL", True),
    ("REDIS", True),
    ("BUCKET", True),
    ("BUCKET_QUEUE", False),
    ("AWS_REGION", False),
    ("AWS_S3_KMS_ID", False),
    ("OIDC_ISSUER", False),
    ("OIDC_CLIENT_ID", False),
    ("OIDC_AUTH_METHOD", False),
    # The client secret's name changed between releases: current ones read either.
    ("OIDC_SECRET", True),
    ("GORILLA_OIDC_SECRET", True),
    ("GORILLA_OIDC_CUSTOM_SCOPES", False),
    ("GORILLA_ENABLE_SSO_GROUP_CLAIMS", False),
    ("GORILLA_USE_IDENTIFIER_CLAIMS", False),
    ("DISABLE_SSO_PROVISIONING", False),
    ("SESSION_LENGTH", False),
    # Break-glass local login while SSO is broken (the sso role's recovery playbook).
    ("LOCAL_RESTORE", False),
    # The limiter reuses the REDIS URL, password included.
    ("GORILLA_LIMITER", True),
    ("GORILLA_EMAIL_SINK", True),
    ("GORILLA_EMAIL_FROM_ADDRESS", False),
)
MANAGED_ENV_KEYS = tuple(k for k, _secret in MANAGED_ENV)
MANAGED_ENV_PREFIXES = (RATE_LIMIT_PREFIX, LDAP_PREFIX)
# The keys whose values are credentials: the managed ones marked above, plus
# two W&B reads that a site may pass through (Azure's key beside an az://
# BUCKET, the LDAP bind password). Order kept as the module documents it.
SECRET_ENV_KEYS = (
    "LICENSE",
    "MYSQL",
    "REDIS",
    "BUCKET",
    "GORILLA_LIMITER",
    "OIDC_SECRET",
    "GORILLA_OIDC_SECRET",
    "AZURE_STORAGE_KEY",
    "GORILLA_EMAIL_SINK",
    LDAP_PREFIX + "BIND_PW",
)
# Anything named like a credential is treated as one even when nobody listed
# it: pass-through env (arbitrary GORILLA_* settings) must not leak by omission.
SECRET_KEY_PATTERN = re.compile(r"PASSWORD|SECRET|TOKEN|_KEY$|_PW$", re.IGNORECASE)

_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")


def is_secret_key(key, extra=()):
    return key in SECRET_ENV_KEYS or key in extra or bool(SECRET_KEY_PATTERN.search(key))


def _text(value):
    """Env values as W&B parses them: booleans lower case, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else ""
    return str(value)


def _flag(value):
    return "true" if value else ""


def _env_value(value):
    # Pass-through values keep false as the literal W&B reads.
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


class _Result(object):
    def __init__(self, prefix):
        self.prefix = prefix
        self.errors = []

    def error(self, var, msg):
        self.errors.append({"var": var, "msg": msg})

    def var(self, name):
        return self.prefix + name


def _connection(config, out, service, build):
    """MYSQL or REDIS: the explicit URL, else one built from the shared parts.

    ``service`` is ``mysql`` or ``redis``, the stem of the shared variables
    (``wandb_<service>_password``, ``wandb_<service>_connect_host``).
    """
    explicit = config.get(service + "_url") or ""
    if explicit:
        return explicit
    parts = dict(config.get(service) or {})
    names = {"password": "wandb_%s_password" % service, "host": "wandb_%s_connect_host" % service}
    missing = [names[k] for k in ("password", "host") if not parts.get(k)]
    if missing:
        out.error(
            missing[-1],
            "W&B needs %s. Missing: %s. Set them in group_vars/all (%s defaults to the W&B "
            "network gateway only when the host is also in the wandb_%s group), or give %s "
            "explicitly."
            % (
                "MySQL" if service == "mysql" else "Redis",
                ", ".join(missing),
                names["host"],
                service,
                out.var(service + "_url"),
            ),
        )
        return ""
    try:
        return build(parts)
    except ServiceURLError as e:
        out.error(
            "wandb_%s_*" % service,
            "%s cannot be built from wandb_%s_*: %s." % (service.upper(), service, e),
        )
        return ""


def _mysql(config, out):
    return _connection(
        config,
        out,
        "mysql",
        lambda m: mysql_url(
            m.get("user"),
            m["password"],
            m["host"],
            m.get("port") or 3306,
            m.get("database"),
            m.get("tls"),
        ),
    )


def _redis(config, out):
    return _connection(
        config,
        out,
        "redis",
        lambda r: redis_url(
            r["password"],
            r["host"],
            r.get("port") or 6379,
            r.get("username") or "",
            bool(r.get("tls")),
            r.get("ttl_in_seconds"),
            r.get("ca_cert_path") or None,
        ),
    )


# --- object storage (the storage role's variables) -------------------------
STORAGE_PREFIX = "wandb_storage_"
STORAGE_TYPES = ("s3", "gcs", "azure")
# W&B's docs: a third-party (S3-compatible) store is paired with the internal queue.
BUCKET_QUEUE_INTERNAL = "internal://"
# S3's bucket naming rules; S3-compatible stores accept these names too.
_S3_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_GCS_BUCKET = re.compile(r"^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$")
_AZURE_CONTAINER = re.compile(r"^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")
_AZURE_ACCOUNT = re.compile(r"^[a-z0-9]{3,24}$")
_ENDPOINT = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?$")
_PATH_PREFIX = re.compile(r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$")
_REGION = re.compile(r"^[A-Za-z0-9_.-]+$")
# The storage variables that only mean something for one kind of store.
_S3_ONLY = ("endpoint", "access_key", "secret_key", "region", "kms_key_id")
_AZURE_ONLY = ("azure_account", "azure_key")


def storage(config):
    """W&B's object-storage settings from the storage variables (without their prefix).

    Returns ``env`` (BUCKET, AWS_REGION, AWS_S3_KMS_ID, AZURE_STORAGE_KEY as set),
    ``kind`` (``none``, ``s3``, ``s3_instance``, ``gcs`` or ``azure``), ``checkable``
    (the collection can prove the bucket from the W&B host: an S3 API with keys),
    ``errors`` and ``warnings``, each naming a ``wandb_storage_*`` variable and
    never quoting a credential.
    """
    out = _Result(STORAGE_PREFIX)
    warnings = []
    c = dict(config or {})
    kind = str(c.get("type") or "s3").lower()
    bucket = str(c.get("bucket") or "")
    result = {"env": {}, "kind": "none", "checkable": False, "errors": out.errors}
    result["warnings"] = warnings
    if kind not in STORAGE_TYPES:
        out.error(
            out.var("type"),
            '%s must be one of %s, got "%s".' % (out.var("type"), ", ".join(STORAGE_TYPES), kind),
        )
        return result
    if not bucket:
        stray = [out.var(k) for k in _S3_ONLY + _AZURE_ONLY + ("path_prefix",) if c.get(k)]
        if stray:
            out.error(
                out.var("bucket"),
                "%s is empty (W&B keeps files in /vol) but %s %s set: set %s, or drop them."
                % (
                    out.var("bucket"),
                    ", ".join(stray),
                    "is" if len(stray) == 1 else "are",
                    out.var("bucket"),
                ),
            )
        return result
    prefix = str(c.get("path_prefix") or "")
    if prefix and not _PATH_PREFIX.match(prefix):
        out.error(
            out.var("path_prefix"),
            "%s may hold letters, digits, '.', '_', '-' and single '/' between parts, "
            "without a leading or trailing '/' (e.g. wandb/prod)." % out.var("path_prefix"),
        )
        prefix = ""
    ignored = [
        out.var(k)
        for k in (_AZURE_ONLY if kind != "azure" else ()) + (_S3_ONLY if kind != "s3" else ())
        if c.get(k)
    ]
    if ignored:
        out.error(
            out.var("type"),
            "%s is %s, which does not read %s: drop %s."
            % (out.var("type"), kind, ", ".join(ignored), "it" if len(ignored) == 1 else "them"),
        )
    if kind == "s3":
        _storage_s3(c, bucket, prefix, out, warnings, result)
    elif kind == "gcs":
        if not _GCS_BUCKET.match(bucket):
            out.error(out.var("bucket"), "%s is not a valid GCS bucket name." % out.var("bucket"))
        result["kind"] = "gcs"
        result["env"]["BUCKET"] = bucket_url(bucket, scheme="gs", prefix=prefix or None)
    else:
        account = str(c.get("azure_account") or "")
        if not _AZURE_ACCOUNT.match(account):
            out.error(
                out.var("azure_account"),
                "%s must be the storage account name (3-24 lower-case letters and digits)."
                % out.var("azure_account"),
            )
        if not _AZURE_CONTAINER.match(bucket):
            out.error(
                out.var("bucket"),
                "%s must be the Azure container name (3-63 lower-case letters, digits and "
                "single hyphens)." % out.var("bucket"),
            )
        if not out.errors:
            result["env"]["BUCKET"] = bucket_url(
                bucket, scheme="az", account=account, prefix=prefix or None
            )
            if c.get("azure_key"):
                result["env"]["AZURE_STORAGE_KEY"] = str(c["azure_key"])
        result["kind"] = "azure"
    if out.errors:
        result["env"] = {}
    return result


def _storage_s3(c, bucket, prefix, out, warnings, result):
    endpoint = str(c.get("endpoint") or "")
    access_key = str(c.get("access_key") or "")
    secret_key = str(c.get("secret_key") or "")
    region = str(c.get("region") or "")
    if not _S3_BUCKET.match(bucket):
        out.error(
            out.var("bucket"),
            "%s must be an S3 bucket name: 3-63 lower-case letters, digits, '.' and '-', "
            "starting and ending with a letter or digit." % out.var("bucket"),
        )
    if endpoint and not _ENDPOINT.match(endpoint):
        hint = ""
        if "://" in endpoint:
            hint = " without a scheme (TLS is %s)" % out.var("tls")
        elif "/" in endpoint:
            hint = " without a path (the bucket is %s)" % out.var("bucket")
        out.error(
            out.var("endpoint"),
            "%s must be HOST or HOST:PORT of the S3 API%s, e.g. s3.example.com:9000."
            % (out.var("endpoint"), hint),
        )
    if endpoint and not (access_key and secret_key):
        missing = [
            out.var(k) for k, v in (("access_key", access_key), ("secret_key", secret_key)) if not v
        ]
        out.error(
            missing[0],
            "An S3-compatible endpoint (%s) needs access keys: set %s (keep the secret in a vault)."
            % (out.var("endpoint"), " and ".join(missing)),
        )
    if not endpoint and (access_key or secret_key):
        out.error(
            out.var("endpoint"),
            "Access keys are set but %s is empty: W&B reads keys only together with the S3 "
            "endpoint (for AWS: s3.REGION.amazonaws.com). Set it, or drop the keys to use the "
            "host's instance credentials." % out.var("endpoint"),
        )
    if region and not _REGION.match(region):
        out.error(out.var("region"), "%s must be a region name like us-east-1." % out.var("region"))
    if c.get("tls") is False or str(c.get("tls")).lower() == "false":
        warnings.append(
            "%s is false: W&B, the SDK and browsers reach the bucket over plain HTTP, and the "
            "presigned URLs W&B hands out travel unencrypted." % out.var("tls")
        )
    result["kind"] = "s3" if endpoint else "s3_instance"
    result["checkable"] = bool(endpoint and access_key and secret_key)
    if out.errors:
        return
    try:
        result["env"]["BUCKET"] = bucket_url(
            bucket,
            host=endpoint or None,
            access_key=access_key or None,
            secret_key=secret_key or None,
            tls=not (c.get("tls") is False or str(c.get("tls")).lower() == "false"),
            prefix=prefix or None,
        )
    except ServiceURLError as e:
        out.error(out.var("bucket"), "BUCKET cannot be built from %s*: %s." % (STORAGE_PREFIX, e))
        return
    if region:
        result["env"]["AWS_REGION"] = region
    if c.get("kms_key_id"):
        result["env"]["AWS_S3_KMS_ID"] = str(c["kms_key_id"])


def _bucket(config, out):
    """BUCKET and its companions, from the storage variables or the older server ones."""
    store = storage(config.get("storage") or {})
    out.errors.extend(store["errors"])
    explicit = config.get("bucket_url") or ""
    params = config.get("bucket") or {}
    legacy = {"AWS_REGION": config.get("aws_region") or "", "AWS_S3_KMS_ID": ""}
    legacy["AWS_S3_KMS_ID"] = config.get("aws_s3_kms_id") or ""
    if store["kind"] != "none":
        if explicit or params:
            out.error(
                STORAGE_PREFIX + "bucket",
                "%sbucket and %s both set BUCKET: keep the %s* variables and remove %s "
                "(deprecated)."
                % (
                    STORAGE_PREFIX,
                    out.var("bucket_url" if explicit else "bucket"),
                    STORAGE_PREFIX,
                    out.var("bucket_url" if explicit else "bucket"),
                ),
            )
        clash = [
            (name, key)
            for name, key in (("aws_region", "AWS_REGION"), ("aws_s3_kms_id", "AWS_S3_KMS_ID"))
            if legacy[key] and store["env"].get(key) and legacy[key] != store["env"][key]
        ]
        for name, key in clash:
            out.error(
                out.var(name),
                "%s and %s both set %s to different values: keep %s and remove %s (deprecated)."
                % (
                    out.var(name),
                    STORAGE_PREFIX + ("region" if key == "AWS_REGION" else "kms_key_id"),
                    key,
                    STORAGE_PREFIX + ("region" if key == "AWS_REGION" else "kms_key_id"),
                    out.var(name),
                ),
            )
        env = dict(legacy)
        env.update(store["env"])
        return env, store["warnings"]
    if explicit:
        return dict(legacy, BUCKET=explicit), []
    if not params:
        return dict(legacy), []
    try:
        return dict(legacy, BUCKET=bucket_url(**params)), []
    except ServiceURLError as e:
        out.error(out.var("bucket"), "%s: %s." % (out.var("bucket"), e))
    except TypeError:
        out.error(
            out.var("bucket"),
            "%s has unknown keys: use bucket, host, access_key, secret_key, tls, scheme, prefix, "
            "account." % out.var("bucket"),
        )
    return dict(legacy), []


# --- single sign-on (the sso role's variables) -------------------------------
SSO_PREFIX = "wandb_sso_"
# Where W&B's OIDC client sends users back, and its logout page (contract: SSO).
OIDC_CALLBACK_PATH = "/oidc/callback"
OIDC_LOGOUT_PATH = "/logout"
OIDC_DISCOVERY_PATH = "/.well-known/openid-configuration"
# What each auth method needs from the IdP: the response type W&B asks for, the
# grant the client must be allowed, and (pkce) the code challenge method.
OIDC_FLOWS = {
    "implicit": {
        "response_type": "id_token",
        "response_mode": "form_post",
        "grant_type": "implicit",
        "code_challenge_method": "",
    },
    "pkce": {
        "response_type": "code",
        "response_mode": "query",
        "grant_type": "authorization_code",
        "code_challenge_method": "S256",
    },
}
# The literal origin W&B's chart adds beside HOST when OIDC is on (form_post
# callbacks arrive from an opaque origin).
OIDC_NULL_ORIGIN = "null"
SESSION_LENGTH_DEFAULT_HOURS = 720
_SCOPE = re.compile(r"^[\x21\x23-\x2b\x2d-\x5b\x5d-\x7e]+$")
# The sso variable (without prefix) each older server variable stood for.
_SSO_LEGACY = (
    ("issuer", "oidc_issuer"),
    ("client_id", "oidc_client_id"),
    ("auth_method", "oidc_auth_method"),
    ("secret", "oidc_secret"),
    ("scopes", "oidc_custom_scopes"),
    ("group_claims", "oidc_group_claims"),
    ("use_identifier_claims", "oidc_use_identifier_claims"),
    ("allow_insecure_issuer", "oidc_allow_insecure_issuer"),
)


def _origin(url):
    m = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*://[^/?#]+)", url or "")
    return m.group(1) if m else ""


def _join_origins(given, add):
    origins = [o for o in re.split(r"[\s,]+", given or "") if o]
    origins.extend(o for o in add if o not in origins)
    return ",".join(origins)


def _is_false(value):
    return value is False or str(value).lower() in ("false", "no", "0")


def sso(config, names=None, legacy=False):
    """W&B's SSO settings from the sso variables (without their ``wandb_sso_`` prefix).

    Keys read: ``issuer``, ``client_id``, ``auth_method`` (``implicit`` or ``pkce``),
    ``secret``, ``scopes`` (list), ``group_claims``, ``use_identifier_claims``,
    ``provisioning`` (false: W&B creates no user on first SSO login),
    ``session_length`` (hours), ``allow_insecure_issuer``, ``local_restore``, and
    ``host`` (W&B's HOST). ``names`` maps a key to the variable a message names
    (default ``wandb_sso_<key>``); ``legacy`` keeps the older server variables'
    leniency (client settings without an issuer are ignored, not refused).

    Returns ``enabled``, ``issuer``, ``auth_method``, ``flow`` (what the IdP must
    allow), ``discovery_url``, ``env``, ``cors_origins``, ``registration`` (what
    the IdP administrator registers), ``local_restore``, ``errors`` and
    ``warnings``; messages never quote a secret.
    """
    c = dict(config or {})
    names = dict(names or {})
    out = _Result(SSO_PREFIX)

    def var(key):
        return names.get(key) or out.var(key)

    warnings = []
    issuer = str(c.get("issuer") or "")
    client_id = str(c.get("client_id") or "")
    method = str(c.get("auth_method") or "implicit")
    host = str(c.get("host") or "").rstrip("/")
    env = {}
    if method not in OIDC_AUTH_METHODS:
        out.error(
            var("auth_method"),
            '%s must be one of: %s, got "%s".'
            % (var("auth_method"), ", ".join(OIDC_AUTH_METHODS), method),
        )
        method = "implicit"
    length = c.get("session_length")
    if length not in (None, ""):
        if not re.match(r"^[0-9]+$", str(length)) or int(str(length)) < 1:
            out.error(
                var("session_length"),
                "%s is the session length in whole hours (W&B's default is %d): set a number "
                "of 1 or more, or leave it empty."
                % (var("session_length"), SESSION_LENGTH_DEFAULT_HOURS),
            )
        else:
            env["SESSION_LENGTH"] = str(int(str(length)))
    if _is_false(c.get("provisioning", True)):
        env["DISABLE_SSO_PROVISIONING"] = "true"
    if c.get("local_restore") is True or str(c.get("local_restore")).lower() == "true":
        env["LOCAL_RESTORE"] = "true"
        warnings.append(
            "%s is on: W&B ignores SSO and accepts the temporary local admin password it "
            "printed to its log. Turn it off once SSO works again: sso_recovery.yml -e "
            "wandb_sso_recovery=off (and %s: false in the inventory)."
            % (var("local_restore"), var("local_restore"))
        )
    result = {
        "enabled": False,
        "issuer": issuer,
        "auth_method": method,
        "flow": dict(OIDC_FLOWS[method]),
        "discovery_url": "",
        "env": env,
        "cors_origins": [],
        "registration": {},
        "local_restore": "LOCAL_RESTORE" in env,
        "errors": out.errors,
        "warnings": warnings,
    }
    if not issuer:
        stray = [var(k) for k in ("client_id", "secret") if c.get(k)]
        if stray and not legacy:
            out.error(
                var("issuer"),
                "%s is empty (SSO off) but %s %s set: set %s to the IdP's issuer URL, or drop "
                "them."
                % (
                    var("issuer"),
                    ", ".join(stray),
                    "is" if len(stray) == 1 else "are",
                    var("issuer"),
                ),
            )
        return result
    if not re.match(r"^https?://[^/?#\s]+[^?#\s]*$", issuer):
        out.error(
            var("issuer"),
            "%s must be the issuer URL with scheme and without query or spaces, e.g. "
            "https://idp.example.com/realms/wandb." % var("issuer"),
        )
    elif issuer.startswith("http://") and not c.get("allow_insecure_issuer"):
        # Tokens and the client secret would cross the network in clear.
        out.error(
            var("issuer"),
            "%s uses http://: the IdP must be reached over TLS. Use its https:// issuer, or set "
            "%s: true for a test IdP." % (var("issuer"), var("allow_insecure_issuer")),
        )
    if not client_id:
        out.error(
            var("client_id"),
            "%s is set but %s is empty: set the client id registered at the IdP."
            % (var("issuer"), var("client_id")),
        )
    scopes = c.get("scopes") or []
    if isinstance(scopes, str):
        scopes = [scopes]
    bad = [str(s) for s in scopes if not _SCOPE.match(str(s))]
    if bad:
        out.error(
            var("scopes"),
            "%s holds %d scope(s) with a space, comma, quote or backslash: list each scope as "
            "its own item (e.g. [groups, offline_access])." % (var("scopes"), len(bad)),
        )
    secret = str(c.get("secret") or "")
    env.update(
        {
            "OIDC_ISSUER": issuer,
            "OIDC_CLIENT_ID": client_id,
            "OIDC_AUTH_METHOD": method,
            # Releases read the client secret under either name (contract: SSO).
            "OIDC_SECRET": secret,
            "GORILLA_OIDC_SECRET": secret,
            "GORILLA_OIDC_CUSTOM_SCOPES": ",".join(str(s) for s in scopes),
            "GORILLA_ENABLE_SSO_GROUP_CLAIMS": _flag(c.get("group_claims")),
            "GORILLA_USE_IDENTIFIER_CLAIMS": _flag(c.get("use_identifier_claims")),
        }
    )
    origin = _origin(host)
    flow = result["flow"]
    result.update(
        enabled=True,
        discovery_url=issuer.rstrip("/") + OIDC_DISCOVERY_PATH,
        env={k: v for k, v in env.items() if v != ""},
        cors_origins=[o for o in (host, OIDC_NULL_ORIGIN) if o],
        registration={
            "client_id": client_id,
            "redirect_uri": host + OIDC_CALLBACK_PATH if host else "",
            "logout_uri": host + OIDC_LOGOUT_PATH if host else "",
            "origin": origin,
            "grant_type": flow["grant_type"],
            "response_type": flow["response_type"],
            "response_mode": flow["response_mode"],
            "code_challenge_method": flow["code_challenge_method"],
            "client_secret": bool(secret),
        },
    )
    return result


def sso_settings(config, prefix="wandb_server_"):
    """The SSO part of ``settings`` on its own (same input shape: ``host``, ``sso``
    and the older ``oidc_*``, ``session_length``, ``disable_sso_provisioning``)."""
    out = _Result(prefix)
    part = dict(_sso(config, out))
    part["errors"] = out.errors
    return part


def _sso(config, out):
    """The sso part of ``settings``: the sso variables, or the older server ones."""
    new = dict(config.get("sso") or {})
    new.setdefault("host", config.get("host") or "")
    legacy_set = bool(config.get("oidc_issuer"))
    if legacy_set and new.get("issuer"):
        out.error(
            SSO_PREFIX + "issuer",
            "%sissuer and %s are both set: keep the %s* variables and remove the %s* ones "
            "(deprecated)." % (SSO_PREFIX, out.var("oidc_issuer"), SSO_PREFIX, out.var("oidc_")),
        )
    names = {}
    use_legacy = legacy_set and not new.get("issuer")
    if use_legacy:
        for key, old in _SSO_LEGACY:
            new[key] = config.get(old)
            names[key] = out.var(old)
    elif config.get("oidc_auth_method") and config["oidc_auth_method"] not in OIDC_AUTH_METHODS:
        out.error(
            out.var("oidc_auth_method"),
            '%s must be one of: %s, got "%s".'
            % (
                out.var("oidc_auth_method"),
                ", ".join(OIDC_AUTH_METHODS),
                config["oidc_auth_method"],
            ),
        )
    # Two older server variables, independent of the issuer.
    if config.get("disable_sso_provisioning"):
        new["provisioning"] = False
        names.setdefault("provisioning", out.var("disable_sso_provisioning"))
    old_length = config.get("session_length")
    if old_length not in (None, ""):
        if new.get("session_length") in (None, ""):
            new["session_length"] = old_length
            names.setdefault("session_length", out.var("session_length"))
        elif str(new["session_length"]) != str(old_length):
            out.error(
                SSO_PREFIX + "session_length",
                "%ssession_length and %s both set SESSION_LENGTH to different values: keep "
                "%ssession_length and remove %s (deprecated)."
                % (SSO_PREFIX, out.var("session_length"), SSO_PREFIX, out.var("session_length")),
            )
    part = sso(new, names, legacy=use_legacy)
    out.errors.extend(part["errors"])
    if use_legacy:
        part["warnings"] = [
            *part["warnings"],
            "DEPRECATED: %s* still set W&B's OIDC settings. Move them to the %s* variables "
            "(%s); see roles/sso/README.md."
            % (
                out.var("oidc_"),
                SSO_PREFIX,
                ", ".join(
                    "%s -> %s%s" % (out.var(old), SSO_PREFIX, key) for key, old in _SSO_LEGACY[:4]
                ),
            ),
        ]
    return part


def _rate_limits(config, out):
    limits = config.get("rate_limits") or {}
    env, bad = {}, []
    for key, value in limits.items():
        name = str(key).upper()
        if name.startswith(RATE_LIMIT_PREFIX):
            name = name[len(RATE_LIMIT_PREFIX) :]
        if name not in RATE_LIMIT_NAMES:
            bad.append(str(key))
            continue
        env[RATE_LIMIT_PREFIX + name] = _env_value(value)
    if bad:
        out.error(
            out.var("rate_limits"),
            "%s has unknown key(s) %s; W&B reads %s (with or without the %s prefix)."
            % (
                out.var("rate_limits"),
                ", ".join(bad),
                ", ".join(RATE_LIMIT_NAMES),
                RATE_LIMIT_PREFIX,
            ),
        )
    return env


def _ldap(config, out):
    ldap = config.get("ldap") or {}
    env, bad = {}, []
    for key, value in ldap.items():
        if str(key).lower() not in LDAP_KEYS:
            bad.append(str(key))
            continue
        env[LDAP_PREFIX + str(key).upper()] = _env_value(value)
    if bad:
        out.error(
            out.var("ldap"),
            "%s has unknown key(s) %s; use %s."
            % (out.var("ldap"), ", ".join(bad), ", ".join(LDAP_KEYS)),
        )
    return env


def _extra(config, out):
    extra = config.get("extra_env") or {}
    bad = [str(k) for k in extra if not _ENV_NAME.match(str(k))]
    managed = [
        str(k)
        for k in extra
        if str(k) in MANAGED_ENV_KEYS or str(k).startswith(MANAGED_ENV_PREFIXES)
    ]
    if bad:
        out.error(
            out.var("extra_env"),
            "%s key(s) %s are not environment variable names (A-Z, 0-9, _)."
            % (out.var("extra_env"), ", ".join(bad)),
        )
    elif managed:
        out.error(
            out.var("extra_env"),
            "%s sets %s, which the role writes itself: use the role variables "
            "(roles/server/defaults/main.yml) instead."
            % (out.var("extra_env"), ", ".join(managed)),
        )
    return {str(k): _env_value(v) for k, v in extra.items()}


def _ca_files(config):
    """Host copies of the CAs W&B must trust, and where the container sees them."""
    ca_dir = config.get("ca_dir") or ""
    files = [
        {
            "src": src,
            "host": "%s/customCA%d.crt" % (ca_dir, i),
            "container": CA_MOUNT % i,
            "redis": False,
        }
        for i, src in enumerate(config.get("ca_certs") or [])
    ]
    redis_ca = config.get("redis_ca") or ""
    if redis_ca:
        files.append(
            {
                "src": redis_ca,
                "host": "%s/redis-ca.pem" % ca_dir,
                "container": config.get("redis_ca_container_path") or "",
                "redis": True,
            }
        )
    return files


def settings(config, prefix="wandb_server_"):
    """W&B's settings for ``config``: env, secret keys, CA files, mounts, errors."""
    out = _Result(prefix)
    if not config.get("host"):
        out.error(out.var("host"), "HOST is empty: set wandb_host_url (or %s)." % out.var("host"))
    if not config.get("license"):
        out.error(
            out.var("license"),
            "LICENSE is empty: set %s (keep it in a vault)." % out.var("license"),
        )
    redis_env = _redis(config, out)
    bucket_env, warnings = _bucket(config, out)
    bucket = bucket_env.get("BUCKET", "")
    limiter = config.get("rate_limiter") or ""
    smtp = config.get("smtp_url") or ""
    if smtp and not smtp.startswith("smtp://"):
        out.error(
            out.var("smtp_url"),
            "%s must start with smtp:// (smtp://USER:PASS@host:port, percent-encoded)."
            % out.var("smtp_url"),
        )
    env = {
        "HOST": (config.get("host") or "").rstrip("/"),
        "LICENSE": config.get("license") or "",
        "MYSQL": _mysql(config, out),
        "REDIS": redis_env,
        "BUCKET": bucket,
        # A queue only means something beside a bucket.
        "BUCKET_QUEUE": (config.get("bucket_queue") or "") if bucket else "",
        "AWS_REGION": bucket_env.get("AWS_REGION", ""),
        "AWS_S3_KMS_ID": bucket_env.get("AWS_S3_KMS_ID", ""),
        "GORILLA_LIMITER": redis_env if limiter == "redis" else limiter,
        "GORILLA_EMAIL_SINK": smtp,
        "GORILLA_EMAIL_FROM_ADDRESS": config.get("smtp_from") or "",
    }
    sso_part = _sso(config, out)
    warnings = warnings + sso_part["warnings"]
    env.update(sso_part["env"])
    env.update(_rate_limits(config, out))
    env.update(_ldap(config, out))
    extra = _extra(config, out)
    if sso_part["cors_origins"]:
        # W&B's chart: the site's own origins first, then HOST and "null".
        extra["GORILLA_CORS_ORIGINS"] = _join_origins(
            extra.get("GORILLA_CORS_ORIGINS", ""), sso_part["cors_origins"]
        )
    if "AZURE_STORAGE_KEY" in bucket_env and "AZURE_STORAGE_KEY" in extra:
        out.error(
            out.var("extra_env"),
            "%s sets AZURE_STORAGE_KEY, which %sazure_key sets too: keep only %sazure_key."
            % (out.var("extra_env"), STORAGE_PREFIX, STORAGE_PREFIX),
        )
    if "AZURE_STORAGE_KEY" in bucket_env:
        env["AZURE_STORAGE_KEY"] = bucket_env["AZURE_STORAGE_KEY"]
    env.update(extra)
    env = {k: v for k, v in env.items() if v != ""}
    multiline = sorted(k for k, v in env.items() if "\n" in v or "\r" in v)
    if multiline:
        out.error(
            "env",
            "These W&B settings contain a line break, which the one-line-per-variable env file "
            "cannot hold: %s. Remove the line break from the variable that sets them."
            % ", ".join(multiline),
        )
    extra_secret = tuple(config.get("extra_secret_env_keys") or ())
    ca_files = _ca_files(config)
    mounts = []
    if config.get("data_dir"):
        mounts.append("%s:%s:rw" % (config["data_dir"], DATA_PATH))
    mounts.extend("%s:%s:ro" % (f["host"], f["container"]) for f in ca_files)
    order = {k: i for i, k in enumerate(MANAGED_ENV_KEYS)}
    keys = sorted(env, key=lambda k: (order.get(k, len(order)), k))
    return {
        "env": dict((k, env[k]) for k in keys),
        "env_keys": keys,
        "secret_keys": sorted(set(SECRET_ENV_KEYS) | set(extra_secret)),
        "secret_env_keys_set": sorted(k for k in keys if is_secret_key(k, extra_secret)),
        "ca_files": ca_files,
        "mounts": mounts,
        "ports": {"app": APP_PORT, "metrics": METRICS_PORT},
        "user": DEFAULT_USER,
        "ready_path": READY_PATH,
        "health_path": HEALTH_PATH,
        "sso": {k: sso_part[k] for k in ("enabled", "auth_method", "issuer", "registration")},
        "errors": out.errors,
        "warnings": warnings,
    }


# --- what a backup must keep (see the product contract) ------------------------
# W&B writes its session signing key, settings and local users under /vol/env on
# its first boot: a restore without them breaks every session and local login.
ENV_SUBDIR = "env"
# golang-migrate's bookkeeping: the schema version W&B's migrations reached, and
# whether one died half-way ("dirty"; the container then refuses to start).
MIGRATIONS_TABLE = "schema_migrations"
MIGRATIONS_VERSION_COLUMN = "version"
MIGRATIONS_DIRTY_COLUMN = "dirty"
BACKUP_VOL_MODES = ("auto", "full", "env")


def _migrations():
    """Where golang-migrate keeps W&B's schema version (a fresh dict per caller)."""
    return {
        "table": MIGRATIONS_TABLE,
        "version_column": MIGRATIONS_VERSION_COLUMN,
        "dirty_column": MIGRATIONS_DIRTY_COLUMN,
    }


def backup_plan(config, prefix="wandb_backup_"):
    """What a backup of this site must hold besides the database.

    ``config``: ``storage``, ``bucket_url`` and ``bucket`` as the server role has
    them, and ``vol`` (``auto``, ``full`` or ``env``). Without a bucket W&B keeps its files
    under /vol, so all of /vol is kept; with one, only /vol/env. Like
    ``settings``, it never raises: problems come back in ``errors``.
    """
    out = _Result(prefix)
    has_bucket = _has_bucket(config)
    vol = config.get("vol") or "auto"
    if vol not in BACKUP_VOL_MODES:
        out.error(
            out.var("vol"),
            '%s must be one of: %s, got "%s".' % (out.var("vol"), ", ".join(BACKUP_VOL_MODES), vol),
        )
        vol = "auto"
    if vol == "env" and not has_bucket:
        out.error(
            out.var("vol"),
            "%s is env, but no bucket is configured (%sbucket), so W&B keeps its files under %s "
            "and a backup of %s/%s alone would lose them. Set %s to auto or full."
            % (out.var("vol"), STORAGE_PREFIX, DATA_PATH, DATA_PATH, ENV_SUBDIR, out.var("vol")),
        )
    mode = vol if vol != "auto" else ("env" if has_bucket else "full")
    return {
        "data_path": DATA_PATH,
        "env_subdir": ENV_SUBDIR,
        "vol_mode": mode,
        "has_bucket": has_bucket,
        "migrations": _migrations(),
        "ready_path": READY_PATH,
        "errors": out.errors,
    }


def _has_bucket(config):
    """Whether W&B is told to keep its files in a bucket (outside /vol).

    The server and storage roles report a malformed bucket; this only needs to
    know whether one is configured.
    """
    if str((config.get("storage") or {}).get("bucket") or ""):
        return True
    legacy = dict(config, storage={})
    return bool(_bucket(legacy, _Result("wandb_server_"))[0].get("BUCKET"))


# --- how a release change is cut over (see the product contract) ----------------
UPGRADE_STRATEGIES = ("auto", "blue_green", "recreate")


def upgrade_plan(config, prefix="wandb_server_"):
    """How to replace a running release with another.

    ``config``: the server role's model input (``bucket_url``, ``bucket``,
    ``storage``) plus ``upgrade_strategy`` (``auto``, ``blue_green`` or
    ``recreate``). W&B's own chart runs the new release beside the old one until
    it is ready, which is safe only when no state lives in the container's
    /vol besides /vol/env, that is when a bucket is configured. Without one, two
    releases must never share /vol: stop, then start. Never raises.
    """
    out = _Result(prefix)
    has_bucket = _has_bucket(config)
    wanted = config.get("upgrade_strategy") or "auto"
    if wanted not in UPGRADE_STRATEGIES:
        out.error(
            out.var("upgrade_strategy"),
            '%s must be one of: %s, got "%s".'
            % (out.var("upgrade_strategy"), ", ".join(UPGRADE_STRATEGIES), wanted),
        )
        wanted = "auto"
    if wanted == "blue_green" and not has_bucket:
        out.error(
            out.var("upgrade_strategy"),
            "%s is blue_green, but no bucket is configured, so W&B keeps its files under %s and "
            "two releases running side by side would share them. Configure a bucket "
            "(wandb_storage_*), or use auto or recreate."
            % (out.var("upgrade_strategy"), DATA_PATH),
        )
    if wanted == "auto":
        strategy = "blue_green" if has_bucket else "recreate"
    else:
        strategy = wanted if has_bucket or wanted == "recreate" else "recreate"
    if strategy == "blue_green":
        why = (
            "a bucket holds W&B's files, so the new release starts beside the old one and the "
            "proxy moves to it once it is ready (no downtime)"
        )
    elif has_bucket:
        why = "%s is recreate: the old release stops before the new one starts" % out.var(
            "upgrade_strategy"
        )
    else:
        why = (
            "no bucket is configured, so W&B keeps its files under %s and two releases must never "
            "share it: the old release stops, the maintenance page answers 503 while the new one "
            "migrates and starts" % DATA_PATH
        )
    return {
        "strategy": strategy,
        "why": why,
        "has_bucket": has_bucket,
        "migrations": _migrations(),
        "ready_path": READY_PATH,
        "health_path": HEALTH_PATH,
        "errors": out.errors,
    }


# --- what a running W&B holds (password rotation) ------------------------------
def _url_credentials(url):
    """``(user, password)`` decoded from a MYSQL or REDIS URL, ``("", "")`` when it has none."""
    parsed = urlsplit(str(url or ""))
    if parsed.scheme not in ("mysql", "redis") or "@" not in parsed.netloc:
        return "", ""
    auth = parsed.netloc.rsplit("@", 1)[0]
    user, sep, password = auth.partition(":")
    if not sep:
        return "", ""
    return unquote(user), unquote(password)


def deployed_credentials(env):
    """The MySQL and Redis accounts a running W&B uses, from its environment.

    ``env``: the container's environment, a list of ``NAME=VALUE`` (as Docker
    reports it) or a dict. Returns ``{"mysql": {"user", "password"}, "redis":
    {"user", "password"}}``, empty strings where W&B has none. The roles use it
    to rotate a password in two phases: the old one stays valid until W&B runs
    with the new one. The result holds secrets: read it with no_log.
    """
    if isinstance(env, dict):
        pairs = env
    else:
        pairs = {}
        for item in env or []:
            name, sep, value = str(item).partition("=")
            if sep:
                pairs[name] = value
    out = {}
    for service, name in (("mysql", "MYSQL"), ("redis", "REDIS")):
        user, password = _url_credentials(pairs.get(name))
        out[service] = {"user": user, "password": password}
    return out
