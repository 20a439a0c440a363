"""The dump's command line (never a credential on it) and the row-count comparison."""

from ._support import load

mysql = load("mysql")

CFG = {"mysql": {"defaults_file": "/etc/wandb-backup/backup.cnf", "database": "wandb_local"}}


def test_dump_options_are_consistent_and_credential_free():
    argv = mysql.dump_argv(CFG, "mysqldump  Ver 10.19 Distrib 10.11.18-MariaDB")
    assert argv[1] == "--defaults-file=/etc/wandb-backup/backup.cnf"
    for opt in ("--single-transaction", "--routines", "--events", "--triggers", "--hex-blob"):
        assert opt in argv
    assert argv[-1] == "wandb_local"
    assert "--databases" not in argv
    assert not [a for a in argv if a.startswith(("-p", "--password", "-u", "--user"))]
    assert "--set-gtid-purged=OFF" not in argv


def test_mysql_clients_leave_gtids_to_the_target():
    argv = mysql.dump_argv(
        CFG, "mysqldump  Ver 8.4.3 for Linux on x86_64 (MySQL Community Server - GPL)"
    )
    assert "--set-gtid-purged=OFF" in argv


def test_row_counts_compare_both_ways():
    assert mysql.compare_counts({"a": 1, "b": 2}, {"a": 1, "b": 2}) == []
    assert mysql.compare_counts({"a": 1, "b": 2}, {"a": 0, "c": 5}) == [
        "table a has 0 rows, the backup 1",
        "table b is missing",
        "table c was not in the backup",
    ]


def test_identifiers_are_quoted():
    assert mysql.quote_ident("we`ird") == "`we``ird`"
