"""table_checksum on the real lab: identical replicas match; rows changed, missing or extra on one server are
named by key, across awkward schemas (composite keys, no key, NULLs, BLOBs, emoji); bad input fails clearly.

The drift is made on the replica with sql_log_bin=0, so the primary never sees it; the schema is dropped on
the primary at the end, which removes it everywhere.
"""
import time

import pytest

from helpers import LAB_PORTS, admin_args, recap, run_module, run_playbook, sql

SCHEMA = "drkit_cksum"


def target(host, **extra):
    entry = dict(name=host, login_host="127.0.0.1", login_port=LAB_PORTS[host])
    entry.update(extra)
    return entry


def checksum(tables, targets=("db-replica",), **extra):
    args = admin_args("db-primary", tables=tables, source_name="db-primary",
                      targets=[target(host) for host in targets], recheck_delay=0.2, chunk_time=0.05)
    args.update(extra)
    return run_module("table_checksum", args)


def wait_replicated(host, statement, expected, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if sql(host, statement) == expected:
            return
        time.sleep(0.2)
    raise AssertionError("%s did not reach %s: %s" % (host, expected, sql(host, statement)))


@pytest.fixture(scope="module")
def awkward(lab):
    sql("db-primary", f"""
        DROP DATABASE IF EXISTS {SCHEMA}; CREATE DATABASE {SCHEMA}; USE {SCHEMA};
        CREATE TABLE {SCHEMA}.orders (id INT UNSIGNED PRIMARY KEY, customer VARCHAR(40) CHARACTER SET utf8mb4,
            note TEXT, total DECIMAL(12,2), placed DATETIME(6), photo BLOB, flags BIT(3));
        CREATE TABLE {SCHEMA}.lines (order_code VARCHAR(20), line SMALLINT, sku CHAR(8), qty INT NULL,
            PRIMARY KEY (order_code, line));
        CREATE TABLE {SCHEMA}.tags (tag VARCHAR(30) NOT NULL, weight INT, UNIQUE KEY tag_u (tag));
        CREATE TABLE {SCHEMA}.events_log (happened DATETIME, what VARCHAR(50));
        INSERT INTO {SCHEMA}.orders
          SELECT seq, CONCAT('customer ', seq, IF(seq % 7 = 0, ' \U0001F600', '')),
                 IF(seq % 5 = 0, NULL, REPEAT('n', seq % 50)),
                 seq * 1.25, TIMESTAMP('2026-01-01 00:00:00.123456') + INTERVAL seq SECOND,
                 IF(seq % 3 = 0, UNHEX('00FF10'), NULL), seq % 8
          FROM seq_1_to_20000;
        INSERT INTO {SCHEMA}.lines
          SELECT CONCAT('ORD-', seq DIV 4), seq % 4, LPAD(seq, 8, '0'), IF(seq % 9 = 0, NULL, seq) FROM seq_1_to_6000;
        INSERT INTO {SCHEMA}.tags SELECT CONCAT('tag-', seq), seq FROM seq_1_to_500;
        INSERT INTO {SCHEMA}.events_log
          SELECT '2026-01-01' + INTERVAL seq MINUTE, CONCAT('event ', seq) FROM seq_1_to_300;
    """)
    wait_replicated("db-replica", f"SELECT COUNT(*) FROM {SCHEMA}.events_log", [["300"]])
    wait_replicated("db-dr", f"SELECT COUNT(*) FROM {SCHEMA}.events_log", [["300"]])
    yield
    sql("db-primary", f"DROP DATABASE IF EXISTS {SCHEMA}")


def test_identical_servers_match_on_every_target(awkward):
    result = checksum([SCHEMA + ".*"], targets=("db-replica", "db-dr"))
    assert result.get("failed") is not True and result["match"] is True, result
    by_table = dict((t["table"], t) for t in result["tables"])
    assert set(by_table) == set(SCHEMA + "." + name for name in ("orders", "lines", "tags", "events_log"))
    orders = by_table[SCHEMA + ".orders"]
    assert orders["rows"] == {"db-primary": 20000, "db-replica": 20000, "db-dr": 20000}
    assert orders["method"] == "chunked" and orders["key"] == ["id"] and orders["chunks"] > 1, orders
    assert by_table[SCHEMA + ".lines"]["key"] == ["order_code", "line"] and by_table[SCHEMA + ".lines"]["chunks"] > 1
    assert by_table[SCHEMA + ".tags"]["key"] == ["tag"]
    assert by_table[SCHEMA + ".events_log"]["method"] == "whole_table"
    assert result["changed"] is False


def test_drift_is_found_down_to_the_keys(awkward):
    sql("db-replica", f"""
        SET SESSION sql_log_bin = 0;
        UPDATE {SCHEMA}.orders SET note = 'changed on the replica' WHERE id = 12345;
        UPDATE {SCHEMA}.orders SET photo = UNHEX('00FF11') WHERE id = 300;
        DELETE FROM {SCHEMA}.orders WHERE id = 19999;
        INSERT INTO {SCHEMA}.orders (id, customer) VALUES (4000000000, 'only on the replica');
        UPDATE {SCHEMA}.lines SET qty = NULL WHERE order_code = 'ORD-700' AND line = 2;
        UPDATE {SCHEMA}.events_log SET what = 'edited' WHERE what = 'event 7';
    """)
    result = checksum([SCHEMA + ".*"], fail_on_difference=False)
    assert result.get("failed") is not True and result["match"] is False, result
    by_table = dict((t["table"], t) for t in result["tables"])
    orders = by_table[SCHEMA + ".orders"]
    assert orders["status"] == "differ" and orders["difference_count"] == 4, orders
    found = sorted((d["key"]["id"], d["kind"], d["target"]) for d in orders["differences"])
    assert found == [(300, "changed", "db-replica"), (12345, "changed", "db-replica"),
                     (19999, "missing_on_target", "db-replica"), (4000000000, "extra_on_target", "db-replica")]
    assert orders["rows"] == {"db-primary": 20000, "db-replica": 20000}
    lines = by_table[SCHEMA + ".lines"]
    assert [(d["key"], d["kind"]) for d in lines["differences"]] == [({"order_code": "ORD-700", "line": 2}, "changed")]
    assert by_table[SCHEMA + ".tags"]["status"] == "match"
    events = by_table[SCHEMA + ".events_log"]
    assert events["status"] == "differ" and events["method"] == "whole_table" and events["differences"] == []
    assert any("orders differs: 4 row(s)" in line for line in result["summary"]), result["summary"]

    failed = checksum([SCHEMA + ".orders"])
    assert failed["failed"] and "1 of 1 table(s) do not match" in failed["msg"], failed
    assert failed["tables"][0]["difference_count"] == 4


def test_a_table_missing_on_the_target_and_bad_names(awkward):
    sql("db-primary", f"SET SESSION sql_log_bin = 0; CREATE TABLE {SCHEMA}.only_here (id INT PRIMARY KEY)")
    try:
        result = checksum([SCHEMA + ".only_here"], fail_on_difference=False)
        assert result["tables"][0]["status"] == "missing_on_target", result
    finally:
        sql("db-primary", f"SET SESSION sql_log_bin = 0; DROP TABLE {SCHEMA}.only_here")
    unknown = checksum([SCHEMA + ".nope", "orders"])
    assert unknown["failed"] and "not a table name" in unknown["msg"], unknown
    unknown = checksum([SCHEMA + ".nope"])
    assert unknown["failed"] and "no such table(s) on the source: %s.nope" % SCHEMA in unknown["msg"], unknown


def test_wrong_password_on_a_target_is_named(awkward):
    args = admin_args("db-primary", tables=[SCHEMA + ".tags"],
                      targets=[target("db-dr", login_password="wrong-password")])
    result = run_module("table_checksum", args)
    assert result["failed"] and "127.0.0.1:%d" % LAB_PORTS["db-dr"] in result["msg"], result
    assert "access denied" in result["msg"] and "wrong-password" not in str(result)


def test_verify_playbook_reports_then_fails_on_the_drift(awkward):
    tables = '{"verify_tables": ["%s.orders", "%s.tags"]}' % (SCHEMA, SCHEMA)
    drifted = run_playbook("verify.yml", "-e", "verify_source=db-primary", "-e", "verify_target=db-replica",
                           "-e", tables, check=False)
    assert drifted.returncode != 0, drifted.stdout[-3000:]
    assert "%s.orders differs: 4 row(s)" % SCHEMA in drifted.stdout
    assert "business validation: all" in drifted.stdout  # the validations ran before the failure
    clean = run_playbook("verify.yml", "-e", "verify_source=db-primary", "-e", "verify_target=db-dr", "-e", tables,
                         "--check")
    assert recap(clean.stdout)["db-dr"]["changed"] == 0 and recap(clean.stdout)["db-dr"]["failed"] == 0
    assert "%s.tags" % SCHEMA in clean.stdout and "match" in clean.stdout
