"""The backup directory: names, good and not good, verification, the atomic rename."""

import datetime
import json
import os

import pytest

from ._support import load

store = load("store")
errors = load("errors")

WHEN = datetime.datetime(2026, 11, 27, 2, 30, tzinfo=datetime.timezone.utc)


def make(root, kind="scheduled", files=None, when=WHEN):
    name = store.name_for("wandb", when, kind)
    path = root / name
    path.mkdir()
    files = files if files is not None else {"db.sql.zst": b"dump"}
    for fname, data in files.items():
        (path / fname).write_bytes(data)
    manifest = {"format": 1, "files": {f: {"size": len(d)} for f, d in files.items()}}
    (path / store.MANIFEST).write_text(json.dumps(manifest))
    store.write_sums(str(path), [*files, store.MANIFEST])
    return store.Backup(str(root), name, when, kind)


def test_names_round_trip():
    name = store.name_for("wandb", WHEN, "pre-upgrade")
    assert name == "wandb-20261127T023000Z-pre-upgrade"
    assert store.parse_name("wandb", name) == (WHEN, "pre-upgrade")


@pytest.mark.parametrize(
    "name",
    [
        ".tmp-wandb-20261127T023000Z-scheduled",
        "wandb-20261127T023000Z",
        "other-20261127T023000Z-x",
        "wandb-20261399T023000Z-scheduled",
        "wandb-20261127T023000Z-Sched",
    ],
)
def test_anything_else_is_not_a_backup(name):
    assert store.parse_name("wandb", name) is None


def test_a_complete_backup_verifies(tmp_path):
    b = make(tmp_path)
    assert b.good
    assert store.verify(b) == []
    assert [x.name for x in store.good(str(tmp_path), "wandb")] == [b.name]


def test_a_flipped_byte_is_caught(tmp_path):
    b = make(tmp_path)
    path = tmp_path / b.name / "db.sql.zst"
    path.write_bytes(b"dumq")
    assert store.verify(b) == ["db.sql.zst does not match its checksum (corrupted or altered)"]


def test_a_missing_file_is_caught(tmp_path):
    b = make(tmp_path)
    os.unlink(tmp_path / b.name / "db.sql.zst")
    assert store.verify(b) == ["db.sql.zst is missing"]


def test_temporaries_and_incomplete_directories_never_count(tmp_path):
    (tmp_path / ".tmp-wandb-20261127T023000Z-scheduled").mkdir()
    half = tmp_path / store.name_for("wandb", WHEN, "on-demand")
    half.mkdir()
    (half / "db.sql.zst").write_bytes(b"x")
    assert store.good(str(tmp_path), "wandb") == []
    assert len(store.stale_temporaries(str(tmp_path))) == 1


def test_damaged_backups_leave_the_good_set(tmp_path):
    b = make(tmp_path)
    store.mark_damaged(b, "drill: row counts differ")
    assert not b.good
    assert store.verify(b)[0] == "marked damaged: drill: row counts differ"


def test_safety_backups_can_be_left_out(tmp_path):
    make(tmp_path, kind="safety")
    assert store.good(str(tmp_path), "wandb", include_safety=False) == []


def test_finalize_never_replaces_a_backup(tmp_path):
    tmp = tmp_path / ".tmp-x"
    tmp.mkdir()
    (tmp / "f").write_bytes(b"1")
    final = tmp_path / "x"
    store.finalize(str(tmp), str(final))
    assert (final / "f").read_bytes() == b"1"
    tmp.mkdir()
    with pytest.raises(errors.JobError):
        store.finalize(str(tmp), str(final))


def test_files_are_private(tmp_path):
    b = make(tmp_path)
    mode = os.stat(tmp_path / b.name / store.SUMS).st_mode & 0o777
    assert mode == 0o600


def test_a_discarded_backup_stops_being_good_before_its_files_go(tmp_path, monkeypatch):
    b = make(tmp_path)
    seen = []

    def interrupted_rmtree(path, *args, **kwargs):
        # What a prune killed half-way leaves: the good list is read at that moment.
        seen.append([g.name for g in store.good(str(tmp_path), "wandb")])
        raise OSError("interrupted")

    monkeypatch.setattr(store.shutil, "rmtree", interrupted_rmtree)
    with pytest.raises(OSError):
        store.discard(b.path)
    assert seen == [[]]
    assert store.good(str(tmp_path), "wandb") == []
    assert [os.path.basename(p) for p in store.stale_temporaries(str(tmp_path))] == [
        ".tmp-deleted-" + b.name
    ]
