# Copyright: (c) 2026, onprem.wandb contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # How onprem.wandb modules reach the Docker engine on the target.
    DOCUMENTATION = r"""
options:
  docker_host:
    description:
      - The engine API the module talks to, on the target host.
      - The default is the local socket the C(docker) role's engine listens on;
        W&B runs on the same host as its engine, so a remote engine is not
        supported on purpose (the readiness check and the env file are local).
    type: str
    default: unix:///var/run/docker.sock
  api_timeout:
    description:
      - Seconds to wait for one engine API call.
    type: int
    default: 120
requirements:
  - Docker SDK for Python (C(python3-docker) on Debian/Ubuntu, C(python3-docker) from EPEL on RHEL)
"""
