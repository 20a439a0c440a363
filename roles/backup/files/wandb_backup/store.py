"""The backup directory: names, what counts as good, verification, the atomic rename.

A backup is a directory ``<prefix>-<UTC time>-<kind>`` holding its files, a
``manifest.json`` and ``SHA256SUMS`` (every file, the manifest included, in
``sha256sum -c`` form). It is built under ``.tmp-<name>`` and renamed only
once every file was read back from disk and checked, so a directory with the
final name is complete by construction; anything starting with a dot is never
counted. A ``DAMAGED`` file (written by the drill when a backup fails it)
takes a backup out of the good set.
"""

import datetime
import json
import os
import re
import shutil

from .errors import JobError
from .proc import sha256_file

MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
DAMAGED = "DAMAGED"
TMP_PREFIX = ".tmp-"
TIME_FORMAT = "%Y%m%dT%H%M%SZ"
KINDS = ("scheduled", "on-demand", "pre-upgrade", "safety")
# Kinds retention keeps apart: the copies restore.yml takes of what it replaces.
SAFETY = "safety"


def name_for(prefix, when, kind):
    return "%s-%s-%s" % (prefix, when.strftime(TIME_FORMAT), kind)


def parse_name(prefix, name):
    """(datetime, kind) for a backup directory name, or None for anything else."""
    m = re.match(r"^%s-(\d{8}T\d{6}Z)-([a-z0-9-]+)$" % re.escape(prefix), name)
    if not m:
        return None
    try:
        when = datetime.datetime.strptime(m.group(1), TIME_FORMAT).replace(
            tzinfo=datetime.timezone.utc
        )
    except ValueError:
        return None
    return when, m.group(2)


class Backup(object):
    def __init__(self, root, name, when, kind):
        self.root, self.name, self.when, self.kind = root, name, when, kind
        self.path = os.path.join(root, name)

    @property
    def damaged(self):
        return os.path.exists(os.path.join(self.path, DAMAGED))

    @property
    def complete(self):
        return all(os.path.isfile(os.path.join(self.path, f)) for f in (MANIFEST, SUMS))

    @property
    def good(self):
        return self.complete and not self.damaged

    def manifest(self):
        try:
            with open(os.path.join(self.path, MANIFEST), encoding="utf-8") as f:
                return json.load(f)
        except (OSError, ValueError) as e:
            raise JobError("%s: cannot read %s: %s" % (self.name, MANIFEST, e)) from None

    def size(self):
        total = 0
        for entry in os.scandir(self.path):
            if entry.is_file(follow_symlinks=False):
                total += entry.stat().st_size
        return total

    def as_dict(self):
        return {
            "name": self.name,
            "path": self.path,
            "kind": self.kind,
            "created_at": self.when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "timestamp": self.when.timestamp(),
            "good": self.good,
            "damaged": self.damaged,
        }


def scan(root, prefix):
    """Every directory named like a backup, newest first (good or not)."""
    found = []
    try:
        entries = list(os.scandir(root))
    except FileNotFoundError:
        return []
    for entry in entries:
        if not entry.is_dir(follow_symlinks=False):
            continue
        parsed = parse_name(prefix, entry.name)
        if parsed:
            found.append(Backup(root, entry.name, parsed[0], parsed[1]))
    found.sort(key=lambda b: (b.when, b.name), reverse=True)
    return found


def good(root, prefix, include_safety=True):
    return [b for b in scan(root, prefix) if b.good and (include_safety or b.kind != SAFETY)]


def find(root, prefix, name):
    for b in scan(root, prefix):
        if b.name == name:
            return b
    raise JobError(
        "no backup named %s in %s (wandb-backup list shows the good ones)" % (name, root)
    )


def stale_temporaries(root):
    try:
        return [e.path for e in os.scandir(root) if e.name.startswith(TMP_PREFIX)]
    except FileNotFoundError:
        return []


def remove_tree(path):
    shutil.rmtree(path, ignore_errors=True)


def discard(path):
    """Deletes a backup so that no interruption leaves it looking good.

    Renamed to a temporary name first (one atomic step: from then on it is not
    a backup), then removed; what an interrupted removal leaves is a stale
    temporary, swept by the next run. Errors are raised, not ignored.
    """
    parent, base = os.path.split(path.rstrip("/"))
    doomed = os.path.join(parent, TMP_PREFIX + "deleted-" + base)
    os.rename(path, doomed)
    shutil.rmtree(doomed)


def fsync_path(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_private(path, data):
    """A new file, 0600 from its creation, flushed to disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def read_sums(path):
    sums = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            digest, sep, name = line.partition("  ")
            if not sep or not re.match(r"^[0-9a-f]{64}$", digest) or "/" in name:
                raise JobError("%s: malformed line in %s" % (os.path.dirname(path), SUMS))
            sums[name] = digest
    return sums


def write_sums(directory, names):
    lines = []
    for name in sorted(names):
        digest, _size = sha256_file(os.path.join(directory, name))
        lines.append("%s  %s\n" % (digest, name))
    write_private(os.path.join(directory, SUMS), "".join(lines).encode())


def verify(backup):
    """Checks every file against SHA256SUMS and the manifest; returns a list of problems."""
    problems = []
    if backup.damaged:
        with open(os.path.join(backup.path, DAMAGED), encoding="utf-8", errors="replace") as f:
            problems.append("marked damaged: %s" % f.read().strip())
    if not backup.complete:
        return [*problems, "incomplete: %s or %s is missing" % (MANIFEST, SUMS)]
    try:
        sums = read_sums(os.path.join(backup.path, SUMS))
    except (OSError, JobError) as e:
        return [*problems, str(e)]
    if MANIFEST not in sums:
        problems.append("%s does not cover %s" % (SUMS, MANIFEST))
    for name, digest in sorted(sums.items()):
        path = os.path.join(backup.path, name)
        if not os.path.isfile(path):
            problems.append("%s is missing" % name)
            continue
        actual, _size = sha256_file(path)
        if actual != digest:
            problems.append("%s does not match its checksum (corrupted or altered)" % name)
    if problems:
        return problems
    manifest = backup.manifest()
    for name, meta in sorted(manifest.get("files", {}).items()):
        if name not in sums:
            problems.append("%s is in the manifest but not in %s" % (name, SUMS))
        elif os.path.getsize(os.path.join(backup.path, name)) != meta.get("size"):
            problems.append("%s has a different size than the manifest says" % name)
    return problems


def mark_damaged(backup, reason):
    write_private(os.path.join(backup.path, DAMAGED), (reason + "\n").encode())


def finalize(tmp_path, final_path):
    """fsync every file and the directory, then the rename that makes the backup count."""
    for entry in os.scandir(tmp_path):
        fsync_path(entry.path)
    fsync_path(tmp_path)
    if os.path.exists(final_path):
        raise JobError("%s exists already; refusing to replace a backup" % final_path)
    os.rename(tmp_path, final_path)
    fsync_path(os.path.dirname(final_path))


def free_bytes(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize
