"""dr_failover.yml on the real lab: refusals change nothing, success loses nothing, re-runs are no-ops.

Tests run in file order: the refusals first on the healthy lab, then a failover
with a live primary, its re-run, then a fresh lab whose primary is killed.
"""
import json
import os
import time

import pytest

from helpers import LAB_PORTS, LAB_ROOT, ROOT, recap, run_playbook, sql

DR_PORT = LAB_PORTS["db-dr"]
PRIMARY_PORT = LAB_PORTS["db-primary"]
APP_CONFIG = os.path.join(LAB_ROOT, "app1", "db.cnf")


def failover(*extra, check=False):
    return run_playbook("dr_failover.yml", *extra, check=check)


def variable(host, name):
    return sql(host, "SELECT @@%s" % name)[0][0]


def source_port(host):
    rows = sql(host, "SHOW SLAVE STATUS")
    if not rows:
        return None
    for value in rows[0]:
        if value in (str(p) for p in LAB_PORTS.values()):
            return int(value)
    return None


def assert_untouched():
    assert variable("db-primary", "read_only") == "0"
    assert variable("db-dr", "read_only") == "1" and source_port("db-dr") == PRIMARY_PORT
    assert "port = %d" % PRIMARY_PORT in open(APP_CONFIG).read()


def acked_seqs():
    with open(os.path.join(LAB_ROOT, "app1", "acks.log")) as handle:
        return set(int(line) for line in handle if line.strip())


def assert_no_acked_write_lost(host):
    acked = acked_seqs()
    rows = sql(host, "SELECT seq FROM shop.app_writes WHERE writer = 'app1'")
    present = set(int(r[0]) for r in rows)
    lost = acked - present
    assert acked and not lost, "%d acknowledged commits missing on %s, e.g. %s" % (len(lost), host, sorted(lost)[:5])


def latest_report(kind="dr_failover"):
    directory = os.path.join(ROOT, "reports")
    names = sorted(n for n in os.listdir(directory) if n.startswith(kind + "-") and n.endswith(".json"))
    with open(os.path.join(directory, names[-1])) as handle:
        return json.load(handle)


def wait_for_app_on(port, seconds=15):
    deadline = time.time() + seconds
    status = {}
    while time.time() < deadline:
        status = json.load(open(os.path.join(LAB_ROOT, "app1", "status.json")))
        if status.get("target") == "127.0.0.1:%d" % port and status.get("can_write"):
            return status
        time.sleep(0.2)
    raise AssertionError("the app did not write to port %d: %s" % (port, status))


def test_check_mode_shows_the_plan_and_changes_nothing(lab):
    out = failover("--check", "--diff", check=True).stdout
    assert "Promote db-dr (old primary: db-primary, reachable)." in out
    assert "Fence db-primary" in out and "Repoint db-replica to replicate from db-dr" in out
    assert "port = %d" % DR_PORT in out  # the app config diff
    assert_untouched()


def test_wrong_password_is_refused_with_the_reason(lab):
    proc = failover("-e", "drkit_mysql_login_password=not-the-admin-password")
    assert proc.returncode != 0
    assert "no database server is reachable" in proc.stdout and "access denied" in proc.stdout
    assert "not-the-admin-password" not in proc.stdout
    assert_untouched()


def test_lagging_candidate_is_refused_and_nothing_changes(lab):
    sql("db-dr", "STOP SLAVE SQL_THREAD")
    try:
        time.sleep(0.5)  # the app keeps committing on the primary; db-dr fetches but does not apply
        proc = failover()
        assert proc.returncode != 0
        assert "REFUSED: nothing was changed." in proc.stdout
        assert "db-dr's replication SQL thread is stopped" in proc.stdout
        assert variable("db-primary", "read_only") == "0" and variable("db-dr", "read_only") == "1"
        report = latest_report()  # the refusal is reported too, before the run fails
        assert report["outcome"] == "refused" and "Report: " in proc.stdout
        assert any("SQL thread is stopped" in r for r in report["refusals"])
    finally:
        sql("db-dr", "START SLAVE SQL_THREAD")
    assert_untouched()


def test_errant_transaction_on_candidate_is_refused(rebuilt_after):
    # A write made on the DR replica itself, in a domain of its own so replication keeps running.
    sql("db-dr", "SET SESSION gtid_domain_id = 77; CREATE TABLE shop.errant (id INT PRIMARY KEY);"
                 " INSERT INTO shop.errant VALUES (1)")
    proc = failover()
    assert proc.returncode != 0
    assert "db-dr wrote transaction(s) itself in domain 77" in proc.stdout
    assert_untouched()


def test_failover_with_live_primary_fences_it_and_loses_nothing(lab):
    proc = failover()
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert variable("db-dr", "read_only") == "0" and sql("db-dr", "SHOW SLAVE STATUS") == []
    for host in ("db-primary", "db-replica"):
        assert variable(host, "read_only") == "1", host
        assert source_port(host) == DR_PORT, host
    assert "port = %d" % DR_PORT in open(APP_CONFIG).read()
    wait_for_app_on(DR_PORT)
    time.sleep(0.5)
    assert_no_acked_write_lost("db-dr")
    assert "Report: " in proc.stdout
    report = proc.stdout.split("Report: ")[1].split(".html")[0] + ".json"
    data = json.load(open(report))
    assert data["outcome"] == "success" and data["new_primary"] == "db-dr" and data["rto_seconds"] > 0
    assert data["rpo"]["lost_transactions"] == 0


def test_rerun_after_success_changes_nothing(lab):
    proc = failover()
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert "db-dr is already the primary" in proc.stdout
    counters = recap(proc.stdout)
    assert counters and all(c["changed"] == 0 for c in counters.values()), counters
    assert "Nothing to do, so no new report" in proc.stdout


@pytest.fixture
def dead_primary_lab(lab):
    run_playbook("lab.yml", "-e", "lab_state=reset")
    run_playbook("lab_kill.yml")
    yield
    run_playbook("lab.yml", "-e", "lab_state=reset")


def test_dead_primary_needs_confirmation_then_fails_over(dead_primary_lab):
    refused = failover()
    assert refused.returncode != 0
    assert "did not confirm it is dead" in refused.stdout
    assert variable("db-dr", "read_only") == "1"

    proc = failover("-e", "drkit_failover_primary_confirmed_dead=true")
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert variable("db-dr", "read_only") == "0"
    assert source_port("db-replica") == DR_PORT
    wait_for_app_on(DR_PORT)
    assert_no_acked_write_lost("db-dr")
