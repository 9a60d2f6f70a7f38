"""Holding a replica: only the SQL thread stops and starts, a non-replica is refused, a failing restart is named."""
import pytest

from ansible_collections.drkit.mysql.plugins.module_utils.flavor import detect_dialect
from ansible_collections.drkit.mysql.plugins.module_utils.replica_pause import PauseError, pause, resume


class FakeServer(object):
    target = "127.0.0.1:3312"

    def __init__(self, sql_running=True, replica=True, error_on_start=None):
        self.dialect = detect_dialect("10.11.19-MariaDB-log", "")
        self.sql_running, self.replica, self.error_on_start = sql_running, replica, error_on_start
        self.statements = []

    def replica_status(self):
        if not self.replica:
            return []
        return [dict(io_thread_running=True, sql_thread_running=self.sql_running,
                     last_sql_error=self.error_on_start if not self.sql_running else None)]

    def variables(self, names):
        return {"gtid_slave_pos": "0-1-4711"}

    def execute(self, sql, params=None):
        self.statements.append(sql)
        self.sql_running = sql.startswith("START") and not self.error_on_start


def test_pause_stops_only_the_sql_thread_and_returns_the_applied_position():
    server = FakeServer()
    changed, before, gtid = pause(server)
    assert changed and before["sql_thread_running"] and gtid == "0-1-4711"
    assert server.statements == ["STOP SLAVE SQL_THREAD"]
    assert pause(server)[0] is False and server.statements == ["STOP SLAVE SQL_THREAD"]


def test_check_mode_changes_nothing():
    server = FakeServer()
    assert pause(server, check_mode=True)[0] is True and server.statements == []


def test_resume_starts_the_sql_thread_once():
    server = FakeServer(sql_running=False)
    changed, before, after = resume(server)
    assert changed and not before["sql_thread_running"] and after["sql_thread_running"]
    assert server.statements == ["START SLAVE SQL_THREAD"]
    assert resume(server)[0] is False


def test_a_server_without_replication_is_refused():
    with pytest.raises(PauseError, match="not a replica"):
        pause(FakeServer(replica=False))


def test_a_sql_thread_that_stops_again_at_once_is_an_error():
    with pytest.raises(PauseError, match="Duplicate entry"):
        resume(FakeServer(sql_running=False, error_on_start="Duplicate entry '7' for key 'PRIMARY'"))
