"""The lab after converge: dr_switchover.yml moved the primary role from the live db-primary to db-dr."""
import re

import pytest

NEW_PRIMARY = "db-dr"
OLD_PRIMARY = "db-primary"


@pytest.fixture(scope="module")
def dr(server):
    return server(NEW_PRIMARY)


def gtid_positions(text):
    """'0-3-1500,1-2-7' -> {domain: seq} (MariaDB's GTID positions: one GTID per domain)."""
    positions = {}
    for gtid in filter(None, (part.strip() for part in text.split(","))):
        match = re.fullmatch(r"(\d+)-(\d+)-(\d+)", gtid)
        assert match, "not a MariaDB GTID: %r in %r" % (gtid, text)
        positions[int(match.group(1))] = int(match.group(3))
    return positions


def test_gtid_positions_parse():
    assert gtid_positions("0-3-1500, 1-2-7") == {0: 1500, 1: 7}
    assert gtid_positions("") == {}


def test_dr_is_writable_and_replicates_from_nobody(dr):
    assert dr.sql("SELECT @@read_only") == "0"
    assert dr.replica_status() == {}, "the new primary must replicate from nobody"
    write = dr.app_insert()
    assert write.rc == 0, write.stderr


@pytest.mark.parametrize("name", [OLD_PRIMARY, "db-replica"])
def test_others_are_read_only_replicas_of_dr(server, dr, name):
    other = server(name)
    assert other.sql("SELECT @@read_only") == "1"
    write = other.app_insert()
    assert write.rc != 0 and "read-only" in write.stderr, write.stderr
    status = other.replica_status()
    assert status, "%s replicates from nobody" % name
    assert status["Master_Host"] == "127.0.0.1"
    assert status["Master_Port"] == str(dr.port)
    assert status["Slave_IO_Running"] == "Yes", status.get("Last_IO_Error")
    assert status["Slave_SQL_Running"] == "Yes", status.get("Last_SQL_Error")
    assert status["Using_Gtid"] == "Slave_Pos"


def test_old_primary_gtids_are_contained_in_dr(server, dr):
    """Per domain, db-dr's binlog is at least where the old primary's is (old primary read first)."""
    old = gtid_positions(server(OLD_PRIMARY).sql("SELECT @@gtid_binlog_pos"))
    new = gtid_positions(dr.sql("SELECT @@gtid_binlog_pos"))
    assert old, "the old primary has an empty binlog position"
    behind = dict((domain, (seq, new.get(domain))) for domain, seq in old.items() if new.get(domain, -1) < seq)
    assert not behind, "db-dr lacks GTIDs of the old primary (domain: (old seq, db-dr seq)): %s" % behind


def test_app_config_names_dr_and_app_writes_there(app, dr):
    assert app.config_port() == dr.port
    status = app.wait_writing_to(dr.port)
    assert status["can_write"] is True and status["target"] == "127.0.0.1:%d" % dr.port


def test_no_acknowledged_commit_lost(app, dr):
    """Every seq the app was told committed, on the old primary and then on db-dr, is on db-dr."""
    app.wait_writing_to(dr.port)
    events = app.events()
    switched = [e for e in events if e["kind"] == "config" and e["target"] == "127.0.0.1:%d" % dr.port]
    assert switched, "the app never read a config naming db-dr: %s" % events
    up_on_dr = [e for e in events if e["kind"] == "up" and e["at"] > switched[-1]["at"]]
    assert up_on_dr, "the app never wrote to db-dr: %s" % events

    acked = app.acked()  # read before the table: whatever it lists was committed before the SELECT
    present = set(int(seq) for seq in dr.sql("SELECT seq FROM shop.app_writes WHERE writer = 'app1'").split())
    assert [seq for seq in acked if seq < up_on_dr[0]["seq"]], "no acknowledged commit on the old primary"
    assert [seq for seq in acked if seq >= up_on_dr[0]["seq"]], "no acknowledged commit on db-dr"
    lost = sorted(set(acked) - present)
    assert not lost, "%d of %d acknowledged commits missing on db-dr, e.g. %s" % (len(lost), len(acked), lost[:5])


def test_report_says_zero_loss(reports):
    # The switchover wrote one report; the idempotence re-run found nothing to do and wrote none.
    assert len(reports) == 1, [r["path"] for r in reports]
    first = reports[0]
    for report in reports:
        assert report["kind"] == "dr_switchover", report["path"]
        assert report["outcome"] == "success", report["path"]
        assert report["new_primary"] == NEW_PRIMARY, report["path"]
        assert report["rpo"]["lost_transactions"] == 0, report["path"]
    assert first["old_primary"] == OLD_PRIMARY and first["old_primary_reachable"] is True
    assert first["validation"]["failed"] == 0 and first["validation"]["passed"] > 0
