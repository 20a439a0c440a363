"""The jobs: back up, prune, drill, restore, fetch, check, and the failure hook."""

import datetime
import hashlib
import json
import os
import platform
import shutil
import socket
import subprocess
import time

from . import FORMAT, __version__, archive, mysql, offhost, retention, store
from .compress import compress_argv, decompress_argv
from .errors import JobError, PartialCopy
from .proc import sha256_file, tool_version

DUMP = "db.sql.zst"


def _utc_now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def _iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def wandb_info(cfg):
    """The release the W&B container runs, from Docker's container summary (never its env)."""
    w = cfg["wandb"]
    name = w.get("container")
    if not name:
        return {
            "container": None,
            "image": None,
            "image_id": None,
            "version": None,
            "running": None,
        }
    argv = [
        w.get("docker", "docker"),
        "inspect",
        "--type",
        "container",
        "--format",
        "{{json .Config.Image}} {{json .Image}} {{json .State.Running}}",
        name,
    ]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)  # noqa: S603
    except OSError as e:
        raise JobError("cannot run docker to read the W&B release: %s" % e.strerror) from None
    if done.returncode != 0:
        raise JobError(
            "cannot tell which W&B release runs: docker knows no container %s (%s)"
            % (name, done.stderr.strip()[-300:])
        )
    image, image_id, running = [json.loads(x) for x in done.stdout.split()]
    last = image.rsplit("/", 1)[-1]
    version = last.rsplit(":", 1)[1] if ":" in last else None
    return {
        "container": name,
        "image": image,
        "image_id": image_id,
        "version": version,
        "running": running,
    }


def _tools(cfg, dump_tool_line):
    tools = {
        "dump": dump_tool_line,
        "compressor": tool_version([cfg["compression"].get("tool", "zstd"), "--version"]),
        "tar": tool_version(["tar", "--version"]),
        "python": platform.python_version(),
        "job": __version__,
    }
    return tools


def backup(cfg, state, kind, log):
    root, prefix = cfg["backup_dir"], cfg["name_prefix"]
    started = time.time()
    when = _utc_now()
    name = store.name_for(prefix, when, kind)
    for stale in store.stale_temporaries(root):
        # Only one job runs at a time (the lock): a temporary is what a killed run left.
        log(
            "removing %s, left by an interrupted run (never counted as a backup)"
            % os.path.basename(stale)
        )
        store.remove_tree(stale)
    previous = store.good(root, prefix)
    if previous:
        need = previous[0].size()
        free = store.free_bytes(root)
        if free < need:
            raise JobError(
                "the backup directory %s has %d MB free, and the last backup took %d MB: "
                "free space or lower the retention (wandb_backup_keep_*); the existing backups "
                "are untouched" % (root, free // 2**20, need // 2**20 + 1)
            )
    tmp = os.path.join(root, store.TMP_PREFIX + name)
    os.mkdir(tmp, 0o700)
    try:
        manifest = _build(cfg, tmp, name, kind, when, started, log)
        store.finalize(tmp, os.path.join(root, name))
    except BaseException:
        store.remove_tree(tmp)
        raise
    size = sum(f["size"] for f in manifest["files"].values())
    log(
        "kept %s (%d bytes, schema %s, W&B %s)"
        % (name, size, manifest["schema"]["version"], manifest["wandb"]["version"])
    )
    state.finish(
        "backup",
        True,
        started,
        last_name=name,
        last_path=os.path.join(root, name),
        last_size=size,
        last_kind=kind,
    )
    return name


def _build(cfg, tmp, name, kind, when, started, log):
    info = wandb_info(cfg)
    compress = compress_argv(cfg)
    files = {DUMP: {"content": "mysql-dump"}}
    phases = {}
    t0 = time.time()
    fd = os.open(os.path.join(tmp, DUMP), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        db, schema, written = mysql.snapshot_dump(cfg, out, compress, log)
    files[DUMP]["written"] = written
    phases["dump"] = round(time.time() - t0, 3)
    log(
        "dumped %s in %.1f s: %d tables, %d rows"
        % (db["database"], phases["dump"], len(db["tables"]), sum(db["tables"].values()))
    )
    # A copy of what a restore replaces is kept even when dirty: it is the way back.
    if schema["dirty"] and kind != store.SAFETY:
        raise JobError(
            "W&B's %s says schema version %s is dirty: a migration died half-way and W&B will not "
            "start on this database. This dump is not kept as a good backup; restore the last "
            "good one (restore.yml) instead" % (schema["table"], schema["version"])
        )
    t0 = time.time()
    vol_files, warnings = archive.create(cfg, tmp, compress)
    files.update(vol_files)
    phases["vol"] = round(time.time() - t0, 3)
    for warning in warnings:
        log("warning: %s" % warning)
    # Each stream was decompressed and hashed as it was written; what is on
    # disk must be exactly that.
    t0 = time.time()
    for fname, meta in files.items():
        digest, size, tail = meta.pop("written")
        if sha256_file(os.path.join(tmp, fname)) != (digest, size):
            raise JobError("%s did not read back from disk as it was written" % fname)
        if meta["content"] == "mysql-dump" and mysql.DUMP_TRAILER not in tail:
            raise JobError(
                "the dump has no completion line: mysqldump stopped early, the dump is truncated"
            )
        meta.update(size=size, sha256=digest, compression=cfg["compression"].get("tool", "zstd"))
    phases["read_back"] = round(time.time() - t0, 3)
    log("read every file back from disk in %.1f s: each is what was written" % phases["read_back"])
    finished = _utc_now()
    w = cfg["wandb"]
    manifest = {
        "format": FORMAT,
        "name": name,
        "kind": kind,
        "created_at": _iso(when),
        "finished_at": _iso(finished),
        "duration_seconds": round(time.time() - started, 3),
        "phase_seconds": phases,
        "host": socket.getfqdn(),
        "wandb": info,
        "schema": schema,
        "mysql": db,
        "vol": {
            "mode": w.get("vol_mode"),
            "host_path": w["data_dir"],
            "container_path": w.get("data_path"),
            "env_subdir": w["env_subdir"],
            "warnings": warnings,
        },
        "files": files,
        "compression": {
            "tool": cfg["compression"].get("tool", "zstd"),
            "level": cfg["compression"].get("level"),
        },
        "tools": _tools(cfg, db.pop("dump_tool")),
    }
    data = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
    store.write_private(os.path.join(tmp, store.MANIFEST), data)
    sums = {fname: meta["sha256"] for fname, meta in files.items()}
    sums[store.MANIFEST] = hashlib.sha256(data).hexdigest()
    store.write_private(
        os.path.join(tmp, store.SUMS),
        "".join("%s  %s\n" % (sums[n], n) for n in sorted(sums)).encode(),
    )
    # The data files were hashed as read back from disk; the two small files
    # written last are read back too.
    if store.read_sums(os.path.join(tmp, store.SUMS)) != sums:
        raise JobError("%s did not read back as written" % store.SUMS)
    with open(os.path.join(tmp, store.MANIFEST), "rb") as f:
        if hashlib.sha256(f.read()).hexdigest() != sums[store.MANIFEST]:
            raise JobError("%s did not read back as written" % store.MANIFEST)
    return manifest


def policy_of(cfg, overrides=None):
    policy = dict(cfg.get("retention", {}))
    policy.update({k: v for k, v in (overrides or {}).items() if v is not None})
    return policy


def prune(cfg, log, overrides=None):
    root, prefix = cfg["backup_dir"], cfg["name_prefix"]
    backups = store.scan(root, prefix)
    keep = retention.select(
        [(b.name, b.when, b.kind, b.good) for b in backups],
        datetime.datetime.now(datetime.timezone.utc),
        policy_of(cfg, overrides),
    )
    deleted = []
    for b in backups:
        if b.name not in keep:
            log("retention: deleting %s" % b.name)
            store.discard(b.path)
            deleted.append(b.name)
    return {"kept": dict(sorted(keep.items())), "deleted": deleted}


def copy_offhost(cfg, state, log):
    """Copies the newest backups not yet at each target; returns the targets that failed."""
    failed = []
    session = offhost.Session(cfg)
    try:
        for label, cls in offhost.targets(cfg):
            if not _copy_to(cfg, state, log, session, label, cls):
                failed.append(label)
    finally:
        session.close()
    return failed


def _copy_to(cfg, state, log, session, label, cls):
    """Copies what one target lacks; returns False (and records why) when it fails."""
    rec = state.data["offhost"].get(label, {})
    copied = set(rec.get("copied", []))
    good = store.good(cfg["backup_dir"], cfg["name_prefix"])
    if not good:
        return True
    last = rec.get("last_name")
    last_when = next((b.when for b in good if b.name == last), None)
    # The newest, plus any newer than the last one copied that a failure skipped.
    if last_when is None:
        todo = [good[0]] if good[0].name not in copied else []
    else:
        todo = [b for b in good if b.when > last_when and b.name not in copied]
    try:
        target = cls(session)
        for b in reversed(todo):
            if target.has(b.name):
                log("%s: %s is there already" % (label, b.name))
            else:
                t0 = time.time()
                target.upload(b.name, b.path)
                log(
                    "%s: copied %s to %s in %.1f s"
                    % (label, b.name, target.describe(), time.time() - t0)
                )
            state.offhost(label, True, name=b.name)
            state.save()
        if not todo:
            state.offhost(label, True, name=last)
    except JobError as e:
        log("%s: off-host copy failed: %s" % (label, e))
        state.offhost(label, False, error=str(e))
        state.save()
        return False
    state.save()
    return True


def run_backup(cfg, state, kind, log):
    started = time.time()
    try:
        name = backup(cfg, state, kind, log)
    except BaseException as e:
        state.finish("backup", False, started, error=str(e) or type(e).__name__)
        state.save(good_count=len(store.good(cfg["backup_dir"], cfg["name_prefix"])))
        raise
    # A safety backup is taken by restore.yml while it restores another backup,
    # maybe an old one fetched from off-host that retention would delete under
    # it; the next scheduled run applies retention instead.
    if kind != store.SAFETY:
        prune(cfg, log)
    state.save(good_count=len(store.good(cfg["backup_dir"], cfg["name_prefix"])))
    failed = copy_offhost(cfg, state, log)
    if failed:
        raise PartialCopy(
            "%s is kept and verified here, but the off-host copy to %s failed (retried next run)"
            % (name, ", ".join(failed))
        )
    return name


def drill(cfg, state, log):
    started = time.time()
    root, prefix = cfg["backup_dir"], cfg["name_prefix"]
    d = cfg["drill"]
    try:
        candidates = store.good(root, prefix, include_safety=False)
        if not candidates:
            raise JobError("there is no good backup to drill in %s" % root)
        b = candidates[0]
        log("drill: restoring %s into the scratch database %s" % (b.name, d["database"]))
        problems = store.verify(b)
        if problems:
            store.mark_damaged(b, "restore drill %s: %s" % (_iso(_utc_now()), "; ".join(problems)))
            raise JobError(
                "drill: %s fails verification: %s (marked DAMAGED)" % (b.name, "; ".join(problems))
            )
        manifest = b.manifest()
        try:
            counts, schema, objects = mysql.load(
                cfg,
                os.path.join(b.path, DUMP),
                d["defaults_file"],
                d["database"],
                manifest["mysql"],
                decompress_argv(cfg),
                drill=True,
            )
            problems = mysql.compare_counts(manifest["mysql"]["tables"], counts)
            problems += mysql.compare_objects(manifest["mysql"].get("objects"), objects)
            if schema.get("version") != manifest["schema"].get("version"):
                problems.append(
                    "schema version %s, the manifest %s"
                    % (schema.get("version"), manifest["schema"].get("version"))
                )
        finally:
            mysql.drop(d["defaults_file"], d["database"])
        if problems:
            store.mark_damaged(b, "restore drill %s: %s" % (_iso(_utc_now()), "; ".join(problems)))
            raise JobError(
                "drill: %s restored differently: %s (marked DAMAGED)"
                % (b.name, "; ".join(problems))
            )
        log(
            "drill: %s restored, %d tables and their row counts match, and %s; scratch database "
            "dropped"
            % (b.name, len(counts), ", ".join("%d %s" % (objects[k], k) for k in sorted(objects)))
        )
    except BaseException as e:
        state.finish("drill", False, started, error=str(e) or type(e).__name__)
        state.save(good_count=len(store.good(root, prefix)))
        raise
    state.finish("drill", True, started, last_backup=b.name)
    state.save(good_count=len(store.good(root, prefix)))
    return b.name


def _refuse_running(cfg, force):
    info = wandb_info(cfg)
    if info["running"] and not force:
        raise JobError(
            "the W&B container %s is running: stop it first (restore.yml does), two writers would "
            "corrupt what is restored" % info["container"]
        )


def _verified(cfg, name):
    b = store.find(cfg["backup_dir"], cfg["name_prefix"], name)
    problems = store.verify(b)
    if problems:
        raise JobError("%s fails verification: %s" % (name, "; ".join(problems)))
    manifest = b.manifest()
    if manifest.get("format") != FORMAT:
        raise JobError(
            "%s has format %s; this job reads format %d" % (name, manifest.get("format"), FORMAT)
        )
    return b, manifest


def restore_db(cfg, name, defaults_file, log, force=False):
    b, manifest = _verified(cfg, name)
    _refuse_running(cfg, force)
    database = cfg["mysql"]["database"]
    log("restoring the database %s from %s" % (database, name))
    counts, schema, objects = mysql.load(
        cfg,
        os.path.join(b.path, DUMP),
        defaults_file,
        database,
        manifest["mysql"],
        decompress_argv(cfg),
    )
    problems = mysql.compare_counts(manifest["mysql"]["tables"], counts)
    problems += mysql.compare_objects(manifest["mysql"].get("objects"), objects)
    if schema.get("version") != manifest["schema"].get("version"):
        problems.append(
            "schema version %s, the manifest %s"
            % (schema.get("version"), manifest["schema"].get("version"))
        )
    if problems:
        raise JobError("the restored database differs from %s: %s" % (name, "; ".join(problems)))
    log("restored %s: %d tables, row counts match the manifest" % (database, len(counts)))
    return {"tables": len(counts), "rows": sum(counts.values()), "schema": schema}


def restore_vol(cfg, name, log, force=False):
    b, manifest = _verified(cfg, name)
    _refuse_running(cfg, force)
    w = cfg["wandb"]
    data_dir = w["data_dir"]
    env_subdir = manifest["vol"]["env_subdir"]
    decompress = decompress_argv(cfg)
    tag = "%d-%d" % (os.getpid(), int(time.time()))
    if manifest["vol"]["mode"] == "full":
        parent, base = os.path.dirname(data_dir), os.path.basename(data_dir)
        staging = os.path.join(parent, ".%s.restore-%s" % (base, tag))
        os.mkdir(staging, 0o700)
        try:
            archive.extract(os.path.join(b.path, archive.DATA_ARCHIVE), staging, decompress)
            archive.extract(os.path.join(b.path, archive.ENV_ARCHIVE), staging, decompress)
        except BaseException:
            store.remove_tree(staging)
            raise
        replaced = os.path.join(parent, ".%s.replaced-%s" % (base, tag))
        if os.path.lexists(data_dir):
            os.rename(data_dir, replaced)
        os.rename(staging, data_dir)
        store.remove_tree(replaced)
        log("restored all of %s from %s" % (data_dir, name))
    else:
        staging = os.path.join(data_dir, ".%s.restore-%s" % (env_subdir, tag))
        os.mkdir(staging, 0o700)
        try:
            archive.extract(os.path.join(b.path, archive.ENV_ARCHIVE), staging, decompress)
        except BaseException:
            store.remove_tree(staging)
            raise
        env_dir = os.path.join(data_dir, env_subdir)
        replaced = os.path.join(data_dir, ".%s.replaced-%s" % (env_subdir, tag))
        if os.path.lexists(env_dir):
            os.rename(env_dir, replaced)
        os.rename(os.path.join(staging, env_subdir), env_dir)
        os.rmdir(staging)
        store.remove_tree(replaced)
        log("restored %s from %s" % (env_dir, name))
    return {"mode": manifest["vol"]["mode"]}


def fetch(cfg, label, name, log):
    classes = dict(offhost.targets(cfg))
    if label not in classes:
        raise JobError(
            "no off-host target %s is configured (configured: %s)"
            % (label, ", ".join(classes) or "none")
        )
    root, prefix = cfg["backup_dir"], cfg["name_prefix"]
    if store.parse_name(prefix, name) is None:
        raise JobError("%s is not a backup name (%s-<time>-<kind>)" % (name, prefix))
    final = os.path.join(root, name)
    if os.path.exists(final):
        raise JobError("%s is here already" % final)
    tmp = os.path.join(root, store.TMP_PREFIX + name)
    store.remove_tree(tmp)
    os.mkdir(tmp, 0o700)
    try:
        session = offhost.Session(cfg)
        try:
            offhost.fetch(classes[label](session), name, tmp)
        finally:
            session.close()
        parsed = store.parse_name(prefix, name)
        problems = store.verify(store.Backup(root, os.path.basename(tmp), parsed[0], parsed[1]))
        if problems:
            raise JobError("the copy of %s fails verification: %s" % (name, "; ".join(problems)))
        store.finalize(tmp, final)
    except BaseException:
        store.remove_tree(tmp)
        raise
    log("fetched %s from %s and verified it" % (name, label))
    return final


def check(cfg):
    """What the role's verify phase asserts: tools, logins, directories, targets."""
    results = {}

    def probe(key, fn):
        try:
            fn()
            results[key] = {"ok": True}
        except Exception as e:
            results[key] = {"ok": False, "error": str(e)}

    def tools():
        needed = [
            cfg["mysql"].get("dump_tool", "mysqldump"),
            cfg["mysql"].get("client_tool", "mysql"),
            cfg["compression"].get("tool", "zstd"),
            "tar",
            "sed",
        ]
        if cfg["offhost"].get("encryption_key_file"):
            needed.append("gpg")
        if cfg["offhost"].get("ssh"):
            needed.append("ssh")
        missing = [t for t in needed if not shutil.which(t)]
        if missing:
            raise JobError("missing tools: %s" % ", ".join(missing))

    def backup_login():
        conn = mysql.connect(
            cfg["mysql"]["defaults_file"],
            cfg["mysql"]["database"],
            hint=cfg.get("hints", {}).get("backup_password"),
        )
        try:
            cur = conn.cursor()
            # PROCESS (INNODB_TRX) and RELOAD are needed for the snapshot; SELECT for the dump.
            cur.execute("SELECT COUNT(*) FROM information_schema.INNODB_TRX")
            cur.execute("SHOW GRANTS")
            grants = " ".join(r[0] for r in cur.fetchall()).upper()
            missing = [
                p
                for p in ("RELOAD", "PROCESS")
                if p not in grants and "ALL PRIVILEGES ON *.*" not in grants
            ]
            if missing:
                raise JobError("the backup account lacks %s" % ", ".join(missing))
        finally:
            conn.close()

    def drill_login():
        conn = mysql.connect(
            cfg["drill"]["defaults_file"], hint=cfg.get("hints", {}).get("drill_password")
        )
        conn.close()

    probe("tools", tools)
    probe("backup_login", backup_login)
    if cfg.get("drill", {}).get("enabled"):
        probe("drill_login", drill_login)

    def backup_dir():
        if not os.access(cfg["backup_dir"], os.W_OK):
            raise JobError("%s is not writable" % cfg["backup_dir"])

    probe("backup_dir", backup_dir)
    session = offhost.Session(cfg)
    try:
        for label, cls in offhost.targets(cfg):
            probe("offhost_" + label, lambda c=cls: c(session).check())
    finally:
        session.close()
    return results


def failed_hook(cfg, state, unit, log):
    """OnFailure=: records a failure the job could not record, then runs the site's command."""
    running = state.data.get("running")
    job = "drill" if "drill" in unit else "backup"
    if running and running.get("job") in ("backup", "drill"):
        job = running["job"]
        state.finish(
            job,
            False,
            running.get("started", time.time()),
            error="%s ended without finishing (killed, timed out or crashed): see journalctl -u %s"
            % (unit, unit),
        )
        log("recorded the %s as failed: %s did not finish" % (job, unit))
    state.save(good_count=len(store.good(cfg["backup_dir"], cfg["name_prefix"])))
    command = cfg.get("on_failure_command") or ""
    if not command:
        return 0
    env = dict(
        os.environ,
        WANDB_BACKUP_FAILED_UNIT=unit,
        WANDB_BACKUP_JOB=job,
        WANDB_BACKUP_STATUS_FILE=cfg.get("status_file") or "",
    )
    try:
        # The site's own command, from its inventory: running it is the point.
        done = subprocess.run(["/bin/sh", "-c", command], env=env, timeout=300, check=False)  # noqa: S603
    except subprocess.TimeoutExpired:
        log("the on-failure command timed out after 300 s")
        return 1
    if done.returncode != 0:
        log("the on-failure command exited with %d" % done.returncode)
    return done.returncode
