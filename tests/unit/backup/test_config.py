"""MySQL option files: the job reads them exactly as the mysql tools do."""

import pytest

from ._support import load

config = load("config")


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ('"p@ss:w/rd?#%1"', "p@ss:w/rd?#%1"),
        ('"bk \\"q\\\\z"', 'bk "q\\z'),
        ("'single'", "single"),
        ('"line\\nbreak"', "line\nbreak"),
        ("plain", "plain"),
        ('"keep \\x unknown"', "keep \\x unknown"),
    ],
)
def test_values_decode_like_mysql(tmp_path, raw, value):
    path = tmp_path / "my.cnf"
    path.write_text(f'# comment\n[client]\nuser="u"\npassword={raw}\n[mysqld]\npassword=other\n')
    assert config.read_option_file(str(path))["password"] == value


def test_socket_or_tcp(tmp_path):
    local = tmp_path / "a.cnf"
    local.write_text("[client]\nuser=u\npassword=p\nhost=localhost\nsocket=/run/x.sock\n")
    assert config.pymysql_args(str(local))["unix_socket"] == "/run/x.sock"
    remote = tmp_path / "b.cnf"
    remote.write_text(
        "[client]\nuser=u\npassword=p\nhost=10.0.0.5\nport=3307\nssl-ca=/ca.pem\nssl-verify-server-cert\n"
    )
    args = config.pymysql_args(str(remote))
    assert (args["host"], args["port"], args["ssl"], args["ssl_verify_identity"]) == (
        "10.0.0.5",
        3307,
        {"ca": "/ca.pem"},
        True,
    )
