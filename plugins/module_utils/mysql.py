# Copyright: (c) 2026, onprem.wandb contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pymysql connection code shared by the wandb_mysql_* modules.

The option names match community.mysql's (login_host, login_port, ...), so a
playbook can pass the same connection dict to both collections' modules.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import traceback

from ansible.module_utils.basic import missing_required_lib

PYMYSQL_IMPORT_ERROR = None
try:
    import pymysql

    HAS_PYMYSQL = True
except ImportError:  # pragma: no cover - exercised by the integration tests
    pymysql = None
    HAS_PYMYSQL = False
    PYMYSQL_IMPORT_ERROR = traceback.format_exc()

# W&B requires MySQL 8.4 LTS; its older docs accepted 8.0.32 and later. Below
# the floor we refuse; between the floor and 8.4 we warn.
MYSQL_MIN_VERSION = (8, 0, 32)
MYSQL_RECOMMENDED_VERSION = (8, 4, 0)
# MariaDB is not supported by W&B at all; when a user opts in anyway, it has to
# be a release that accepts several bind addresses and utf8mb4_general_ci.
MARIADB_MIN_VERSION = (10, 11, 0)

# MySQL client error codes that deserve their own message.
ER_ACCESS_DENIED = 1045
ER_DBACCESS_DENIED = 1044
CR_CONN_HOST_ERROR = 2003
CR_UNKNOWN_HOST = 2005
CR_CONNECTION_ERROR = 2002
CR_SERVER_LOST = 2013


class MySQLServerError(Exception):
    """The server is reachable but not one W&B can use."""


def mysql_common_argument_spec():
    return dict(
        login_host=dict(type="str", default="localhost"),
        login_port=dict(type="int", default=3306),
        login_unix_socket=dict(type="str"),
        login_user=dict(type="str"),
        login_password=dict(type="str", no_log=True),
        connect_timeout=dict(type="int", default=10),
        read_timeout=dict(type="int", default=30),
        ca_cert=dict(type="path", aliases=["ssl_ca"]),
        client_cert=dict(type="path", aliases=["ssl_cert"]),
        client_key=dict(type="path", aliases=["ssl_key"], no_log=False),
        check_hostname=dict(type="bool", default=True),
        allow_unsupported_flavor=dict(type="bool", default=False),
    )


def ensure_pymysql(module):
    if not HAS_PYMYSQL:
        module.fail_json(msg=missing_required_lib("pymysql"), exception=PYMYSQL_IMPORT_ERROR)


def _where(params):
    if params.get("login_unix_socket"):
        return "socket %s" % params["login_unix_socket"]
    return "%s:%s" % (params.get("login_host"), params.get("login_port"))


def connect_error_message(params, error):
    """A message that names the option to fix, for a pymysql connection error."""
    code = error.args[0] if error.args else None
    where = _where(params)
    user = params.get("login_user") or "(current OS user)"
    text = str(error.args[-1] if error.args else error)
    low = text.lower()
    if code in (ER_ACCESS_DENIED, ER_DBACCESS_DENIED):
        return (
            "Authentication failed for MySQL user %s at %s: check login_user and login_password "
            "(and that the account's host pattern matches this client). Server said: %s"
            % (user, where, text)
        )
    # pymysql reports TLS and timeout problems as "can't connect" (2003) with the
    # cause in the text: look at the text first so the message names the right option.
    if "certificate" in low or "ssl" in low or "tls" in low:
        return (
            "TLS handshake with MySQL at %s failed: check ca_cert (the CA that signed the "
            "server certificate), check_hostname (the certificate must name login_host) and "
            "client_cert/client_key. Error: %s" % (where, text)
        )
    if "timed out" in low or code == CR_SERVER_LOST:
        return (
            "MySQL at %s did not answer within connect_timeout=%s seconds (timed out): check "
            "login_host/login_port point at a MySQL server and no firewall drops the traffic. "
            "Error: %s" % (where, params.get("connect_timeout"), text)
        )
    if code in (CR_CONN_HOST_ERROR, CR_CONNECTION_ERROR, CR_UNKNOWN_HOST):
        return (
            "Cannot connect to MySQL at %s: connection refused or unreachable. Check login_host, "
            "login_port or login_unix_socket, and that the server runs and listens there. "
            "Error: %s" % (where, text)
        )
    return "MySQL connection to %s failed: %s" % (where, error)


def connect(module, database=None):
    """Open a connection with the module's login_* options, or fail with a clear message."""
    ensure_pymysql(module)
    p = module.params
    kwargs = dict(
        user=p.get("login_user"),
        password=p.get("login_password") or "",
        connect_timeout=p.get("connect_timeout"),
        read_timeout=p.get("read_timeout"),
        write_timeout=p.get("read_timeout"),
        charset="utf8mb4",
        autocommit=True,
    )
    if database:
        kwargs["database"] = database
    if p.get("login_unix_socket"):
        kwargs["unix_socket"] = p["login_unix_socket"]
    else:
        kwargs["host"] = p.get("login_host")
        kwargs["port"] = p.get("login_port")
    if p.get("ca_cert") or p.get("client_cert"):
        ssl = {}
        if p.get("ca_cert"):
            ssl["ca"] = p["ca_cert"]
        if p.get("client_cert"):
            ssl["cert"] = p["client_cert"]
        if p.get("client_key"):
            ssl["key"] = p["client_key"]
        ssl["check_hostname"] = bool(p.get("check_hostname"))
        kwargs["ssl"] = ssl
    try:
        return pymysql.connect(**kwargs)
    except pymysql.err.MySQLError as e:
        module.fail_json(msg=connect_error_message(p, e))
    except (OSError, ValueError) as e:
        # Unreadable CA/cert files surface here, before any network traffic.
        module.fail_json(msg="MySQL connection to %s failed: %s" % (_where(p), e))


def parse_version(version_string):
    """(major, minor, patch) from a server version such as ``10.11.6-MariaDB-0+deb12u1``."""
    m = re.match(r"(\d+)\.(\d+)\.(\d+)", version_string or "")
    if not m:
        raise MySQLServerError("cannot parse the server version %r" % (version_string,))
    return tuple(int(x) for x in m.groups())


def server_info(cursor):
    cursor.execute("SELECT VERSION()")
    version = cursor.fetchone()[0]
    cursor.execute("SHOW GLOBAL VARIABLES LIKE 'version_comment'")
    row = cursor.fetchone()
    comment = row[1] if row else ""
    flavor = "mariadb" if "mariadb" in ("%s %s" % (version, comment)).lower() else "mysql"
    return dict(version=version, version_tuple=parse_version(version), flavor=flavor)


def _fmt(version):
    return ".".join(str(x) for x in version)


def check_server(info, allow_unsupported_flavor):
    """Raise MySQLServerError if W&B cannot use the server; return warnings otherwise."""
    warnings = []
    version = info["version_tuple"]
    if info["flavor"] == "mariadb":
        if not allow_unsupported_flavor:
            raise MySQLServerError(
                "The server is MariaDB %s, which W&B does not support (it requires MySQL %s). "
                "Use MySQL, or set allow_unsupported_flavor=true (role: "
                "wandb_mysql_allow_unsupported_flavor) to accept an unsupported setup."
                % (info["version"], _fmt(MYSQL_RECOMMENDED_VERSION[:2]))
            )
        if version < MARIADB_MIN_VERSION:
            raise MySQLServerError(
                "MariaDB %s is too old: even as an unsupported flavor, %s or later is needed."
                % (info["version"], _fmt(MARIADB_MIN_VERSION))
            )
        warnings.append(
            "The server is MariaDB %s: W&B does not support MariaDB; this setup is "
            "untested by W&B and may break on upgrade." % info["version"]
        )
        return warnings
    if version < MYSQL_MIN_VERSION:
        raise MySQLServerError(
            "MySQL %s is too old for W&B: upgrade to MySQL %s LTS (the oldest accepted is %s)."
            % (info["version"], _fmt(MYSQL_RECOMMENDED_VERSION[:2]), _fmt(MYSQL_MIN_VERSION))
        )
    if version < MYSQL_RECOMMENDED_VERSION:
        warnings.append(
            "MySQL %s works but W&B requires MySQL %s LTS: plan an upgrade."
            % (info["version"], _fmt(MYSQL_RECOMMENDED_VERSION[:2]))
        )
    return warnings


def connect_checked(module, database=None):
    """connect() plus the flavor/version checks; returns (connection, info)."""
    conn = connect(module, database=database)
    cursor = conn.cursor()
    try:
        info = server_info(cursor)
        warnings = check_server(info, module.params.get("allow_unsupported_flavor"))
    except MySQLServerError as e:
        conn.close()
        module.fail_json(msg=str(e))
    cursor.close()
    for warning in warnings:
        module.warn(warning)
    return conn, info
