# Copyright: (c) 2026, onprem.wandb contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that expose module_utils.service_urls to roles and playbooks."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.onprem.wandb.plugins.module_utils.service_urls import (
    ServiceURLError,
    bucket_url,
    mysql_url,
    redis_url,
)


def _call(builder, name, params, overrides):
    if not isinstance(params, dict):
        raise AnsibleFilterError("%s expects a dict of parameters, got %s" % (name, type(params)))
    kwargs = dict(params)
    kwargs.update(overrides)
    try:
        return builder(**kwargs)
    except ServiceURLError as e:
        raise AnsibleFilterError("%s: %s" % (name, e)) from None
    except TypeError as e:
        raise AnsibleFilterError("%s: unknown or missing parameter: %s" % (name, e)) from None


def mysql_url_filter(params, **overrides):
    return _call(mysql_url, "onprem.wandb.mysql_url", params, overrides)


def redis_url_filter(params, **overrides):
    return _call(redis_url, "onprem.wandb.redis_url", params, overrides)


def bucket_url_filter(params, **overrides):
    return _call(bucket_url, "onprem.wandb.bucket_url", params, overrides)


class FilterModule(object):
    def filters(self):
        return {
            "mysql_url": mysql_url_filter,
            "redis_url": redis_url_filter,
            "bucket_url": bucket_url_filter,
        }
