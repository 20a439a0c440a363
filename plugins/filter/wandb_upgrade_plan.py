# Copyright: (c) 2026, onprem.wandb contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The onprem.wandb.wandb_upgrade_plan filter: module_utils.wandb_config.upgrade_plan for roles."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.onprem.wandb.plugins.module_utils.wandb_config import upgrade_plan


def wandb_upgrade_plan(config, prefix="wandb_server_"):
    if not isinstance(config, dict):
        raise AnsibleFilterError(
            "onprem.wandb.wandb_upgrade_plan expects a dict of settings, got %s" % type(config)
        )
    return upgrade_plan(config, prefix=prefix)


class FilterModule(object):
    def filters(self):
        return {"wandb_upgrade_plan": wandb_upgrade_plan}
