"""The SQL-thread replay: relay files cut from the planned window, when it is not used, and how it reports."""
import os

import pytest

from ansible_collections.drkit.mysql.plugins.module_utils.binlog import read_binlog
from ansible_collections.drkit.mysql.plugins.module_utils.binlog_window import Stop, plan_window
from ansible_collections.drkit.mysql.plugins.module_utils.relay_apply import (
    CONNECTION,
    RelayApply,
    RelayApplyError,
    reached,
    relay_names,
    replay_running,
    unsuitable,
    with_connection_suffix,
    write_relay_files,
)

from binlog_builder import binlog, ddl, rotate, transaction

T0 = 1795500000


def archive(tmp_path):
    """Two files: seq 1-10 and 11-20 of domain 0, then a DDL 21; each ends with a Rotate event."""
    first = tmp_path / "bin.000001"
    first.write_bytes(binlog(*[transaction(0, 1, s, "shop.users", T0 + s) for s in range(1, 11)],
                             rotate("bin.000002")))
    second = tmp_path / "bin.000002"
    second.write_bytes(binlog(*[transaction(0, 1, s, "shop.users", T0 + s) for s in range(11, 21)],
                              ddl(0, 1, 21, b"ALTER TABLE users ADD c INT", timestamp=T0 + 21),
                              rotate("bin.000003"), start=((0, 1, 10),)))
    return [str(first), str(second)]


def gtids_in(path):
    seen = []
    read_binlog(path, on_transaction=lambda trx: seen.append(trx["gtid"]))
    return seen


def test_the_relay_files_hold_exactly_the_planned_transactions(tmp_path):
    paths = archive(tmp_path)
    plan = plan_window(paths, {0: (1, 4)}, Stop("before_gtid", "0-1-18"), skip_gtids=["0-1-7", "0-1-13"])
    # Neighbours merge: 5-6, 8-10 in the first file, 11-12, 14-17 in the second.
    assert [(os.path.basename(p), e > s) for p, s, e in plan["ranges"]] == [
        ("bin.000001", True), ("bin.000001", True), ("bin.000002", True), ("bin.000002", True)]
    assert plan["server_ids"] == {1}
    relay = tmp_path / "relay"
    relay.mkdir()
    written = write_relay_files(plan["ranges"], str(relay), "host-relay-%s" % CONNECTION)
    assert [name for name, _size in written] == ["host-relay-drkit_replay.000001", "host-relay-drkit_replay.000002"]
    applied = []
    for name, size in written:
        assert os.path.getsize(str(relay / name)) == size
        info = read_binlog(str(relay / name))
        assert info["partial_bytes"] == 0 and info["rotated_to"] is None  # whole events, no Rotate copied
        applied += gtids_in(str(relay / name))
    expected = ["0-1-%d" % s for s in (5, 6, 8, 9, 10, 11, 12, 14, 15, 16, 17)]
    assert applied == expected and plan["count"] == len(expected)
    # Each starts with the source's own magic and Format_description event (the checksum setting).
    with open(paths[0], "rb") as source:
        head = source.read(4 + 19)
    assert (relay / written[0][0]).read_bytes()[:4 + 19] == head


def test_a_whole_window_is_one_range_per_file_and_a_ddl_is_carried(tmp_path):
    paths = archive(tmp_path)
    plan = plan_window(paths, {})
    assert len(plan["ranges"]) == 2 and plan["count"] == 21
    relay = tmp_path / "relay"
    relay.mkdir()
    written = write_relay_files(plan["ranges"], str(relay), "r")
    assert sum(len(gtids_in(str(relay / name))) for name, _s in written) == 21


VARIABLES = dict(server_id="2", log_bin="ON", log_slave_updates="ON", slave_skip_errors="OFF",
                 slave_exec_mode="STRICT", slave_ddl_exec_mode="IDEMPOTENT")


@pytest.mark.parametrize("change, channels, server_ids, words", [
    ({}, [], {1}, None),
    ({"log_bin": "OFF", "log_slave_updates": "OFF"}, [], {1}, None),
    ({"log_slave_updates": "OFF"}, [], {1}, "log_slave_updates is OFF"),
    ({}, [], {1, 2}, "own server_id 2"),
    ({"slave_skip_errors": "1062"}, [], {1}, "slave_skip_errors (1062)"),
    ({"slave_exec_mode": "IDEMPOTENT"}, [], {1}, "slave_exec_mode is IDEMPOTENT"),
    ({}, [{"Connection_name": "", "Slave_IO_Running": "Yes", "Slave_SQL_Running": "Yes"}], {1},
     "replication (the default connection) is running"),
    ({}, [{"Connection_name": "", "Slave_IO_Running": "No", "Slave_SQL_Running": "No"}], {1}, None),
])
def test_when_the_sql_thread_would_not_give_the_clients_result(change, channels, server_ids, words):
    reason = unsuitable(dict(VARIABLES, **change), channels, server_ids)
    if words is None:
        assert reason is None
    else:
        assert words in reason


def test_names_the_server_gives_a_connections_files():
    assert relay_names("./db-dr-relay-drkit_replay.000001") == ("db-dr-relay-drkit_replay", 1)
    assert relay_names("/var/lib/mysql/mysqld-relay-bin-drkit_replay.000012") == (
        "mysqld-relay-bin-drkit_replay", 12)
    with pytest.raises(ValueError):
        relay_names("")
    assert with_connection_suffix("/var/lib/mysql/master.info") == "/var/lib/mysql/master-drkit_replay.info"
    assert with_connection_suffix("/srv/relay-index") == "/srv/relay-index-drkit_replay"


def test_reached_compares_every_domain():
    assert reached("0-1-60,1-2-9", "0-1-60,1-2-9")
    assert reached("0-1-61,1-2-10", "0-1-60")
    assert not reached("0-1-60", "0-1-60,1-2-9")
    assert not reached("", "0-1-1")


class ScriptedServer(object):
    """Answers SHOW SLAVE STATUS and gtid_slave_pos from a script, one step per poll; records statements."""

    def __init__(self, steps):
        self.steps = list(steps)
        self.step = self.steps[0]
        self.executed = []

    def execute(self, sql, params=None):
        self.executed.append(sql)

    def rows(self, sql, params=None):
        if len(self.steps) > 1:
            self.step = self.steps.pop(0)
        else:
            self.step = self.steps[0]
        return [self.step[0]]

    def variables(self, names):
        return {"gtid_slave_pos": self.step[1]}


class Ticker(object):
    def __init__(self, tick=1.0):
        self.now = 0.0
        self.tick = tick

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += self.tick


class Counted(object):
    def __init__(self, total):
        self.total = total
        self.sent = 0
        self.last_gtid = None
        self.ticks = 0

    def tick(self):
        self.ticks += 1


def prepared(server, expected="0-1-30"):
    plan = dict(ranges=[["a", 100, 600], ["b", 100, 600]], expected_state=expected, last_gtid=expected,
                server_ids={1})
    clock = Ticker()
    applier = RelayApply(server, plan, clock=clock, sleep=clock.sleep)
    applier.files = [("r-%s.000001" % CONNECTION, 500), ("r-%s.000002" % CONNECTION, 500)]
    applier.directory = "/nonexistent"
    applier.created = True
    # DDL strict (the server's default IDEMPOTENT would turn CREATE TABLE into CREATE OR REPLACE), one thread.
    applier._settings(dict(VARIABLES))
    return applier


def running(number, pos):
    return dict(Slave_SQL_Running="Yes", Relay_Log_File="r-%s.%06d" % (CONNECTION, number), Relay_Log_Pos=pos,
                Last_SQL_Errno=0, Last_SQL_Error="")


def test_the_sql_thread_runs_until_the_expected_gtids_with_progress_from_the_relay_position():
    server = ScriptedServer([(running(1, 4), ""), (running(1, 250), "0-1-10"), (running(2, 250), "0-1-22"),
                             (running(3, 4), "0-1-30")])
    applier = prepared(server)
    progress = Counted(30)
    applier.run(progress)
    assert server.executed == ["SET GLOBAL drkit_replay.slave_parallel_mode = 'none'",
                               "SET GLOBAL slave_ddl_exec_mode = 'STRICT'", "START SLAVE 'drkit_replay' SQL_THREAD"]
    assert progress.ticks == 3 and progress.sent == 30 and progress.last_gtid == "0-1-30"
    assert applier.bytes_done(running(2, 250)) == 750
    applier.close()
    assert server.executed[-3:] == ["STOP SLAVE 'drkit_replay'", "RESET SLAVE 'drkit_replay' ALL",
                                    "SET GLOBAL slave_ddl_exec_mode = %s"]  # set back to IDEMPOTENT
    applier.close()  # once only
    assert len(server.executed) == 6


def test_an_sql_error_stops_the_replay_with_the_servers_words():
    stopped = dict(running(1, 300), Slave_SQL_Running="No", Last_SQL_Errno=1062,
                   Last_SQL_Error="Could not execute Write_rows_v1 event on table shop.users; Duplicate entry '7'")
    applier = prepared(ScriptedServer([(running(1, 4), ""), (stopped, "0-1-6")]))
    with pytest.raises(RelayApplyError, match="stopped at 0-1-6 with error 1062: Could not execute Write_rows_v1"):
        applier.run(Counted(30))


def test_a_replay_that_reads_everything_but_falls_short_fails_instead_of_waiting_forever():
    applier = prepared(ScriptedServer([(running(3, 4), "0-1-29")]))
    with pytest.raises(RelayApplyError, match="read every relay log file but the server is at 0-1-29, short of "
                                              "0-1-30"):
        applier.run(Counted(30))


class Refusing(ScriptedServer):
    def __init__(self):
        ScriptedServer.__init__(self, [(running(1, 4), "")])

    def rows(self, sql, params=None):
        if sql == "SHOW ALL SLAVES STATUS":
            return []
        return [dict(Relay_Log_File="mysqld-relay-bin-%s.000001" % CONNECTION)]

    def variables(self, names):
        return dict(VARIABLES, datadir="/nonexistent/data/", relay_log_basename="NULL", relay_log_index="NULL",
                    master_info_file="master.info")


def test_a_server_on_another_host_is_left_as_it_was(tmp_path):
    server = Refusing()
    applier = RelayApply(server, dict(ranges=[], expected_state="0-1-1", server_ids={1}))
    # Its data directory does not exist here: nothing is asked of it.
    assert applier.prepare() == "the server's data directory (/nonexistent/data/) is not on this host"
    assert server.executed == []
    # A directory of the same name here, but not the server's: the token it writes is not found, so the connection
    # made to find out is removed again.
    server.variables = lambda names: dict(VARIABLES, datadir=str(tmp_path), relay_log_basename="",
                                          relay_log_index="", master_info_file="master.info")
    applier = RelayApply(server, dict(ranges=[], expected_state="0-1-1", server_ids={1}))
    assert applier.prepare() == "the server's data directory (%s) is not on this host" % tmp_path
    assert server.executed[0].startswith("CHANGE MASTER 'drkit_replay' TO MASTER_HOST = %s")
    assert server.executed[-1] == "RESET SLAVE 'drkit_replay' ALL"


class Listing(object):
    def __init__(self, rows=None, error=None):
        self.answer, self.error = rows, error

    def rows(self, sql, params=None):
        assert sql == "SHOW SLAVE 'drkit_replay' STATUS"
        if self.error:
            raise self.error
        return self.answer


def test_a_replay_still_applied_by_a_killed_runs_sql_thread_blocks_both_engines():
    words = replay_running(Listing([dict(Slave_SQL_Running="Yes")]))
    assert "still applying an earlier replay" in words and "RESET SLAVE 'drkit_replay' ALL" in words
    assert replay_running(Listing([dict(Slave_SQL_Running="No")])) is None  # a leftover prepare() removes
    assert replay_running(Listing(error=RuntimeError("(1617, \"There is no master connection 'drkit_replay'\")"))) \
        is None


def test_filters_configured_for_drkits_connection_leave_the_server_as_it_was(tmp_path):
    server = Refusing()
    server.rows = lambda sql, params=None: [] if sql == "SHOW ALL SLAVES STATUS" else [dict(
        Relay_Log_File="mysqld-relay-bin-%s.000001" % CONNECTION, Replicate_Do_DB="shop", Replicate_Ignore_DB="")]
    server.variables = lambda names: dict(VARIABLES, datadir=str(tmp_path), relay_log_basename="",
                                          relay_log_index="", master_info_file="master.info")
    applier = RelayApply(server, dict(ranges=[], expected_state="0-1-1", server_ids={1}))
    assert applier.prepare() == "replication filters are set for its connection 'drkit_replay' (Replicate_Do_DB=shop)"
    assert server.executed[-1] == "RESET SLAVE 'drkit_replay' ALL"
