# Copyright: (c) 2026, onprem.wandb contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The onprem.wandb.wandb_sso_settings filter: the SSO part of module_utils.wandb_config."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.onprem.wandb.plugins.module_utils.wandb_config import sso_settings


def wandb_sso_settings(config):
    if not isinstance(config, dict):
        raise AnsibleFilterError(
            "onprem.wandb.wandb_sso_settings expects a dict of settings, got %s" % type(config)
        )
    return sso_settings(config)


class FilterModule(object):
    def filters(self):
        return {"wandb_sso_settings": wandb_sso_settings}
