#!/usr/bin/python
# Copyright: (c) 2026, onprem.wandb contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: wandb_oidc_check
short_description: Prove from the W&B host that an OpenID provider works the way W&B uses it
version_added: 0.4.0
author: onprem.wandb contributors (@onprem)
description:
  - Reads O(issuer)C(/.well-known/openid-configuration) from the host it runs on, trusting the
    system's CAs plus O(ca_certs) (the CA files the W&B container trusts) and resolving the names
    in O(extra_hosts) the way the container's C(/etc/hosts) entries do.
  - "Checks: the document's C(issuer) equals O(issuer) character for character; the authorization
    and token endpoints answer HTTP; the JWKS holds at least one signing key; for C(pkce), C(code)
    among the response types and C(S256) among the code challenge methods; for C(implicit),
    C(id_token) among the response types; this host's clock within O(max_clock_skew) seconds of
    the IdP's C(Date) header (ID tokens carry issue and expiry times)."
  - Each failure names the setting to change (O(setting_names)). Changes nothing.
  - Why a module of ours - the check must run in the preflight, before anything is installed, on
    the W&B host (its network path, its trust); M(ansible.builtin.uri) cannot resolve a name
    through a given address or trust CA text without writing a file, and its failures are
    transport errors, not the setting to fix.
attributes:
  check_mode:
    support: full
    description: Runs the same read-only checks in check mode.
  diff_mode:
    support: none
    description: Nothing to compare; the check changes nothing.
  platform:
    support: full
    platforms: posix
    description: Runs on the host whose network path and trust are checked (the W&B host).
options:
  issuer:
    description: The issuer URL as W&B gets it (C(OIDC_ISSUER)).
    type: str
    required: true
  auth_method:
    description: W&B's C(OIDC_AUTH_METHOD).
    type: str
    choices: [implicit, pkce]
    default: implicit
  ca_certs:
    description: PEM text of the CAs trusted besides the system's (those the W&B container trusts).
    type: list
    elements: str
    default: []
  extra_hosts:
    description:
      - Name to address entries the W&B container gets in C(/etc/hosts); used instead of DNS.
    type: dict
    default: {}
  allow_http:
    description: Accept C(http://) URLs (a test IdP only).
    type: bool
    default: false
  timeout:
    description: Seconds to wait for each answer.
    type: int
    default: 10
  max_clock_skew:
    description: Seconds this host's clock may differ from the IdP's.
    type: int
    default: 60
  setting_names:
    description:
      - What failure messages call each setting (C(issuer), C(auth_method), C(ca_certs),
        C(extra_hosts), C(clock)); the role passes its variable names.
    type: dict
    default: {}
seealso:
  - module: onprem.wandb.wandb_bucket_check
"""

EXAMPLES = r"""
- name: Prove the IdP from the W&B host before anything is installed
  onprem.wandb.wandb_oidc_check:
    issuer: https://idp.example.com/realms/wandb
    auth_method: pkce
    ca_certs: "{{ query('ansible.builtin.file', 'files/site-ca.crt') }}"
    extra_hosts: {idp.example.com: 10.0.0.5}
    setting_names:
      issuer: wandb_sso_issuer
      auth_method: wandb_sso_auth_method
"""

RETURN = r"""
discovery:
  description: The discovery document's C(issuer) and endpoints, as the IdP sent them.
  returned: always
  type: dict
signing_keys:
  description: How many signing keys the JWKS holds.
  returned: always
  type: int
clock_skew:
  description:
    - Seconds this host's clock is ahead of the IdP's (negative when behind); null without a
      C(Date) header.
  returned: always
  type: float
checks:
  description: Each step with C(step), C(ok) and C(detail).
  returned: always
  type: list
  elements: dict
step:
  description:
    - On failure, the step that failed (C(setup), C(discovery), C(issuer), C(flow),
      C(authorization), C(token), C(jwks), C(clock)).
  returned: failure
  type: str
setting:
  description: On failure, the setting blamed (a key of O(setting_names)).
  returned: failure
  type: str
"""

import http.client  # noqa: E402
import json  # noqa: E402
import socket  # noqa: E402
import ssl  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402
from ansible_collections.onprem.wandb.plugins.module_utils.oidc import (  # noqa: E402
    check_document,
    clock_skew,
    explain,
    signing_keys,
)
from ansible_collections.onprem.wandb.plugins.module_utils.wandb_config import (  # noqa: E402
    OIDC_DISCOVERY_PATH,
)

DEFAULT_NAMES = {
    "issuer": "issuer",
    "auth_method": "auth_method",
    "ca_certs": "ca_certs",
    "extra_hosts": "extra_hosts",
    "clock": "the clock of this host",
}


class Failure(Exception):
    def __init__(self, step, setting, msg):
        super(Failure, self).__init__(msg)
        self.step, self.setting, self.msg = step, setting, msg


class Checker(object):
    def __init__(self, p):
        self.p = p
        self.ctx = ssl.create_default_context()
        for pem in p["ca_certs"]:
            try:
                self.ctx.load_verify_locations(cadata=str(pem))
            except (ssl.SSLError, ValueError) as e:
                raise Failure(
                    "setup",
                    "ca_certs",
                    "{ca_certs} holds a file that is not a PEM certificate (%s)" % e,
                ) from None
        self.hosts = dict((str(k).lower(), str(v)) for k, v in p["extra_hosts"].items())
        self.checks = []
        # Filled in as the steps run, so a failure still returns what was learnt.
        self.result = {}

    def note(self, step, ok, detail=""):
        self.checks.append({"step": step, "ok": ok, "detail": detail})

    def request(self, step, url, method="GET", body=None):
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise Failure(
                step,
                "issuer",
                "the IdP names %s as its %s URL, which is not an http(s) URL" % (url, step),
            )
        if parts.scheme == "http" and not self.p["allow_http"]:
            raise Failure(
                step,
                "issuer",
                "the IdP's %s URL %s is plain http: the IdP must be reached over TLS" % (step, url),
            )
        host = parts.hostname
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = self.hosts.get(host.lower(), host)
        where = "%s:%d%s" % (
            host,
            port,
            " (%s from {extra_hosts})" % address if address != host else "",
        )
        timeout = self.p["timeout"]
        try:
            sock = socket.create_connection((address, port), timeout)
            if parts.scheme == "https":
                sock = self.ctx.wrap_socket(sock, server_hostname=host)
            conn = http.client.HTTPConnection(host, port, timeout=timeout)
            conn.sock = sock
            path = (parts.path or "/") + ("?" + parts.query if parts.query else "")
            headers = {"Accept": "application/json"}
            if body is not None:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            conn.request(method, path, body=body, headers=headers)
            answer = conn.getresponse()
            data = answer.read(1024 * 1024)
            conn.close()
        except ssl.SSLCertVerificationError as e:
            why = getattr(e, "verify_message", "") or str(e)
            if "mismatch" in why.lower() or getattr(e, "verify_code", 0) == 62:
                raise Failure(
                    step,
                    "issuer",
                    "the certificate of %s does not name %s (%s): use the name the "
                    "certificate was issued for in {issuer}, or reissue it" % (where, host, why),
                ) from None
            raise Failure(
                step,
                "ca_certs",
                "the certificate of %s is not trusted (%s): add the CA that signed it "
                "to {ca_certs}, the CA files the W&B container trusts" % (where, why),
            ) from None
        except ssl.SSLError as e:
            raise Failure(
                step,
                "issuer",
                "TLS handshake with %s failed (%s): check the scheme and port in {issuer}"
                % (where, getattr(e, "reason", None) or e),
            ) from None
        except socket.gaierror as e:
            raise Failure(
                step,
                "extra_hosts",
                "cannot resolve %s (%s): the W&B container resolves it the same way. "
                "Add it to {extra_hosts} (NAME: ADDRESS), or fix this host's DNS"
                % (host, e.strerror or e),
            ) from None
        except ConnectionRefusedError:
            raise Failure(
                step,
                "issuer",
                "nothing accepts connections on %s: check the host and port in {issuer}, "
                "and that the IdP is running" % where,
            ) from None
        except socket.timeout:
            raise Failure(
                step,
                "issuer",
                "no answer from %s within %s s: check {issuer}, and that a firewall lets "
                "the W&B host reach the IdP" % (where, timeout),
            ) from None
        except (OSError, http.client.HTTPException) as e:
            raise Failure(
                step,
                "issuer",
                "cannot reach %s (%s): check {issuer}, and the route from the W&B host "
                "to the IdP" % (where, getattr(e, "strerror", None) or e),
            ) from None
        return answer.status, dict((k.lower(), v) for k, v in answer.getheaders()), data

    def json_of(self, step, url, data):
        try:
            return json.loads(data.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise Failure(
                step,
                "issuer",
                "%s did not answer with JSON: check that {issuer} names an OpenID "
                "Connect provider" % url,
            ) from None

    def run(self):
        p = self.p
        issuer = p["issuer"]
        # As go-oidc (W&B's client) builds it: a trailing slash is not doubled.
        url = issuer.rstrip("/") + OIDC_DISCOVERY_PATH
        status, headers, data = self.request("discovery", url)
        if status != 200:
            raise Failure(
                "discovery",
                "issuer",
                "%s answered HTTP %d instead of the discovery document: check "
                "{issuer} (W&B reads ISSUER%s; Keycloak issuers end in /realms/REALM)"
                % (url, status, OIDC_DISCOVERY_PATH),
            )
        doc = self.json_of("discovery", url, data)
        self.note("discovery", True, url)
        result = self.result
        result["discovery"] = dict(
            (k, doc.get(k))
            for k in (
                "issuer",
                "authorization_endpoint",
                "token_endpoint",
                "jwks_uri",
                "response_types_supported",
                "code_challenge_methods_supported",
            )
            if isinstance(doc, dict)
        )
        skew = clock_skew(headers.get("date"))
        result["clock_skew"] = skew
        problems = check_document(doc, issuer, p["auth_method"])
        if problems:
            setting = problems[0][0]
            raise Failure(
                "issuer" if setting == "issuer" else "flow",
                setting,
                "; ".join(m for _s, m in problems),
            )
        self.note("issuer", True, "the document's issuer equals the configured one")
        self.note("flow", True, p["auth_method"])
        for step, key, method, body in (
            ("authorization", "authorization_endpoint", "GET", None),
            ("token", "token_endpoint", "POST", ""),
        ):
            status, _h, _d = self.request(step, doc[key], method, body)
            # Without a client and parameters an endpoint refuses (4xx) or
            # redirects to an error page: what matters is that it answers.
            if status >= 500 or status == 404:
                raise Failure(
                    step,
                    "issuer",
                    "the IdP's %s (%s) answered HTTP %d: the IdP is not healthy, or "
                    "its discovery document names the wrong URL" % (key, doc[key], status),
                )
            self.note(step, True, "HTTP %d" % status)
        status, _h, data = self.request("jwks", doc["jwks_uri"])
        if status != 200:
            raise Failure(
                "jwks",
                "issuer",
                "the IdP's jwks_uri (%s) answered HTTP %d: W&B could not verify any ID "
                "token" % (doc["jwks_uri"], status),
            )
        keys = signing_keys(self.json_of("jwks", doc["jwks_uri"], data))
        if not keys:
            raise Failure(
                "jwks",
                "issuer",
                "the IdP's JWKS (%s) holds no signing key: W&B could not verify any "
                "ID token. Add a signing key at the IdP" % doc["jwks_uri"],
            )
        result["signing_keys"] = len(keys)
        self.note("jwks", True, "%d signing key(s)" % len(keys))
        if skew is not None and abs(skew) > p["max_clock_skew"]:
            raise Failure(
                "clock",
                "clock",
                "{clock} is %s s %s the IdP's (its Date header); more than %d s apart, "
                "ID tokens look issued in the future or expired and W&B refuses them. Synchronise "
                "the W&B host's clock (NTP: chrony or systemd-timesyncd)"
                % (abs(skew), "ahead of" if skew > 0 else "behind", p["max_clock_skew"]),
            )
        self.note("clock", True, "no Date header" if skew is None else "%s s apart" % skew)
        return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            issuer=dict(type="str", required=True),
            auth_method=dict(type="str", default="implicit", choices=["implicit", "pkce"]),
            ca_certs=dict(type="list", elements="str", default=[]),
            extra_hosts=dict(type="dict", default={}),
            allow_http=dict(type="bool", default=False),
            timeout=dict(type="int", default=10),
            max_clock_skew=dict(type="int", default=60),
            setting_names=dict(type="dict", default={}),
        ),
        supports_check_mode=True,
    )
    names = dict(DEFAULT_NAMES)
    names.update(dict((str(k), str(v)) for k, v in module.params["setting_names"].items()))
    result = {
        "changed": False,
        "discovery": {},
        "signing_keys": 0,
        "clock_skew": None,
        "checks": [],
    }
    checker = None
    try:
        checker = Checker(module.params)
        result.update(checker.run())
    except Failure as f:
        if checker:
            result.update(checker.result, checks=checker.checks)
        module.fail_json(
            msg=explain(f.msg, names) + ".",
            step=f.step,
            setting=names.get(f.setting, f.setting),
            **result,
        )
    result["checks"] = checker.checks
    module.exit_json(**result)


if __name__ == "__main__":
    main()
