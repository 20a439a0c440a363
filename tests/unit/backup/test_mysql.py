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


DUMP = b"\n".join(
    [
        b"-- MariaDB dump 10.19",
        b"CREATE TABLE `owt_runs` (`id` bigint NOT NULL);",
        b"INSERT INTO `owt_runs` VALUES (1),(2);",
        b"/*!50001 CREATE ALGORITHM=UNDEFINED */",
        b"/*!50013 DEFINER=`root`@`localhost` SQL SECURITY DEFINER */",
        b"/*!50001 VIEW `owt_run_names` AS select 1 */;",
        b"DELIMITER ;;",
        b"/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER owt_d"
        b" AFTER DELETE ON owt_runs FOR EACH ROW",
        b"INSERT INTO owt_audit (run_id) VALUES (OLD.id) */;;",
        b"DELIMITER ;",
        b"DELIMITER ;;",
        b"/*!50106 CREATE*/ /*!50117 DEFINER=`root`@`localhost`*/ /*!50106 EVENT `owt_nightly`"
        b" ON SCHEDULE EVERY 1 DAY DO select 1 */ ;;",
        b"DELIMITER ;",
        b"DELIMITER ;;",
        b"CREATE DEFINER=`we``ird`@`%` PROCEDURE `owt_count`()",
        b"SELECT COUNT(*) FROM owt_runs ;;",
        b"CREATE DEFINER=`root`@`localhost` FUNCTION `owt_f`() RETURNS int",
        b"RETURN 1 ;;",
        b"DELIMITER ;",
        b"-- Dump completed on 2026-11-27 23:00:00",
        b"",
    ]
)


def test_the_drill_loads_data_and_views_and_counts_stored_programs():
    import io

    out = io.BytesIO()
    found = mysql.drill_filter(io.BytesIO(DUMP), out)
    assert found == {"triggers": 1, "events": 1, "routines": 2}
    text = out.getvalue()
    assert b"DEFINER=" not in text
    assert b"TRIGGER" not in text and b"PROCEDURE" not in text and b"DELIMITER" not in text
    assert b"INSERT INTO `owt_runs` VALUES (1),(2);" in text
    assert b"VIEW `owt_run_names`" in text
    assert text.endswith(b"-- Dump completed on 2026-11-27 23:00:00\n")


def test_object_counts_compare_when_the_manifest_has_them():
    assert mysql.compare_objects(None, {"views": 1}) == []
    expected = {"views": 1, "triggers": 1, "routines": 2, "events": 1}
    assert mysql.compare_objects(expected, dict(expected)) == []
    assert mysql.compare_objects(expected, dict(expected, triggers=0)) == [
        "triggers: 0, the backup 1"
    ]
