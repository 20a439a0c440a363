"""wandb-backup: the command systemd runs, and the one operators (and restore.yml) use.

Exit codes: 0 done; 1 failed (nothing half-done is counted); 2 bad usage or
configuration; 3 the backup is kept and verified but an off-host copy failed.
"""

import argparse
import fcntl
import json
import os
import signal
import sys
import time

from . import config, jobs, store
from .errors import JobError, PartialCopy, Stopped
from .status import State, render

LOCKED = ("run", "drill", "prune", "restore-db", "restore-vol", "fetch")


def log(message):
    print(message, flush=True)


def _on_term(signum, _frame):
    raise Stopped("stopped by signal %d before it finished; nothing partial is kept" % signum)


def _lock(cfg):
    path = cfg.get("lock_file", "/run/lock/wandb-backup.lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.time() + int(cfg.get("lock_wait_seconds", 3600))
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.time() > deadline:
                raise JobError(
                    "another backup, drill or restore held %s for too long" % path
                ) from None
            time.sleep(2)


def _parser():
    p = argparse.ArgumentParser(
        prog="wandb-backup", description="Backups of W&B Server that restore."
    )
    p.add_argument("--config", default=config.DEFAULT_CONFIG)
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="take a backup now")
    run.add_argument("--kind", default="on-demand", choices=store.KINDS)
    sub.add_parser("drill", help="restore the newest backup into a scratch database and compare")
    prune = sub.add_parser("prune", help="apply retention (options override the configured policy)")
    for opt in ("keep-last", "daily", "weekly", "monthly", "safety"):
        prune.add_argument("--" + opt, type=int, default=None)
    lst = sub.add_parser("list", help="the good backups, newest first")
    lst.add_argument("--all", action="store_true", help="also damaged and incomplete ones")
    lst.add_argument("--json", action="store_true")
    for name in ("verify", "show"):
        c = sub.add_parser(name, help="%s a backup (a name, or latest)" % name)
        c.add_argument("name")
        c.add_argument("--json", action="store_true")
    last = sub.add_parser("last", help="the last backup of a kind this host took (JSON)")
    last.add_argument("--kind", default=None)
    for name in ("restore-db", "restore-vol"):
        c = sub.add_parser(name, help="used by restore.yml, with W&B stopped")
        c.add_argument("name")
        c.add_argument("--force", action="store_true", help="even if the W&B container runs")
        if name == "restore-db":
            c.add_argument(
                "--defaults-file",
                required=True,
                help="option file of an account that may replace the database",
            )
    f = sub.add_parser("fetch", help="bring an off-host copy back here, decrypted and verified")
    f.add_argument("target", choices=("s3", "ssh"))
    f.add_argument("name")
    sub.add_parser("check", help="tools, logins, directories and off-host targets (JSON)")
    fh = sub.add_parser("failed", help="the OnFailure= hook")
    fh.add_argument("unit")
    sub.add_parser("status", help="print the monitoring status file")
    return p


def _pick(cfg, name):
    if name == "latest":
        found = store.good(cfg["backup_dir"], cfg["name_prefix"], include_safety=False)
        if not found:
            raise JobError("there is no good backup in %s" % cfg["backup_dir"])
        return found[0]
    return store.find(cfg["backup_dir"], cfg["name_prefix"], name)


def _dispatch(args, cfg, state):
    unit = os.environ.get("WANDB_BACKUP_UNIT", "wandb-backup (by hand)")
    c = args.command
    if c == "run":
        state.start("backup", unit)
        name = jobs.run_backup(cfg, state, args.kind, log)
        log("backup %s done" % name)
    elif c == "drill":
        state.start("drill", unit)
        jobs.drill(cfg, state, log)
    elif c == "prune":
        overrides = {
            "keep_last": args.keep_last,
            "daily": args.daily,
            "weekly": args.weekly,
            "monthly": args.monthly,
            "safety": args.safety,
        }
        result = jobs.prune(cfg, log, overrides)
        state.save(good_count=len(store.good(cfg["backup_dir"], cfg["name_prefix"])))
        print(json.dumps(result, indent=2))
    elif c == "list":
        found = store.scan(cfg["backup_dir"], cfg["name_prefix"])
        found = found if args.all else [b for b in found if b.good]
        if args.json:
            print(json.dumps([b.as_dict() for b in found], indent=2))
        else:
            for b in found:
                print("%s%s" % (b.name, "" if b.good else "  (not good)"))
    elif c == "verify":
        b = _pick(cfg, args.name)
        problems = store.verify(b)
        if args.json:
            print(
                json.dumps(
                    {"name": b.name, "path": b.path, "ok": not problems, "problems": problems}
                )
            )
        else:
            print("%s: %s" % (b.name, "verified" if not problems else "; ".join(problems)))
        return 0 if not problems else 1
    elif c == "show":
        b = _pick(cfg, args.name)
        print(json.dumps(dict(b.manifest(), path=b.path), indent=2, sort_keys=True))
    elif c == "last":
        rec = state.data["backup"]
        picked = (
            rec.get("by_kind", {}).get(args.kind)
            if args.kind
            else (
                {
                    "name": rec.get("last_name"),
                    "path": rec.get("last_path"),
                    "finished": rec.get("last_success"),
                }
            )
        )
        print(json.dumps(picked or {}))
    elif c == "restore-db":
        name = _pick(cfg, args.name).name
        print(json.dumps(jobs.restore_db(cfg, name, args.defaults_file, log, args.force)))
    elif c == "restore-vol":
        name = _pick(cfg, args.name).name
        print(json.dumps(jobs.restore_vol(cfg, name, log, args.force)))
    elif c == "fetch":
        jobs.fetch(cfg, args.target, args.name, log)
    elif c == "check":
        result = jobs.check(cfg)
        print(json.dumps(result, indent=2, sort_keys=True))
        return 0 if all(r["ok"] for r in result.values()) else 1
    elif c == "failed":
        return jobs.failed_hook(cfg, state, args.unit, log)
    elif c == "status":
        sys.stdout.write(render(state.data))
    return 0


def main(argv=None):
    args = _parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _on_term)
    signal.signal(signal.SIGINT, _on_term)
    try:
        cfg = config.load(args.config)
        config.private_dir(cfg["state_dir"])
        config.private_dir(cfg["runtime_dir"])
        lock = _lock(cfg) if args.command in LOCKED else None
        state = State(cfg["state_dir"], cfg.get("status_file"))
        try:
            return _dispatch(args, cfg, state)
        finally:
            if lock is not None:
                os.close(lock)
    except PartialCopy as e:
        log("error: %s" % e)
        return 3
    except JobError as e:
        log("error: %s" % e)
        return 1
    except KeyError as e:
        log("error: the configuration %s lacks %s: run the backup role again" % (args.config, e))
        return 2
    except OSError as e:
        # A full disk, a missing directory: the message names the file.
        log("error: %s" % e)
        return 1
