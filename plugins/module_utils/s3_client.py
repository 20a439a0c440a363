# Copyright: (c) 2026, onprem.wandb contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small S3 client on the standard library, for the storage modules.

It does what the checks need and boto3 hides: presigned URLs sent exactly as a
browser or the W&B SDK sends them, CORS preflights, the raw status and headers
of every answer, and one failure message per cause that names the setting to
fix (endpoint, credentials, region, addressing style, TLS/CA, clock) without
ever quoting the secret key.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime
import email.utils
import hashlib
import http.client
import ipaddress
import re
import socket
import ssl
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

from ansible_collections.onprem.wandb.plugins.module_utils.s3_sigv4 import Signer, uri_encode

S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"
_HOST_PORT = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::([0-9]{1,5}))?$")
# The settings a failure can be blamed on; the module maps them to the names the
# caller uses (role variables), so messages say what to change.
SETTINGS = (
    "endpoint",
    "bucket",
    "region",
    "path_style",
    "tls",
    "ca_certs",
    "access_key",
    "secret_key",
    "permissions",
    "cors",
    "clock",
)


def connection_spec():
    """The argument spec of plugins/doc_fragments/s3_endpoint.py."""
    return dict(
        endpoint=dict(type="str", required=True),
        bucket=dict(type="str", required=True),
        region=dict(type="str", default="us-east-1"),
        path_style=dict(type="bool", default=True),
        tls=dict(type="bool", default=True),
        ca_certs=dict(type="list", elements="str", default=[]),
        # An access key ID is an identifier, sent in every request; the secret is the secret.
        access_key=dict(type="str", required=True, no_log=False),
        secret_key=dict(type="str", required=True, no_log=True),
        timeout=dict(type="int", default=15),
        setting_names=dict(type="dict", default={}),
    )


def setting_names(given):
    return dict((s, str((given or {}).get(s) or s)) for s in SETTINGS)


def explain(msg, names):
    """A message with each {setting} placeholder replaced by the name the caller uses."""
    for setting in SETTINGS:
        msg = msg.replace("{%s}" % setting, names[setting])
    return msg


def client_from_params(p):
    """A Client for a module's parameters; S3Error names the setting that is wrong."""
    try:
        return Client(
            p["endpoint"],
            p["bucket"],
            p["access_key"],
            p["secret_key"],
            region=p["region"],
            tls=p["tls"],
            path_style=p["path_style"],
            ca_pems=p["ca_certs"],
            timeout=p["timeout"],
        )
    except ssl.SSLError as e:
        raise S3Error(
            "ca_certs", "a CA certificate could not be loaded (%s): give PEM text" % e
        ) from None
    except ValueError as e:
        raise S3Error("endpoint", "%s is %s" % (p["endpoint"], e)) from None


class S3Error(Exception):
    """A failed S3 call, blamed on one setting."""

    def __init__(self, setting, msg, code=None, status=None):
        super(S3Error, self).__init__(msg)
        self.setting = setting
        self.msg = msg
        self.code = code
        self.status = status


class Response(object):
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body

    def header(self, name, default=""):
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return default

    def error(self):
        """Code, message and the extra fields of an S3 error document (never the signature)."""
        fields = {}
        try:
            root = _xml(self.body or b"")
        except ET.ParseError:
            return fields
        for child in root:
            tag = child.tag.split("}")[-1]
            # S3 echoes the string it signed; useless here and long.
            if tag in ("Code", "Message", "Region", "Endpoint", "BucketName", "RequestId"):
                fields[tag] = (child.text or "").strip()
        return fields


def split_endpoint(endpoint, tls):
    """(host, port, Host header) of HOST[:PORT]; the default port is left out of Host."""
    match = _HOST_PORT.match(str(endpoint or ""))
    if not match:
        raise ValueError(
            "must be HOST or HOST:PORT without scheme or path, e.g. s3.example.com:9000"
        )
    host = match.group(1)
    default = 443 if tls else 80
    port = int(match.group(2) or default)
    if not 0 < port < 65536:
        raise ValueError("port must be 1-65535")
    return host.strip("[]"), port, host if port == default else "%s:%d" % (host, port)


def is_ip(host):
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return False


def origin_of(url):
    """The browser Origin of a URL: scheme://host[:port], default port left out."""
    parts = urlsplit(str(url or "").strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("is not an http(s) URL with a host name")
    default = 443 if parts.scheme == "https" else 80
    host = parts.hostname
    if ":" in host:
        host = "[%s]" % host
    if parts.port and parts.port != default:
        return "%s://%s:%d" % (parts.scheme, host, parts.port)
    return "%s://%s" % (parts.scheme, host)


def ssl_context(ca_pems):
    """The system trust store plus the given CA certificates (PEM text)."""
    ctx = ssl.create_default_context()
    for pem in ca_pems or ():
        ctx.load_verify_locations(cadata=str(pem))
    return ctx


class Client(object):
    """One bucket on one S3 endpoint."""

    def __init__(
        self,
        endpoint,
        bucket,
        access_key,
        secret_key,
        region="us-east-1",
        tls=True,
        path_style=True,
        ca_pems=(),
        timeout=15,
    ):
        self.host, self.port, self.netloc = split_endpoint(endpoint, tls)
        self.bucket = bucket
        self.tls = tls
        self.path_style = path_style
        if not path_style and is_ip(self.host):
            raise S3Error(
                "path_style",
                "virtual-hosted addressing puts the bucket in the host name, which an IP "
                "address endpoint cannot hold: use path-style addressing ({path_style}) or a DNS "
                "name in {endpoint}",
            )
        self.signer = Signer(access_key, secret_key, region or "us-east-1")
        self.timeout = timeout
        self._ctx = ssl_context(ca_pems) if tls else None
        self.clock_skew = None

    # --- addressing -------------------------------------------------------
    def _where(self, key=None):
        """(connect host, Host header, URI-encoded path) of the bucket or one of its keys."""
        tail = "/" + uri_encode(key) if key else "/"
        if self.path_style:
            return self.host, self.netloc, "/" + self.bucket + (tail if key else "")
        return "%s.%s" % (self.bucket, self.host), "%s.%s" % (self.bucket, self.netloc), tail

    def url(self, key=None, query=""):
        _connect, netloc, path = self._where(key)
        scheme = "https" if self.tls else "http"
        return "%s://%s%s%s" % (scheme, netloc, path, "?" + query if query else "")

    # --- transport --------------------------------------------------------
    def _connection(self, connect_host):
        if self.tls:
            return http.client.HTTPSConnection(
                connect_host, self.port, timeout=self.timeout, context=self._ctx
            )
        return http.client.HTTPConnection(connect_host, self.port, timeout=self.timeout)

    def send(self, method, key=None, query=(), headers=None, body=b"", sign="header", expires=300):
        """Sends one request; ``sign`` is ``header``, ``presign`` or ``None`` (anonymous)."""
        connect_host, netloc, path = self._where(key)
        headers = dict(headers or {})
        query = list(query)
        if sign == "header":
            headers = self.signer.sign_headers(method, netloc, path, query, headers, body)
            qs = "&".join("%s=%s" % (uri_encode(k, False), uri_encode(v, False)) for k, v in query)
        elif sign == "presign":
            qs = self.signer.presign(method, netloc, path, expires, query)
        else:
            qs = "&".join("%s=%s" % (uri_encode(k, False), uri_encode(v, False)) for k, v in query)
        target = path + ("?" + qs if qs else "")
        conn = self._connection(connect_host)
        try:
            conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            conn.putheader("Host", netloc)
            for name, value in headers.items():
                conn.putheader(name, value)
            if body or method in ("PUT", "POST"):
                conn.putheader("Content-Length", str(len(body or b"")))
            conn.endheaders(body or None)
            answer = conn.getresponse()
            data = answer.read() if method != "HEAD" else b""
            response = Response(answer.status, answer.reason, answer.getheaders(), data)
        except (OSError, http.client.HTTPException) as e:
            raise self._transport_error(e, connect_host) from None
        finally:
            conn.close()
        self._note_clock(response)
        return response

    def _note_clock(self, response):
        date = response.header("Date")
        if not date:
            return
        try:
            theirs = email.utils.parsedate_to_datetime(date)
        except (TypeError, ValueError):
            return
        if theirs.tzinfo is None:
            theirs = theirs.replace(tzinfo=datetime.timezone.utc)
        now = datetime.datetime.now(datetime.timezone.utc)
        self.clock_skew = round((now - theirs).total_seconds(), 1)

    def _transport_error(self, e, connect_host):
        where = "%s:%d" % (connect_host, self.port)
        if isinstance(e, ssl.SSLCertVerificationError):
            why = getattr(e, "verify_message", "") or str(e)
            code = getattr(e, "verify_code", 0)
            if code == 18 or why in ("self-signed certificate", "self signed certificate"):
                return S3Error(
                    "ca_certs",
                    "%s presents a self-signed certificate, which W&B does not support on the "
                    "bucket endpoint: issue the endpoint's certificate from a CA and list that CA "
                    "in {ca_certs}" % where,
                )
            if code == 62 or "mismatch" in why.lower():
                return S3Error(
                    "endpoint",
                    "the certificate of %s does not name %s: use the name the certificate was "
                    "issued for as {endpoint}, or reissue it with that name (%s)"
                    % (where, connect_host, why),
                )
            if code == 10 or "expired" in why.lower():
                return S3Error("ca_certs", "the certificate of %s has expired (%s)" % (where, why))
            return S3Error(
                "ca_certs",
                "the certificate of %s is not trusted (%s): list the CA that signed it in "
                "{ca_certs} (the same CA the W&B container trusts)" % (where, why),
            )
        if isinstance(e, ssl.SSLError):
            return S3Error(
                "tls",
                "TLS handshake with %s failed (%s): if the endpoint serves plain HTTP on this "
                "port, set {tls} to false; otherwise check the port"
                % (where, getattr(e, "reason", None) or e),
            )
        if isinstance(e, socket.gaierror):
            if not self.path_style:
                return S3Error(
                    "path_style",
                    "cannot resolve %s (%s): virtual-hosted addressing needs a DNS name for "
                    "every bucket (wildcard DNS); most S3-compatible stores want path-style "
                    "addressing ({path_style})" % (connect_host, e.strerror or e),
                )
            return S3Error(
                "endpoint",
                "cannot resolve %s (%s): check the host name in {endpoint} and this host's DNS or "
                "/etc/hosts" % (connect_host, e.strerror or e),
            )
        if isinstance(e, ConnectionRefusedError):
            return S3Error(
                "endpoint",
                "nothing accepts connections on %s: check the host and port in {endpoint}" % where,
            )
        if isinstance(e, socket.timeout):
            return S3Error(
                "endpoint",
                "no answer from %s within %s s: check {endpoint}, and that a firewall lets "
                "this host reach it" % (where, self.timeout),
            )
        if isinstance(
            e, (http.client.RemoteDisconnected, http.client.BadStatusLine, ConnectionResetError)
        ):
            hint = (
                "if it serves HTTPS, set {tls} to true"
                if not self.tls
                else "check that it is the S3 API's port"
            )
            return S3Error(
                "tls" if not self.tls else "endpoint",
                "%s closed or reset the connection without an HTTP answer: %s" % (where, hint),
            )
        return S3Error(
            "endpoint", "cannot reach %s: %s" % (where, getattr(e, "strerror", None) or e)
        )

    # --- diagnosis of S3 answers -----------------------------------------
    def failure(self, response, doing):
        """An S3Error blaming the right setting for an unexpected answer."""
        err = response.error()
        code = err.get("Code", "")
        said = err.get("Message", "")[:300]
        detail = "HTTP %d%s%s" % (
            response.status,
            " " + code if code else "",
            ": " + said if said else "",
        )
        if code == "InvalidAccessKeyId":
            return S3Error(
                "access_key",
                "%s: the store does not know this access key (%s)" % (doing, detail),
                code,
                response.status,
            )
        if code == "SignatureDoesNotMatch":
            return S3Error(
                "secret_key",
                "%s: the store rejected the signature (%s). The secret key does not belong to "
                "the access key, or a proxy between this host and the store changes the "
                "request" % (doing, detail),
                code,
                response.status,
            )
        if code in ("RequestTimeTooSkewed",) or "expired" in said.lower():
            return S3Error(
                "clock",
                "%s: the store and this host disagree about the time (%s): synchronise both "
                "clocks (NTP); presigned URLs W&B hands out depend on them" % (doing, detail),
                code,
                response.status,
            )
        if code in ("AuthorizationHeaderMalformed", "IncorrectEndpoint", "InvalidRegion") or (
            err.get("Region") and response.status == 400
        ):
            expected = err.get("Region")
            return S3Error(
                "region",
                "%s: the region does not match the bucket's%s (%s)"
                % (doing, " (the store says %s)" % expected if expected else "", detail),
                code,
                response.status,
            )
        if response.status in (301, 307) or code in ("PermanentRedirect", "TemporaryRedirect"):
            moved = err.get("Endpoint") or response.header("x-amz-bucket-region")
            return S3Error(
                "region",
                "%s: the store redirects this bucket elsewhere%s: set {endpoint} and {region} "
                "to the bucket's own location, or switch the addressing style ({path_style}) (%s)"
                % (doing, " (%s)" % moved if moved else "", detail),
                code,
                response.status,
            )
        if code == "NoSuchBucket":
            return S3Error(
                "bucket",
                "%s: bucket %s does not exist on %s" % (doing, self.bucket, self.netloc),
                code,
                response.status,
            )
        if code in ("AccessDenied", "AllAccessDisabled") or response.status == 403:
            return S3Error(
                "permissions",
                "%s: access denied (%s). The credentials work but may not do this on bucket "
                "%s: W&B needs to list, read, write and delete objects in it"
                % (doing, detail, self.bucket),
                code,
                response.status,
            )
        if not code:
            return S3Error(
                "endpoint",
                "%s: %s answered HTTP %d %s without an S3 error document: is it the S3 API "
                "(host and port in {endpoint}, {tls})?"
                % (doing, self.netloc, response.status, response.reason or ""),
                None,
                response.status,
            )
        return S3Error(
            "endpoint" if response.status >= 500 else "bucket",
            "%s: %s" % (doing, detail),
            code,
            response.status,
        )

    # --- bucket sub-resources --------------------------------------------
    def get_cors(self):
        """The bucket's CORS rules (an empty list when it has none)."""
        response = self.send("GET", query=[("cors", "")])
        if response.status == 200:
            return parse_cors(response.body)
        if response.error().get("Code") == "NoSuchCORSConfiguration":
            return []
        raise self.failure(response, "reading the bucket's CORS rules")

    def put_cors(self, rules):
        if not rules:
            response = self.send("DELETE", query=[("cors", "")])
            if response.status in (200, 204):
                return
            raise self.failure(response, "removing the bucket's CORS rules")
        body = cors_xml(rules)
        # S3 refuses a CORS document without an integrity header.
        md5 = base64.b64encode(_md5(body)).decode("ascii")
        response = self.send(
            "PUT",
            query=[("cors", "")],
            headers={"content-md5": md5, "content-type": "application/xml"},
            body=body,
        )
        if response.status != 200:
            raise self.failure(response, "writing the bucket's CORS rules")


def _md5(data):
    # An integrity checksum, not security: FIPS-mode hosts allow it only when told so.
    try:
        return hashlib.md5(data, usedforsecurity=False).digest()
    except TypeError:  # Python < 3.9 has no usedforsecurity
        return hashlib.md5(data).digest()  # noqa: S324


# --- CORS documents -----------------------------------------------------------
CORS_FIELDS = (
    ("id", "ID", False),
    ("allowed_origins", "AllowedOrigin", True),
    ("allowed_methods", "AllowedMethod", True),
    ("allowed_headers", "AllowedHeader", True),
    ("expose_headers", "ExposeHeader", True),
    ("max_age_seconds", "MaxAgeSeconds", False),
)


def _xml(body):
    # The answer of the store the site configured, parsed with expat, which
    # (2.4.1+) refuses entity-expansion bombs; ElementTree never fetches
    # external entities. defusedxml is not in the standard library.
    return ET.fromstring(body)  # noqa: S314


def parse_cors(body):
    root = _xml(body)
    rules = []
    for element in root:
        if element.tag.split("}")[-1] != "CORSRule":
            continue
        rule = {}
        for field, tag, many in CORS_FIELDS:
            values = [(c.text or "").strip() for c in element if c.tag.split("}")[-1] == tag]
            if many:
                rule[field] = values
            elif values:
                rule[field] = int(values[0]) if field == "max_age_seconds" else values[0]
        rules.append(normalize_rule(rule))
    return rules


def normalize_rule(rule):
    """A rule in one spelling, so a store's reordering is not a change."""
    out = {}
    for field, _tag, many in CORS_FIELDS:
        value = rule.get(field)
        if many:
            values = [str(v) for v in value or []]
            if field == "allowed_methods":
                values = [v.upper() for v in values]
            out[field] = sorted(set(values))
        elif value not in (None, ""):
            out[field] = int(value) if field == "max_age_seconds" else str(value)
    return out


def cors_xml(rules):
    root = ET.Element("CORSConfiguration", xmlns=S3_NS)
    for rule in rules:
        element = ET.SubElement(root, "CORSRule")
        for field, tag, many in CORS_FIELDS:
            value = rule.get(field)
            if many:
                for item in value or []:
                    ET.SubElement(element, tag).text = str(item)
            elif value not in (None, ""):
                ET.SubElement(element, tag).text = str(value)
    return b'<?xml version="1.0" encoding="UTF-8"?>' + ET.tostring(root)
