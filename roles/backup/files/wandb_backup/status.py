"""The job's state (JSON, for the role and the failure hook) and its status file for monitoring.

The status file is in node_exporter's textfile format: point the collector's
``--collector.textfile.directory`` at its directory and alert on, e.g.,
``time() - wandb_backup_last_success_timestamp_seconds > 26 * 3600``. Both are
replaced atomically (write, fsync, rename), so a reader never sees half.
"""

import json
import os
import time

STATE_FILE = "state.json"

_METRICS = (
    (
        "wandb_backup_last_success_timestamp_seconds",
        "Time the newest verified backup was kept (0: never).",
    ),
    ("wandb_backup_last_attempt_timestamp_seconds", "Time the last backup attempt ended."),
    ("wandb_backup_last_attempt_success", "1 if the last backup attempt kept a verified backup."),
    ("wandb_backup_last_duration_seconds", "Wall time of the last successful backup."),
    ("wandb_backup_last_size_bytes", "Size of the last successful backup."),
    ("wandb_backup_good_backups", "Verified backups kept on this host."),
    ("wandb_backup_running", "1 while a backup or drill runs."),
    ("wandb_backup_drill_last_attempt_timestamp_seconds", "Time the last restore drill ended."),
    (
        "wandb_backup_drill_last_success",
        "1 if the last restore drill restored the newest backup and its row counts matched.",
    ),
    (
        "wandb_backup_drill_last_success_timestamp_seconds",
        "Time of the last successful restore drill (0: never).",
    ),
    ("wandb_backup_drill_last_duration_seconds", "Wall time of the last restore drill."),
    (
        "wandb_backup_offhost_last_success_timestamp_seconds",
        "Time the newest backup was last copied off the host (0: never).",
    ),
    ("wandb_backup_offhost_last_attempt_success", "1 if the last off-host copy succeeded."),
)


def _atomic_write(path, text, mode):
    tmp = "%s.%d.tmp" % (path, os.getpid())
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(tmp, mode)
    os.replace(tmp, path)


class State(object):
    def __init__(self, state_dir, status_file):
        self.path = os.path.join(state_dir, STATE_FILE)
        self.status_file = status_file
        self.data = self._load()

    def _load(self):
        try:
            with open(self.path, encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError):
            data = {}
        data.setdefault("backup", {})
        data.setdefault("drill", {})
        data.setdefault("offhost", {})
        data.setdefault("running", None)
        return data

    def save(self, good_count=None):
        if good_count is not None:
            self.data["good_backups"] = good_count
        _atomic_write(self.path, json.dumps(self.data, indent=2, sort_keys=True) + "\n", 0o600)
        if self.status_file:
            os.makedirs(os.path.dirname(self.status_file), exist_ok=True)
            _atomic_write(self.status_file, render(self.data), 0o644)

    def start(self, job, unit):
        self.data["running"] = {
            "job": job,
            "unit": unit,
            "pid": os.getpid(),
            "started": time.time(),
        }
        self.save()

    def finish(self, job, ok, started, error=None, **extra):
        now = time.time()
        rec = self.data[job]
        rec["last_attempt"] = now
        rec["last_attempt_ok"] = bool(ok)
        rec["last_error"] = None if ok else error
        if ok:
            rec["last_success"] = now
            rec["last_duration"] = round(now - started, 3)
            rec.update(extra)
            kind = extra.get("last_kind")
            if kind:
                rec.setdefault("by_kind", {})[kind] = {
                    "name": extra.get("last_name"),
                    "path": extra.get("last_path"),
                    "finished": now,
                }
        self.data["running"] = None

    def offhost(self, target, ok, name=None, error=None):
        rec = self.data["offhost"].setdefault(target, {})
        rec["last_attempt"] = time.time()
        rec["last_attempt_ok"] = bool(ok)
        rec["last_error"] = None if ok else error
        if ok:
            rec["last_success"] = rec["last_attempt"]
            rec["last_name"] = name
            copied = rec.setdefault("copied", [])
            if name not in copied:
                copied.append(name)
            # Names of backups retention deleted long ago are of no use.
            del copied[:-200]


def _num(value):
    if value is None:
        return "0"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(round(value, 3))
    return str(value)


def render(data):
    b, d = data.get("backup", {}), data.get("drill", {})
    values = {
        "wandb_backup_last_success_timestamp_seconds": [("", b.get("last_success"))],
        "wandb_backup_last_attempt_timestamp_seconds": [("", b.get("last_attempt"))],
        "wandb_backup_last_attempt_success": [("", b.get("last_attempt_ok", False))],
        "wandb_backup_last_duration_seconds": [("", b.get("last_duration"))],
        "wandb_backup_last_size_bytes": [("", b.get("last_size"))],
        "wandb_backup_good_backups": [("", data.get("good_backups"))],
        "wandb_backup_running": [("", data.get("running") is not None)],
        "wandb_backup_drill_last_attempt_timestamp_seconds": [("", d.get("last_attempt"))],
        "wandb_backup_drill_last_success": [("", d.get("last_attempt_ok", False))],
        "wandb_backup_drill_last_success_timestamp_seconds": [("", d.get("last_success"))],
        "wandb_backup_drill_last_duration_seconds": [("", d.get("last_duration"))],
        "wandb_backup_offhost_last_success_timestamp_seconds": [
            ('{target="%s"}' % t, rec.get("last_success"))
            for t, rec in sorted(data.get("offhost", {}).items())
        ],
        "wandb_backup_offhost_last_attempt_success": [
            ('{target="%s"}' % t, rec.get("last_attempt_ok", False))
            for t, rec in sorted(data.get("offhost", {}).items())
        ],
    }
    lines = []
    for name, help_text in _METRICS:
        samples = values[name]
        if not samples:
            continue
        lines.append("# HELP %s %s" % (name, help_text))
        lines.append("# TYPE %s gauge" % name)
        lines.extend("%s%s %s" % (name, labels, _num(v)) for labels, v in samples)
    return "\n".join(lines) + "\n"
