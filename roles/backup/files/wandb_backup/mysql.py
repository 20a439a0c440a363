"""The W&B database: a consistent dump with row counts from the same snapshot, and loads.

Row counts "inside the same transaction" as mysqldump's: mysqldump opens its
own connection, so the job makes the two snapshots identical instead. It takes
FLUSH TABLES WITH READ LOCK (no commit can happen while it is held), opens its
own consistent snapshot, starts mysqldump --single-transaction, waits until
InnoDB lists mysqldump's transaction, and only then unlocks. Both read views
were opened with no commit in between, so they see the same data; the counts
are then taken in the job's snapshot while mysqldump reads. Writers wait for
the lock only while mysqldump connects (a fraction of a second, bounded by
lock_wait_timeout); mysqldump --source-data holds the same lock for the same
reason. Credentials come from a 0600 option file (--defaults-file), never
from the command line.
"""

import contextlib
import re
import subprocess
import threading
import time

from .compress import VerifiedWriter
from .config import pymysql_args
from .errors import JobError
from .proc import Pipeline, tool_version

# InnoDB refreshes its transaction table for INFORMATION_SCHEMA at most every
# 100 ms, and only when it was not read in the last 100 ms: poll slower.
TRX_POLL_SECONDS = 0.12
DUMP_TRAILER = b"-- Dump completed"


def _pymysql():
    try:
        import pymysql
    except ImportError:
        raise JobError("python3-pymysql is not installed (the backup role installs it)") from None
    return pymysql


def connect(defaults_file, database=None, timeout=10, hint=None):
    pymysql = _pymysql()
    args = pymysql_args(defaults_file)
    try:
        return pymysql.connect(
            database=database, connect_timeout=timeout, autocommit=True, charset="utf8mb4", **args
        )
    except pymysql.err.OperationalError as e:
        code = e.args[0] if e.args else 0
        if code == 1045:
            raise JobError(
                "MySQL refused the login of %s (%s): its password in %s is wrong or the account "
                "is missing; fix %s in the inventory and run the backup role again"
                % (
                    args.get("user"),
                    e.args[1] if len(e.args) > 1 else e,
                    defaults_file,
                    hint or "the account's password",
                )
            ) from None
        raise JobError(
            "cannot connect to MySQL with %s: %s" % (defaults_file, e.args[-1] if e.args else e)
        ) from None


def quote_ident(name):
    return "`%s`" % name.replace("`", "``")


def flavor_of(tool_version_line):
    return "mariadb" if "mariadb" in tool_version_line.lower() else "mysql"


def dump_argv(cfg, tool_line):
    m = cfg["mysql"]
    argv = [
        m.get("dump_tool", "mysqldump"),
        "--defaults-file=%s" % m["defaults_file"],
        "--single-transaction",
        "--routines",
        "--events",
        "--triggers",
        "--hex-blob",
        "--quick",
        "--skip-lock-tables",
        "--no-tablespaces",
        "--default-character-set=utf8mb4",
        "--max-allowed-packet=1G",
    ]
    if flavor_of(tool_line) == "mysql":
        # A restore replays into a server that has its own GTID history.
        argv.append("--set-gtid-purged=OFF")
    # One database and no --databases: no CREATE DATABASE / USE in the dump, so
    # the same file restores into the W&B database or a drill's scratch one.
    return [*argv, *m.get("extra_dump_options", []), m["database"]]


def client_argv(cfg, defaults_file, database):
    m = cfg["mysql"]
    return [
        m.get("client_tool", "mysql"),
        "--defaults-file=%s" % defaults_file,
        "--default-character-set=utf8mb4",
        "--max-allowed-packet=1G",
        database,
    ]


def _wait_for_quiet(cur, me, max_wait):
    """Long-running statements would make FLUSH TABLES WITH READ LOCK wait (and writers with it)."""
    deadline = time.time() + max_wait
    while True:
        cur.execute(
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND = 'Query' "
            "AND TIME >= 5 AND ID <> %s AND USER NOT IN ('system user', 'event_scheduler')",
            (me,),
        )
        if cur.fetchone()[0] == 0 or time.time() > deadline:
            return
        time.sleep(1)


def _lock(cur, cfg, log):
    m = cfg["mysql"]
    cur.execute("SET SESSION lock_wait_timeout = %s", (int(m.get("lock_wait_timeout", 10)),))
    tries = int(m.get("lock_tries", 3))
    for attempt in range(1, tries + 1):
        try:
            cur.execute("FLUSH TABLES WITH READ LOCK")
            return
        except Exception as e:  # pymysql raises OperationalError 1205 on a lock wait timeout
            if attempt == tries:
                raise JobError(
                    "could not take the brief global read lock that synchronises the row counts "
                    "with the dump (%s) after %d tries: a long statement kept tables open"
                    % (e, tries)
                ) from None
            log("global read lock timed out (try %d of %d), retrying in 10 s" % (attempt, tries))
            time.sleep(10)


def _dump_started(cur, me):
    cur.execute(
        "SELECT COUNT(*) FROM information_schema.INNODB_TRX t "
        "JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id "
        "WHERE t.trx_mysql_thread_id > %s AND p.USER = SUBSTRING_INDEX(CURRENT_USER(), '@', 1)",
        (me,),
    )
    return cur.fetchone()[0] > 0


def snapshot_dump(cfg, out_file, compress_cmd, log):
    """Dumps the W&B database into ``out_file`` (compressed, checked as written).

    Returns what the manifest records, the schema, and (sha256, size, tail)
    of what was written.
    """
    m = cfg["mysql"]
    database = m["database"]
    tool_line = tool_version([m.get("dump_tool", "mysqldump"), "--version"])
    conn = connect(m["defaults_file"], database, hint=cfg.get("hints", {}).get("backup_password"))
    pipe = writer = None
    try:
        cur = conn.cursor()
        cur.execute("SELECT VERSION(), CONNECTION_ID()")
        server_version, me = cur.fetchone()
        cur.execute(
            "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME "
            "FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s",
            (database,),
        )
        row = cur.fetchone()
        if row is None:
            raise JobError("database %s does not exist on the MySQL server" % database)
        charset, collation = row
        _wait_for_quiet(cur, me, int(m.get("quiet_wait", 60)))
        _lock(cur, cfg, log)
        locked_at = time.time()
        try:
            cur.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cur.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT")
            pipe = Pipeline([dump_argv(cfg, tool_line), compress_cmd])
            writer = VerifiedWriter(cfg, out_file)
            writer.pump(pipe.stdout, on_error=pipe.kill)
            deadline = time.time() + int(m.get("dump_start_timeout", 60))
            while not _dump_started(cur, me):
                rc = pipe.procs[0].poll()
                if rc == 0:
                    # A small database: the whole dump ran while no commit
                    # could happen, so it saw exactly this snapshot.
                    break
                if rc is not None:
                    # Killed because the write failed (a full disk): say so,
                    # not only that the tools died.
                    failure = writer.failure()
                    if failure:
                        raise JobError("writing the dump failed: %s" % failure)
                    pipe.wait("the database dump")
                if time.time() > deadline:
                    raise JobError("mysqldump did not open its transaction within the timeout")
                time.sleep(TRX_POLL_SECONDS)
        finally:
            with contextlib.suppress(Exception):
                cur.execute("UNLOCK TABLES")
        lock_seconds = round(time.time() - locked_at, 3)
        cur.execute(
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s "
            "AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
            (database,),
        )
        tables = [r[0] for r in cur.fetchall()]
        counts = {}
        for table in tables:
            cur.execute("SELECT COUNT(*) FROM %s" % quote_ident(table))  # noqa: S608 - a quoted identifier
            counts[table] = int(cur.fetchone()[0])
        schema = read_schema(cur, cfg, tables)
        objects = count_objects(cur, database)
        cur.execute("COMMIT")
        failure = writer.failure()
        if failure:
            raise JobError("writing the dump failed: %s" % failure)
        pipe.wait("the database dump")
        pipe = None
        written = writer.finish("the dump")
    except BaseException:
        if pipe is not None:
            pipe.kill()
        if writer is not None:
            writer.kill()
        raise
    finally:
        conn.close()
    return (
        {
            "database": database,
            "server_version": server_version,
            "character_set": charset,
            "collation": collation,
            "tables": counts,
            "objects": objects,
            "row_counts": "counted in a snapshot opened with the dump's under a global read lock",
            "snapshot_lock_seconds": lock_seconds,
            "dump_tool": tool_line,
        },
        schema,
        written,
    )


def read_schema(cur, cfg, tables=None):
    mig = cfg["wandb"]["migrations"]
    table = mig["table"]
    if tables is not None and table not in tables:
        return {"table": table, "version": None, "dirty": None}
    cur.execute(
        # Identifiers cannot be parameters; these are quoted names from the model.
        "SELECT %s, %s FROM %s ORDER BY %s DESC LIMIT 1"  # noqa: S608
        % (
            quote_ident(mig["version_column"]),
            quote_ident(mig["dirty_column"]),
            quote_ident(table),
            quote_ident(mig["version_column"]),
        )
    )
    row = cur.fetchone()
    if row is None:
        return {"table": table, "version": None, "dirty": None}
    return {"table": table, "version": int(row[0]), "dirty": bool(row[1])}


def count_rows(conn, tables):
    cur = conn.cursor()
    counts = {}
    for table in tables:
        cur.execute("SELECT COUNT(*) FROM %s" % quote_ident(table))  # noqa: S608 - a quoted identifier
        counts[table] = int(cur.fetchone()[0])
    return counts


def compare_counts(expected, actual):
    problems = []
    for table in sorted(set(expected) | set(actual)):
        if table not in actual:
            problems.append("table %s is missing" % table)
        elif table not in expected:
            problems.append("table %s was not in the backup" % table)
        elif expected[table] != actual[table]:
            problems.append(
                "table %s has %d rows, the backup %d" % (table, actual[table], expected[table])
            )
    return problems


OBJECT_KINDS = ("views", "triggers", "routines", "events")


def count_objects(cur, database):
    """Views and stored programs of the database (what a row count cannot see)."""
    queries = {
        "views": "SELECT COUNT(*) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = %s",
        "triggers": "SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = %s",
        "routines": "SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = %s",
        "events": "SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = %s",
    }
    counts = {}
    for kind in OBJECT_KINDS:
        cur.execute(queries[kind], (database,))
        counts[kind] = int(cur.fetchone()[0])
    return counts


_DEFINER = re.compile(rb"DEFINER=`(?:[^`]|``)*`@`(?:[^`]|``)*`")
_PROGRAM = re.compile(rb"\b(TRIGGER|EVENT|PROCEDURE|FUNCTION)\b")
_PROGRAM_KIND = {
    b"TRIGGER": "triggers",
    b"EVENT": "events",
    b"PROCEDURE": "routines",
    b"FUNCTION": "routines",
}


def drill_filter(src, dst):
    """What the drill's account may load: the dump without its stored programs, definers removed.

    With binary logging on, MySQL and MariaDB let only SUPER create triggers,
    routines and events (log_bin_trust_function_creators aside), and an account
    with SUPER could reach W&B's own database, which the drill's must never do.
    So the drill loads tables, rows and views, and counts the stored programs
    in the dump instead (restore.yml, as root, loads and counts them for real).
    Returns the stored programs found, by kind.
    """
    found = {"triggers": 0, "routines": 0, "events": 0}
    in_block, first_line = False, True
    for line in src:
        stripped = line.strip()
        if stripped == b"DELIMITER ;;":
            in_block, first_line = True, True
            continue
        if in_block:
            if stripped == b"DELIMITER ;":
                in_block = False
                continue
            if first_line:
                m = _PROGRAM.search(line)
                if m:
                    found[_PROGRAM_KIND[m.group(1)]] += 1
                first_line = False
            if stripped.endswith(b";;"):
                first_line = True
            continue
        if b"DEFINER=" in line:
            line = _DEFINER.sub(b"", line)
        dst.write(line)
    return found


def _pipe_through(pipe_in, pipe_out, fn, result):
    try:
        result["value"] = fn(pipe_in, pipe_out)
    except OSError as e:
        result["error"] = e.strerror
    finally:
        with contextlib.suppress(OSError):
            pipe_out.close()


def load(cfg, dump_path, defaults_file, database, manifest_db, decompress_cmd, drill=False):
    """Replaces ``database`` with the dump; returns (row counts, schema, object counts) after."""
    charset = manifest_db.get("character_set") or "utf8mb4"
    collation = manifest_db.get("collation") or "utf8mb4_general_ci"
    if not (re.match(r"^[A-Za-z0-9_]+$", charset) and re.match(r"^[A-Za-z0-9_]+$", collation)):
        raise JobError("the manifest's character set or collation is not a plain name")
    conn = connect(defaults_file)
    try:
        cur = conn.cursor()
        cur.execute("DROP DATABASE IF EXISTS %s" % quote_ident(database))
        cur.execute(
            "CREATE DATABASE %s CHARACTER SET %s COLLATE %s"
            % (quote_ident(database), charset, collation)
        )
    finally:
        conn.close()
    client = client_argv(cfg, defaults_file, database)
    in_dump = None
    with open(dump_path, "rb") as src:
        if not drill:
            pipe = Pipeline([decompress_cmd, client], stdin=src)
            pipe.stdout.read()
            pipe.wait("loading the dump into %s" % database)
        else:
            unpack = Pipeline([decompress_cmd], stdin=src)
            loader = Pipeline([client], stdin=subprocess.PIPE)
            result = {}
            worker = threading.Thread(
                target=_pipe_through,
                args=(unpack.stdout, loader.procs[0].stdin, drill_filter, result),
                daemon=True,
            )
            worker.start()
            loader.stdout.read()
            worker.join()
            if result.get("error"):
                unpack.kill()
            loader.wait("loading the dump into %s" % database)
            unpack.wait("decompressing the dump")
            if result.get("error"):
                raise JobError("feeding the dump to mysql failed: %s" % result["error"])
            in_dump = result.get("value")
    conn = connect(defaults_file, database)
    try:
        cur = conn.cursor()
        cur.execute(
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s "
            "AND TABLE_TYPE = 'BASE TABLE'",
            (database,),
        )
        tables = [r[0] for r in cur.fetchall()]
        counts = count_rows(conn, tables)
        schema = read_schema(cur, cfg, tables)
        objects = count_objects(cur, database)
    finally:
        conn.close()
    if in_dump is not None:
        objects.update(in_dump)
    return counts, schema, objects


def compare_objects(expected, actual):
    if not expected:
        return []
    return [
        "%s: %d, the backup %d" % (kind, actual.get(kind, 0), expected[kind])
        for kind in OBJECT_KINDS
        if kind in expected and actual.get(kind, 0) != expected[kind]
    ]


def drop(defaults_file, database):
    conn = connect(defaults_file)
    try:
        conn.cursor().execute("DROP DATABASE IF EXISTS %s" % quote_ident(database))
    finally:
        conn.close()
