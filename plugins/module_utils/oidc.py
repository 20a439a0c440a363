# Copyright: (c) 2026, onprem.wandb contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What W&B's OIDC client needs from an IdP's discovery document, as pure checks.

The module ``wandb_oidc_check`` fetches the documents; the judgements live here
so that they are unit-tested without a network. Every problem is a pair
``(setting, message)``: ``setting`` is a key of the module's ``setting_names``
(the variable to fix) and the message says what to change. No message quotes a
secret (the documents hold none).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import email.utils

from ansible_collections.onprem.wandb.plugins.module_utils.wandb_config import OIDC_FLOWS

# Key uses and algorithms that can sign an ID token (RFC 7517, RFC 7518).
_SIGNING_KTY = ("RSA", "EC", "OKP")


def check_document(doc, issuer, auth_method):
    """Problems of discovery document ``doc`` for ``issuer`` and ``auth_method``."""
    problems = []
    if not isinstance(doc, dict):
        return [("issuer", "the discovery document is not a JSON object")]
    theirs = doc.get("issuer")
    if theirs != issuer:
        hint = ""
        if isinstance(theirs, str) and theirs.rstrip("/") == issuer.rstrip("/"):
            hint = " (they differ only by a trailing slash, which W&B does not ignore)"
        problems.append(
            (
                "issuer",
                "{issuer} is %r but the IdP's discovery document names its issuer %r%s: set "
                "{issuer} to exactly the document's issuer, character for character"
                % (issuer, theirs, hint),
            )
        )
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(doc.get(key), str) or not doc.get(key):
            problems.append(
                (
                    "issuer",
                    "the discovery document has no %s, which W&B's OIDC client needs: check "
                    "that {issuer} names an OpenID Connect provider" % key,
                )
            )
    flow = OIDC_FLOWS.get(auth_method)
    if flow is None:
        return [*problems, ("auth_method", "{auth_method} must be implicit or pkce")]
    response_types = doc.get("response_types_supported") or []
    want = flow["response_type"]
    if not any(want in str(t).split() for t in response_types):
        problems.append(
            (
                "auth_method",
                "{auth_method} is %s, which needs the response type %r, but the IdP offers %s: "
                "allow %r for this client at the IdP, or set {auth_method} to %s"
                % (
                    auth_method,
                    want,
                    ", ".join(repr(str(t)) for t in response_types) or "none",
                    want,
                    "pkce" if auth_method == "implicit" else "implicit",
                ),
            )
        )
    if flow["code_challenge_method"]:
        methods = [str(m) for m in doc.get("code_challenge_methods_supported") or []]
        if flow["code_challenge_method"] not in methods:
            problems.append(
                (
                    "auth_method",
                    "{auth_method} is pkce, which W&B runs with the code challenge method S256, "
                    "but the IdP's discovery document lists %s: turn on PKCE with S256 at the "
                    "IdP, or set {auth_method} to implicit"
                    % (", ".join(methods) if methods else "no code challenge methods"),
                )
            )
    return problems


def signing_keys(jwks):
    """The keys of a JWKS document that can verify an ID token's signature."""
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        return []
    return [
        k
        for k in jwks["keys"]
        if isinstance(k, dict)
        and k.get("kty") in _SIGNING_KTY
        and k.get("use", "sig") == "sig"
        and not (k.get("key_ops") and "verify" not in k.get("key_ops"))
    ]


def clock_skew(date_header, now=None):
    """Seconds this host's clock is ahead of the server's ``Date`` (None without one)."""
    if not date_header:
        return None
    try:
        theirs = email.utils.parsedate_to_datetime(date_header)
    except (TypeError, ValueError):
        return None
    if theirs.tzinfo is None:
        theirs = theirs.replace(tzinfo=datetime.timezone.utc)
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return round((now - theirs).total_seconds(), 1)


def explain(message, names):
    """``message`` with each ``{setting}`` replaced by the variable that sets it."""
    out = message
    for key, name in names.items():
        out = out.replace("{%s}" % key, name)
    return out
