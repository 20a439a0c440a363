"""The job's configuration (written by the role) and MySQL option files."""

import json
import os

from .errors import JobError

DEFAULT_CONFIG = "/etc/wandb-backup/config.json"


def load(path=DEFAULT_CONFIG):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except OSError as e:
        raise JobError(
            "cannot read the configuration %s: %s (run the backup role)" % (path, e.strerror)
        ) from None
    except ValueError as e:
        raise JobError("the configuration %s is not valid JSON: %s" % (path, e)) from None


# MySQL's own escapes in option-file values (mysys/my_default.c); the client
# tools read the same file, so the job must decode it exactly as they do.
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "s": " ", '"': '"', "'": "'", "\\": "\\"}


def _option_value(raw):
    value = raw.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    out, i = [], 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            nxt = value[i + 1]
            out.append(_ESCAPES.get(nxt, "\\" + nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def read_option_file(path, group="client"):
    """The [client] options of a MySQL option file, decoded like the mysql tools do."""
    options, current = {}, None
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise JobError("cannot read the MySQL option file %s: %s" % (path, e.strerror)) from None
    for line in lines:
        text = line.strip()
        if not text or text[0] in "#;":
            continue
        if text.startswith("[") and text.endswith("]"):
            current = text[1:-1].strip()
            continue
        if current != group:
            continue
        key, sep, value = text.partition("=")
        key = key.strip().replace("_", "-")
        options[key] = _option_value(value) if sep else ""
    return options


def pymysql_args(path):
    """Connection arguments for pymysql from an option file, never from the command line."""
    opts = read_option_file(path)
    args = {"user": opts.get("user", ""), "password": opts.get("password", "")}
    host = opts.get("host", "localhost")
    if host == "localhost" or opts.get("socket"):
        args["unix_socket"] = opts.get("socket") or "/run/mysqld/mysqld.sock"
    else:
        args["host"] = host
        args["port"] = int(opts.get("port", "3306"))
    if opts.get("ssl-ca"):
        args["ssl"] = {"ca": opts["ssl-ca"]}
        args["ssl_verify_cert"] = True
        args["ssl_verify_identity"] = opts.get("ssl-verify-server-cert", "1") not in ("0", "OFF")
    return args


def private_dir(path, mode=0o700):
    os.makedirs(path, mode=mode, exist_ok=True)
    os.chmod(path, mode)
