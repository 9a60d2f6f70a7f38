from ansible_collections.drkit.mysql.plugins.filter.topology import topology_table


def test_table_has_a_row_per_host_and_lists_warnings():
    facts = {
        "db-primary": dict(role="primary", flavor="mariadb", version_info=dict(major=10, minor=11, patch=19),
                           server_id=1, read_only=False, super_read_only=None, replica=None,
                           gtid=dict(executed="0-1-100"), warnings=[]),
        "db-dr": dict(role="replica (broken)", flavor="mysql", version_info=dict(major=8, minor=4, patch=3),
                      server_id=3, read_only=True, super_read_only=True, gtid=dict(executed=""),
                      replica=dict(source_host="10.0.0.1", source_port=3306, io_running="Yes", sql_running="No",
                                   seconds_behind=None, relay_log_applied=False, last_sql_error="Duplicate entry"),
                      warnings=["binlog_row_image is MINIMAL, not FULL: flashback cannot rebuild rows"]),
        "db-gone": None,
    }
    lines = topology_table(facts).splitlines()
    assert lines[0].split()[:3] == ["HOST", "ROLE", "SERVER"]
    by_host = dict((line.split()[0], line) for line in lines[2:5])
    assert "MariaDB 10.11.19" in by_host["db-primary"] and "0-1-100" in by_host["db-primary"]
    assert "super" in by_host["db-dr"] and "10.0.0.1:3306" in by_host["db-dr"] and "Yes/No" in by_host["db-dr"]
    assert "(empty)" in by_host["db-dr"]
    assert "unreachable" in by_host["db-gone"]
    assert "! db-dr: binlog_row_image is MINIMAL, not FULL: flashback cannot rebuild rows" in lines
    assert "! db-dr: last sql error Duplicate entry" in lines


def test_registered_results_are_accepted_and_a_failed_one_is_unreachable():
    facts = dict(role="primary", flavor="mariadb", version_info=dict(major=10, minor=11, patch=19), server_id=1,
                 read_only=False, replica=None, gtid=dict(executed="0-1-5"), warnings=[])
    table = topology_table({
        "db-primary": {"changed": False, "ansible_facts": {"drkit_mysql_topology": facts}},
        "db-dead": {"failed": True, "msg": "Cannot connect to the server at 127.0.0.1:3310 as drkit_admin: refused."},
    })
    lines = table.splitlines()
    assert any(line.startswith("db-primary") and "0-1-5" in line for line in lines)
    assert any(line.startswith("db-dead") and "unreachable" in line for line in lines)
    assert "! db-dead: Cannot connect to the server at 127.0.0.1:3310 as drkit_admin: refused." in lines
