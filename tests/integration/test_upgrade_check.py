"""drkit.mysql.upgrade_check on the lab primary (MariaDB 10.11) against a mysql-8.0 target: a schema with every
problem is found, each fix statement applied, and the re-check is clean."""
import pytest

from helpers import admin_args, run_module, sql

SCHEMA = "upg"
SETUP = """
SET SESSION sql_mode = '';
CREATE DATABASE upg CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
CREATE TABLE upg.legacy_users (id INT PRIMARY KEY, name VARCHAR(50) NOT NULL DEFAULT '')
  CHARACTER SET utf8mb3 COLLATE utf8mb3_general_ci;
CREATE TABLE upg.orders (id INT AUTO_INCREMENT PRIMARY KEY, status VARCHAR(16) NOT NULL, note TEXT NULL);
CREATE TABLE upg.products (id INT PRIMARY KEY, attrs TEXT NULL);
CREATE TABLE upg.visits (id INT PRIMARY KEY, seen DATETIME NULL, due DATE NOT NULL DEFAULT '0000-00-00');
CREATE TABLE upg.ranking (id INT PRIMARY KEY, `rank` INT NULL, `window` VARCHAR(10) NULL, `lateral` INT NULL);
INSERT INTO upg.legacy_users VALUES (1, 'ana');
INSERT INTO upg.orders (note) VALUES ('no status given: stored as an empty string under a permissive sql_mode');
INSERT INTO upg.products VALUES (1, '{"color": "red"}'), (2, 'color=blue'), (3, NULL), (4, '[1, 2]'), (5, '{bad');
INSERT INTO upg.visits (id, seen) VALUES (1, '2024-05-01 10:00:00'), (2, '0000-00-00 00:00:00'), (3, NULL);
INSERT INTO upg.visits VALUES (4, '2024-00-10 08:00:00', '2024-06-01');
INSERT INTO upg.ranking VALUES (1, 1, 'w', 0);
"""


@pytest.fixture
def problem_schema(lab, tmp_path):
    before = sql("db-primary", "SELECT @@GLOBAL.sql_mode")[0][0]
    sql("db-primary", "SET GLOBAL sql_mode = ''")  # a legacy server that never ran strict
    sql("db-primary", "DROP DATABASE IF EXISTS upg")
    sql("db-primary", SETUP)
    config = tmp_path / "my.cnf"
    config.write_text("[client]\nport = 3306\n\n[mysqld]\nport = 3306\nquery_cache_size = 16M\n"
                      "loose-innodb-file-format = Barracuda\n")
    yield config
    sql("db-primary", "DROP DATABASE IF EXISTS upg")
    sql("db-primary", "SET GLOBAL sql_mode = '%s'" % before)


def upgrade_check(config, check_mode=False, **options):
    args = admin_args("db-primary", target="mysql-8.0", databases=[SCHEMA], json_columns=["upg.products.attrs"],
                      config_files=[str(config)], chunk_rows=2, fail_on_blocking=False)
    args.update(options)
    return run_module("upgrade_check", args, check_mode=check_mode)


def checksums():
    return sql("db-primary", "CHECKSUM TABLE upg.legacy_users, upg.orders, upg.products, upg.visits, upg.ranking")


def test_every_problem_is_found_and_the_fixes_make_it_clean(problem_schema):
    config = problem_schema
    before = checksums()
    result = upgrade_check(config, check_mode=True)
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is False and checksums() == before  # read-only, check mode included
    found = dict(((f["check"], f["object"]), f) for f in result["findings"])
    assert found[("utf8mb3", "upg.legacy_users")]["fix"] == (
        "ALTER TABLE `upg`.`legacy_users` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;")
    status = found[("not_null_no_default", "upg.orders.status")]
    assert status["severity"] == "error" and status["fix"] == (
        "ALTER TABLE `upg`.`orders` ALTER COLUMN `status` SET DEFAULT '';")
    assert found[("invalid_json", "upg.products.attrs")]["rows"] == 2
    assert found[("zero_dates", "upg.visits.seen")]["rows"] == 2
    assert found[("zero_dates", "upg.visits.due")]["rows"] == 3  # the DEFAULT filled three rows with a zero date
    assert found[("zero_date_default", "upg.visits")]["fix"] == (
        "ALTER TABLE `upg`.`visits` MODIFY `due` date NOT NULL DEFAULT (CURRENT_DATE);")
    for column in ("rank", "window", "lateral"):
        assert found[("reserved_word", "upg.ranking.%s" % column)]["fix"] == (
            "ALTER TABLE `upg`.`ranking` RENAME COLUMN `%s` TO `%s_`;" % (column, column))
    cnf = found[("removed_variable", "%s:6" % config)]
    assert cnf["severity"] == "error" and cnf["fix"] == "delete line 6 of %s: query_cache_size = 16M" % config
    assert found[("removed_variable", "%s:7" % config)]["severity"] == "warning"  # loose-
    assert result["error_count"] == 6 and result["warning_count"] == 5 and not result["passed"]
    assert sorted(f["check"] for f in result["findings"]).count("reserved_word") == 3
    assert "invalid_json" in result["summary"] and "ERROR" in result["report"]
    scans = dict((scan["table"], scan) for scan in result["scanned"]["row_scans"])
    assert scans["upg.products"]["chunked"] and scans["upg.products"]["chunks"] == 3

    # Without fail_on_blocking=false the task fails with the summary and the table.
    failing = upgrade_check(config, fail_on_blocking=True)
    assert failing["failed"] and failing["msg"].startswith("6 error(s), 5 warning(s) for the upgrade to MySQL 8.0")

    # What an operator does with the result: run the SQL fixes in order, edit the option file.
    lines = config.read_text().splitlines()
    for fix in result["fix_script"]:
        if fix.startswith("delete line "):
            number = int(fix.split()[2])
            lines[number - 1] = "# " + lines[number - 1]
        else:
            sql("db-primary", fix)
    config.write_text("\n".join(lines) + "\n")
    assert sql("db-primary", "SELECT attrs FROM upg.products WHERE id = 2") == [['"color=blue"']]
    again = upgrade_check(config)
    assert again["findings"] == [] and again["passed"] and again["error_count"] == 0
    assert again["summary"] == "nothing found that breaks the upgrade to MySQL 8.0"


def test_unknown_names_fail_before_anything_is_read(lab):
    result = run_module("upgrade_check", admin_args("db-primary", target="mysql-8.0", databases=["no_such_db"]))
    assert result["failed"] and result["msg"] == "Nothing was scanned: no such database(s) on the server: no_such_db."
