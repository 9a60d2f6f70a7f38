"""proxysql_writer, run as its action runs it (in-process), against the SQLite stand-in of the admin interface."""
import os
import sys

import pytest

from ansible_collections.drkit.mysql.plugins.modules import proxysql_writer as module_code
from ansible_collections.drkit.mysql.plugins.plugin_utils.in_process import run_in_process

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "module_utils"))
from proxysql_fake import FakeAdmin  # noqa: E402

ARGS = dict(admin_user="radmin", admin_password="admin-secret-xyz", writer_hostgroup=10, host="10.0.2.15", port=3306)


@pytest.fixture
def admin(monkeypatch):
    fake = FakeAdmin("two-writers-failover.json")
    seen = {}

    def connect(params):
        seen.update(params)
        return fake
    monkeypatch.setattr(module_code, "connect", connect)
    fake.seen = seen
    return fake


def test_check_mode_plans_and_changes_nothing(admin):
    result = run_in_process("proxysql_writer", ARGS, check_mode=True, diff=True)
    assert result["changed"] and "would make 10.0.2.15:3306" in result["msg"], result
    assert "LOAD MYSQL SERVERS TO RUNTIME" in result["statements"]
    assert result["diff"]["before"] == "10.0.1.10:3306 ONLINE\n"
    assert result["diff"]["after"] == "10.0.1.10:3306 OFFLINE_HARD\n10.0.2.15:3306 ONLINE\n"
    assert admin.rows("runtime_mysql_servers", 10) == [(10, "10.0.1.10", 3306, "ONLINE")]
    assert admin.closed


def test_run_then_rerun(admin):
    result = run_in_process("proxysql_writer", ARGS)
    assert result["changed"] and not result.get("failed"), result
    servers = [(s["hostname"], s["status"]) for s in result["servers"]]
    assert servers == [("10.0.1.10", "OFFLINE_HARD"), ("10.0.2.15", "ONLINE")]
    again = run_in_process("proxysql_writer", ARGS)
    assert not again["changed"] and "already the one writer" in again["msg"]


def test_the_admin_password_is_passed_but_never_shown(admin):
    result = run_in_process("proxysql_writer", ARGS)
    assert admin.seen["login_password"] == "admin-secret-xyz" and admin.seen["login_port"] == 6032
    assert admin.seen["config_file"] is None  # ~/.my.cnf (a database account) is not read
    assert "admin-secret-xyz" not in repr(result)


def test_not_proxysql_says_so(monkeypatch):
    class NotProxySQL(FakeAdmin):
        def execute(self, sql, params=None):
            raise RuntimeError("(1146, \"Table 'mysql_servers' doesn't exist\")")
    monkeypatch.setattr(module_code, "connect", lambda params: NotProxySQL())
    result = run_in_process("proxysql_writer", dict(ARGS, admin_port=3306))
    assert result["failed"] and "is that ProxySQL's admin interface" in result["msg"], result


def test_a_connection_failure_names_proxysql():
    result = run_in_process("proxysql_writer", dict(ARGS, admin_port=1, connect_timeout=1))
    assert result["failed"] and result["msg"].startswith("ProxySQL admin interface: Cannot connect"), result
