"""upgrade_check on a MySQL 5.7 server (transcribed catalog output, tests/unit/fixtures/upgrade_check/README.md).

The fake server answers the catalog queries from the fixtures and the chunked row counts from a few rows,
evaluating the two predicates the scan sends (JSON_VALID, zero month/day) in Python.
"""
import json
import os
import re

import pytest

from ansible_collections.drkit.mysql.plugins.module_utils import upgrade_findings as rules
from ansible_collections.drkit.mysql.plugins.module_utils.flavor import detect_dialect
from ansible_collections.drkit.mysql.plugins.module_utils.upgrade_config import normalize, read_option_files
from ansible_collections.drkit.mysql.plugins.module_utils.upgrade_scan import ScanError, run_check
from ansible_collections.drkit.mysql.plugins.module_utils.upgrade_targets import Target, TargetError, sql_modes

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "fixtures",
                        "upgrade_check")
MYSQL57 = detect_dialect("5.7.44-log", "MySQL Community Server (GPL)")
MARIADB = detect_dialect("10.11.19-MariaDB-0+deb12u1-log")


def tsv(name):
    with open(os.path.join(FIXTURES, "mysql-5.7-%s.tsv" % name)) as handle:
        lines = handle.read().splitlines()
    head = lines[0].split("\t")
    return [dict((k, None if v == "NULL" else v) for k, v in zip(head, line.split("\t"))) for line in lines[1:]]


class FakeServer(object):
    """The statements upgrade_scan sends, answered from the fixtures; ``statements`` records them."""

    def __init__(self, dialect=MYSQL57, variables=None):
        self.dialect = dialect
        self._variables = dict((row["Variable_name"], row["Value"]) for row in tsv("variables"))
        self._variables.update(variables or {})
        with open(os.path.join(FIXTURES, "mysql-5.7-rows.json")) as handle:
            self.data = json.load(handle)
        self.statements = []

    def variables(self, names):
        return dict((name, self._variables[name]) for name in names if name in self._variables)

    def rows(self, sql, params=None):
        self.statements.append((sql, params))
        if sql == "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA":
            return [dict(SCHEMA_NAME=name) for name in ("information_schema", "erp_system", "mysql",
                                                        "performance_schema", "reports", "sys")]
        for marker, name in (("SCHEMATA WHERE", "schemata"), ("information_schema.TABLES", "tables"),
                             ("information_schema.COLUMNS", "columns"), ("STATISTICS", "primary_keys"),
                             ("ROUTINES", "routines"), ("TRIGGERS", "triggers"), ("EVENT_NAME", "events")):
            if marker in sql:
                schema_key = list(tsv(name)[0])[0] if tsv(name) else None
                return [row for row in tsv(name) if schema_key is None or row[schema_key] in params]
        table = re.search(r"FROM `([^`]+)`\.`([^`]+)`", sql)
        data = self.data["%s.%s" % table.groups()]
        key = data["key"]
        rows = sorted(data["rows"], key=lambda row: row[key])
        if params and "lo0" in params:
            rows = [row for row in rows if row[key] > params["lo0"]]
        if params and "hi0" in params:
            rows = [row for row in rows if row[key] <= params["hi0"]]
        offset = re.search(r"LIMIT 1 OFFSET (\d+)", sql)
        if offset:
            index = int(offset.group(1))
            return [{key: rows[index][key]}] if index < len(rows) else []
        result = dict(n=len(rows))
        for index, expression in enumerate(re.findall(r"SUM\((.*?)\) AS c\d", sql)):
            column = re.search(r"`([^`]+)`", expression).group(1)
            result["c%d" % index] = sum(1 for row in rows if self._true(expression, row.get(column)))
        return [result]

    @staticmethod
    def _true(expression, value):
        if value is None:
            return False
        if expression.startswith("JSON_VALID"):
            try:
                json.loads(value)
                return False
            except ValueError:
                return True
        return value[5:7] == "00" or value[8:10] == "00"


def check(**kwargs):
    options = dict(config_files=[os.path.join(FIXTURES, "mysql-5.7-my.cnf")],
                   json_columns=["erp_system.products.product_attributes"], chunk_rows=2)
    options.update(kwargs)
    server = options.pop("server", None) or FakeServer()
    return run_check(server, Target(options.pop("target", "mysql-8.0")), **options), server


def by_object(result, check_id):
    return dict((f["object"], f) for f in result["findings"] if f["check"] == check_id)


# -- targets ------------------------------------------------------------------------------------------------------


def test_new_reserved_words_depend_on_the_source_release():
    words = Target("mysql-8.0").new_reserved_words(MYSQL57)
    assert {"RANK", "WINDOW", "LATERAL", "ROW_NUMBER", "GROUPS", "INTERSECT", "SYSTEM"} <= set(words)
    assert "QUALIFY" not in words  # 8.4
    assert set(Target("mysql-8.4").new_reserved_words(detect_dialect("8.0.36"))) == {
        "MANUAL", "PARALLEL", "QUALIFY", "TABLESAMPLE"}
    assert "LATERAL" not in Target("mysql-8.4").new_reserved_words(detect_dialect("8.0.36"))
    assert set(Target("mariadb-11.4").new_reserved_words(MARIADB)) == set()
    assert set(Target("mariadb-11.4").new_reserved_words(detect_dialect("10.5.2-MariaDB"))) == {"OFFSET", "ROW_NUMBER"}
    with pytest.raises(TargetError):
        Target("mysql-9.9")


def test_removed_variables_and_modes_per_target():
    removed = Target("mysql-8.0").removed_variables(MYSQL57)
    assert {"query_cache_size", "tx_isolation", "innodb_file_format", "log_warnings"} <= set(removed)
    assert "expire_logs_days" not in removed and "default_authentication_plugin" not in removed
    assert {"expire_logs_days", "default_authentication_plugin"} <= set(
        Target("mysql-8.4").removed_variables(detect_dialect("8.0.36")))
    assert "query_cache_size" not in Target("mysql-8.4").removed_variables(detect_dialect("8.0.36"))
    assert "NO_AUTO_CREATE_USER" in Target("mysql-8.0").removed_sql_modes(MYSQL57)
    assert Target("mariadb-11.4").removed_sql_modes(MARIADB) == {}
    assert "innodb_change_buffering" in Target("mariadb-11.4").removed_variables(MARIADB)
    assert sql_modes("TRADITIONAL") >= {"STRICT_TRANS_TABLES", "NO_ZERO_DATE"}


# -- option files ---------------------------------------------------------------------------------------------------


def test_option_files_server_groups_and_includes():
    settings, read, missing = read_option_files([os.path.join(FIXTURES, "mysql-5.7-my.cnf"), "/nonexistent/my.cnf"])
    assert [os.path.basename(path) for path in read] == ["mysql-5.7-my.cnf", "tuning.cnf"]
    assert missing == ["/nonexistent/my.cnf"]
    names = [(item["name"], item["loose"]) for item in settings]
    assert ("port", False) in names and ("quick", False) not in names  # [client]/[mysqldump] are not the server's
    assert ("innodb_large_prefix", True) in names and ("log_warnings", False) in names
    assert normalize("loose-skip-innodb-large-prefix") == ("innodb_large_prefix", True)


# -- the whole check on MySQL 5.7 -> 8.0 ---------------------------------------------------------------------------


def test_mysql57_to_80_finds_every_problem_with_its_fix():
    result, _server = check()
    assert result["target"] == "mysql-8.0" and not result["passed"]
    assert result["sql_mode"]["from_config"] is True
    assert "NO_ZERO_DATE" not in result["sql_mode"]["target"]  # the option file's sql_mode carries over
    charset = by_object(result, "utf8mb3")
    assert charset["erp_system"]["fix"] == (
        "ALTER DATABASE `erp_system` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;")
    assert charset["erp_system.users"]["fix"] == (
        "ALTER TABLE `erp_system`.`users` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;")
    assert charset["erp_system.users"]["columns"] == ["user_name", "user_status"]
    assert "erp_system.v_active_users" not in charset  # views follow their tables
    config = by_object(result, "removed_variable")
    cnf = os.path.join(FIXTURES, "mysql-5.7-my.cnf")
    assert config["%s:8" % cnf]["severity"] == "error" and "query_cache_type" in config["%s:8" % cnf]["message"]
    assert config["%s:9" % cnf]["fix"] == "delete line 9 of %s: query_cache_size = 64M" % cnf
    assert config["%s:10" % cnf]["fix"].endswith("with: transaction_isolation = READ-COMMITTED")
    tuning = os.path.join(FIXTURES, "conf.d", "tuning.cnf")
    assert config["%s:2" % tuning]["severity"] == "warning"  # loose-: the server warns and goes on
    assert config["%s:3" % tuning]["fix"].endswith("with: log_error_verbosity = 2")
    live = config["@@GLOBAL.query_cache_type"]
    assert live["severity"] == "warning" and live["fix"] == "SET GLOBAL query_cache_type = OFF;"
    assert "@@GLOBAL.query_cache_size" not in config  # the size alone does not say the cache is used
    assert "@@GLOBAL.tx_isolation" not in config  # no "off" value: only the option file line counts
    modes = by_object(result, "removed_sql_mode")
    assert modes["%s:7" % cnf]["fix"].endswith("with: sql_mode = 'NO_ENGINE_SUBSTITUTION'")
    words = by_object(result, "reserved_word")
    assert set(words) == {"erp_system.orders.rank", "reports.window", "reports.window.lateral", "erp_system.rank"}
    assert words["erp_system.orders.rank"]["fix"] == (
        "ALTER TABLE `erp_system`.`orders` CHANGE `rank` `rank_` int(11) NOT NULL DEFAULT '0' COMMENT 'sort order';")
    assert words["reports.window"]["fix"] == "RENAME TABLE `reports`.`window` TO `reports`.`window_`;"
    assert "`rank`" in words["erp_system.orders.rank"]["note"]
    invalid = by_object(result, "invalid_json")["erp_system.products.product_attributes"]
    assert invalid["rows"] == 2 and invalid["fix"] == (
        "UPDATE `erp_system`.`products` SET `product_attributes` = JSON_QUOTE(`product_attributes`) "
        "WHERE JSON_VALID(`product_attributes`) = 0;")
    # The option file keeps sql_mode permissive: no strict-mode or zero-date findings.
    assert not by_object(result, "not_null_no_default") and not by_object(result, "zero_dates")
    assert result["error_count"] == 7 and result["blocking"] == 7  # 5 lines of my.cnf, 1 of tuning.cnf, the JSON rows


def test_default_target_sql_mode_brings_strict_and_zero_date_checks():
    result, server = check(config_files=[])
    assert result["sql_mode"]["added"] == ["ERROR_FOR_DIVISION_BY_ZERO", "NO_ZERO_DATE", "NO_ZERO_IN_DATE",
                                           "ONLY_FULL_GROUP_BY", "STRICT_TRANS_TABLES"]
    not_null = by_object(result, "not_null_no_default")
    assert set(not_null) == {"erp_system.orders.user_id", "erp_system.orders.status", "erp_system.products.name",
                             "erp_system.user_profiles.bio", "erp_system.users.user_name",
                             "erp_system.users.user_status", "erp_system.users.signup_date"}
    assert not_null["erp_system.users.user_status"]["fix"] == (
        "ALTER TABLE `erp_system`.`users` ALTER COLUMN `user_status` SET DEFAULT '';")
    assert not_null["erp_system.orders.status"]["fix"] == (
        "ALTER TABLE `erp_system`.`orders` ALTER COLUMN `status` SET DEFAULT 'new';")
    # MySQL 5.7 has no TEXT or expression defaults: those columns become NULLable, and it says so.
    bio = not_null["erp_system.user_profiles.bio"]
    assert bio["fix"] == ("ALTER TABLE `erp_system`.`user_profiles` MODIFY `bio` text CHARACTER SET utf8mb4 "
                          "COLLATE utf8mb4_general_ci NULL;") and "NULLable" in bio["note"]
    assert not_null["erp_system.users.signup_date"]["fix"].endswith("MODIFY `signup_date` date NULL;")
    zero = by_object(result, "zero_dates")
    assert zero["erp_system.user_profiles.created_at"]["rows"] == 2
    assert zero["erp_system.user_profiles.created_at"]["fix"] == (
        "UPDATE `erp_system`.`user_profiles` SET `created_at` = '1970-01-01 00:00:01', `updated_at` = `updated_at` "
        "WHERE (SUBSTRING(CAST(`created_at` AS CHAR), 6, 2) = '00' OR SUBSTRING(CAST(`created_at` AS CHAR), 9, 2) "
        "= '00');")
    assert zero["erp_system.user_profiles.birthday"]["rows"] == 2
    assert zero["erp_system.user_profiles.birthday"]["fix"].startswith(
        "UPDATE `erp_system`.`user_profiles` SET `birthday` = NULL, `updated_at` = `updated_at` WHERE")
    assert zero["erp_system.orders.shipped_on"]["rows"] == 1
    defaults = by_object(result, "zero_date_default")["erp_system.user_profiles"]
    assert defaults["fix"] == ("ALTER TABLE `erp_system`.`user_profiles` MODIFY `created_at` timestamp NOT NULL "
                               "DEFAULT CURRENT_TIMESTAMP, ALTER COLUMN `birthday` SET DEFAULT NULL;")
    script = result["fix_script"]
    assert script.index(zero["erp_system.user_profiles.created_at"]["fix"]) < script.index(defaults["fix"])
    # Rows were read in primary-key chunks of 2, with the range predicates as parameters.
    scans = dict((scan["table"], scan) for scan in result["scanned"]["row_scans"])
    assert scans["erp_system.user_profiles"] == dict(scans["erp_system.user_profiles"], rows=4, chunks=3, chunked=True)
    bounded = [params for sql, params in server.statements if "SUM(" in sql and params]
    assert {"lo0": 2, "hi0": 4} in bounded


def test_a_strict_server_gets_no_not_null_findings_and_fail_on_warning_blocks():
    result, _server = check(config_files=[], json_columns=[], server=FakeServer(variables={
        "sql_mode": "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,"
                    "NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION",
        "query_cache_size": "0", "query_cache_type": "OFF"}), databases=["reports"], fail_on="warning")
    assert not by_object(result, "not_null_no_default")
    assert not by_object(result, "removed_sql_mode")  # 5.7's compiled-in sql_mode is not the server's choice
    assert (result["error_count"], result["warning_count"], result["blocking"]) == (0, 2, 2)
    assert not result["passed"]
    assert result["scanned"]["schemas"] == ["reports"]


def test_unknown_names_are_refused_before_rows_are_read():
    with pytest.raises(ScanError, match="no such database"):
        check(databases=["nope"])
    with pytest.raises(ScanError, match="not a column"):
        check(json_columns=["erp_system.products.nope"])
    with pytest.raises(ScanError, match="db.table.column"):
        check(json_columns=["products.attributes"])


# -- rules on MariaDB output shapes ----------------------------------------------------------------------------------


def test_mariadb_defaults_are_expressions_and_columns_are_renamed():
    column = dict(TABLE_SCHEMA="d", TABLE_NAME="t", COLUMN_NAME="rank", COLUMN_TYPE="varchar(10)", DATA_TYPE="varchar",
                  IS_NULLABLE="YES", COLUMN_DEFAULT="'a''b'", CHARACTER_SET_NAME="utf8mb4",
                  COLLATION_NAME="utf8mb4_general_ci", EXTRA="", COLUMN_COMMENT="")
    assert rules.column_definition(column, MARIADB) == (
        "varchar(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NULL DEFAULT 'a''b'")
    found = rules.reserved_word_findings({"RANK": (8, 0, 2)}, "MySQL 8.0", [], [], [column], dialect=MARIADB)
    assert found[0]["fix"] == "ALTER TABLE `d`.`t` RENAME COLUMN `rank` TO `rank_`;"
    text = dict(column, COLUMN_NAME="body", DATA_TYPE="text", COLUMN_TYPE="text", IS_NULLABLE="NO", COLUMN_DEFAULT=None)
    assert rules.default_fix(text, MARIADB)[0] == "ALTER TABLE `d`.`t` ALTER COLUMN `body` SET DEFAULT '';"
    day = dict(text, COLUMN_NAME="day", DATA_TYPE="date", COLUMN_TYPE="date", CHARACTER_SET_NAME=None)
    assert rules.default_fix(day, MARIADB)[0] == (
        "ALTER TABLE `d`.`t` MODIFY `day` date NOT NULL DEFAULT (CURRENT_DATE);")
    assert rules.utf8mb4_collation("utf8mb3_unicode_ci") == "utf8mb4_unicode_ci"
    assert rules.utf8mb4_collation("utf8_general_mysql500_ci") == "utf8mb4_general_ci"
