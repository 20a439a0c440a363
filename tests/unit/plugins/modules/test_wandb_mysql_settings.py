"""Units of wandb_mysql_settings and its module_utils that need no server.

The server paths (four steps, connection failures, TLS, flavors) are in
tests/integration/test_mysql_modules.py against real MariaDB and MySQL; these cover the
value comparison and the version gate, whose edge cases no test server can reach
(there is no MySQL 8.0.31 or MariaDB 10.6 to start here).
"""

import pymysql
import pytest
from ansible_collections.onprem.wandb.plugins.module_utils import mysql as mu
from ansible_collections.onprem.wandb.plugins.modules import wandb_mysql_settings as mod


@pytest.mark.parametrize(
    ("live", "wanted"),
    [
        ("67108864", "64M"),
        ("67108864", 67108864),
        ("1073741824", "1g"),
        ("4.000000", 4),
        ("ON", 1),
        ("ON", "on"),
        ("OFF", False),
        ("1", True),
        ("ROW", "row"),
        ("MINIMAL", "MINIMAL"),
    ],
)
def test_equivalent_spellings_compare_equal(live, wanted):
    assert mod.canonical(live) == mod.canonical(wanted)


@pytest.mark.parametrize(
    ("live", "wanted"),
    [("262144", "64M"), ("10.000000", 4), ("OFF", "ON"), ("FULL", "MINIMAL"), ("4.5", 4)],
)
def test_different_values_differ(live, wanted):
    assert mod.canonical(live) != mod.canonical(wanted)


def test_sql_value_keeps_numbers_numeric_and_words_as_words():
    assert mod.sql_value("64M") == 67108864
    assert mod.sql_value(4) == 4
    assert mod.sql_value("ON") == "ON"
    assert mod.sql_value(True) == "ON"
    assert mod.sql_value("ROW") == "ROW"


def test_compare_reports_differences_and_missing_variables():
    live = {"sort_buffer_size": "262144", "binlog_format": "ROW"}
    wanted = {"sort_buffer_size": "64M", "binlog_format": "ROW", "max_execution_time": 60000}
    differences, not_applicable = mod.compare(wanted, live)
    assert differences == {"sort_buffer_size": {"current": "262144", "wanted": "64M"}}
    assert not_applicable == ["max_execution_time"]


def _info(version, flavor="mysql"):
    return dict(version=version, version_tuple=mu.parse_version(version), flavor=flavor)


def test_mysql_too_old_is_refused_with_the_fix():
    with pytest.raises(
        mu.MySQLServerError, match=r"MySQL 8.0.31 is too old .* upgrade to MySQL 8.4"
    ):
        mu.check_server(_info("8.0.31"), False)


def test_mysql_8_0_warns_and_8_4_is_clean():
    assert "plan an upgrade" in mu.check_server(_info("8.0.36"), False)[0]
    assert mu.check_server(_info("8.4.3"), False) == []
    assert mu.check_server(_info("9.7.4-2"), False) == []


def test_mariadb_needs_the_flag_and_a_recent_release():
    with pytest.raises(mu.MySQLServerError, match="allow_unsupported_flavor"):
        mu.check_server(_info("10.11.6-MariaDB", "mariadb"), False)
    with pytest.raises(mu.MySQLServerError, match=r"10\.11\.0 or later"):
        mu.check_server(_info("10.6.12-MariaDB", "mariadb"), True)
    assert (
        "does not support MariaDB" in mu.check_server(_info("10.11.6-MariaDB", "mariadb"), True)[0]
    )


def test_unparsable_version_is_an_error():
    with pytest.raises(mu.MySQLServerError, match="cannot parse"):
        mu.parse_version("unknown")


@pytest.mark.parametrize(
    ("error", "expect"),
    [
        (pymysql.err.OperationalError(1045, "Access denied for user"), "login_password"),
        (
            pymysql.err.OperationalError(2003, "Can't connect ([Errno 111] Connection refused)"),
            "login_port",
        ),
        (
            pymysql.err.OperationalError(2003, "Can't connect ([SSL: CERTIFICATE_VERIFY_FAILED])"),
            "ca_cert",
        ),
        (pymysql.err.OperationalError(2013, "Lost connection (timed out)"), "connect_timeout=10"),
    ],
)
def test_connection_errors_name_the_option_to_fix(error, expect):
    params = dict(login_host="db", login_port=3306, login_user="wandb", connect_timeout=10)
    assert expect in mu.connect_error_message(params, error)
