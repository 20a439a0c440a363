#!/usr/bin/python
# Copyright: (c) 2026, onprem.wandb contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: wandb_bucket_check
short_description: Prove from the W&B host that a bucket works the way W&B uses it
version_added: 0.3.0
author: onprem.wandb contributors (@onprem)
description:
  - Talks to an S3 API the way W&B, its SDK and a browser do, and fails with a message that
    names the setting to fix (endpoint, credentials, region, addressing style, TLS and CA,
    permissions, CORS, clock).
  - "Steps: 1. a signed listing of the bucket (is the endpoint an S3 API, are the keys known and
    the signature accepted, does the bucket exist, how far apart are the clocks); 2. a presigned
    C(PUT) of a scratch object sent as C(application/octet-stream) with the W&B origin, then a
    presigned C(GET) (same bytes) and C(HEAD) (same size and ETag); 3. a CORS preflight
    (C(OPTIONS)) from O(origin) for C(GET), C(PUT) and C(HEAD), and C(ETag) among the exposed
    headers; 4. deleting the scratch object (its version too, on a versioned bucket), checked
    with a presigned C(HEAD)."
  - Changes nothing but the scratch object, which it removes whatever step failed; C(changed) is
    always false.
  - Why a module of ours beside M(amazon.aws.s3_object) and M(amazon.aws.s3_bucket_info) -
    the check runs in the preflight, before anything is installed on the host, so it uses the
    Python standard library only (boto3 may not be there, and installing it would change the
    host). The amazon.aws modules talk through boto3, which never sends a presigned URL the way a
    browser does and has no CORS preflight; and their failures are botocore exceptions, not the
    setting to fix.
extends_documentation_fragment:
  - onprem.wandb.s3_endpoint
attributes:
  check_mode:
    support: full
    description: Runs the same checks in check mode; they only write and delete the scratch object.
  diff_mode:
    support: none
    description: Nothing to compare; the check changes nothing.
  platform:
    support: full
    platforms: posix
    description: Runs on the host whose network path and trust are checked (the W&B host).
options:
  origin:
    description:
      - The URL users open W&B at (W&B's C(HOST)); the CORS checks send its origin. Empty skips
        the CORS checks.
    type: str
    default: ""
  prefix:
    description:
      - Path prefix W&B stores its objects under; the scratch object goes below it.
    type: str
    default: ""
  require_bucket:
    description:
      - V(false) makes a missing bucket a result (RV(bucket_exists)) instead of a failure, for a
        bucket that a later task creates. The round trip and CORS checks then do not run.
    type: bool
    default: true
  require_cors:
    description:
      - V(false) makes a failing CORS check a result (RV(cors)) instead of a failure, for a CORS
        rule that a later task sets.
    type: bool
    default: true
  max_clock_skew:
    description:
      - Seconds the host's clock may differ from the store's before the check fails. S3 refuses
        requests more than 15 minutes off; presigned URLs that W&B signs carry its host's time, so
        a drifting clock makes them expire early or start late for the SDK and browsers.
    type: int
    default: 300
  expires:
    description:
      - Lifetime in seconds of the presigned URLs the check uses.
    type: int
    default: 300
seealso:
  - module: onprem.wandb.wandb_bucket_cors
  - module: amazon.aws.s3_bucket
"""

EXAMPLES = r"""
- name: Prove the bucket from the W&B host before anything is installed
  onprem.wandb.wandb_bucket_check:
    endpoint: s3.example.internal:9000
    bucket: wandb-files
    access_key: "{{ wandb_storage_access_key }}"
    secret_key: "{{ wandb_storage_secret_key }}"
    ca_certs: "{{ query('ansible.builtin.file', 'files/site-ca.crt') }}"
    origin: https://wandb.example.com
    setting_names:
      endpoint: wandb_storage_endpoint
      secret_key: wandb_storage_secret_key
"""

RETURN = r"""
bucket_exists:
  description: Whether the bucket exists (false only with O(require_bucket=false)).
  returned: always
  type: bool
round_trip:
  description: Whether the presigned PUT, GET, HEAD and DELETE all worked.
  returned: always
  type: bool
cors:
  description:
    - C(checked) (an origin was given and the round trip ran), C(ok), C(origin), C(methods)
      (method to whether its preflight was allowed), C(etag_exposed), C(problems) (messages).
  returned: always
  type: dict
  sample: {checked: true, ok: false, origin: "https://wandb.example.com",
           methods: {GET: false, PUT: false, HEAD: false}, etag_exposed: false,
           problems: ["OPTIONS for PUT: no Access-Control-Allow-Origin for https://wandb.example.com"]}
clock_skew:
  description: Seconds this host's clock is ahead of the store's (negative when behind), from the
    store's C(Date) header; null when the store sent none.
  returned: always
  type: float
scratch_key:
  description: The object key the round trip used.
  returned: always
  type: str
checks:
  description: Each step with C(step), C(ok) and C(detail).
  returned: always
  type: list
  elements: dict
step:
  description: On failure, the step that failed (C(setup), C(list), C(clock), C(put), C(get),
    C(head), C(cors), C(delete)).
  returned: failure
  type: str
setting:
  description: On failure, the setting blamed (C(endpoint), C(bucket), C(region), C(path_style),
    C(tls), C(ca_certs), C(access_key), C(secret_key), C(permissions), C(cors), C(clock)).
  returned: failure
  type: str
"""

import os  # noqa: E402
import uuid  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402
from ansible_collections.onprem.wandb.plugins.module_utils.s3_client import (  # noqa: E402
    S3Error,
    client_from_params,
    connection_spec,
    explain,
    origin_of,
    setting_names,
)

CORS_METHODS = ("GET", "PUT", "HEAD")
SCRATCH_DIR = ".onprem-wandb-check"


class Stop(Exception):
    """A failed step: the error and the step it failed in."""

    def __init__(self, err, step):
        super(Stop, self).__init__(err.msg)
        self.err = err
        self.step = step


class Check(object):
    def __init__(self, params, warn):
        self.p = params
        self.warn = warn
        self.names = setting_names(params["setting_names"])
        self.checks = []
        self.result = dict(
            changed=False,
            bucket_exists=False,
            round_trip=False,
            cors=dict(
                checked=False, ok=False, origin="", methods={}, etag_exposed=False, problems=[]
            ),
            clock_skew=None,
            scratch_key="",
            checks=self.checks,
        )

    def note(self, step, ok, detail=""):
        self.checks.append(dict(step=step, ok=ok, detail=explain(detail, self.names)))

    def run(self):
        """Runs every step; returns None, or the Stop that ended the check."""
        try:
            origin = origin_of(self.p["origin"]) if self.p["origin"] else ""
        except ValueError as e:
            return Stop(S3Error("cors", "origin %s %s" % (self.p["origin"], e)), "setup")
        try:
            s3 = client_from_params(self.p)
            self.list_bucket(s3)
            if not self.result["bucket_exists"]:
                return None
            self.check_clock(s3)
        except S3Error as e:
            return Stop(e, "list")
        except Stop as e:
            return e
        prefix = self.p["prefix"].strip("/")
        key = "/".join(x for x in (prefix, SCRATCH_DIR, uuid.uuid4().hex) if x)
        self.result["scratch_key"] = key
        failure = None
        put = None
        try:
            put = self.put(s3, key, origin)
            self.get_and_head(s3, key, origin, put)
            if origin:
                self.cors(s3, key, origin, put)
        except Stop as e:
            failure = e
        if put is not None or (failure and failure.step == "put" and failure.err.status is None):
            # A PUT whose answer was lost may still have written the object.
            cleanup = self.delete(s3, key, put.header("x-amz-version-id") if put else "")
            failure = failure or cleanup
        if failure:
            return failure
        self.result["round_trip"] = True
        cors = self.result["cors"]
        if cors["checked"] and not cors["ok"] and self.p["require_cors"]:
            return Stop(
                S3Error(
                    "cors",
                    "the bucket's CORS rules do not let browsers at %s use it (%s). W&B needs "
                    "GET, PUT and HEAD allowed from its origin and ETag exposed; SDK uploads "
                    "work without them, browser uploads and downloads do not"
                    % (origin, "; ".join(cors["problems"])),
                ),
                "cors",
            )
        return None

    def list_bucket(self, s3):
        query = [("list-type", "2"), ("max-keys", "1")]
        if self.p["prefix"].strip("/"):
            query.append(("prefix", self.p["prefix"].strip("/") + "/"))
        response = s3.send("GET", query=query)
        self.result["clock_skew"] = s3.clock_skew
        bucket = self.p["bucket"]
        if response.status == 200:
            self.result["bucket_exists"] = True
            self.note("list", True, "bucket %s answers a signed listing" % bucket)
            return
        err = s3.failure(response, "listing bucket %s" % bucket)
        if err.code == "NoSuchBucket" and not self.p["require_bucket"]:
            self.note("list", True, "bucket %s does not exist (yet)" % bucket)
            return
        if err.code == "NoSuchBucket":
            err.msg += ": create it, or have it created"
        raise err

    def check_clock(self, s3):
        skew = s3.clock_skew
        limit = self.p["max_clock_skew"]
        if skew is None:
            self.note("clock", True, "the store sent no Date header")
            return
        if abs(skew) > limit:
            raise Stop(
                S3Error(
                    "clock",
                    "this host's clock is %+.0f s off the store's (more than %d s): presigned "
                    "URLs W&B signs would be expired or not yet valid for the SDK and browsers. "
                    "Synchronise both clocks (NTP)" % (skew, limit),
                ),
                "clock",
            )
        self.note("clock", True, "%+.1f s off the store's clock" % skew)

    def send(self, s3, step, method, key, headers=None, body=b"", query=()):
        try:
            return s3.send(
                method,
                key=key,
                query=query,
                headers=headers,
                body=body,
                sign="presign",
                expires=self.p["expires"],
            )
        except S3Error as e:
            raise Stop(e, step) from None

    def put(self, s3, key, origin):
        body = os.urandom(32).hex().encode("ascii")
        headers = {"Origin": origin} if origin else {}
        # What browsers and the W&B SDK send; moto, for one, drops a form-encoded body.
        headers["Content-Type"] = "application/octet-stream"
        put = self.send(s3, "put", "PUT", key, headers, body)
        if put.status != 200:
            raise Stop(s3.failure(put, "presigned PUT of %s" % key), "put")
        put.sent = body
        self.note("put", True, "presigned PUT of %d bytes" % len(body))
        return put

    def get_and_head(self, s3, key, origin, put):
        headers = {"Origin": origin} if origin else {}
        got = self.send(s3, "get", "GET", key, headers)
        if got.status != 200:
            raise Stop(s3.failure(got, "presigned GET of %s" % key), "get")
        if got.body != put.sent:
            raise Stop(
                S3Error(
                    "endpoint",
                    "presigned GET of %s returned other bytes than were PUT: something between "
                    "this host and the store (a cache, a proxy) changes objects" % key,
                ),
                "get",
            )
        self.note("get", True, "presigned GET returned the same bytes")
        head = self.send(s3, "head", "HEAD", key, headers)
        if head.status != 200:
            raise Stop(s3.failure(head, "presigned HEAD of %s" % key), "head")
        size = head.header("Content-Length")
        etag, head_etag = put.header("ETag"), head.header("ETag")
        if size != str(len(put.sent)) or (etag and head_etag and head_etag != etag):
            raise Stop(
                S3Error(
                    "endpoint",
                    "presigned HEAD of %s disagrees with the PUT (size %s of %d, ETag %s vs %s)"
                    % (key, size, len(put.sent), head_etag, etag),
                ),
                "head",
            )
        self.note("head", True, "presigned HEAD: size and ETag match")

    def cors(self, s3, key, origin, put):
        cors = self.result["cors"]
        cors.update(checked=True, origin=origin)
        exposed = _tokens(put.header("Access-Control-Expose-Headers"))
        for method in CORS_METHODS:
            headers = {"Origin": origin, "Access-Control-Request-Method": method}
            if method == "PUT":
                headers["Access-Control-Request-Headers"] = "content-type"
            try:
                answer = s3.send("OPTIONS", key=key, headers=headers, sign=None)
            except S3Error as e:
                raise Stop(e, "cors") from None
            allowed = answer.header("Access-Control-Allow-Origin")
            methods = sorted(_tokens(answer.header("Access-Control-Allow-Methods"), upper=True))
            ok = answer.status == 200 and allowed in (origin, "*") and method in methods
            cors["methods"][method] = ok
            exposed |= _tokens(answer.header("Access-Control-Expose-Headers"))
            if not ok:
                cors["problems"].append(
                    "OPTIONS for %s answered HTTP %d with Access-Control-Allow-Origin %s and "
                    "Access-Control-Allow-Methods %s"
                    % (method, answer.status, allowed or "missing", ", ".join(methods) or "missing")
                )
        # Browsers read an upload's ETag from the PUT's own answer, so it must be exposed.
        cors["etag_exposed"] = "etag" in exposed
        if not cors["etag_exposed"]:
            cors["problems"].append("ETag is not among the Access-Control-Expose-Headers")
        cors["ok"] = all(cors["methods"].values()) and cors["etag_exposed"]
        self.note(
            "cors",
            cors["ok"],
            "; ".join(cors["problems"])
            or "GET, PUT and HEAD allowed from %s, ETag exposed" % origin,
        )

    def delete(self, s3, key, version):
        """Removes the scratch object; returns a Stop when it could not."""
        query = [("versionId", version)] if version and version != "null" else []
        try:
            gone = self.send(s3, "delete", "DELETE", key, query=query)
            if gone.status not in (200, 204) and query:
                # Deleting one version needs s3:DeleteObjectVersion; a plain delete still
                # hides the object, behind a delete marker.
                self.warn(
                    "Could not delete version %s of the scratch object %s (HTTP %d); deleted the "
                    "object instead, which leaves that version behind a delete marker."
                    % (version, key, gone.status)
                )
                gone = self.send(s3, "delete", "DELETE", key)
            if gone.status not in (200, 204):
                err = s3.failure(gone, "presigned DELETE of %s" % key)
                err.msg += " (remove the scratch object by hand)"
                return Stop(err, "delete")
            after = self.send(s3, "delete", "HEAD", key)
        except Stop as e:
            e.err.msg += " (the scratch object %s may be left in the bucket)" % key
            return e
        if after.status != 404:
            return Stop(
                S3Error(
                    "endpoint",
                    "%s still answers HTTP %d after its DELETE: the store did not delete it"
                    % (key, after.status),
                ),
                "delete",
            )
        self.note("delete", True, "scratch object deleted")
        return None


def _tokens(header, upper=False):
    words = (t.strip() for t in (header or "").split(","))
    return set(w.upper() if upper else w.lower() for w in words if w)


def main():
    spec = connection_spec()
    spec.update(
        origin=dict(type="str", default=""),
        prefix=dict(type="str", default=""),
        require_bucket=dict(type="bool", default=True),
        require_cors=dict(type="bool", default=True),
        max_clock_skew=dict(type="int", default=300),
        expires=dict(type="int", default=300),
    )
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    check = Check(module.params, module.warn)
    stop = check.run()
    if stop is None:
        module.exit_json(**check.result)
    err = stop.err
    check.note(stop.step, False, err.msg)
    module.fail_json(
        msg="%s: %s." % (check.names.get(err.setting, err.setting), explain(err.msg, check.names)),
        setting=err.setting,
        step=stop.step,
        code=err.code,
        status=err.status,
        **check.result,
    )


if __name__ == "__main__":
    main()
