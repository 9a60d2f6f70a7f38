"""Named read-only SQL checks: statement reading, expectations, comparisons, the failure table."""
import datetime
import decimal

import pytest

from ansible_collections.drkit.mysql.plugins.module_utils import validation
from ansible_collections.drkit.mysql.plugins.module_utils.flavor import detect_dialect
from ansible_collections.drkit.mysql.plugins.module_utils.validation import (
    CheckError,
    describe_expectation,
    evaluate,
    failed_checks_table,
    failure_message,
    json_safe,
    prepare_check,
    prepare_checks,
    read_statement,
    run_checks,
    summarize,
    values_equal,
    with_timeout,
)

D = decimal.Decimal


def scalar(value, column="v"):
    return [{column: value}]


def judge(expect, rows, columns=None):
    check = prepare_check(dict(name="c", query="SELECT 1", expect=expect))
    return evaluate(check["expect"], rows, columns)


# -- reading the statement -------------------------------------------------------


@pytest.mark.parametrize("query, keyword", [
    ("SELECT COUNT(*) FROM shop.users", "SELECT"),
    ("  select 1;", "SELECT"),
    ("SELECT 1; -- trailing comment", "SELECT"),
    ("/* leading */ SELECT 1", "SELECT"),
    ("-- why\nSELECT 1", "SELECT"),
    ("# why\nSELECT 1", "SELECT"),
    ("SHOW GLOBAL VARIABLES LIKE 'read_only'", "SHOW"),
    ("show slave status", "SHOW"),
    ("WITH x AS (SELECT 1 AS a) SELECT * FROM x", "WITH"),
    ("WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5), m AS (SELECT 2) SELECT * FROM n",
     "WITH"),
    ("(SELECT 1) UNION (SELECT 2)", "SELECT"),
    ("SELECT 'DELETE FROM x; UPDATE y' AS text, `into` FROM t", "SELECT"),
    ("SELECT \"it's; fine\" AS a", "SELECT"),
    ("SELECT 'a\\'; DROP TABLE t; --' AS a", "SELECT"),
    ("SELECT REPLACE(name, 'a', 'b'), INSERT(name, 1, 1, 'x') FROM shop.users", "SELECT"),
    ("SELECT /*+ MAX_EXECUTION_TIME(10) */ 1", "SELECT"),
])
def test_read_statements_are_accepted(query, keyword):
    statement, found, _select_pos = read_statement(query)
    assert found == keyword
    assert not statement.rstrip().endswith(";")


@pytest.mark.parametrize("query, reason", [
    ("DELETE FROM shop.users", "starts with DELETE"),
    ("update shop.users set name = 'x'", "starts with UPDATE"),
    ("INSERT INTO t VALUES (1)", "starts with INSERT"),
    ("DROP TABLE shop.users", "starts with DROP"),
    ("SET GLOBAL read_only = 0", "starts with SET"),
    ("CALL purge_everything()", "starts with CALL"),
    ("SELECT 1; DELETE FROM shop.users", "several"),
    ("SELECT 1; SELECT 2;", "several"),
    ("SELECT * FROM t INTO OUTFILE '/tmp/x'", "INTO"),
    ("SELECT COUNT(*) INTO @n FROM t", "INTO"),
    ("SELECT * FROM t FOR UPDATE", "locking"),
    ("SELECT * FROM t LOCK IN SHARE MODE", "locking"),
    ("SELECT * FROM t FOR SHARE", "locking"),
    ("SELECT NEXTVAL(s)", "sequence"),
    ("SELECT NEXT VALUE FOR s", "sequence"),
    ("SELECT 1 /*! ; DROP TABLE t */", "executable comments"),
    ("SELECT 1 /*M!100000 , SLEEP(1) */", "executable comments"),
    ("WITH x AS (SELECT id FROM t) DELETE FROM t WHERE id IN (SELECT id FROM x)", "ends in DELETE"),
    ("WITH x AS (SELECT 1) UPDATE t SET a = 1", "ends in UPDATE"),
    ("WITH x (SELECT 1) SELECT 1", "AS"),
    ("SELECT 'unterminated", "unterminated"),
    ("SELECT 1 /* open", "unterminated"),
    ("   ", "empty"),
    (";", "empty"),
])
def test_anything_but_one_read_statement_is_refused(query, reason):
    with pytest.raises(CheckError, match=reason):
        read_statement(query)


def test_a_refused_query_names_the_check():
    with pytest.raises(CheckError) as raised:
        prepare_checks([dict(name="ok", query="SELECT 1", expect=dict(equals=1)),
                        dict(name="wipe", query="DELETE FROM shop.users", expect=dict(equals=0))])
    assert "check wipe: refused before running it" in str(raised.value)
    assert "starts with DELETE" in str(raised.value)


# -- time limits -------------------------------------------------------------------


def test_mariadb_timeout_wraps_any_statement():
    for query in ("SELECT COUNT(*) FROM t;", "SHOW SLAVE STATUS", "WITH x AS (SELECT 1) SELECT * FROM x"):
        statement, keyword, pos = read_statement(query)
        sql = with_timeout(statement, keyword, pos, 1.5, True)
        assert sql == "SET STATEMENT max_statement_time=1.5 FOR " + query.rstrip(";")
    assert with_timeout("SELECT 1", "SELECT", 6, 30.0, True) == "SET STATEMENT max_statement_time=30 FOR SELECT 1"


def test_mysql_timeout_is_a_hint_after_the_main_select():
    statement, keyword, pos = read_statement("SELECT COUNT(*) FROM t")
    assert with_timeout(statement, keyword, pos, 2, False) == "SELECT /*+ MAX_EXECUTION_TIME(2000) */ COUNT(*) FROM t"
    statement, keyword, pos = read_statement("WITH x AS (SELECT 1 AS a) SELECT a FROM x")
    assert with_timeout(statement, keyword, pos, 0.25, False) == \
        "WITH x AS (SELECT 1 AS a) SELECT /*+ MAX_EXECUTION_TIME(250) */ a FROM x"
    statement, keyword, pos = read_statement("SHOW REPLICA STATUS")
    assert with_timeout(statement, keyword, pos, 2, False) == "SHOW REPLICA STATUS"  # MySQL cannot limit SHOW


def test_no_timeout_leaves_the_statement_alone():
    assert with_timeout("SELECT 1", "SELECT", 6, 0, True) == "SELECT 1"
    assert with_timeout("SELECT 1", "SELECT", 6, None, False) == "SELECT 1"


# -- expectations ------------------------------------------------------------------


@pytest.mark.parametrize("expect, rows, passed, observed", [
    (dict(equals=3000), scalar(3000), True, 3000),
    (dict(equals=3000), scalar(2999), False, 2999),
    (dict(equals=0), scalar(D("0")), True, "0"),
    (dict(equals=1500.50), scalar(D("1500.50")), True, "1500.50"),
    (dict(equals=1500.5), scalar(D("1500.51")), False, "1500.51"),
    (dict(equals="1500.50"), scalar(D("1500.5")), True, "1500.5"),
    (dict(equals=0.1), scalar(D("0.10")), True, "0.10"),
    (dict(equals=3000), scalar("3000"), True, "3000"),
    (dict(equals="3000"), scalar(3000), True, 3000),
    (dict(equals=3000), scalar("abc"), False, "abc"),
    (dict(equals=None), scalar(None), True, None),
    (dict(equals=0), scalar(None), False, None),
    (dict(equals=None), scalar(0), False, 0),
    (dict(equals="EUR"), scalar("EUR"), True, "EUR"),
    (dict(equals="EUR"), scalar("eur"), False, "eur"),
    (dict(equals="EUR"), scalar(b"EUR"), True, "EUR"),
    (dict(equals=True), scalar(1), True, 1),
    (dict(equals=False), scalar("OFF"), True, "OFF"),
    (dict(equals=True), scalar("OFF"), False, "OFF"),
    (dict(equals="2024-01-01 00:01:00"), scalar(datetime.datetime(2024, 1, 1, 0, 1)), True, "2024-01-01T00:01:00"),
    (dict(equals="2024-01-01T00:01:00"), scalar(datetime.datetime(2024, 1, 1, 0, 1)), True, "2024-01-01T00:01:00"),
    (dict(min=1), scalar(571), True, 571),
    (dict(min=1), scalar(0), False, 0),
    (dict(max=10), scalar(D("10.00")), True, "10.00"),
    (dict(max=10), scalar(D("10.01")), False, "10.01"),
    (dict(min=1, max=10), scalar(5), True, 5),
    (dict(min=1, max=10), scalar(11), False, 11),
    (dict(min=0.5), scalar("0.75"), True, "0.75"),
    (dict(no_rows=True), [], True, 0),
    (dict(no_rows=True), [{"id": 1}, {"id": 2}], False, 2),
    (dict(no_rows=False), [{"id": 1}], True, 1),
    (dict(no_rows=False), [], False, 0),
    (dict(rows=2), [{"id": 1}, {"id": 2}], True, 2),
    (dict(rows=2), [{"id": 1}], False, 1),
    (dict(rows=0), [], True, 0),
    (dict(jmespath="length([?balance < `0`]) == `0`"), [{"balance": D("10.50")}, {"balance": D("0.00")}], True, True),
    (dict(jmespath="length([?balance < `0`]) == `0`"), [{"balance": D("10.50")}, {"balance": D("-0.01")}],
     False, False),
    (dict(jmespath="[?balance == `1500.5`].id"), [{"id": 7, "balance": D("1500.50")}], True, [7]),
    (dict(jmespath="[?balance > `100`].id"), [{"id": 7, "balance": D("1.00")}], False, []),
    (dict(jmespath="sum([].n) == `6`"), [{"n": D("1")}, {"n": D("2")}, {"n": 3}], True, True),
    (dict(jmespath="[0].v"), scalar(0), True, 0),  # every number is true in JMESPath
    (dict(jmespath="[0].v"), scalar(None), False, None),
])
def test_expectations(expect, rows, passed, observed):
    result = judge(expect, rows)
    assert result == (passed, observed, None)


def test_scalar_expectations_need_one_value():
    passed, observed, error = judge(dict(equals=1), [{"a": 1}, {"a": 2}])
    assert not passed and observed is None
    assert error == "expected one value (one row of one column), the query returned 2 rows of 1 column"
    passed, _observed, error = judge(dict(min=1), [{"a": 1, "b": 2}])
    assert not passed and "1 row of 2 columns" in error
    passed, _observed, error = judge(dict(max=1), [], columns=["n"])
    assert not passed and "0 rows of 1 column" in error


def test_bounds_need_a_number():
    passed, observed, error = judge(dict(min=1), scalar("abc"))
    assert (passed, observed) == (False, "abc")
    assert error == "the value is 'abc', not a number, so it cannot be compared with >= 1"
    passed, observed, error = judge(dict(min=1, max=2), scalar(None))
    assert (passed, observed) == (False, None)
    assert error == "the value is NULL, so it cannot be compared with between 1 and 2"


def test_jmespath_type_errors_are_a_clear_message():
    passed, observed, error = judge(dict(jmespath="length(@[0].name)"), [{"name": 5}])
    assert not passed and observed is None
    assert error.startswith("the jmespath expression failed on the result: In function length(), invalid type")


def test_jmespath_syntax_errors_are_refused_before_running():
    with pytest.raises(CheckError) as raised:
        prepare_check(dict(name="neg", query="SELECT 1", expect=dict(jmespath="length([?balance < `0`) == `0`")))
    message = str(raised.value)
    assert message.startswith("check neg: the jmespath expression length([?balance < `0`) == `0` is invalid:")
    assert "\n" not in message


def test_values_equal_is_numeric_for_numbers_and_exact_for_text():
    assert values_equal(D("1500.50"), 1500.5)
    assert values_equal(D("1E+3"), 1000)
    assert values_equal(1000, D("1000.000"))
    assert not values_equal("10.0", "10")  # two texts: exact
    assert values_equal(10, "10.0")  # a number against numeric text: numeric
    assert values_equal(datetime.timedelta(hours=1, minutes=2, seconds=3), "1:02:03")


def test_observed_values_are_json_safe():
    assert json_safe(D("1500.50")) == "1500.50"
    assert json_safe(datetime.datetime(2024, 1, 2, 3, 4, 5, 6)) == "2024-01-02T03:04:05.000006"
    assert json_safe(datetime.date(2024, 1, 2)) == "2024-01-02"
    assert json_safe(datetime.timedelta(hours=-1)) == "-1:00:00"
    assert json_safe(b"\x00ok") == "\x00ok"
    assert json_safe(float("nan")) == "nan"
    assert json_safe({"a": [D("1.0"), None, {"b"}]}) == {"a": ["1.0", None, ["b"]]}


@pytest.mark.parametrize("expect, text", [
    (dict(equals=3000), "= 3000"),
    (dict(equals=None), "is NULL"),
    (dict(equals="EUR"), "= 'EUR'"),
    (dict(equals=True), "= true"),
    (dict(min=1), ">= 1"),
    (dict(max=2.5), "<= 2.5"),
    (dict(min=1, max=10), "between 1 and 10"),
    (dict(no_rows=True), "no rows"),
    (dict(no_rows=False), "at least one row"),
    (dict(rows=1), "exactly 1 row"),
    (dict(rows=5), "exactly 5 rows"),
    (dict(jmespath="length(@) > `0`"), "jmespath: length(@) > `0`"),
])
def test_expectation_text(expect, text):
    assert describe_expectation(expect) == text


# -- the check spec ----------------------------------------------------------------


@pytest.mark.parametrize("check, reason", [
    (dict(query="SELECT 1", expect=dict(equals=1)), "has no name"),
    (dict(name="c", expect=dict(equals=1)), "query is missing"),
    (dict(name="c", query="SELECT 1"), "expect is missing"),
    (dict(name="c", query="SELECT 1", expect={}), "expect must be a dict"),
    (dict(name="c", query="SELECT 1", expect=dict(equal=1)), "unknown expectation equal"),
    (dict(name="c", query="SELECT 1", expect=dict(equals=1, rows=1)), "exactly one kind"),
    (dict(name="c", query="SELECT 1", expect=dict(min="a")), "min must be a number"),
    (dict(name="c", query="SELECT 1", expect=dict(min=5, max=1)), "greater than max"),
    (dict(name="c", query="SELECT 1", expect=dict(no_rows="yes")), "no_rows must be true or false"),
    (dict(name="c", query="SELECT 1", expect=dict(rows=-1)), "rows must be a row count"),
    (dict(name="c", query="SELECT 1", expect=dict(equals=[1])), "equals compares one value"),
    (dict(name="c", query="SELECT 1", expect=dict(jmespath="")), "non-empty"),
    (dict(name="c", query="SELECT 1", params="x", expect=dict(equals=1)), "params must be a list"),
    (dict(name="c", query="SELECT 1", expect=dict(equals=1), timeout=-1), "timeout must be"),
    (dict(name="c", query="SELECT 1", expect=dict(equals=1), colour="red"), "unknown key"),
])
def test_bad_checks_are_refused_with_their_name(check, reason):
    with pytest.raises(CheckError, match=reason):
        prepare_checks([check])


def test_duplicate_names_are_refused():
    check = dict(name="same", query="SELECT 1", expect=dict(equals=1))
    with pytest.raises(CheckError, match="check same is defined twice"):
        prepare_checks([check, dict(check)])


def test_check_timeout_overrides_the_default():
    checks = prepare_checks([dict(name="a", query="SELECT 1", expect=dict(equals=1)),
                             dict(name="b", query="SELECT 1", expect=dict(equals=1), timeout=2)], 30)
    assert [check["timeout"] for check in checks] == [30.0, 2.0]


# -- running against a fake server ------------------------------------------------


class FakeError(Exception):
    pass


class FakeCursor(object):
    def __init__(self, server):
        self.server = server
        self.description = None
        self._rows = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute(self, sql, params=None):
        self.server.executed.append((sql, params))
        if sql in ("START TRANSACTION READ ONLY", "ROLLBACK"):
            return
        for needle, answer in self.server.answers.items():
            if needle in sql:
                if isinstance(answer, Exception):
                    raise answer
                columns, rows = answer
                self.description = [(name,) for name in columns]
                self._rows = [dict(zip(columns, row)) for row in rows]
                return
        raise FakeError("no answer for %s" % sql)

    def fetchall(self):
        return tuple(self._rows)


class FakeConn(object):
    def __init__(self, server):
        self.server = server

    def cursor(self):
        return FakeCursor(self.server)


class FakeServer(object):
    def __init__(self, answers, version="10.11.19-MariaDB-log"):
        self.answers = answers
        self.executed = []
        self.conn = FakeConn(self)
        self.dialect = detect_dialect(version)
        self.target = "127.0.0.1:3310"


def test_run_checks_in_a_read_only_transaction_with_the_dialect_timeout():
    server = FakeServer({
        "FROM shop.users": (["COUNT(*)"], [(3000,)]),
        "FROM shop.orders": (["id", "user_id"], [(7, 99999), (8, 99998), (9, 1), (10, 2)]),
        "FROM shop.nope": FakeError(1146, "Table 'shop.nope' doesn't exist"),
        "SLEEP": FakeError(1969, "Query execution was interrupted (max_statement_time exceeded)"),
    })
    checks = prepare_checks([
        dict(name="users", query="SELECT COUNT(*) FROM shop.users WHERE id > %s", params=[0],
             expect=dict(equals=3000), description="everyone"),
        dict(name="orphans", query="SELECT id, user_id FROM shop.orders", expect=dict(no_rows=True)),
        dict(name="missing", query="SELECT COUNT(*) FROM shop.nope", expect=dict(equals=0)),
        dict(name="slow", query="SELECT SLEEP(5)", expect=dict(equals=0), timeout=1),
    ], 30)
    results = run_checks(server, checks)
    assert server.executed[:3] == [
        ("START TRANSACTION READ ONLY", None),
        ("SET STATEMENT max_statement_time=30 FOR SELECT COUNT(*) FROM shop.users WHERE id > %s", [0]),
        ("ROLLBACK", None),
    ]
    assert [executed[0] for executed in server.executed].count("ROLLBACK") == 4  # also after a failed query
    users, orphans, missing, slow = results
    assert users["passed"] and users["observed"] == 3000 and users["rows"] == 1 and users["error"] is None
    assert users["description"] == "everyone" and users["expectation"] == "= 3000"
    assert isinstance(users["duration_ms"], float)
    assert not orphans["passed"] and orphans["observed"] == 4 and len(orphans["sample"]) == 3
    assert orphans["observed_text"] == "4 rows, first: {id: 7, user_id: 99999}"
    assert not missing["passed"] and missing["observed"] is None and missing["rows"] is None
    assert missing["error"] == "(1146) Table 'shop.nope' doesn't exist"
    assert slow["error"].startswith("timed out: stopped by the server after 1 s")
    assert summarize(results, server.target) == dict(
        passed_count=1, failed_count=3, total=4,
        summary="3 of 4 SQL checks failed on 127.0.0.1:3310: orphans, missing, slow")


def test_mysql_servers_get_the_hint():
    server = FakeServer({"FROM t": (["n"], [(1,)])}, version="8.0.36")
    run_checks(server, prepare_checks([dict(name="n", query="SELECT n FROM t", expect=dict(equals=1))], 5))
    assert server.executed[1][0] == "SELECT /*+ MAX_EXECUTION_TIME(5000) */ n FROM t"


def test_summary_when_all_pass_or_nothing_runs():
    assert summarize([dict(name="a", passed=True)])["summary"] == "all 1 SQL check passed"
    assert summarize([], "db:3306")["summary"] == "no SQL checks to run on db:3306"


# -- the failure table -------------------------------------------------------------


def test_failed_checks_table_lists_only_failures():
    results = [
        dict(name="users_count", passed=True, expectation="= 3000", observed=3000, observed_text="3000"),
        dict(name="users_wrong", passed=False, expectation="= 2999", observed=3000, observed_text="3000"),
        dict(name="bad_sql", passed=False, expectation="= 0", observed=None, error="(1146) Table 'x' doesn't exist"),
        dict(name="long", passed=False, expectation="no rows", observed=1, observed_text="x" * 300),
    ]
    lines = failed_checks_table(results).splitlines()
    assert lines[0].split() == ["CHECK", "EXPECTED", "OBSERVED"]
    assert lines[2].split() == ["users_wrong", "=", "2999", "3000"]
    assert lines[3].startswith("bad_sql") and lines[3].endswith("error: (1146) Table 'x' doesn't exist")
    assert lines[4].endswith("x" * 97 + "...")
    assert len(lines) == 5 and "users_count" not in failed_checks_table(results)
    message = failure_message(results, "127.0.0.1:3310").splitlines()
    assert message[0] == "3 of 4 SQL checks failed on 127.0.0.1:3310: users_wrong, bad_sql, long"
    assert message[1:] == lines


def test_module_utils_has_no_controller_imports():
    source = open(validation.__file__).read()
    assert "ansible.errors" not in source and "ansible.plugins" not in source
