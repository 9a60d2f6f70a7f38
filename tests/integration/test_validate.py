"""drkit.mysql.validate against the real lab primary."""
import os
import subprocess
import time

from helpers import LAB_ROOT, admin_args, run_module, sql

USERS = "SELECT COUNT(*) FROM shop.users"
ORPHAN_ORDERS = ("SELECT o.id, o.user_id FROM shop.orders AS o LEFT JOIN shop.users AS u ON u.id = o.user_id "
                 "WHERE u.id IS NULL")

PASSING = [
    dict(name="users_count", query=USERS, expect=dict(equals=3000), description="every customer"),
    dict(name="no_negative_balance", query="SELECT id, balance FROM shop.accounts",
         expect=dict(jmespath="length([?balance < `0`]) == `0`")),
    dict(name="orders_have_users", query=ORPHAN_ORDERS, expect=dict(no_rows=True)),
    dict(name="app_writes_recent", query="SELECT COUNT(*) FROM shop.app_writes WHERE written_at > NOW(6) - INTERVAL %s "
                                         "SECOND", params=[60], expect=dict(min=1)),
    dict(name="products_priced", query="SELECT COUNT(*) FROM shop.products WHERE price <= 0", expect=dict(equals=0)),
    # id 2: ROUND(2 * 7919 % 1000000 / 100, 2) = 158.38, a DECIMAL(14,2)
    dict(name="decimal_equals_float", query="SELECT balance FROM shop.accounts WHERE id = %s", params=[2],
         expect=dict(equals=158.38)),
    dict(name="decimal_trailing_zero", query="SELECT CAST(1500.5 AS DECIMAL(10,2))", expect=dict(equals=1500.50)),
    dict(name="datetime_text", query="SELECT created_at FROM shop.users WHERE id = 1",
         expect=dict(equals="2024-01-01 00:01:00")),
    dict(name="null_value", query="SELECT MAX(id) FROM shop.users WHERE id < 0", expect=dict(equals=None)),
    dict(name="price_range", query="SELECT MIN(price) FROM shop.products", expect=dict(min=0.01, max=500)),
    dict(name="five_products", query="SELECT id FROM shop.products ORDER BY id LIMIT 5", expect=dict(rows=5)),
    dict(name="binlog_is_row", query="SHOW GLOBAL VARIABLES LIKE 'binlog_format'",
         expect=dict(jmespath="[0].Value == 'ROW'")),
    dict(name="cte", query="WITH c AS (SELECT country, COUNT(*) AS n FROM shop.users GROUP BY country) "
                           "SELECT COUNT(*) FROM c;", expect=dict(equals=5)),
]


def validate(checks, check_mode=False, **options):
    return run_module("validate", admin_args("db-primary", checks=checks, **options), check_mode=check_mode)


def by_name(result):
    return dict((check["name"], check) for check in result["checks"])


def test_passing_checks(lab):
    result = validate(PASSING)
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is False
    assert (result["passed_count"], result["failed_count"], result["total"]) == (len(PASSING), 0, len(PASSING))
    assert result["summary"] == "all %d SQL checks passed on %s" % (len(PASSING), result["target"])
    checks = by_name(result)
    assert [check["name"] for check in result["checks"]] == [check["name"] for check in PASSING]
    assert checks["users_count"]["observed"] == 3000 and checks["users_count"]["expectation"] == "= 3000"
    assert checks["users_count"]["description"] == "every customer" and checks["users_count"]["error"] is None
    assert checks["decimal_equals_float"]["observed"] == "158.38"
    assert checks["decimal_trailing_zero"]["observed"] == "1500.50"
    assert checks["datetime_text"]["observed"] == "2024-01-01T00:01:00"
    assert checks["null_value"]["observed"] is None
    assert checks["orders_have_users"]["observed"] == 0 and checks["orders_have_users"]["rows"] == 0
    assert checks["no_negative_balance"]["observed"] is True and checks["no_negative_balance"]["rows"] == 3000
    assert checks["app_writes_recent"]["observed"] >= 1
    assert all(isinstance(check["duration_ms"], float) for check in result["checks"])


def test_failing_check_shows_expected_and_observed(lab):
    checks = PASSING[:1] + [
        dict(name="users_off_by_one", query=USERS, expect=dict(equals=2999)),
        dict(name="first_orders_are_orphans", query="SELECT id, user_id FROM shop.orders ORDER BY id LIMIT 3",
             expect=dict(no_rows=True)),
        dict(name="too_many_products", query="SELECT COUNT(*) FROM shop.products", expect=dict(max=100)),
    ]
    result = validate(checks)
    assert result["failed"] is True and result["changed"] is False
    assert (result["passed_count"], result["failed_count"]) == (1, 3)
    lines = result["msg"].splitlines()
    assert lines[0] == ("3 of 4 SQL checks failed on %s: users_off_by_one, first_orders_are_orphans, "
                        "too_many_products" % result["target"])
    assert lines[1].split() == ["CHECK", "EXPECTED", "OBSERVED"]
    table = dict((line.split()[0], line) for line in lines[3:])
    assert sorted(table) == ["first_orders_are_orphans", "too_many_products", "users_off_by_one"]
    assert table["users_off_by_one"].split()[1:] == ["=", "2999", "3000"]
    assert table["too_many_products"].split()[1:] == ["<=", "100", "500"]
    assert "3 rows, first: {id: 1, user_id:" in table["first_orders_are_orphans"]
    orphans = by_name(result)["first_orders_are_orphans"]
    assert orphans["observed"] == 3 and len(orphans["sample"]) == 3 and orphans["sample"][0]["id"] == 1


def test_bad_sql_is_reported_per_check_and_the_others_run(lab):
    checks = [
        dict(name="missing_table", query="SELECT COUNT(*) FROM shop.no_such_table", expect=dict(equals=0)),
        dict(name="syntax", query="SELECT COUNT(* FROM shop.users", expect=dict(equals=0)),
        dict(name="two_values", query="SELECT 1, 2", expect=dict(equals=1)),
        dict(name="jmespath_type", query="SELECT 'x' AS name", expect=dict(jmespath="abs([0].name)")),
        PASSING[0],
    ]
    result = validate(checks, fail_on_error=False)
    assert not result.get("failed") and (result["passed_count"], result["failed_count"]) == (1, 4)
    checks = by_name(result)
    assert checks["missing_table"]["error"] == "(1146) Table 'shop.no_such_table' doesn't exist"
    assert checks["missing_table"]["observed"] is None and checks["missing_table"]["rows"] is None
    assert checks["syntax"]["error"].startswith("(1064) You have an error in your SQL syntax")
    assert checks["two_values"]["error"] == (
        "expected one value (one row of one column), the query returned 1 row of 2 columns")
    assert checks["jmespath_type"]["error"].startswith("the jmespath expression failed on the result: "
                                                       "In function abs(), invalid type")
    assert checks["users_count"]["passed"] is True


def test_fail_on_error_false_vs_true(lab):
    checks = [PASSING[0], dict(name="wrong", query=USERS, expect=dict(min=5000))]
    relaxed = validate(checks, fail_on_error=False)
    strict = validate(checks)
    assert not relaxed.get("failed") and "msg" not in relaxed
    assert strict["failed"] is True and strict["msg"].startswith("1 of 2 SQL checks failed")
    for result in (relaxed, strict):
        assert (result["passed_count"], result["failed_count"]) == (1, 1)
        assert by_name(result)["wrong"]["observed"] == 3000 and by_name(result)["wrong"]["expectation"] == ">= 5000"


def test_check_mode_runs_the_queries(lab):
    checks = [PASSING[0], dict(name="wrong", query=USERS, expect=dict(equals=1))]
    result = validate(checks, check_mode=True, fail_on_error=False)
    assert result["changed"] is False and not result.get("failed")
    assert [(c["name"], c["passed"], c["observed"]) for c in result["checks"]] == [
        ("users_count", True, 3000), ("wrong", False, 3000)]


def test_write_statements_are_refused_before_anything_runs(lab):
    before = sql("db-primary", "SELECT COUNT(*) FROM shop.users")[0][0]
    result = validate([PASSING[0], dict(name="wipe", query="DELETE FROM shop.users", expect=dict(equals=0))])
    assert result["failed"] is True and "checks" not in result
    assert result["msg"] == ("Nothing was run: check wipe: refused before running it: only SELECT, SHOW or WITH ... "
                             "SELECT statements may run as a check, this one starts with DELETE.")
    result = validate([dict(name="sneaky", query="SELECT 1; DELETE FROM shop.users", expect=dict(equals=1))])
    assert "several" in result["msg"]
    assert sql("db-primary", "SELECT COUNT(*) FROM shop.users")[0][0] == before == "3000"


def test_timeout_stops_a_slow_query(lab):
    started = time.time()
    result = validate([dict(name="slow", query="SELECT SLEEP(10)", expect=dict(equals=0), timeout=1),
                       PASSING[0]], fail_on_error=False, timeout=20)
    assert time.time() - started < 8
    slow = by_name(result)["slow"]
    assert slow["passed"] is False and slow["error"].startswith("timed out: stopped by the server after 1 s")
    assert slow["duration_ms"] < 5000
    assert by_name(result)["users_count"]["passed"] is True


def test_a_stored_function_that_writes_is_stopped_by_the_read_only_transaction(lab):
    """SELECT passes the statement check; the READ ONLY transaction stops the INSERT inside the function."""
    script = """
        DELIMITER //
        CREATE OR REPLACE FUNCTION shop.drkit_validate_writer() RETURNS INT DETERMINISTIC MODIFIES SQL DATA
        BEGIN
          INSERT INTO shop.app_writes (writer, seq) VALUES ('validate-test', 1);
          RETURN 1;
        END//
        DELIMITER ;
        GRANT EXECUTE ON FUNCTION shop.drkit_validate_writer TO 'drkit_admin'@'127.0.0.1';
    """
    socket_path = os.path.join(LAB_ROOT, "db-primary", "run", "mysqld.sock")
    subprocess.run(["mariadb", "--socket=%s" % socket_path], input=script, text=True, check=True, timeout=60)
    try:
        result = validate([dict(name="writer", query="SELECT shop.drkit_validate_writer()", expect=dict(equals=1))],
                          fail_on_error=False)
        writer = by_name(result)["writer"]
        assert writer["passed"] is False
        assert writer["error"] == "(1792) Cannot execute statement in a READ ONLY transaction"
        assert sql("db-primary", "SELECT COUNT(*) FROM shop.app_writes WHERE writer = 'validate-test'") == [["0"]]
    finally:
        sql("db-primary", "DROP FUNCTION IF EXISTS shop.drkit_validate_writer")


def test_unreachable_server_fails_with_one_sentence(lab):
    result = run_module("validate", dict(admin_args("db-primary", login_port=1), checks=PASSING[:1]))
    assert result["failed"] is True
    assert result["msg"].startswith("Cannot connect to the server at 127.0.0.1:1 as drkit_admin")
