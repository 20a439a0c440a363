#!/usr/bin/python
# Copyright: (c) 2026, onprem.wandb contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: wandb_bucket_cors
short_description: Keep W&B's CORS rule on a bucket, and every other rule as it is
version_added: 0.3.0
author: onprem.wandb contributors (@onprem)
description:
  - Ensures one CORS rule, identified by O(rule_id), that lets browsers at O(origins) send
    O(methods) to the bucket and read O(expose_headers) (W&B needs C(GET), C(PUT) and C(HEAD)
    from its C(HOST) and the C(ETag) exposed). The rule is placed first, because S3 applies the
    first rule that matches a request.
  - Every other rule on the bucket is kept, in its order. A rule with exactly the same content
    as W&B's but no ID (set by hand earlier) is replaced by W&B's rule rather than repeated.
  - With O(state=absent) only W&B's rule is removed; the bucket's CORS configuration is deleted
    only when no other rule is left.
  - Why a module of ours beside M(community.aws.s3_cors) - that module replaces all of a bucket's
    rules with the ones given (a shared bucket loses the others), treats a failure to read them
    as "no rules", has no check mode and no diff, and needs boto3 on the host. This one reads
    and writes the bucket's CORS document over the S3 API with the Python standard library, so
    it also runs in check mode on a host where nothing is installed yet.
extends_documentation_fragment:
  - onprem.wandb.s3_endpoint
attributes:
  check_mode:
    support: full
    description: Reads the rules and reports what would change; writes nothing.
  diff_mode:
    support: full
    description: C(before) and C(after) hold the bucket's CORS rules.
  platform:
    support: full
    platforms: posix
    description: Runs on the host that reaches the store (the W&B host).
options:
  origins:
    description:
      - URLs (or origins) browsers use W&B at; each is reduced to its origin
        (C(scheme://host[:port])). Required with O(state=present).
    type: list
    elements: str
  methods:
    description:
      - Methods the rule allows.
    type: list
    elements: str
    choices: [GET, PUT, HEAD, POST, DELETE]
    default: [GET, PUT, HEAD]
  allowed_headers:
    description:
      - Request headers browsers may send (C(Access-Control-Request-Headers)).
    type: list
    elements: str
    default: ["*"]
  expose_headers:
    description:
      - Response headers browsers may read.
    type: list
    elements: str
    default: [ETag]
  max_age:
    description:
      - Seconds browsers may cache a preflight answer.
    type: int
    default: 3000
  rule_id:
    description:
      - ID of the rule this module owns.
    type: str
    default: onprem-wandb
  state:
    description:
      - V(present) ensures the rule, V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
seealso:
  - module: onprem.wandb.wandb_bucket_check
  - module: community.aws.s3_cors
"""

EXAMPLES = r"""
- name: Let browsers at the W&B URL use the bucket
  onprem.wandb.wandb_bucket_cors:
    endpoint: s3.example.internal:9000
    bucket: wandb-files
    access_key: "{{ wandb_storage_access_key }}"
    secret_key: "{{ wandb_storage_secret_key }}"
    origins: [https://wandb.example.com]
"""

RETURN = r"""
rules:
  description: The bucket's CORS rules after the task (what they would be, in check mode).
  returned: always
  type: list
  elements: dict
  sample:
    - id: onprem-wandb
      allowed_origins: [https://wandb.example.com]
      allowed_methods: [GET, HEAD, PUT]
      allowed_headers: ["*"]
      expose_headers: [ETag]
      max_age_seconds: 3000
setting:
  description: On failure, the setting blamed (see M(onprem.wandb.wandb_bucket_check)).
  returned: failure
  type: str
"""

from ansible.module_utils.basic import AnsibleModule  # noqa: E402
from ansible_collections.onprem.wandb.plugins.module_utils.s3_client import (  # noqa: E402
    S3Error,
    client_from_params,
    connection_spec,
    explain,
    normalize_rule,
    origin_of,
    setting_names,
)


def wanted_rules(current, params):
    """The rules the bucket should have: W&B's first, every other one kept in order."""
    ours = None
    if params["state"] == "present":
        origins = []
        for url in params["origins"] or []:
            origin = origin_of(url)
            if origin not in origins:
                origins.append(origin)
        ours = normalize_rule(
            {
                "id": params["rule_id"],
                "allowed_origins": origins,
                "allowed_methods": params["methods"],
                "allowed_headers": params["allowed_headers"],
                "expose_headers": params["expose_headers"],
                "max_age_seconds": params["max_age"],
            }
        )
    same = dict(ours or {})
    same.pop("id", None)
    others = [
        r
        for r in current
        if r.get("id") != params["rule_id"] and not (ours and "id" not in r and dict(r) == same)
    ]
    return ([ours] if ours else []) + others


def main():
    spec = connection_spec()
    spec.update(
        origins=dict(type="list", elements="str"),
        methods=dict(
            type="list",
            elements="str",
            choices=["GET", "PUT", "HEAD", "POST", "DELETE"],
            default=["GET", "PUT", "HEAD"],
        ),
        allowed_headers=dict(type="list", elements="str", default=["*"]),
        expose_headers=dict(type="list", elements="str", default=["ETag"]),
        max_age=dict(type="int", default=3000),
        rule_id=dict(type="str", default="onprem-wandb"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )
    module = AnsibleModule(
        argument_spec=spec,
        supports_check_mode=True,
    )
    p = module.params
    names = setting_names(p["setting_names"])
    if p["state"] == "present" and not p["origins"]:
        module.fail_json(msg="origins is empty: give the URL users open W&B at (its HOST).")

    def fail(err):
        module.fail_json(
            msg="%s: %s." % (names[err.setting], explain(err.msg, names)),
            setting=err.setting,
            code=err.code,
            status=err.status,
        )

    try:
        wanted = None
        s3 = client_from_params(p)
        current = s3.get_cors()
        try:
            wanted = wanted_rules(current, p)
        except ValueError as e:
            raise S3Error("cors", "origins: %s" % e) from None
        changed = wanted != current
        if changed and not module.check_mode:
            s3.put_cors(wanted)
            stored = s3.get_cors()
            if stored != wanted:
                raise S3Error(
                    "cors",
                    "the store kept other CORS rules than were written (it may not support "
                    "every field, such as a rule ID): wanted %r, found %r" % (wanted, stored),
                )
    except S3Error as e:
        fail(e)
    result = dict(changed=changed, rules=wanted)
    if module._diff:
        result["diff"] = dict(before=dict(rules=current), after=dict(rules=wanted))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
