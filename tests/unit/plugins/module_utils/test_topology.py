"""gather_topology picks each statement from the server's version and shapes the facts."""
import pytest

from ansible_collections.drkit.mysql.plugins.module_utils.flavor import detect_dialect
from ansible_collections.drkit.mysql.plugins.module_utils.gtid import parse_gtid_set
from ansible_collections.drkit.mysql.plugins.module_utils.topology import gather_topology


class RecordedServer(object):
    """Answers only the statements it was given: a wrong dialect choice fails loudly."""

    def __init__(self, version, variables, answers):
        self.target = "db.example:3306"
        self.version = version
        self.dialect = detect_dialect(version)
        self._variables = dict(variables, version=version)
        self._answers = answers
        self.asked = []

    def variables(self, names):
        return dict((n, self._variables[n]) for n in names if n in self._variables)

    def rows(self, sql, params=None):
        self.asked.append(sql)
        if sql not in self._answers:
            raise AssertionError("unexpected statement for %s: %s" % (self.version, sql))
        return self._answers[sql]

    def replica_status(self):
        from ansible_collections.drkit.mysql.plugins.module_utils.replica_status import normalize_replica_status
        return [normalize_replica_status(r, self.dialect) for r in self.rows(self.dialect.show_replica_status)]

    def binlog_status(self):
        row = self.rows(self.dialect.show_binlog_status)[0]
        return dict(file=row["File"], position=int(row["Position"]))

    def executed_gtid(self):
        name = self.dialect.executed_gtid_variable
        return parse_gtid_set(self._variables.get(name, ""), self.dialect.flavor)


MYSQL_VARS = dict(server_id="2", server_uuid="3e11fa47-71ca-11e1-9e33-c80aa9429562", read_only="ON",
                  super_read_only="ON", log_bin="ON", binlog_format="ROW", binlog_row_image="FULL",
                  binlog_row_metadata="FULL", gtid_mode="ON", port="3306", hostname="db2")


def test_mysql_84_lagging_replica(capture):
    rows = capture("mysql-8.4.txt", "lagging").rows
    executed = rows[0]["Executed_Gtid_Set"]
    server = RecordedServer("8.4.3", dict(MYSQL_VARS, gtid_executed=executed), {
        "SHOW REPLICA STATUS": rows,
        "SHOW BINARY LOG STATUS": [{"File": "binlog.000007", "Position": "4711"}],
        "SHOW REPLICAS": [],
    })
    facts = gather_topology(server)
    assert server.asked[:2] == ["SHOW BINARY LOG STATUS", "SHOW REPLICA STATUS"]
    assert facts["flavor"] == "mysql" and facts["super_read_only"] is True
    assert facts["binlog"]["file"] == "binlog.000007" and facts["binlog"]["position"] == 4711
    assert facts["replica"]["relay_log_applied"] is False
    assert "execut" in facts["replica"]["relay_log_reason"]
    assert facts["role"] == "replica"
    assert facts["warnings"] == []


def test_mysql_57_uses_slave_statements(capture):
    rows = capture("mysql-8.0.txt", "healthy").rows
    server = RecordedServer("5.7.44-log", dict(MYSQL_VARS, gtid_executed=rows[0].get("Executed_Gtid_Set") or ""), {
        "SHOW SLAVE STATUS": rows,
        "SHOW MASTER STATUS": [{"File": "mysql-bin.000003", "Position": "154"}],
        "SHOW SLAVE HOSTS": [],
    })
    facts = gather_topology(server)
    assert "SHOW SLAVE STATUS" in server.asked and "SHOW MASTER STATUS" in server.asked
    assert facts["replica"]["source_host"] == rows[0]["Master_Host"]


def test_mariadb_primary_with_bad_binlog_settings():
    server = RecordedServer("10.11.19-MariaDB-0+deb12u1-log", dict(
        server_id="1", read_only="OFF", log_bin="ON", binlog_format="MIXED", binlog_row_image="MINIMAL",
        binlog_row_metadata="NO_LOG", gtid_strict_mode="OFF", gtid_current_pos="0-1-50"), {
        "SHOW SLAVE STATUS": [],
        "SHOW MASTER STATUS": [{"File": "b.000001", "Position": "900"}],
        "SHOW SLAVE HOSTS": [{"Server_id": "3", "Host": "127.0.0.1", "Port": "3312", "Master_id": "1"}],
    })
    facts = gather_topology(server)
    assert facts["role"] == "primary" and facts["super_read_only"] is None and facts["read_only"] is False
    assert facts["gtid"]["executed"] == "0-1-50" and facts["gtid"]["transactions"] == 50
    assert facts["replicas"] == [{"server_id": 3, "host": "127.0.0.1", "port": 3312}]
    assert len(facts["warnings"]) == 4
    assert any("MINIMAL" in w for w in facts["warnings"]) and any("strict" in w for w in facts["warnings"])


def test_replicas_fall_back_to_processlist_without_privilege():
    class NoReplicaHosts(RecordedServer):
        def rows(self, sql, params=None):
            if sql == "SHOW SLAVE HOSTS":
                raise RuntimeError("(1227, 'Access denied; you need REPLICATION MASTER ADMIN')")
            if "PROCESSLIST" in sql:
                assert params == tuple(self.dialect.binlog_dump_command_names)
                return [{"ID": 7, "HOST": "10.0.0.9:51234"}]
            return super(NoReplicaHosts, self).rows(sql, params)

    server = NoReplicaHosts("10.6.16-MariaDB", dict(read_only="OFF", log_bin="OFF"), {"SHOW SLAVE STATUS": []})
    facts = gather_topology(server)
    assert facts["replicas"] == [{"server_id": None, "host": "10.0.0.9", "port": None}]
    assert facts["warnings"] == ["binary logging is off: no point-in-time recovery and this server cannot be a source"]


@pytest.mark.parametrize("io, sql_running, errno, role", [
    ("Yes", "Yes", 0, "replica"), ("No", "No", 0, "replica (stopped)"), ("Yes", "No", 1062, "replica (broken)"),
])
def test_role_words(io, sql_running, errno, role):
    from ansible_collections.drkit.mysql.plugins.module_utils.topology import describe_role
    replica = dict(io_thread_running=io == "Yes", sql_thread_running=sql_running == "Yes", last_io_errno=0,
                   last_sql_errno=errno)
    assert describe_role(dict(replica=replica)) == role
