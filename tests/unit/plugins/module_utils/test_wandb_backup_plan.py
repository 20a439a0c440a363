"""What the configuration model says a backup must hold besides the database."""

import pytest
from ansible_collections.onprem.wandb.plugins.module_utils.wandb_config import backup_plan

BUCKET = {"bucket": "wandb-files", "host": "s3.test:9000", "access_key": "AK", "secret_key": "s/k"}


def test_without_a_bucket_all_of_vol_is_kept():
    plan = backup_plan({"bucket_url": "", "bucket": {}, "vol": "auto"})
    assert plan["vol_mode"] == "full"
    assert plan["has_bucket"] is False
    assert plan["errors"] == []
    assert (plan["data_path"], plan["env_subdir"]) == ("/vol", "env")


@pytest.mark.parametrize(
    "config", [{"bucket": BUCKET}, {"bucket_url": "s3://AK:SK@s3.test/wandb-files"}]
)
def test_with_a_bucket_only_the_env_is_kept(config):
    plan = backup_plan(dict(config, vol="auto"))
    assert (plan["vol_mode"], plan["has_bucket"], plan["errors"]) == ("env", True, [])


def test_full_can_be_forced_beside_a_bucket():
    assert backup_plan({"bucket": BUCKET, "vol": "full"})["vol_mode"] == "full"


def test_env_only_without_a_bucket_would_lose_files():
    plan = backup_plan({"vol": "env"})
    assert [e["var"] for e in plan["errors"]] == ["wandb_backup_vol"]
    assert "auto or full" in plan["errors"][0]["msg"]


def test_unknown_mode_is_named():
    plan = backup_plan({"vol": "all"})
    assert plan["errors"][0]["var"] == "wandb_backup_vol"
    assert plan["vol_mode"] == "full"


def test_migration_bookkeeping_is_golang_migrate():
    assert backup_plan({})["migrations"] == {
        "table": "schema_migrations",
        "version_column": "version",
        "dirty_column": "dirty",
    }


def test_a_bad_bucket_never_leaks_into_errors():
    # The server role reports a malformed bucket; the plan only needs to know there is none.
    plan = backup_plan({"bucket": {"nonsense": "x"}, "vol": "auto"})
    assert plan["vol_mode"] == "full"
    assert plan["errors"] == []


@pytest.mark.parametrize(
    "storage",
    [
        {"type": "s3", "bucket": "wandb-files", "endpoint": "s3.test:9000"},
        {"type": "s3", "bucket": "wandb-files", "endpoint": ""},
        {"type": "gcs", "bucket": "wandb-files"},
        {"type": "azure", "bucket": "wandb-files", "azure_account": "acct"},
    ],
)
def test_the_storage_roles_bucket_counts_as_a_bucket(storage):
    # What the backup role passes: the storage variables without their keys.
    plan = backup_plan({"storage": storage, "vol": "auto"})
    assert (plan["vol_mode"], plan["has_bucket"], plan["errors"]) == ("env", True, [])


def test_no_storage_bucket_means_all_of_vol():
    plan = backup_plan({"storage": {"type": "s3", "bucket": ""}, "vol": "auto"})
    assert (plan["vol_mode"], plan["has_bucket"]) == ("full", False)
