"""proxysql_writer: the writer hostgroup moves in all three layers, once (see fixtures/proxysql/README.md)."""
import pytest

from ansible_collections.drkit.mysql.plugins.module_utils import proxysql_writer as pw

from proxysql_fake import FakeAdmin

NEW, OLD = ("10.0.2.15", 3306), ("10.0.1.10", 3306)


def run(admin, old_writers="offline_hard", save=True, host=NEW):
    memory, runtime, disk = pw.read_layers(admin, 10)
    decision = pw.decide(memory, runtime, disk, 10, host[0], host[1], old_writers, save)
    if decision["changed"]:
        pw.apply(admin, decision, 10, host[0], host[1])
    return decision


def test_failover_moves_the_writer_in_memory_runtime_and_disk():
    admin = FakeAdmin("two-writers-failover.json")
    decision = run(admin)
    assert decision["changed"] and decision["load"] and decision["save"]
    want = [(10, "10.0.1.10", 3306, "OFFLINE_HARD"), (10, "10.0.2.15", 3306, "ONLINE")]
    for table in ("mysql_servers", "runtime_mysql_servers", "disk.mysql_servers"):
        assert admin.rows(table, 10) == want, table
    # the reader hostgroup is left alone
    assert [r[1] for r in admin.rows("mysql_servers", 20)] == ["10.0.1.11", "10.0.2.15"]
    sqls = [statement[0] for statement in admin.executed]
    assert sqls.index("LOAD MYSQL SERVERS TO RUNTIME") < sqls.index("SAVE MYSQL SERVERS TO DISK")


def test_the_new_writer_copies_the_old_writer_s_settings():
    admin = FakeAdmin("two-writers-failover.json")
    run(admin)
    admin.execute("SELECT * FROM mysql_servers WHERE hostgroup_id = 10 AND hostname = %s", ("10.0.2.15",))
    row = admin.fetchall()[0]
    assert (row["use_ssl"], row["max_connections"], row["weight"]) == ("1", "500", "1000")
    assert row["comment"].startswith("drkit.mysql")


def test_a_rerun_changes_nothing_and_runs_no_statement():
    admin = FakeAdmin("two-writers-failover.json")
    run(admin)
    admin.executed = []
    decision = run(admin)
    assert not decision["changed"] and decision["statements"] == []
    assert [statement[0] for statement in admin.executed] == [pw.SELECT_MEMORY, pw.SELECT_RUNTIME, pw.SELECT_DISK]


def test_failback_sets_the_old_row_online_again():
    admin = FakeAdmin("two-writers-failover.json")
    run(admin)
    decision = run(admin, host=OLD)
    assert [s[0].split(" SET ")[1].split(" WHERE")[0] for s in decision["statements"]] == [
        "status = 'ONLINE'", "status = 'OFFLINE_HARD'"]
    assert admin.rows("runtime_mysql_servers", 10) == [(10, "10.0.1.10", 3306, "ONLINE"),
                                                       (10, "10.0.2.15", 3306, "OFFLINE_HARD")]


def test_delete_removes_the_old_writers():
    admin = FakeAdmin("two-writers-failover.json")
    run(admin, old_writers="delete")
    assert admin.rows("runtime_mysql_servers", 10) == [(10, "10.0.2.15", 3306, "ONLINE")]


def test_memory_right_but_not_loaded_only_loads_and_saves():
    admin = FakeAdmin("two-writers-failover.json", loaded=False, saved=False)
    # someone edited memory by hand and stopped before LOAD/SAVE
    admin.db.execute("UPDATE mysql_servers SET status = 'OFFLINE_HARD' WHERE hostgroup_id = 10")
    admin.db.execute("INSERT INTO mysql_servers (hostgroup_id, hostname, port) VALUES (10, '10.0.2.15', 3306)")
    decision = run(admin)
    assert decision["statements"] == [] and decision["load"] and decision["save"]
    assert admin.rows("disk.mysql_servers", 10) == admin.rows("mysql_servers", 10)


def test_without_save_disk_is_left_alone_and_not_a_change():
    admin = FakeAdmin("two-writers-failover.json")
    run(admin, save=False)
    assert admin.rows("disk.mysql_servers", 10) == [(10, "10.0.1.10", 3306, "ONLINE")]
    assert not run(admin, save=False)["changed"]


def test_a_runtime_that_disagrees_after_the_load_fails_with_the_reason():
    admin = FakeAdmin("two-writers-failover.json")

    def monitor_keeps_the_old_writer(db):  # as the read_only monitor would if the old primary were writable
        db.execute("UPDATE runtime_mysql_servers SET status = 'ONLINE' WHERE hostname = '10.0.1.10'")
    admin.runtime_hook = monitor_keeps_the_old_writer
    with pytest.raises(pw.ProxySQLError, match="10.0.1.10:3306 is still ONLINE.*read_only"):
        run(admin)


def test_shunned_counts_as_taking_traffic():
    rows = [dict(hostgroup_id="10", hostname="a", port="1", status="ONLINE"),
            dict(hostgroup_id="10", hostname="b", port="1", status="SHUNNED")]
    assert pw.runtime_problems(rows, "a", 1) == ["b:1 is still SHUNNED in the writer hostgroup at runtime"]
    assert pw.runtime_problems(rows[1:], "a", 1)[0] == "a:1 is not in the writer hostgroup at runtime"


def test_an_empty_writer_hostgroup_gets_the_new_primary_with_defaults():
    admin = FakeAdmin()
    run(admin)
    assert admin.rows("runtime_mysql_servers") == [(10, "10.0.2.15", 3306, "ONLINE")]


def test_describe_for_the_diff():
    assert pw.describe([dict(hostname="a", port="3306", status="online")]) == "a:3306 ONLINE\n"
