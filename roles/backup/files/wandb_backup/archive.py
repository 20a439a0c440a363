"""W&B's data volume: /vol/env always (secret: session key, settings, local users), all of /vol
when W&B keeps its files there (no bucket). Archives are tar (numeric owners: W&B's uid is 999
whatever the host calls it) compressed like the dump."""

import os

from .compress import VerifiedWriter
from .errors import JobError
from .proc import Pipeline

ENV_ARCHIVE = "vol-env.tar.zst"
DATA_ARCHIVE = "vol-data.tar.zst"
# GNU tar exits 1 when a file changed or vanished while it was read: W&B keeps
# writing while the backup runs. The database is dumped first, so every file it
# refers to existed already; a file that changes afterwards is not one it needs.
TAR_SOME_FILES_DIFFER = 1


def _tar_create(directory, members, excludes=()):
    argv = [
        "tar",
        "--create",
        "--file=-",
        "--directory=%s" % directory,
        "--numeric-owner",
        "--sparse",
    ]
    argv += ["--exclude=%s" % e for e in excludes]
    return [*argv, "--", *members]


def create(cfg, tmp_dir, compress_cmd):
    """Writes the archives into tmp_dir; returns {file: {content, ...}} and warnings."""
    w = cfg["wandb"]
    data_dir, env_subdir = w["data_dir"], w["env_subdir"]
    env_dir = os.path.join(data_dir, env_subdir)
    if not os.path.isdir(env_dir):
        raise JobError(
            "%s does not exist: W&B writes its session key and settings there on its first boot. "
            "Has W&B started on this host, and is wandb_server_data_dir right?" % env_dir
        )
    files, warnings = {}, []
    jobs = [(ENV_ARCHIVE, "vol-env", _tar_create(data_dir, [env_subdir]), False)]
    if w.get("vol_mode") == "full":
        jobs.append(
            (DATA_ARCHIVE, "vol-data", _tar_create(data_dir, ["."], ["./" + env_subdir]), True)
        )
    for name, content, tar_argv, tolerant in jobs:
        path = os.path.join(tmp_dir, name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            pipe = Pipeline([tar_argv, compress_cmd])
            writer = VerifiedWriter(cfg, out, consumer=["tar", "--list", "--file=-"])
            writer.pump(pipe.stdout, on_error=pipe.kill)
            try:
                failure = writer.failure()
                if failure:
                    raise JobError("writing %s failed: %s" % (name, failure))
                errs = pipe.wait(
                    "archiving %s" % content,
                    allowed={0: (TAR_SOME_FILES_DIFFER,)} if tolerant else None,
                )
                written = writer.finish(content)
            except BaseException:
                pipe.kill()
                writer.kill()
                raise
        if pipe.codes[0] == TAR_SOME_FILES_DIFFER:
            warnings.append(
                "%s: files changed while they were read (%s)" % (content, errs[0][-300:])
            )
        files[name] = {"content": content, "written": written}
    return files, warnings


def extract(archive_path, dest_dir, decompress_cmd):
    with open(archive_path, "rb") as src:
        pipe = Pipeline(
            [
                decompress_cmd,
                [
                    "tar",
                    "--extract",
                    "--file=-",
                    "--directory=%s" % dest_dir,
                    "--numeric-owner",
                    "--same-owner",
                    "--same-permissions",
                ],
            ],
            stdin=src,
        )
        pipe.stdout.read()
        pipe.wait("extracting %s" % os.path.basename(archive_path))
