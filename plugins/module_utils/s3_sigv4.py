# Copyright: (c) 2026, onprem.wandb contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS Signature Version 4 for the S3 API, with the Python standard library only.

The storage checks run on the W&B host before anything is installed there, so
they cannot rely on boto3. This implements the two ways S3 requests are
signed: an ``Authorization`` header (what SDKs send) and a presigned URL (what
W&B hands to the SDK and to browsers). The unit tests compare both with
botocore's signer on the same inputs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import hashlib
import hmac
from urllib.parse import quote

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
# S3 accepts presigned URLs valid for at most seven days.
MAX_EXPIRES = 604800


def uri_encode(value, slash=True):
    """S3's URI encoding: everything but RFC 3986 unreserved characters (and '/' in paths)."""
    return quote(str(value), safe="-_.~/" if slash else "-_.~")


def canonical_query(params):
    pairs = sorted((uri_encode(k, False), uri_encode(v, False)) for k, v in params)
    return "&".join("%s=%s" % pair for pair in pairs)


def _hmac(key, text):
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def _timestamp(now):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    if now.tzinfo is not None:
        now = now.astimezone(datetime.timezone.utc)
    return now.strftime("%Y%m%dT%H%M%SZ")


class Signer(object):
    """Signs S3 requests for one set of credentials and one region."""

    def __init__(self, access_key, secret_key, region, service="s3", session_token=None):
        self.access_key = access_key
        self._secret_key = secret_key
        self.region = region
        self.service = service
        self.session_token = session_token

    def _scope(self, amz_date):
        return "%s/%s/%s/aws4_request" % (amz_date[:8], self.region, self.service)

    def _signature(self, amz_date, canonical_request):
        string_to_sign = "\n".join(
            (
                ALGORITHM,
                amz_date,
                self._scope(amz_date),
                hashlib.sha256(canonical_request.encode("utf-8")).hexdigest(),
            )
        )
        key = _hmac(("AWS4" + self._secret_key).encode("utf-8"), amz_date[:8])
        for part in (self.region, self.service, "aws4_request"):
            key = _hmac(key, part)
        return hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()

    @staticmethod
    def _canonical_request(method, path, query, headers, payload_hash):
        names = sorted(headers)
        return "\n".join(
            (
                method,
                path,
                query,
                "".join("%s:%s\n" % (n, " ".join(str(headers[n]).split())) for n in names),
                ";".join(names),
                payload_hash,
            )
        )

    def sign_headers(self, method, host, path, query=(), headers=None, payload=b"", now=None):
        """Headers (``Authorization`` and the ``x-amz-*`` ones) for a header-signed request.

        ``path`` is the URI-encoded path as sent; ``host`` the Host header as sent.
        """
        amz_date = _timestamp(now)
        payload_hash = hashlib.sha256(payload or b"").hexdigest()
        signed = dict((k.lower(), v) for k, v in (headers or {}).items())
        signed.update({"host": host, "x-amz-date": amz_date, "x-amz-content-sha256": payload_hash})
        if self.session_token:
            signed["x-amz-security-token"] = self.session_token
        canonical = self._canonical_request(
            method, path, canonical_query(query), signed, payload_hash
        )
        out = dict(signed)
        del out["host"]
        out["authorization"] = "%s Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (
            ALGORITHM,
            self.access_key,
            self._scope(amz_date),
            ";".join(sorted(signed)),
            self._signature(amz_date, canonical),
        )
        return out

    def presign(self, method, host, path, expires=300, query=(), now=None):
        """The query string of a presigned URL (only ``host`` is signed, as S3 SDKs do)."""
        if not 1 <= int(expires) <= MAX_EXPIRES:
            raise ValueError("expires must be 1 to %d seconds" % MAX_EXPIRES)
        amz_date = _timestamp(now)
        params = [
            *query,
            ("X-Amz-Algorithm", ALGORITHM),
            ("X-Amz-Credential", "%s/%s" % (self.access_key, self._scope(amz_date))),
            ("X-Amz-Date", amz_date),
            ("X-Amz-Expires", str(int(expires))),
            ("X-Amz-SignedHeaders", "host"),
        ]
        if self.session_token:
            params.append(("X-Amz-Security-Token", self.session_token))
        canonical = self._canonical_request(
            method, path, canonical_query(params), {"host": host}, UNSIGNED_PAYLOAD
        )
        params.append(("X-Amz-Signature", self._signature(amz_date, canonical)))
        return canonical_query(params)
