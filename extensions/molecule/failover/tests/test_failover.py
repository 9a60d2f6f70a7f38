"""The lab after converge: db-primary was SIGKILLed, dr_failover.yml promoted db-dr.

Run once after converge and its idempotence re-run; db-primary is still dead, so it is never
asked anything.
"""
import pytest

NEW_PRIMARY = "db-dr"


@pytest.fixture(scope="module")
def dr(server):
    return server(NEW_PRIMARY)


@pytest.fixture(scope="module")
def replica(server):
    return server("db-replica")


def test_old_primary_stays_dead(server):
    primary = server("db-primary")
    assert not primary.host.socket("tcp://127.0.0.1:%d" % primary.port).is_listening


def test_dr_is_writable_and_replicates_from_nobody(dr):
    assert dr.sql("SELECT @@read_only") == "0"
    assert dr.replica_status() == {}, "the new primary must replicate from nobody"
    write = dr.app_insert()
    assert write.rc == 0, write.stderr


def test_replica_is_read_only_and_replicates_from_dr(replica, dr):
    assert replica.sql("SELECT @@read_only") == "1"
    write = replica.app_insert()
    assert write.rc != 0 and "read-only" in write.stderr, write.stderr
    status = replica.replica_status()
    assert status["Master_Host"] == "127.0.0.1"
    assert status["Master_Port"] == str(dr.port)
    assert status["Slave_IO_Running"] == "Yes", status.get("Last_IO_Error")
    assert status["Slave_SQL_Running"] == "Yes", status.get("Last_SQL_Error")
    assert status["Using_Gtid"] == "Slave_Pos"


def test_app_config_names_dr_and_app_writes_there(app, dr):
    assert app.config_port() == dr.port
    status = app.wait_writing_to(dr.port)
    assert status["can_write"] is True and status["target"] == "127.0.0.1:%d" % dr.port


def test_no_acknowledged_commit_lost(app, dr):
    """Every seq the app was told committed, before the kill and after the failover, is on db-dr."""
    app.wait_writing_to(dr.port)
    events = app.events()
    switched = [e for e in events if e["kind"] == "config" and e["target"] == "127.0.0.1:%d" % dr.port]
    assert switched, "the app never read a config naming db-dr: %s" % events
    # The last "down" before the switch is the kill: its seq is the first one that failed.
    down = [e for e in events if e["kind"] == "down" and e["at"] <= switched[-1]["at"]]
    assert down, "the app never saw the primary go away: %s" % events
    killed_at_seq = down[-1]["seq"]
    # The first commit on db-dr came after the config change.
    up_on_dr = [e for e in events if e["kind"] == "up" and e["at"] > switched[-1]["at"]]
    assert up_on_dr, "the app never wrote to db-dr: %s" % events

    acked = app.acked()  # read before the table: whatever it lists was committed before the SELECT
    present = set(int(seq) for seq in dr.sql("SELECT seq FROM shop.app_writes WHERE writer = 'app1'").split())
    before = [seq for seq in acked if seq < killed_at_seq]
    after = [seq for seq in acked if seq >= up_on_dr[0]["seq"]]
    assert before, "no acknowledged commit from before the kill"
    assert after, "no acknowledged commit from after the failover"
    lost = sorted(set(acked) - present)
    assert not lost, "%d of %d acknowledged commits missing on db-dr, e.g. %s" % (len(lost), len(acked), lost[:5])


def test_report_says_success_with_db_dr(reports):
    # The failover wrote one report; the idempotence re-run found nothing to do and wrote none.
    assert len(reports) == 1, [r["path"] for r in reports]
    first = reports[0]
    for report in reports:
        assert report["kind"] == "dr_failover", report["path"]
        assert report["outcome"] == "success", report["path"]
        assert report["new_primary"] == NEW_PRIMARY, report["path"]
    assert first["old_primary"] == "db-primary" and first["old_primary_reachable"] is False
    assert first["validation"]["failed"] == 0 and first["validation"]["passed"] > 0
