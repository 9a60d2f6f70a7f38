"""Planned switchover to the DR site and failback: zero loss both ways, the lab ends as it began."""
import json
import time

from test_dr_failover import APP_CONFIG, DR_PORT, PRIMARY_PORT, assert_no_acked_write_lost, source_port, \
    variable, wait_for_app_on

from helpers import run_playbook, sql


def report_of(proc):
    path = proc.stdout.split("Report: ")[1].split(".html")[0] + ".json"
    return json.load(open(path))


def test_switchover_then_failback_lose_nothing(rebuilt_after):
    """Leaves a lab with gtid_slave_pos set everywhere: later tests get a fresh one (rebuilt_after)."""
    proc = run_playbook("dr_switchover.yml")
    report = report_of(proc)
    assert report["kind"] == "dr_switchover" and report["outcome"] == "success"
    assert report["rpo"]["lost_transactions"] == 0
    assert variable("db-dr", "read_only") == "0"
    assert variable("db-primary", "read_only") == "1" and source_port("db-primary") == DR_PORT
    assert source_port("db-replica") == DR_PORT
    wait_for_app_on(DR_PORT)
    assert_no_acked_write_lost("db-dr")

    back = run_playbook("dr_failback.yml")
    report = report_of(back)
    assert report["kind"] == "dr_failback" and report["new_primary"] == "db-primary"
    assert variable("db-primary", "read_only") == "0" and sql("db-primary", "SHOW SLAVE STATUS") == []
    assert source_port("db-dr") == PRIMARY_PORT and source_port("db-replica") == PRIMARY_PORT
    assert "port = %d" % PRIMARY_PORT in open(APP_CONFIG).read()
    wait_for_app_on(PRIMARY_PORT)
    time.sleep(0.5)
    assert_no_acked_write_lost("db-primary")
    # The app writes on db-primary again, so its position names it once more.
    deadline = time.time() + 10
    while not variable("db-primary", "gtid_binlog_pos").startswith("0-1-") and time.time() < deadline:
        time.sleep(0.2)
    assert variable("db-primary", "gtid_binlog_pos").startswith("0-1-")


def test_switchover_refuses_without_a_live_primary(lab):
    run_playbook("lab_kill.yml")
    try:
        proc = run_playbook("dr_switchover.yml", "-e", "drkit_failover_primary_confirmed_dead=true", check=False)
        assert proc.returncode != 0 and "a switchover needs a live primary" in proc.stdout
        assert variable("db-dr", "read_only") == "1"
    finally:
        run_playbook("lab.yml")  # starts the killed server again; replication resumes
    wait_for_app_on(PRIMARY_PORT, seconds=30)
