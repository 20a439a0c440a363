"""What the configuration model reads back from a running W&B's environment."""

from ansible_collections.onprem.wandb.plugins.module_utils.service_urls import mysql_url, redis_url
from ansible_collections.onprem.wandb.plugins.module_utils.wandb_config import deployed_credentials

# Characters W&B's URL splitting cares about, to prove the round trip.
MYSQL_PW = "p@ss:w/rd%{{x}}?#"
REDIS_PW = "r3dis/+=@:"


def test_both_accounts_come_back_decoded_from_the_urls_the_model_builds():
    env = [
        "HOST=https://wandb.test",
        "MYSQL=" + mysql_url("wandb", MYSQL_PW, "172.30.99.1", 3306, "wandb_local", "true"),
        "REDIS=" + redis_url(REDIS_PW, "172.30.99.1", 6380, "wandb", True, 60, "/ca.crt"),
    ]
    assert deployed_credentials(env) == {
        "mysql": {"user": "wandb", "password": MYSQL_PW},
        "redis": {"user": "wandb", "password": REDIS_PW},
    }


def test_a_dict_works_like_dockers_list():
    env = {"MYSQL": mysql_url("w", "pw", "db"), "REDIS": redis_url("rpw", "cache")}
    assert deployed_credentials(env) == {
        "mysql": {"user": "w", "password": "pw"},
        "redis": {"user": "", "password": "rpw"},
    }


def test_nothing_deployed_or_no_credentials_gives_empty_strings():
    empty = {"user": "", "password": ""}
    assert deployed_credentials([]) == {"mysql": empty, "redis": empty}
    assert deployed_credentials(["REDIS=redis://cache:6379", "MYSQL=garbage", "NOEQUALS"]) == {
        "mysql": empty,
        "redis": empty,
    }
