"""drkit.mysql.topology_facts against the real lab servers."""
import time

from helpers import LAB_PORTS, admin_args, run_module, sql

PRIMARY_PORT = LAB_PORTS["db-primary"]


def facts(host, check_mode=False):
    result = run_module("topology_facts", admin_args(host), check_mode=check_mode)
    assert not result.get("failed"), result
    assert result["changed"] is False
    return result["ansible_facts"]["drkit_mysql_topology"]


def test_primary(lab):
    primary = facts("db-primary")
    assert primary["flavor"] == "mariadb" and primary["version_info"]["major"] == 10
    assert primary["role"] == "primary" and primary["is_replica"] is False and primary["read_only"] is False
    assert primary["super_read_only"] is None  # MariaDB has none
    assert primary["server_id"] == 1 and primary["port"] == PRIMARY_PORT
    assert primary["binlog"]["enabled"] and primary["binlog"]["format"] == "ROW"
    assert primary["binlog"]["file"].startswith("db-primary-bin.") and primary["binlog"]["position"] > 0
    assert primary["gtid"]["executed"].startswith("0-1-") and primary["gtid"]["transactions"] > 0
    assert sorted(r["port"] for r in primary["replicas"]) == [LAB_PORTS["db-replica"], LAB_PORTS["db-dr"]]
    assert primary["warnings"] == []


def test_replica_is_caught_up(lab):
    primary_gtid = sql("db-primary", "SELECT @@gtid_binlog_pos")[0][0]
    sql("db-dr", "SELECT MASTER_GTID_WAIT('%s', 30)" % primary_gtid)
    # The stand-in app commits 10 rows/s: between fetch and apply the relay log is briefly ahead.
    deadline = time.time() + 10
    dr = facts("db-dr")
    while not dr["replica"]["relay_log_applied"] and time.time() < deadline:
        time.sleep(0.1)
        dr = facts("db-dr")
    replica = dr["replica"]
    assert dr["role"] == "replica" and dr["read_only"] is True
    assert (replica["source_host"], replica["source_port"]) == ("127.0.0.1", PRIMARY_PORT)
    assert replica["io_thread_running"] and replica["sql_thread_running"]
    assert replica["auto_position"] is True
    assert replica["relay_log_applied"] is True, replica["relay_log_reason"]
    assert isinstance(replica["seconds_behind"], int)


def test_check_mode_reports_the_same(lab):
    normal, checked = facts("db-replica"), facts("db-replica", check_mode=True)
    assert checked["server_id"] == normal["server_id"] == 2
    assert checked["replica"]["source_port"] == normal["replica"]["source_port"] == PRIMARY_PORT


def test_sql_thread_stopped_shows_relay_not_applied(lab):
    """A replica whose SQL thread is stopped while writes go on: fetched but not applied."""
    sql("db-dr", "STOP SLAVE SQL_THREAD")
    try:
        sql("db-primary", "INSERT INTO shop.app_writes (writer, seq) VALUES ('topology-test', %d)"
            % int(time.time() * 1000))
        target = sql("db-primary", "SELECT @@gtid_binlog_pos")[0][0]
        time.sleep(1.0)  # the IO thread fetches the new events; nothing applies them
        dr = facts("db-dr")
        assert dr["role"] == "replica (stopped)"
        assert dr["replica"]["sql_thread_running"] is False and dr["replica"]["io_thread_running"] is True
        assert dr["replica"]["relay_log_applied"] is False
        assert dr["replica"]["relay_log_reason"]
    finally:
        sql("db-dr", "START SLAVE SQL_THREAD")
    assert sql("db-dr", "SELECT MASTER_GTID_WAIT('%s', 30)" % target) == [["0"]]
    assert facts("db-dr")["replica"]["sql_thread_running"] is True
