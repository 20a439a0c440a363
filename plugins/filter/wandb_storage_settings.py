# Copyright: (c) 2026, onprem.wandb contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The onprem.wandb.wandb_storage_settings filter: the storage part of module_utils.wandb_config."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.onprem.wandb.plugins.module_utils.wandb_config import storage


def wandb_storage_settings(config):
    if not isinstance(config, dict):
        raise AnsibleFilterError(
            "onprem.wandb.wandb_storage_settings expects a dict of settings, got %s" % type(config)
        )
    return storage(config)


class FilterModule(object):
    def filters(self):
        return {"wandb_storage_settings": wandb_storage_settings}
