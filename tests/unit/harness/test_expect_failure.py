"""The pytest expect-failure helper (tests/integration/playbook.py) reads failure messages
only from failed tasks: never from task names, ok results or the recap."""

import subprocess

import pytest

from tests.integration.playbook import assert_fails_with, failure_messages

OUTPUT = """
PLAY [localhost] ***************************************************************

TASK [onprem.wandb.redis : Preflight | Check wandb_redis_bind] ******************
ok: [localhost] => {"changed": false, "msg": "wandb_redis_port looks fine"}

TASK [onprem.wandb.redis : Preflight | Check the TLS material settings] ********
[ERROR]: Task failed: Action failed: TLS material: either keep
wandb_redis_tls_generate: true
Origin: /roles/redis/tasks/preflight.yml:41:3

fatal: [localhost]: FAILED! => {"censored": "hidden: no_log", "changed": false}

TASK [Loop] ********************************************************************
failed: [localhost] (item=a) => {"failed": true, "msg": "item \\"a\\" is bad"}
fatal: [host-1]: FAILED! => {"msg": "Missing required variables:\\n wandb_server_license"}

PLAY RECAP *********************************************************************
localhost                  : ok=1    changed=0    unreachable=0    failed=1
"""


def test_reads_failed_results_and_error_blocks_only():
    assert failure_messages(OUTPUT) == [
        "Task failed: Action failed: TLS material: either keep\nwandb_redis_tls_generate: true",
        'item "a" is bad',
        "Missing required variables:\n wandb_server_license",
    ]


def run(rc: int, stdout: str = OUTPUT) -> subprocess.CompletedProcess:
    return subprocess.CompletedProcess([], rc, stdout, "")


def test_matches_across_wrapped_whitespace():
    out = assert_fails_with(run(2), "Missing required variables: wandb_server_license")
    assert out.startswith("\nPLAY [localhost]")


def test_fragments_must_share_one_message():
    assert_fails_with(run(2), "TLS material", "wandb_redis_tls_generate: true")
    with pytest.raises(AssertionError):
        assert_fails_with(run(2), "TLS material", "wandb_server_license")


@pytest.mark.parametrize(
    "text",
    [
        "Check wandb_redis_bind",  # a task name
        "wandb_redis_port looks fine",  # an ok result
        "failed=1",  # the recap
    ],
)
def test_text_outside_failed_tasks_does_not_count(text):
    with pytest.raises(AssertionError):
        assert_fails_with(run(2), text)


def test_a_successful_run_fails_the_test():
    with pytest.raises(AssertionError, match="the run succeeded"):
        assert_fails_with(run(0), "Missing required variables")
