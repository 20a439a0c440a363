"""The S3 stand-in for the storage tests: moto's server, with S3's authentication.

Run with moto importable (the test venv, or the wheel folder built by
tests/harness/ensure-moto.sh):

    python3 moto_s3.py --port 9000 --cert server.crt --key server.key --users users.json

users.json lists the accounts the store knows: [{"access_key": ..., "secret_key": ...,
"actions": ["s3:*"]}]. They are created in moto's IAM before the first request, with the
given keys, and authentication is on from the first request.

Why not moto_server as it is. Where moto 5.2 answers unlike S3 in what the storage
checks exercise, this launcher makes it answer like S3 (and nothing else changes):
- with IAM authentication on, moto checks only requests signed in an Authorization header
  and fails with HTTP 500 on presigned URLs and on CORS preflights; with it off, it accepts
  any credentials. Here header-signed requests keep moto's own check (signature, IAM
  policy); a presigned URL's signature is recomputed with botocore's signer (not the
  collection's, so its presigner is checked by another implementation), its expiry
  enforced and the key's policy applied; OPTIONS passes without credentials, as in S3.
- moto's server wraps every answer in flask-cors allowing any origin (turned off here);
  it refuses a preflight for an existing object (applying the object's ACL), answers 200
  when the bucket has no CORS rules, and applies every rule, refusing when any one of
  them does not match. S3 answers from the first rule that allows the origin, the
  requested method and headers, and refuses otherwise.
What moto still does not emulate is listed in README ("not proven").
"""

from __future__ import annotations

import argparse
import datetime
import fnmatch
import json
import os
import sys
import time
import types
from pathlib import Path
from urllib.parse import parse_qsl

# Filled by load_moto(): moto reads its settings from the environment when imported.
M = types.SimpleNamespace()


def load_moto() -> None:
    # moto's server otherwise wraps every answer in flask-cors with "allow any origin",
    # which makes a bucket without CORS rules look open to browsers: S3 has no such layer.
    os.environ["MOTO_DISABLE_GLOBAL_CORS"] = "true"
    from botocore.auth import S3SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    from moto import settings
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.iam.models import iam_backends
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from moto.s3 import exceptions
    from moto.s3.responses import S3Response
    from moto.s3.utils import cors_matches_origin
    from werkzeug.serving import run_simple

    class RequestExpired(exceptions.S3ClientError):
        def __init__(self, why: str):
            super().__init__("AccessDenied", why)

    M.__dict__.update(
        S3SigV4QueryAuth=S3SigV4QueryAuth,
        AWSRequest=AWSRequest,
        Credentials=Credentials,
        settings=settings,
        Mixin=ActionAuthenticatorMixin,
        original_check=ActionAuthenticatorMixin._authenticate_and_authorize_action,
        IAMPolicy=IAMPolicy,
        PermissionResult=PermissionResult,
        IAM=iam_backends[DEFAULT_ACCOUNT_ID]["aws"],
        DomainDispatcherApplication=DomainDispatcherApplication,
        MotoRequestHandler=MotoRequestHandler,
        create_backend_app=create_backend_app,
        run_simple=run_simple,
        errors=exceptions,
        RequestExpired=RequestExpired,
        S3Response=S3Response,
        original_key_response=S3Response._key_response,
        cors_matches_origin=cors_matches_origin,
    )


def seed_users(users: list[dict]) -> None:
    """IAM users with the given keys, each with an inline policy of its actions."""
    for number, user in enumerate(users):
        name = f"owt-user-{number}"
        M.IAM.create_user(region_name="us-east-1", user_name=name)
        key = M.IAM.create_access_key(user_name=name)
        key.access_key_id = user["access_key"]
        key.secret_access_key = user["secret_key"]
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": user.get("actions", ["s3:*"]), "Resource": "*"}
            ],
        }
        M.IAM.put_user_policy(name, "owt-s3", json.dumps(policy))


def find_key(access_key_id: str):
    for user in M.IAM.list_users("/", None, None):
        for key in user.access_keys:
            if key.access_key_id == access_key_id:
                return user, key
    return None, None


def check_presigned(handler, query: dict[str, str], raw_query: str, action: str, resource: str):
    credential = query.get("X-Amz-Credential", "").split("/")
    if len(credential) != 5:
        raise M.errors.S3AccessDeniedError()
    user, key = find_key(credential[0])
    if key is None:
        raise M.errors.S3InvalidAccessKeyIdError()
    amz_date = query.get("X-Amz-Date", "")
    try:
        signed_at = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(
            tzinfo=datetime.timezone.utc
        )
        expires = int(query.get("X-Amz-Expires", "0"))
    except ValueError:
        raise M.errors.S3AccessDeniedError() from None
    now = datetime.datetime.now(datetime.timezone.utc)
    if now > signed_at + datetime.timedelta(seconds=expires):
        raise M.RequestExpired("Request has expired")
    if signed_at > now + datetime.timedelta(minutes=15):
        raise M.RequestExpired("Request is not yet valid")
    environ = handler.request.environ
    raw_path = environ.get("RAW_URI") or environ.get("REQUEST_URI") or handler.raw_path
    raw_path = raw_path.split("?", 1)[0]
    unsigned = "&".join(p for p in raw_query.split("&") if not p.startswith("X-Amz-Signature="))
    signed_names = query.get("X-Amz-SignedHeaders", "host").split(";")
    headers = {name: handler.headers.get(name, "") for name in signed_names}
    scheme = "https" if environ.get("wsgi.url_scheme") == "https" else "http"
    request = M.AWSRequest(
        method=handler.method,
        url=f"{scheme}://{handler.headers.get('host')}{raw_path}?{unsigned}",
        headers=headers,
    )
    request.context["timestamp"] = amz_date
    auth = M.S3SigV4QueryAuth(
        M.Credentials(key.access_key_id, key.secret_access_key), "s3", credential[2], expires
    )
    canonical = auth.canonical_request(request)
    expected = auth.signature(auth.string_to_sign(request, canonical), request)
    if expected != query.get("X-Amz-Signature"):
        raise M.errors.S3SignatureDoesNotMatchError()
    for policy in user.policies.values():
        verdict = M.IAMPolicy(policy).is_action_permitted(action, resource)
        if verdict == M.PermissionResult.DENIED:
            raise M.errors.S3AccessDeniedError()
        if verdict == M.PermissionResult.PERMITTED:
            return
    raise M.errors.S3AccessDeniedError()


def authenticate(self, iam_request_cls, resource="*"):
    if "Authorization" in self.headers:
        return M.original_check(self, iam_request_cls, resource)
    raw_query = self.request.environ.get("QUERY_STRING", "")
    query = dict(parse_qsl(raw_query, keep_blank_values=True))
    if "X-Amz-Signature" in query:
        action = self._get_action()
        action = action[0] if isinstance(action, list) else action
        return check_presigned(self, query, raw_query, f"s3:{action}", resource)
    if self.method == "OPTIONS":
        return None
    raise M.errors.S3AccessDeniedError()


def key_response(self, request, full_url):
    # moto applies an object's ACL to an anonymous OPTIONS for an existing object and answers
    # 403; S3 answers a preflight from the bucket's CORS rules whether the object exists or not.
    if request.method == "OPTIONS":
        return self._response_options(
            request.headers, self.parse_bucket_name_from_url(request, full_url)
        )
    return M.original_key_response(self, request, full_url)


def _matches(pattern: str, value: str) -> bool:
    return fnmatch.fnmatchcase(value.lower(), pattern.lower())


def set_cors_headers_options(self, headers, bucket):
    # moto applies every rule and answers 403 when any rule's origins do not match; S3 uses
    # the first rule that allows the origin, the requested method and the requested headers.
    origin = headers.get("Origin") or ""
    method = (headers.get("Access-Control-Request-Method") or "").upper()
    wanted = [h.strip() for h in (headers.get("Access-Control-Request-Headers") or "").split(",")]
    for rule in bucket.cors:
        if not M.cors_matches_origin(origin, rule.allowed_origins or []):
            continue
        if method not in [m.upper() for m in rule.allowed_methods or []]:
            continue
        allowed = rule.allowed_headers or []
        if not all(any(_matches(a, h) for a in allowed) for h in wanted if h):
            continue
        self.response_headers["Access-Control-Allow-Origin"] = origin
        self.response_headers["Access-Control-Allow-Methods"] = ", ".join(rule.allowed_methods)
        if rule.allowed_headers:
            self.response_headers["Access-Control-Allow-Headers"] = ", ".join(
                h for h in wanted if h
            ) or ", ".join(rule.allowed_headers)
        if rule.exposed_headers:
            self.response_headers["Access-Control-Expose-Headers"] = ", ".join(rule.exposed_headers)
        if rule.max_age_seconds:
            self.response_headers["Access-Control-Max-Age"] = str(rule.max_age_seconds)
        return
    raise M.errors.AccessForbidden(
        "CORSResponse: This CORS request is not allowed."
        if bucket.cors
        else "CORSResponse: CORS is not enabled for this bucket."
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--users", required=True)
    parser.add_argument(
        "--wait", type=float, default=0, help="seconds to wait for the files to appear"
    )
    args = parser.parse_args(argv)
    deadline = time.monotonic() + args.wait
    files = [Path(args.cert), Path(args.key), Path(args.users)]
    while not all(f.is_file() for f in files) and time.monotonic() < deadline:
        time.sleep(0.2)
    load_moto()
    seed_users(json.loads(Path(args.users).read_text()))
    M.Mixin._authenticate_and_authorize_action = authenticate
    M.S3Response._key_response = key_response
    M.S3Response._set_cors_headers_options = set_cors_headers_options
    # Authentication from the first request on.
    M.settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
    M.run_simple(
        args.host,
        args.port,
        M.DomainDispatcherApplication(M.create_backend_app),
        threaded=True,
        ssl_context=(args.cert, args.key),
        request_handler=M.MotoRequestHandler,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
