#!/usr/bin/python
# Copyright: (c) 2026, onprem.wandb contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: wandb_mysql_settings
short_description: Compare (and apply) the MySQL server settings W&B Server requires
version_added: 0.1.0
author: onprem.wandb contributors (@onprem)
description:
  - Reads the live values of O(settings) with C(SHOW GLOBAL VARIABLES), compares them with the
    wanted values and reports every difference at once, with a C(diff).
  - With O(apply=true) it changes the differing values, with C(SET PERSIST) on MySQL (survives a
    restart) and C(SET GLOBAL) on MariaDB (which has no persisted variables, so keep the values in
    a config file too). Read-only variables are written with C(SET PERSIST_ONLY) where the server
    has it, and listed in RV(restart_required).
  - Variables that the server does not have (for example C(max_execution_time) on MariaDB) are
    listed in RV(not_applicable) and are not an error.
  - Why a module of ours beside M(community.mysql.mysql_variables), which sets one variable per
    task - this module compares the whole set W&B requires in one round trip, treats equivalent
    spellings as equal (C(ON)/C(1), C(4)/C(4.000000), C(64M)/C(67108864)), reports every
    difference at once (what a managed cloud database needs, where nothing can be changed from
    here), handles variables a flavor lacks, and checks that the server is a MySQL W&B supports.
extends_documentation_fragment:
  - onprem.wandb.mysql
attributes:
  check_mode:
    support: full
    description: Reports what would change; runs no C(SET).
  diff_mode:
    support: full
    description: C(before) holds the live values, C(after) the values once applied.
  platform:
    support: full
    platforms: posix
    description: Runs on the host that connects to the server (needs pymysql there).
options:
  settings:
    description:
      - Variable names and the values W&B requires, for example C(binlog_format=ROW).
      - Names must be plain MySQL system variable names (letters, digits, underscores).
    type: dict
    required: true
  apply:
    description:
      - V(true) changes differing values; V(false) only compares and reports (then O(on_mismatch)
        decides what a difference does).
    type: bool
    default: false
  persist:
    description:
      - With O(apply=true) on MySQL, use C(SET PERSIST) so the value survives a restart. V(false)
        uses C(SET GLOBAL) (the running server only).
    type: bool
    default: true
  on_mismatch:
    description:
      - What a difference does when O(apply=false). V(fail) fails with a message listing every
        difference; V(warn) returns them and adds a warning; V(ignore) only returns them.
    type: str
    choices: [fail, warn, ignore]
    default: warn
seealso:
  - module: community.mysql.mysql_variables
"""

EXAMPLES = r"""
- name: Apply W&B's required settings
  onprem.wandb.wandb_mysql_settings:
    login_unix_socket: /run/mysqld/mysqld.sock
    settings:
      binlog_format: ROW
      binlog_row_image: MINIMAL
      sort_buffer_size: 67108864
    apply: true

- name: Check a managed cloud database, fail on any difference
  onprem.wandb.wandb_mysql_settings:
    login_host: db.example.internal
    login_user: admin
    login_password: "{{ vault_db_admin_password }}"
    ca_cert: /etc/ssl/certs/rds-ca.pem
    settings: "{{ wandb_mysql_settings }}"
    on_mismatch: fail
"""

RETURN = r"""
settings:
  description: Live values (as the server prints them) of the requested variables it has.
  returned: always
  type: dict
  sample: {binlog_format: ROW, sort_buffer_size: "67108864"}
differences:
  description: Variables whose live value differed from the wanted one (before any change).
  returned: always
  type: dict
  sample: {sort_buffer_size: {current: "262144", wanted: "67108864"}}
not_applicable:
  description: Requested variables that this server does not have.
  returned: always
  type: list
  elements: str
  sample: [max_execution_time]
restart_required:
  description: Variables that are read-only at runtime; they take effect after a restart.
  returned: always
  type: list
  elements: str
  sample: [performance_schema]
server:
  description: Server version and flavor.
  returned: always
  type: dict
  sample: {version: 9.7.4-2, flavor: mysql}
"""

# ansible-test's validate-modules wants imports below DOCUMENTATION, EXAMPLES and
# RETURN (import-before-documentation), hence E402 on the imports that follow.
import re  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402
from ansible_collections.onprem.wandb.plugins.module_utils.mysql import (  # noqa: E402
    connect_checked,
    mysql_common_argument_spec,
)

try:
    import pymysql
except ImportError:  # pragma: no cover - connect_checked reports the missing library
    pymysql = None

NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SIZE_RE = re.compile(r"^(\d+)\s*([KMG])$", re.IGNORECASE)
SIZE_FACTORS = {"k": 1024, "m": 1024**2, "g": 1024**3}
ER_INCORRECT_GLOBAL_LOCAL_VAR = 1238  # "Variable ... is a read only variable"
ER_SPECIFIC_ACCESS_DENIED = 1227
ER_ACCESS_DENIED = 1045
TRUE_WORDS = ("on", "true", "yes")
FALSE_WORDS = ("off", "false", "no")


def canonical(value):
    """A comparable form: ints for numbers, sizes and booleans, lower-case text otherwise."""
    if isinstance(value, bool):
        return int(value)
    text = str(value).strip()
    low = text.lower()
    if low in TRUE_WORDS:
        return 1
    if low in FALSE_WORDS:
        return 0
    m = SIZE_RE.match(text)
    if m:
        return int(m.group(1)) * SIZE_FACTORS[m.group(2).lower()]
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return low
    return int(number) if number.is_integer() else number


def sql_value(value):
    """The value to bind in SET: numbers as numbers (MySQL rejects '1' for numeric variables)."""
    if isinstance(value, bool):
        return "ON" if value else "OFF"
    c = canonical(value)
    if isinstance(c, (int, float)) and str(value).strip().lower() not in TRUE_WORDS + FALSE_WORDS:
        return c
    return str(value).strip()


def read_settings(cursor, names):
    placeholders = ", ".join(["%s"] * len(names))
    cursor.execute("SHOW GLOBAL VARIABLES WHERE Variable_name IN (%s)" % placeholders, tuple(names))
    return dict((row[0].lower(), row[1]) for row in cursor.fetchall())


def compare(wanted, live):
    differences = {}
    not_applicable = []
    for name, value in wanted.items():
        if name not in live:
            not_applicable.append(name)
        elif canonical(live[name]) != canonical(value):
            differences[name] = dict(current=live[name], wanted=str(value))
    return differences, sorted(not_applicable)


def apply_one(cursor, name, value, use_persist):
    """Set one variable; returns True when it only takes effect after a restart."""
    scope = "PERSIST" if use_persist else "GLOBAL"
    try:
        cursor.execute("SET %s %s = %%s" % (scope, name), (sql_value(value),))
        return False
    except pymysql.err.MySQLError as e:
        if not e.args or e.args[0] != ER_INCORRECT_GLOBAL_LOCAL_VAR:
            raise
    if use_persist:
        cursor.execute("SET PERSIST_ONLY %s = %%s" % name, (sql_value(value),))
    return True


def main():
    argument_spec = mysql_common_argument_spec()
    argument_spec.update(
        settings=dict(type="dict", required=True),
        apply=dict(type="bool", default=False),
        persist=dict(type="bool", default=True),
        on_mismatch=dict(type="str", default="warn", choices=["fail", "warn", "ignore"]),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)

    wanted = {}
    for name, value in (module.params["settings"] or {}).items():
        if not NAME_RE.match(str(name)):
            module.fail_json(
                msg="settings: %r is not a MySQL system variable name (letters, digits and "
                "underscores only)." % (name,)
            )
        if value is None or str(value).strip() == "":
            module.fail_json(msg="settings: %s needs a value." % name)
        wanted[str(name).lower()] = value
    if not wanted:
        module.fail_json(msg="settings must name at least one variable.")

    conn, info = connect_checked(module)
    server = dict(version=info["version"], flavor=info["flavor"])
    cursor = conn.cursor()
    try:
        live = read_settings(cursor, list(wanted))
        differences, not_applicable = compare(wanted, live)
        before = dict(live)
        after = dict(live)
        for name in differences:
            after[name] = str(wanted[name])
        result = dict(
            changed=False,
            settings=live,
            differences=differences,
            not_applicable=not_applicable,
            restart_required=[],
            server=server,
            diff=dict(before=before, after=after),
        )
        if not module.params["apply"]:
            if differences and module.params["on_mismatch"] != "ignore":
                lines = [
                    "%s is %s, W&B requires %s" % (n, d["current"], d["wanted"])
                    for n, d in sorted(differences.items())
                ]
                msg = "MySQL settings differ from what W&B requires: " + "; ".join(lines)
                if module.params["on_mismatch"] == "fail":
                    module.fail_json(msg=msg, **result)
                module.warn(msg)
            module.exit_json(**result)

        result["changed"] = bool(differences)
        if module.check_mode or not differences:
            module.exit_json(**result)

        # SET PERSIST exists from MySQL 8.0; MariaDB has no persisted variables.
        use_persist = module.params["persist"] and info["flavor"] == "mysql"
        restart_required = []
        for name in sorted(differences):
            try:
                if apply_one(cursor, name, wanted[name], use_persist):
                    restart_required.append(name)
            except pymysql.err.MySQLError as e:
                hint = ""
                if e.args and e.args[0] in (ER_SPECIFIC_ACCESS_DENIED, ER_ACCESS_DENIED):
                    hint = (
                        " The login user needs SYSTEM_VARIABLES_ADMIN (or SUPER); a managed "
                        "database is changed through its provider (parameter group) instead."
                    )
                module.fail_json(
                    msg="Could not set %s to %s: %s.%s" % (name, wanted[name], e, hint),
                    **result,
                )
        live_after = read_settings(cursor, list(wanted))
        not_taken = [
            "%s is %s (wanted %s)" % (n, live_after.get(n), wanted[n])
            for n in differences
            if n not in restart_required and canonical(live_after.get(n)) != canonical(wanted[n])
        ]
        if not_taken:
            module.fail_json(
                msg="The server accepted but did not keep: " + "; ".join(sorted(not_taken)),
                **result,
            )
        result["settings"] = live_after
        result["restart_required"] = restart_required
        module.exit_json(**result)
    finally:
        conn.close()


if __name__ == "__main__":
    main()
