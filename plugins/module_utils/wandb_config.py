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


def _mysql(config, out):
    explicit = config.get("mysql_url") or ""
    if explicit:
        return explicit
    m = dict(config.get("mysql") or {})
    missing = [k for k in ("password", "host") if not m.get(k)]
    if missing:
        out.error(
            "wandb_mysql_" + ("connect_host" if missing[-1] == "host" else missing[-1]),
            "W&B needs MySQL. Missing: %s. Set them in group_vars/all (wandb_mysql_connect_host "
            "defaults to the W&B network gateway only when the host is also in the wandb_mysql "
            "group), or give %s explicitly."
            % (
                ", ".join(
                    "wandb_mysql_connect_host" if k == "host" else "wandb_mysql_" + k
                    for k in missing
                ),
                out.var("mysql_url"),
            ),
        )
        return ""
    try:
        return mysql_url(
            m.get("user"),
            m["password"],
            m["host"],
            m.get("port") or 3306,
            m.get("database"),
            m.get("tls"),
        )
    except ServiceURLError as e:
        out.error("wandb_mysql_*", "MYSQL cannot be built from wandb_mysql_*: %s." % e)
        return ""


def _redis(config, out):
    explicit = config.get("redis_url") or ""
    if explicit:
        return explicit
    r = dict(config.get("redis") or {})
    missing = [k for k in ("password", "host") if not r.get(k)]
    if missing:
        out.error(
            "wandb_redis_" + ("connect_host" if missing[-1] == "host" else missing[-1]),
            "W&B needs Redis. Missing: %s. Set them in group_vars/all (wandb_redis_connect_host "
            "defaults to the W&B network gateway only when the host is also in the wandb_redis "
            "group), or give %s explicitly."
            % (
                ", ".join(
                    "wandb_redis_connect_host" if k == "host" else "wandb_redis_" + k
                    for k in missing
                ),
                out.var("redis_url"),
            ),
        )
        return ""
    try:
        return redis_url(
            r["password"],
            r["host"],
            r.get("port") or 6379,
            r.get("username") or "",
            bool(r.get("tls")),
            r.get("ttl_in_seconds"),
            r.get("ca_cert_path") or None,
        )
    except ServiceURLError as e:
        out.error("wandb_redis_*", "REDIS cannot be built from wandb_redis_*: %s." % e)
        return ""


def _bucket(config, out):
    explicit = config.get("bucket_url") or ""
    if explicit:
        return explicit
    params = config.get("bucket") or {}
    if not params:
        return ""
    try:
        return bucket_url(**params)
    except ServiceURLError as e:
        out.error(out.var("bucket"), "%s: %s." % (out.var("bucket"), e))
    except TypeError:
        out.error(
            out.var("bucket"),
            "%s has unknown keys: use bucket, host, access_key, secret_key, tls, scheme."
            % out.var("bucket"),
        )
    return ""


def _oidc(config, out):
    issuer = config.get("oidc_issuer") or ""
    method = config.get("oidc_auth_method") or "implicit"
    if method not in OIDC_AUTH_METHODS:
        out.error(
            out.var("oidc_auth_method"),
            '%s must be one of: %s, got "%s".'
            % (out.var("oidc_auth_method"), ", ".join(OIDC_AUTH_METHODS), method),
        )
    if not issuer:
        return {}
    if not re.match(r"^https?://", issuer):
        out.error(
            out.var("oidc_issuer"),
            "%s must be the issuer URL with scheme, e.g. https://idp.example.com/realms/wandb."
            % out.var("oidc_issuer"),
        )
    if not config.get("oidc_client_id"):
        out.error(
            out.var("oidc_client_id"),
            "%s is set but %s is empty: set the client id registered at the IdP."
            % (out.var("oidc_issuer"), out.var("oidc_client_id")),
        )
    secret = config.get("oidc_secret") or ""
    return {
        "OIDC_ISSUER": issuer,
        "OIDC_CLIENT_ID": config.get("oidc_client_id") or "",
        "OIDC_AUTH_METHOD": method,
        "OIDC_SECRET": secret,
        "GORILLA_OIDC_SECRET": secret,
        "GORILLA_OIDC_CUSTOM_SCOPES": ",".join(config.get("oidc_custom_scopes") or []),
        "GORILLA_ENABLE_SSO_GROUP_CLAIMS": _flag(config.get("oidc_group_claims")),
        "GORILLA_USE_IDENTIFIER_CLAIMS": _flag(config.get("oidc_use_identifier_claims")),
    }


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
    bucket = _bucket(config, out)
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
        "AWS_REGION": config.get("aws_region") or "",
        "AWS_S3_KMS_ID": config.get("aws_s3_kms_id") or "",
        "DISABLE_SSO_PROVISIONING": _flag(config.get("disable_sso_provisioning")),
        "SESSION_LENGTH": _text(config.get("session_length")),
        "GORILLA_LIMITER": redis_env if limiter == "redis" else limiter,
        "GORILLA_EMAIL_SINK": smtp,
        "GORILLA_EMAIL_FROM_ADDRESS": config.get("smtp_from") or "",
    }
    env.update(_oidc(config, out))
    env.update(_rate_limits(config, out))
    env.update(_ldap(config, out))
    env.update(_extra(config, out))
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
        "errors": out.errors,
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


def backup_plan(config, prefix="wandb_backup_"):
    """What a backup of this site must hold besides the database.

    ``config``: ``bucket_url`` and ``bucket`` as the server role has them, and
    ``vol`` (``auto``, ``full`` or ``env``). Without a bucket W&B keeps its files
    under /vol, so all of /vol is kept; with one, only /vol/env. Like
    ``settings``, it never raises: problems come back in ``errors``.
    """
    out = _Result(prefix)
    has_bucket = bool(_bucket(config, _Result("wandb_server_")))
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
            "%s is env, but no bucket is configured (wandb_server_bucket_url / "
            "wandb_server_bucket), so W&B keeps its files under %s and a backup of %s/%s alone "
            "would lose them. Set %s to auto or full."
            % (out.var("vol"), DATA_PATH, DATA_PATH, ENV_SUBDIR, out.var("vol")),
        )
    mode = vol if vol != "auto" else ("env" if has_bucket else "full")
    return {
        "data_path": DATA_PATH,
        "env_subdir": ENV_SUBDIR,
        "vol_mode": mode,
        "has_bucket": has_bucket,
        "migrations": {
            "table": MIGRATIONS_TABLE,
            "version_column": MIGRATIONS_VERSION_COLUMN,
            "dirty_column": MIGRATIONS_DIRTY_COLUMN,
        },
        "ready_path": READY_PATH,
        "errors": out.errors,
    }
