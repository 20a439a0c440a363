"""The status file monitoring reads (node_exporter textfile format)."""

import re

from ._support import load

status = load("status")

LINE = re.compile(r'^[a-z_]+(\{target="[a-z0-9]+"\})? -?[0-9.e+]+$')


def parse(text):
    values = {}
    for line in text.splitlines():
        if line.startswith("#"):
            assert line.startswith(("# HELP ", "# TYPE "))
            continue
        assert LINE.match(line), line
        name, value = line.rsplit(" ", 1)
        values[name] = float(value)
    return values


def test_a_host_that_never_backed_up_looks_stale():
    values = parse(status.render({"backup": {}, "drill": {}, "offhost": {}}))
    assert values["wandb_backup_last_success_timestamp_seconds"] == 0
    assert values["wandb_backup_last_attempt_success"] == 0
    assert values["wandb_backup_drill_last_success"] == 0


def test_success_failure_and_targets(tmp_path):
    st = status.State(str(tmp_path), str(tmp_path / "prom" / "wandb_backup.prom"))
    st.start("backup", "wandb-backup@scheduled.service")
    st.finish(
        "backup", True, 0.0, last_name="n1", last_path="/b/n1", last_size=42, last_kind="scheduled"
    )
    st.offhost("s3", True, name="n1")
    st.offhost("ssh", False, error="unreachable")
    st.save(good_count=3)
    values = parse((tmp_path / "prom" / "wandb_backup.prom").read_text())
    assert values["wandb_backup_last_attempt_success"] == 1
    assert values["wandb_backup_last_size_bytes"] == 42
    assert values["wandb_backup_good_backups"] == 3
    assert values["wandb_backup_running"] == 0
    assert values['wandb_backup_offhost_last_attempt_success{target="s3"}'] == 1
    assert values['wandb_backup_offhost_last_attempt_success{target="ssh"}'] == 0
    assert values['wandb_backup_offhost_last_success_timestamp_seconds{target="ssh"}'] == 0
    success = values["wandb_backup_last_success_timestamp_seconds"]
    st.finish("backup", False, 0.0, error="disk full")
    st.save()
    values = parse((tmp_path / "prom" / "wandb_backup.prom").read_text())
    assert values["wandb_backup_last_attempt_success"] == 0
    # A failure never moves the last success.
    assert values["wandb_backup_last_success_timestamp_seconds"] == success
    assert st.data["backup"]["by_kind"]["scheduled"]["name"] == "n1"


def test_a_running_job_is_visible(tmp_path):
    st = status.State(str(tmp_path), str(tmp_path / "s.prom"))
    st.start("drill", "wandb-backup-drill.service")
    assert parse((tmp_path / "s.prom").read_text())["wandb_backup_running"] == 1
