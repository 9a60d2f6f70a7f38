"""Promotion refuses unless the server provably has everything; statements follow the dialect."""
from ansible_collections.drkit.mysql.plugins.module_utils.flavor import detect_dialect
from ansible_collections.drkit.mysql.plugins.module_utils.gtid import parse_gtid_set
from ansible_collections.drkit.mysql.plugins.module_utils.promotion import Promotion, promotion_refusals

HEALTHY = dict(sql_thread_running=True, io_thread_running=True, io_running="Yes", relay_log_applied=True,
               last_sql_errno=0)


def g(text):
    return parse_gtid_set(text, "mariadb")


def test_safe_when_applied_and_superset():
    assert promotion_refusals("db-dr", HEALTHY, g("0-1-100"), {"db-primary": g("0-1-100")}) == []


def test_refusals_name_what_is_missing():
    status = dict(HEALTHY, relay_log_applied=False, relay_log_reason="fetched 0-1-105, applied 0-1-100")
    refusals = promotion_refusals("db-dr", status, g("0-1-100"), {"db-primary": g("0-1-110")})
    assert refusals == ["db-dr has not applied its whole relay log: fetched 0-1-105, applied 0-1-100",
                        "db-dr lacks what db-primary has: missing 10 transactions in domain 0 (seq 101-110)"]


def test_sql_error_is_a_refusal():
    status = dict(HEALTHY, sql_thread_running=False, last_sql_errno=1062, last_sql_error="Duplicate entry '5'")
    assert promotion_refusals("db-dr", status, g("0-1-100"), {})[0] == \
        "db-dr's SQL thread stopped with error 1062 (Duplicate entry '5')"


class FakeServer(object):
    def __init__(self, version, variables, replica_rows):
        self.dialect = detect_dialect(version)
        self._variables, self._rows, self.executed = variables, replica_rows, []

    def variables(self, names):
        return dict((n, self._variables[n]) for n in names if n in self._variables)

    def replica_status(self):
        return self._rows

    def execute(self, sql, params=None):
        self.executed.append(sql)
        if sql.startswith("RESET"):
            self._rows = []
        if "read_only = OFF" in sql:
            self._variables["read_only"] = "OFF"
            self._variables["super_read_only"] = "OFF"


MYSQL_STATUS = dict(HEALTHY, source_host="10.0.0.1", source_port=3306, retrieved_gtid_set="u:1-5",
                    source_log_file="b.1", relay_source_log_file="b.1", read_source_log_pos=9, exec_source_log_pos=9)


def test_mysql_84_promotion_statements_and_check_mode():
    uuid = "11111111-1111-1111-1111-111111111111"
    status = dict(MYSQL_STATUS, retrieved_gtid_set="%s:1-5" % uuid)
    variables = dict(read_only="ON", super_read_only="ON", gtid_executed="%s:1-5" % uuid)
    server = FakeServer("8.4.3", variables, [status])
    checked = Promotion(server, {"db1": "%s:1-5" % uuid}).run("db2", check_mode=True)
    assert checked["changed"] and server.executed == []
    assert checked["plan"] == ["STOP REPLICA", "RESET REPLICA ALL", "SET GLOBAL super_read_only = OFF",
                               "SET GLOBAL read_only = OFF"]
    done = Promotion(server, {"db1": "%s:1-5" % uuid}).run("db2")
    assert server.executed == checked["plan"] and done["after"]["role"] == "primary"


def test_refusal_changes_nothing_and_force_needs_to_be_explicit():
    status = dict(MYSQL_STATUS, sql_thread_running=False, last_sql_errno=1062, last_sql_error="dup",
                  retrieved_gtid_set="", source_log_file="b.1", relay_source_log_file="b.1")
    server = FakeServer("10.11.19-MariaDB", dict(read_only="ON", gtid_current_pos="0-1-90", gtid_slave_pos="0-1-90"),
                        [status])
    refused = Promotion(server, {"db-primary": "0-1-100"}, relay_log_timeout=0).run("db-dr")
    assert refused["failed"] and server.executed == [] and "Nothing was changed" in refused["msg"]
    forced = Promotion(server, {"db-primary": "0-1-100"}, relay_log_timeout=0).run(
        "db-dr", force=True, reason="primary burnt")
    assert forced["forced"] and forced["reason"] == "primary burnt"
    assert server.executed == ["STOP SLAVE", "RESET SLAVE ALL", "SET GLOBAL read_only = OFF"]


def test_already_primary_is_unchanged():
    server = FakeServer("10.11.19-MariaDB", dict(read_only="OFF", gtid_current_pos="0-3-10"), [])
    result = Promotion(server, {"db-primary": "0-1-5"}).run("db-dr")
    assert result["changed"] is False and result["plan"] == [] and server.executed == []


class CatchingUpServer(FakeServer):
    """A replica that fetches and applies the primary's last transactions while promote waits."""

    def __init__(self):
        status = dict(HEALTHY, source_host="127.0.0.1", source_port=3310, retrieved_gtid_set="0-1-95",
                      source_log_file="b.1", relay_source_log_file="b.1", read_source_log_pos=9,
                      exec_source_log_pos=9)
        super(CatchingUpServer, self).__init__("10.11.19-MariaDB", dict(
            read_only="ON", gtid_current_pos="0-1-95", gtid_slave_pos="0-1-95"), [status])
        self.reads = 0

    def variables(self, names):
        self.reads += 1
        if self.reads == 3 and self._rows:
            self._variables.update(gtid_current_pos="0-1-100", gtid_slave_pos="0-1-100")
            self._rows[0]["retrieved_gtid_set"] = "0-1-100"
        return super(CatchingUpServer, self).variables(names)


def test_promote_waits_for_the_fenced_primarys_last_transactions():
    server = CatchingUpServer()
    result = Promotion(server, {"db-primary": "0-1-100"}, relay_log_timeout=5).run("db-dr")
    assert result.get("failed") is None and result["refusals"] == [] and server.reads >= 3
    assert server.executed == ["STOP SLAVE", "RESET SLAVE ALL", "SET GLOBAL read_only = OFF"]


def test_promote_stops_waiting_when_nothing_more_can_come():
    server = CatchingUpServer()
    server._rows[0].update(io_thread_running=False, io_running="No")
    server.reads = 10  # never catches up
    result = Promotion(server, {"db-primary": "0-1-100"}, relay_log_timeout=30).run("db-dr")
    assert result["failed"] and "missing 5 transactions" in result["msg"]
    assert server.reads == 11  # one read, no 30 s wait


def test_promote_keeps_waiting_while_the_io_thread_reconnects():
    server = CatchingUpServer()
    server._rows[0].update(io_thread_running=False, io_running="Connecting")
    result = Promotion(server, {"db-primary": "0-1-100"}, relay_log_timeout=5).run("db-dr")
    assert result.get("failed") is None and server.reads >= 3


class FenceRecorder(object):
    """Stands in for fencing.apply_fence: records calls, returns what a fence of a writable primary returns."""

    def __init__(self, executed_after_fence):
        self.calls = []
        self.executed_after_fence = executed_after_fence

    def __call__(self, server, state, kill_sessions=False, keep_users=(), super_read_only=True, timeout=10,
                 check_mode=False):
        self.calls.append((server, state, check_mode))
        return dict(statements=["SET GLOBAL read_only = ON"], changed=True, before=dict(read_only=False),
                    undo=dict(state="unfenced"), gtid_executed=self.executed_after_fence)


def mariadb_replica(applied):
    status = dict(MYSQL_STATUS, retrieved_gtid_set="", source_log_file="b.1", relay_source_log_file="b.1",
                  io_thread_running=False, io_running="No")
    return FakeServer("10.11.19-MariaDB", dict(read_only="ON", gtid_current_pos=applied, gtid_slave_pos=applied),
                      [status])


def test_fence_first_then_promote_when_the_candidate_has_what_the_fenced_primary_committed(monkeypatch):
    fence = FenceRecorder("0-1-100")
    monkeypatch.setattr("ansible_collections.drkit.mysql.plugins.module_utils.promotion.apply_fence", fence)
    server = mariadb_replica("0-1-100")
    result = Promotion(server, {}, relay_log_timeout=0).run("db-dr", fences=[("db-primary", "primary-conn")])
    assert fence.calls == [("primary-conn", "fenced", False)]
    assert result["fenced"]["db-primary"]["gtid_executed"] == "0-1-100"
    assert server.executed == ["STOP SLAVE", "RESET SLAVE ALL", "SET GLOBAL read_only = OFF"]


def test_a_refusal_after_the_fence_lifts_it_again(monkeypatch):
    fence = FenceRecorder("0-1-110")  # the primary committed 10 more than the candidate will ever get
    monkeypatch.setattr("ansible_collections.drkit.mysql.plugins.module_utils.promotion.apply_fence", fence)
    server = mariadb_replica("0-1-100")
    result = Promotion(server, {}, relay_log_timeout=0).run("db-dr", fences=[("db-primary", "primary-conn")])
    assert result["failed"] and server.executed == []
    assert fence.calls == [("primary-conn", "fenced", False), ("primary-conn", "unfenced", False)]
    assert result["fences_lifted"] == ["db-primary"]
    assert "lacks what db-primary has" in result["msg"] and "lifted again" in result["msg"]


def test_a_broken_candidate_is_refused_before_any_fence(monkeypatch):
    fence = FenceRecorder("0-1-100")
    monkeypatch.setattr("ansible_collections.drkit.mysql.plugins.module_utils.promotion.apply_fence", fence)
    server = mariadb_replica("0-1-90")
    server._rows[0].update(sql_thread_running=False, last_sql_errno=1062, last_sql_error="dup")
    result = Promotion(server, {}, relay_log_timeout=0).run("db-dr", fences=[("db-primary", "primary-conn")])
    assert result["failed"] and fence.calls == [] and server.executed == []
    assert "Nothing was changed." in result["msg"]


def test_check_mode_fences_nothing_for_real(monkeypatch):
    fence = FenceRecorder("0-1-100")
    monkeypatch.setattr("ansible_collections.drkit.mysql.plugins.module_utils.promotion.apply_fence", fence)
    server = mariadb_replica("0-1-100")
    result = Promotion(server, {}, relay_log_timeout=0).run("db-dr", check_mode=True,
                                                            fences=[("db-primary", "primary-conn")])
    assert fence.calls == [("primary-conn", "fenced", True)] and server.executed == [] and result["changed"]


def test_a_relay_log_still_being_applied_is_waited_for_not_refused_before_the_fence(monkeypatch):
    fence = FenceRecorder("0-1-100")
    monkeypatch.setattr("ansible_collections.drkit.mysql.plugins.module_utils.promotion.apply_fence", fence)
    server = CatchingUpServer()  # fetched up to 0-1-95 but applied less, then catches up while promote waits
    server._rows[0]["retrieved_gtid_set"] = "0-1-100"
    result = Promotion(server, {}, relay_log_timeout=5).run("db-dr", fences=[("db-primary", "primary-conn")])
    assert result.get("failed") is None and fence.calls == [("primary-conn", "fenced", False)]
    assert server.executed == ["STOP SLAVE", "RESET SLAVE ALL", "SET GLOBAL read_only = OFF"]
