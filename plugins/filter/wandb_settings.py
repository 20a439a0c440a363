# Copyright: (c) 2026, onprem.wandb contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The onprem.wandb.wandb_settings filter: module_utils.wandb_config for roles."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.onprem.wandb.plugins.module_utils.wandb_config import settings


def wandb_settings(config, prefix="wandb_server_"):
    if not isinstance(config, dict):
        raise AnsibleFilterError(
            "onprem.wandb.wandb_settings expects a dict of settings, got %s" % type(config)
        )
    return settings(config, prefix=prefix)


class FilterModule(object):
    def filters(self):
        return {"wandb_settings": wandb_settings}
