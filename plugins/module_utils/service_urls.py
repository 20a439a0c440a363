# Copyright: (c) 2026, onprem.wandb contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection URLs W&B Server reads from MYSQL, REDIS and BUCKET.

Every role and module builds them here, so the encoding rules live in one
place: W&B splits these URLs on ``:``, ``@`` and ``/`` before decoding, so
every credential is percent-encoded with no safe characters at all.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from urllib.parse import quote

MYSQL_TLS_MODES = ("true", "false", "skip-verify", "preferred")
# S3's bucket naming rules (GCS's are a superset for these characters); the
# name and the endpoint go into BUCKET unencoded, so nothing else may pass.
BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
ENDPOINT_HOST = re.compile(r"^(%s(\.%s)*|\[[0-9A-Fa-f:]+\])(:[0-9]{1,5})?$" % (_LABEL, _LABEL))
_PREFIX = re.compile(r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$")
REDIS_DEFAULT_TTL = 604800


class ServiceURLError(ValueError):
    """A value that cannot be put into a W&B connection URL."""


def _enc(value):
    return quote(str(value), safe="")


def _host(host):
    host = str(host or "").strip()
    if not host:
        raise ServiceURLError("host must not be empty")
    # IPv6 literals need brackets, or the port would be read as part of them.
    if ":" in host and not host.startswith("["):
        return "[%s]" % host
    return host


def _port(port):
    try:
        port = int(port)
    except (TypeError, ValueError):
        raise ServiceURLError("port must be a number, got %r" % (port,)) from None
    if not 0 < port < 65536:
        raise ServiceURLError("port must be between 1 and 65535, got %d" % port)
    return port


def mysql_url(user, password, host, port=3306, database="wandb_local", tls=None):
    """``mysql://USER:PASSWORD@HOST:PORT/DATABASE[?tls=MODE]`` for ``MYSQL``."""
    if not user:
        raise ServiceURLError("MySQL user must not be empty")
    if not password:
        raise ServiceURLError("MySQL password must not be empty")
    if not database:
        raise ServiceURLError("MySQL database must not be empty")
    url = "mysql://%s:%s@%s:%d/%s" % (
        _enc(user),
        _enc(password),
        _host(host),
        _port(port),
        _enc(database),
    )
    if tls not in (None, ""):
        tls = str(tls).lower()
        if tls not in MYSQL_TLS_MODES:
            raise ServiceURLError(
                "MySQL tls must be one of %s, got %r" % (", ".join(MYSQL_TLS_MODES), tls)
            )
        url += "?tls=" + tls
    return url


def redis_url(
    password,
    host,
    port=6379,
    username="",
    tls=False,
    ttl_in_seconds=REDIS_DEFAULT_TTL,
    ca_cert_path=None,
):
    """``redis://[USER]:PASSWORD@HOST:PORT?tls=true&ttlInSeconds=N&caCertPath=P`` for ``REDIS``.

    W&B never uses ``rediss://``: TLS is the ``tls=true`` parameter.
    """
    auth = ""
    if password:
        auth = "%s:%s@" % (_enc(username or ""), _enc(password))
    elif username:
        raise ServiceURLError("a Redis username needs a password")
    params = []
    if tls:
        params.append("tls=true")
    if ttl_in_seconds not in (None, ""):
        ttl = int(ttl_in_seconds)
        if ttl <= 0:
            raise ServiceURLError("ttlInSeconds must be positive, got %d" % ttl)
        params.append("ttlInSeconds=%d" % ttl)
    if ca_cert_path:
        if not tls:
            raise ServiceURLError("caCertPath only applies with tls enabled")
        params.append("caCertPath=" + quote(str(ca_cert_path), safe="/"))
    url = "redis://%s%s:%d" % (auth, _host(host), _port(port))
    if params:
        url += "?" + "&".join(params)
    return url


def bucket_url(
    bucket,
    host=None,
    access_key=None,
    secret_key=None,
    tls=True,
    scheme="s3",
    prefix=None,
    account=None,
):
    """``BUCKET`` for W&B.

    ``s3://ACCESS:SECRET@HOST/BUCKET?tls=true`` for an S3-compatible store,
    ``s3://BUCKET`` when the host has instance credentials, ``gs://BUCKET``, or
    ``az://ACCOUNT/CONTAINER``; ``prefix`` (a path inside the bucket) follows the
    bucket name.
    """
    if not bucket:
        raise ServiceURLError("bucket name must not be empty")
    if not BUCKET_NAME.match(str(bucket)):
        raise ServiceURLError(
            "bucket name must be 3-63 lower-case letters, digits, dots and hyphens, "
            "starting and ending with a letter or digit"
        )
    if host and not ENDPOINT_HOST.match(str(host)):
        raise ServiceURLError(
            "bucket endpoint host must be a host name or address with an optional :port, "
            "without scheme or path"
        )
    if scheme not in ("s3", "gs", "az"):
        raise ServiceURLError("bucket scheme must be s3, gs or az, got %r" % (scheme,))
    path = ""
    if prefix:
        # W&B reads the path after the bucket as a key prefix; kept to characters
        # that need no encoding, so no reader can disagree about it.
        if not _PREFIX.match(str(prefix)):
            raise ServiceURLError(
                "bucket prefix may hold letters, digits, '.', '_', '-' and single '/' between "
                "parts, without a leading or trailing '/'"
            )
        path = "/" + str(prefix)
    if scheme == "az":
        if not account:
            raise ServiceURLError("az:// needs the storage account")
        if host or access_key or secret_key:
            raise ServiceURLError("az:// takes no host or access keys (AZURE_STORAGE_KEY)")
        return "az://%s/%s%s" % (account, bucket, path)
    if account:
        raise ServiceURLError("a storage account is only valid for az")
    if not host:
        if access_key or secret_key:
            raise ServiceURLError("access keys need the S3-compatible endpoint host")
        return "%s://%s%s" % (scheme, bucket, path)
    if scheme != "s3":
        raise ServiceURLError("a custom endpoint host is only valid for s3")
    if not (access_key and secret_key):
        raise ServiceURLError("an S3-compatible endpoint needs both access_key and secret_key")
    url = "s3://%s:%s@%s/%s%s" % (_enc(access_key), _enc(secret_key), host, bucket, path)
    if tls:
        url += "?tls=true"
    return url
