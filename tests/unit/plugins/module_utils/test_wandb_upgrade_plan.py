"""How the configuration model says a release change is cut over."""

import pytest
from ansible_collections.onprem.wandb.plugins.module_utils.wandb_config import upgrade_plan

BUCKET = {"bucket": "wandb-files", "host": "s3.test:9000", "access_key": "AK", "secret_key": "s/k"}
STORAGE = {
    "type": "s3",
    "bucket": "wandb-files",
    "endpoint": "s3.test:9000",
    "access_key": "AK",
    "secret_key": "s/k",
}


def test_without_a_bucket_recreate_is_chosen_and_says_why():
    plan = upgrade_plan({"bucket_url": "", "bucket": {}, "upgrade_strategy": "auto"})
    assert (plan["strategy"], plan["has_bucket"], plan["errors"]) == ("recreate", False, [])
    assert "/vol" in plan["why"] and "maintenance page" in plan["why"]


@pytest.mark.parametrize(
    "config",
    [{"bucket": BUCKET}, {"bucket_url": "s3://AK:SK@s3.test/wandb-files"}, {"storage": STORAGE}],
)
def test_with_a_bucket_blue_green_is_chosen(config):
    plan = upgrade_plan(config)
    assert (plan["strategy"], plan["has_bucket"], plan["errors"]) == ("blue_green", True, [])
    assert "beside the old one" in plan["why"]


def test_recreate_can_be_forced_beside_a_bucket():
    plan = upgrade_plan({"bucket": BUCKET, "upgrade_strategy": "recreate"})
    assert (plan["strategy"], plan["errors"]) == ("recreate", [])


def test_blue_green_without_a_bucket_is_refused_naming_the_variable():
    plan = upgrade_plan({"upgrade_strategy": "blue_green"})
    assert plan["strategy"] == "recreate"
    assert [e["var"] for e in plan["errors"]] == ["wandb_server_upgrade_strategy"]
    assert "share" in plan["errors"][0]["msg"]


def test_unknown_strategy_is_refused():
    plan = upgrade_plan({"upgrade_strategy": "rolling"})
    assert [e["var"] for e in plan["errors"]] == ["wandb_server_upgrade_strategy"]


def test_migration_table_is_golang_migrate():
    assert upgrade_plan({})["migrations"] == {
        "table": "schema_migrations",
        "version_column": "version",
        "dirty_column": "dirty",
    }
