# Copyright: (c) 2026, onprem.wandb contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The onprem.wandb.wandb_deployed_credentials filter: wandb_config.deployed_credentials."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.onprem.wandb.plugins.module_utils.wandb_config import (
    deployed_credentials,
)


def wandb_deployed_credentials(env):
    if not isinstance(env, (list, dict)):
        raise AnsibleFilterError(
            "onprem.wandb.wandb_deployed_credentials expects a list of NAME=VALUE or a dict, got %s"
            % type(env)
        )
    return deployed_credentials(env)


class FilterModule(object):
    def filters(self):
        return {"wandb_deployed_credentials": wandb_deployed_credentials}
