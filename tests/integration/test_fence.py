"""drkit.mysql.fence against the real lab, while the stand-in app commits 10 rows/s to the primary.

Every test leaves db-primary writable again (finally), because the test files
after this one expect the lab as it was built.
"""
import json
import os
import threading
import time

import pymysql
import pytest

from helpers import LAB_PORTS, LAB_ROOT, admin_args, run_module, sql

PRIMARY = "db-primary"
APP_DIR = os.path.join(LAB_ROOT, "app1")
READ_ONLY_ERROR = 1290


def app_events(since):
    """The app's up/down transitions recorded after ``since`` (epoch seconds)."""
    path = os.path.join(APP_DIR, "events.jsonl")
    if not os.path.exists(path):
        return []
    with open(path) as handle:
        events = [json.loads(line) for line in handle if line.strip()]
    return [e for e in events if e.get("at", 0) >= since and e.get("kind") in ("up", "down")]


def wait_for_app_event(kind, since, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        for event in app_events(since):
            if event["kind"] == kind:
                return event
        time.sleep(0.05)
    raise AssertionError("the app recorded no %r event within %s s (events: %s)" % (kind, timeout, app_events(since)))


def app_can_write(timeout=15):
    """Wait until the app commits again; returns its status."""
    deadline = time.time() + timeout
    path = os.path.join(APP_DIR, "status.json")
    while time.time() < deadline:
        try:
            with open(path) as handle:
                status = json.load(handle)
        except (OSError, ValueError):
            status = {}
        if status.get("can_write") and status.get("last_ok") and time.time() - status["last_ok"] < 1.5:
            return status
        time.sleep(0.1)
    raise AssertionError("the stand-in app does not write to the primary: %s" % status)


def read_only(host):
    return sql(host, "SELECT @@global.read_only")[0][0] == "1"


def app_sessions():
    return [int(r[0]) for r in sql(PRIMARY, "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'shop_app'")]


def dump_threads():
    return sorted(int(r[0]) for r in sql(PRIMARY, "SELECT ID FROM information_schema.PROCESSLIST "
                                                  "WHERE COMMAND LIKE 'Binlog Dump%'"))


def fence(state="fenced", check_mode=False, **extra):
    args = admin_args(PRIMARY, state=state, _ansible_diff=True, **extra)
    return run_module("fence", args, check_mode=check_mode)


@pytest.fixture
def writable_primary(lab):
    """db-primary writable with the app committing; made writable again afterwards, whatever happened."""
    sql(PRIMARY, "SET GLOBAL read_only = OFF")
    app_can_write()
    try:
        yield
    finally:
        sql(PRIMARY, "SET GLOBAL read_only = OFF")
        app_can_write()


def test_fence_primary_while_the_app_writes(writable_primary):
    started = time.time()
    result = fence(kill_sessions="false")
    assert not result.get("failed"), result
    assert result["changed"] is True
    assert result["before"] == {"read_only": False, "super_read_only": None}
    assert result["after"] == {"read_only": True, "super_read_only": None}
    assert result["statements"] == ["SET GLOBAL read_only = ON"]
    assert result["undo"] == {"state": "unfenced"}
    assert result["diff"]["before"] == "read_only=OFF\n" and result["diff"]["after"] == "read_only=ON\n"
    assert read_only(PRIMARY)

    # The app's next commit fails with the read-only error.
    down = wait_for_app_event("down", started)
    assert str(READ_ONLY_ERROR) in down["error"] and "read-only" in down["error"], down
    with pytest.raises(pymysql.err.OperationalError) as refused:
        conn = pymysql.connect(host="127.0.0.1", port=LAB_PORTS[PRIMARY], user="shop_app",
                               password="lab-app-secret", database="shop", autocommit=True)
        with conn.cursor() as cursor:
            cursor.execute("INSERT INTO app_writes (writer, seq) VALUES ('fence-test', 1)")
    assert refused.value.args[0] == READ_ONLY_ERROR
    print("\nfence: SET GLOBAL read_only=ON took %.4f s (module %.3f s after connecting); the app's first "
          "refused commit came %.3f s after the module started"
          % (result["fence_seconds"], result["elapsed_seconds"], down["at"] - started))
    assert result["fence_seconds"] < 2

    # Idempotent: a second fence changes nothing and kills nothing.
    again = fence(kill_sessions="true")
    assert again["changed"] is False and again["killed"] == [] and again["statements"] == []
    assert again["undo"] == {"state": "fenced"}

    # Unfence restores writes.
    since = time.time()
    opened = fence(state="unfenced")
    assert opened["changed"] is True and opened["after"]["read_only"] is False
    assert opened["diff"] == {"before": "read_only=ON\n", "after": "read_only=OFF\n",
                              "before_header": opened["target"], "after_header": opened["target"]}
    wait_for_app_event("up", since)
    assert fence(state="unfenced")["changed"] is False


def test_check_mode_changes_nothing(writable_primary):
    sessions_before = app_sessions()
    result = fence(kill_sessions="true", check_mode=True)
    assert not result.get("failed"), result
    assert result["changed"] is True
    assert result["after"]["read_only"] is True and result["before"]["read_only"] is False
    assert result["plan"][0] == "SET GLOBAL read_only = ON on %s" % result["target"]
    would_kill = [k for k in result["killed"] if k["user"] == "shop_app"]
    assert would_kill and all(k["result"] == "would kill" for k in would_kill)
    assert not [k for k in result["killed"] if k["user"] == "drkit_repl" or k["command"].startswith("Binlog")]
    assert result["diff"]["after"] == "read_only=ON\n"
    assert read_only(PRIMARY) is False
    # the app's connection was not touched
    assert set(sessions_before) & set(app_sessions())
    app_can_write()


def test_kill_sessions_spares_replication(writable_primary):
    dumps = dump_threads()
    assert len(dumps) >= 2  # db-replica, db-dr (and the binlog archive's mariadb-binlog when it streams)
    app_ids = app_sessions()
    assert app_ids
    result = fence(kill_sessions=True)
    assert not result.get("failed"), result
    killed = dict((k["id"], k) for k in result["killed"])
    assert set(app_ids) <= set(killed), (app_ids, result["killed"])
    assert all(k["user"] == "shop_app" for k in killed.values()), result["killed"]
    for entry in killed.values():
        assert set(entry) >= {"id", "user", "host", "db", "command", "time", "info", "result"}
        assert entry["info"] is None or len(entry["info"]) <= 100
    assert not set(app_ids) & set(app_sessions())
    # replication untouched: same dump threads, replicas still connected
    assert dump_threads() == dumps
    for host in ("db-replica", "db-dr"):
        status = sql(host, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
                           "WHERE VARIABLE_NAME = 'SLAVE_RUNNING'")
        assert status == [["ON"]], host
    # a second run with kill_sessions=true kills nothing (the fence did not change)
    assert fence(kill_sessions="true")["killed"] == []


def test_a_running_write_holds_up_the_fence_until_killed(writable_primary):
    """SET GLOBAL read_only waits for running writes: bounded by timeout, then killed or named."""
    def slow_write(outcome):
        conn = pymysql.connect(host="127.0.0.1", port=LAB_PORTS[PRIMARY], user="shop_app",
                               password="lab-app-secret", database="shop", autocommit=True)
        try:
            with conn.cursor() as cursor:
                cursor.execute("INSERT INTO app_writes (writer, seq) SELECT 'fence-slow', SLEEP(6)")
            outcome.append("committed")
        except pymysql.err.Error as exc:
            outcome.append(exc.args[0])

    outcome = []
    writer = threading.Thread(target=slow_write, args=(outcome,))
    writer.start()
    try:
        time.sleep(0.5)
        refused = fence(timeout=1)
        assert refused.get("failed") is True, refused
        assert "waited 1 s for running statements" in refused["msg"] and "SLEEP(6)" in refused["msg"]
        assert "fence-slow" not in refused["msg"]  # literals are masked
        assert read_only(PRIMARY) is False

        started = time.time()
        result = fence(timeout=1, kill_sessions="true")
        assert not result.get("failed"), result
        assert read_only(PRIMARY)
        slow = [k for k in result["killed"] if k["info"] and "SLEEP(6)" in k["info"]]
        assert slow and slow[0]["info"].startswith("INSERT INTO app_writes (writer, seq) SELECT '?'")
        print("\nfence with a running 6 s write: %.2f s (lock wait timeout 1 s, then KILL and retry)"
              % (time.time() - started))
    finally:
        writer.join(10)
    assert outcome and outcome[0] != "committed"
