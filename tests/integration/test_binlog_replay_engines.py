"""binlog_replay through the server's SQL thread and through the client pipe, on servers of the test's own (not the
lab): the same window (a skipped bad transaction, a stop before the last one, a DDL, awkward types) gives the same
tables and the same binlog position both ways; a failing transaction stops the SQL thread with the server's error,
leaves no replication connection or relay file behind, and a re-run resumes; where the SQL thread would not give
the client's result, auto takes the client and a forced sql_thread is refused with nothing applied."""
import os
import shutil

import pytest

from helpers import LAB_PORT_BASE, run_module
from scratch_server import ScratchServer

SOURCE_PORT = LAB_PORT_BASE + 82
TABLES = "rt.items, rt.nokey, rt.late"


class Server(ScratchServer):
    def __init__(self, base, port, server_id, *options):
        ScratchServer.__init__(self, base, port, server_id, options=["--character-set-server=utf8mb4"] + list(options),
                               buffer_pool="32M")

    def args(self, binlogs, **extra):
        return dict(login_unix_socket=self.socket, login_user="root", path=str(binlogs), **extra)

    def checksums(self):
        return self.sql("CHECKSUM TABLE %s" % TABLES)

    def leftovers(self):
        """drkit's replication connection and relay files, which must be gone after every replay."""
        files = sorted(name for name in os.listdir(str(self.datadir)) if "drkit_replay" in name)
        return self.sql("SHOW ALL SLAVES STATUS"), files


SCHEMA = """
CREATE DATABASE IF NOT EXISTS rt;
CREATE TABLE rt.items (id INT PRIMARY KEY, name VARCHAR(200) NOT NULL, price DECIMAL(12,2) NOT NULL,
  doc JSON NULL, raw BLOB NULL, at DATETIME(6) NOT NULL);
CREATE TABLE rt.nokey (a INT, b VARCHAR(40));
"""


def batch(first, count):
    return ("INSERT INTO rt.items SELECT seq, CONCAT(REPEAT('item-', 1 + seq %% 30), '😀'), seq * 1.25, "
            "JSON_OBJECT('n', seq, 'tags', JSON_ARRAY(seq %% 7)), IF(seq %% 3 = 0, NULL, UNHEX(SHA2(seq, 256))), "
            "'2026-11-24 10:00:00.123456' FROM seq_%d_to_%d" % (first, first + count - 1))


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    root = tmp_path_factory.mktemp("replay-engines")
    source = Server(root / "source", SOURCE_PORT, 91)
    applier = Server(root / "applier", SOURCE_PORT + 1, 92, "--log-slave-updates=ON")
    plain = Server(root / "plain", SOURCE_PORT + 2, 93)  # log_slave_updates OFF: auto takes the client
    started = []
    try:
        for server in (source, applier, plain):
            server.start()
            started.append(server)
        source.sql(SCHEMA + "USE test;" + batch(1, 4000))
        source.sql("FLUSH BINARY LOGS")
        source.sql("USE test;" + batch(4001, 4000) + "; INSERT INTO rt.nokey VALUES (1, 'a'), (1, 'a'), (NULL, NULL)")
        bad = source.sql("UPDATE rt.items SET price = 0; SELECT @@last_gtid")[0][0]
        source.sql("FLUSH BINARY LOGS")
        source.sql("UPDATE rt.items SET name = CONCAT(name, ' ✓') WHERE id % 10 = 0; "
                   "DELETE FROM rt.items WHERE id > 7900; DELETE FROM rt.nokey WHERE a IS NULL; "
                   "ALTER TABLE rt.items ADD COLUMN note VARCHAR(20) NULL; "
                   "CREATE TABLE rt.late (id INT PRIMARY KEY); INSERT INTO rt.late VALUES (1), (2)")
        stop = source.sql("UPDATE rt.items SET price = -1 WHERE id = 1; SELECT @@last_gtid")[0][0]
        source.sql("FLUSH BINARY LOGS")
        binlogs = root / "binlogs"
        binlogs.mkdir()
        names = [row[0] for row in source.sql("SHOW BINARY LOGS")][:-1]
        for name in names:
            shutil.copy(str(source.datadir / name), str(binlogs / name))
        yield dict(source=source, applier=applier, plain=plain, binlogs=binlogs, bad=bad, stop=stop)
    finally:
        for server in started:
            server.stop()


def test_the_sql_thread_and_the_client_give_the_same_tables_and_position(servers):
    applier, plain, binlogs = servers["applier"], servers["plain"], servers["binlogs"]
    window = dict(skip_gtids=[servers["bad"]], stop_before_gtid=servers["stop"])

    planned = run_module("binlog_replay", applier.args(binlogs, **window), check_mode=True)
    assert planned["engine"] == "sql_thread" and planned["changed"], planned
    forced = run_module("binlog_replay", plain.args(binlogs, engine="sql_thread", **window))
    assert forced.get("failed") and "log_slave_updates is OFF" in forced["msg"], forced
    assert "Nothing was applied" in forced["msg"] and plain.sql("SELECT @@gtid_binlog_pos") == [[""]]

    fast = run_module("binlog_replay", applier.args(binlogs, **window))
    assert not fast.get("failed"), fast.get("msg")
    assert fast["engine"] == "sql_thread" and "SQL thread" in fast["commands"][0], fast["commands"]
    assert fast["skipped"] == [servers["bad"]]
    slow = run_module("binlog_replay", plain.args(binlogs, **window))
    assert not slow.get("failed"), slow.get("msg")
    assert slow["engine"] == "client" and "log_slave_updates is OFF" in slow["engine_reason"]
    assert fast["count"] == slow["count"] > 8

    assert applier.checksums() == plain.checksums()
    assert applier.sql("SELECT @@gtid_binlog_pos") == plain.sql("SELECT @@gtid_binlog_pos")  # binlogged both ways
    # The bad UPDATE skipped (only the 790 rows a later UPDATE rewrote carry price 0: its FULL after-images hold
    # it), the stop transaction left out, the rest in.
    assert applier.sql("SELECT COUNT(*), SUM(price = 0), SUM(price = 0 AND id % 10 = 0), SUM(price < 0), "
                       "SUM(name LIKE '%✓') FROM rt.items") == [["7900", "790", "790", "0", "790"]]
    assert applier.leftovers() == ([], [])

    again = run_module("binlog_replay", applier.args(binlogs, **window))
    assert again.get("failed") is not True and again["changed"] is False, again


def test_a_failing_transaction_stops_the_sql_thread_and_a_rerun_resumes(servers, tmp_path):
    target = Server(tmp_path / "resume", SOURCE_PORT + 3, 94, "--log-slave-updates=ON")
    target.start()
    try:
        binlogs, window = servers["binlogs"], dict(skip_gtids=[servers["bad"]], stop_before_gtid=servers["stop"])
        # A table in the way, made without a binlog entry: the window's CREATE TABLE rt.late, near its end, fails.
        target.sql("SET SESSION sql_log_bin = 0; CREATE DATABASE rt; CREATE TABLE rt.late (id INT PRIMARY KEY)")
        failed = run_module("binlog_replay", target.args(binlogs, engine="sql_thread", **window))
        assert failed.get("failed") and "SQL thread stopped" in failed["msg"], failed.get("msg")
        assert "error 1050" in failed["msg"] and "resumes after" in failed["msg"], failed["msg"]
        assert target.leftovers() == ([], [])
        # The server's default IDEMPOTENT DDL mode would have replaced the table; it was STRICT for the replay only.
        assert target.sql("SELECT COUNT(*) FROM rt.late") == [["0"]]
        assert target.sql("SELECT @@slave_ddl_exec_mode") == [["IDEMPOTENT"]]
        assert target.sql("SELECT COUNT(*) FROM rt.items") == [["7900"]]  # what came before it is committed
        target.sql("SET SESSION sql_log_bin = 0; DROP TABLE rt.late")
        # A stopped drkit_replay connection (a killed run's, once its SQL thread was stopped): the re-run removes it.
        target.sql("CHANGE MASTER 'drkit_replay' TO MASTER_HOST = 'killed.invalid', MASTER_USE_GTID = no")
        resumed = run_module("binlog_replay", target.args(binlogs, engine="sql_thread", **window))
        assert not resumed.get("failed"), resumed.get("msg")
        assert target.checksums() == servers["applier"].checksums()
        assert target.leftovers() == ([], [])
    finally:
        target.stop()


def test_a_replay_left_running_by_a_killed_run_blocks_both_engines_until_removed(servers):
    applier, binlogs = servers["applier"], servers["binlogs"]
    # What a killed run leaves: drkit's connection with its SQL thread still running.
    applier.sql("CHANGE MASTER 'drkit_replay' TO MASTER_HOST = 'killed.invalid', MASTER_USE_GTID = no; "
                "START SLAVE 'drkit_replay' SQL_THREAD")
    try:
        for engine in ("client", "auto"):
            result = run_module("binlog_replay", applier.args(binlogs, engine=engine))
            assert result.get("failed") and "still applying an earlier replay" in result["msg"], result.get("msg")
            assert "Nothing was applied" in result["msg"]
    finally:
        applier.sql("STOP SLAVE 'drkit_replay'; RESET SLAVE 'drkit_replay' ALL")
    assert applier.leftovers() == ([], [])
