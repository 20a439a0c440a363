"""BUCKET values the storage model builds, read back by the contract fixture's parser.

The fixture's parser (tests/fixture) was written from W&B's documented forms,
apart from the model; this ties the path prefix, the Azure form and the
instance-credential form to it.
"""

import hashlib

import pytest
from ansible_collections.onprem.wandb.plugins.module_utils.wandb_config import storage

from tests.unit.fixture._support import SPECIAL_PASSWORDS, load

dsn = load("dsn")


@pytest.mark.parametrize("secret", SPECIAL_PASSWORDS)
def test_s3_with_prefix_parses_back(secret):
    out = storage(
        {
            "bucket": "wandb-files",
            "endpoint": "172.29.19.30:9000",
            "access_key": "AKIATEST",
            "secret_key": secret,
            "path_prefix": "site-a/wandb",
        }
    )
    view = dsn.parse_bucket(out["env"]["BUCKET"])
    assert (view["scheme"], view["host"], view["port"], view["name"]) == (
        "s3",
        "172.29.19.30",
        9000,
        "wandb-files",
    )
    assert view["prefix"] == "site-a/wandb"
    assert view["tls"] is True
    assert view["secret_key_sha256"] == hashlib.sha256(secret.encode()).hexdigest()


def test_instance_gcs_and_azure_parse_back():
    view = dsn.parse_bucket(storage({"bucket": "wandb-files"})["env"]["BUCKET"])
    assert (view["scheme"], view["name"], view["host"]) == ("s3", "wandb-files", None)
    view = dsn.parse_bucket(storage({"type": "gcs", "bucket": "wandb-files"})["env"]["BUCKET"])
    assert (view["scheme"], view["name"]) == ("gs", "wandb-files")
    az = storage({"type": "azure", "bucket": "files", "azure_account": "acct1"})
    view = dsn.parse_bucket(az["env"]["BUCKET"])
    assert (view["scheme"], view["account"], view["container"]) == ("az", "acct1", "files")
