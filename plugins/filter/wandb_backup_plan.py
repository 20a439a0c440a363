# Copyright: (c) 2026, onprem.wandb contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The onprem.wandb.wandb_backup_plan filter: module_utils.wandb_config.backup_plan for roles."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.onprem.wandb.plugins.module_utils.wandb_config import backup_plan


def wandb_backup_plan(config, prefix="wandb_backup_"):
    if not isinstance(config, dict):
        raise AnsibleFilterError(
            "onprem.wandb.wandb_backup_plan expects a dict of settings, got %s" % type(config)
        )
    return backup_plan(config, prefix=prefix)


class FilterModule(object):
    def filters(self):
        return {"wandb_backup_plan": wandb_backup_plan}
