# Copyright: (c) 2026, onprem.wandb contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The onprem.wandb.wandb_operator_resources filter: module_utils.wandb_operator for roles."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.onprem.wandb.plugins.module_utils.wandb_operator import resources


def wandb_operator_resources(model, options):
    if not isinstance(model, dict) or not isinstance(options, dict):
        raise AnsibleFilterError(
            "onprem.wandb.wandb_operator_resources expects the wandb_settings result and a dict "
            "of options, got %s and %s" % (type(model), type(options))
        )
    return resources(model, options)


class FilterModule(object):
    def filters(self):
        return {"wandb_operator_resources": wandb_operator_resources}
