# Copyright: (c) 2026, onprem.wandb contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The bucket and how to reach it, shared by the wandb_bucket_* modules.
    DOCUMENTATION = r"""
options:
  endpoint:
    description:
      - The S3 API, C(HOST) or C(HOST:PORT), without scheme or path (for AWS,
        C(s3.REGION.amazonaws.com)).
    type: str
    required: true
  bucket:
    description:
      - The bucket.
    type: str
    required: true
  region:
    description:
      - The region requests are signed for. S3-compatible stores mostly accept C(us-east-1);
        Ceph RGW wants its zone group's name.
    type: str
    default: us-east-1
  path_style:
    description:
      - V(true) addresses the bucket in the path (C(https://HOST/BUCKET/KEY)), what S3-compatible
        stores without wildcard DNS need; V(false) in the host name (C(https://BUCKET.HOST/KEY)).
    type: bool
    default: true
  tls:
    description:
      - Talk HTTPS to the endpoint, verifying its certificate against the system trust store
        and O(ca_certs). There is no option to skip verification - W&B does not support
        self-signed certificates on the bucket endpoint either.
    type: bool
    default: true
  ca_certs:
    description:
      - CA certificates (PEM text, not paths) trusted in addition to the host's system store.
        Given as text so that nothing has to be written on the host first; pass the CAs the W&B
        container trusts.
    type: list
    elements: str
    default: []
  access_key:
    description:
      - Access key ID.
    type: str
    required: true
  secret_key:
    description:
      - Secret access key. Never logged, never returned; it only signs requests.
    type: str
    required: true
  timeout:
    description:
      - Seconds to wait for each answer.
    type: int
    default: 15
  setting_names:
    description:
      - Names to give the settings in failure messages, keyed by C(endpoint), C(bucket),
        C(region), C(path_style), C(tls), C(ca_certs), C(access_key), C(secret_key),
        C(permissions), C(cors), C(clock) (for example the role variables that set them).
        Unnamed settings keep these names.
    type: dict
    default: {}
requirements:
  - Python 3.8 or later on the managed host; nothing beyond its standard library.
notes:
  - Requests go straight to the endpoint, not through an HTTP proxy from the environment.
"""
