"""dr_failover.yml on the real lab: refusals change nothing, success loses nothing, re-runs are no-ops.

Tests run in file order: the refusals first on the healthy lab, then a failover
with a live primary, its re-run, then a fresh lab whose primary is killed.
"""
import json
import os
import stat
import time

import pytest

from helpers import LAB_PORTS, LAB_ROOT, ROOT, dead_url, recap, run_playbook, sql

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


def notify_vars(url, path, **extra):
    """Incident notifications to ``url`` and the file ``path`` (docs/notify.md), with a token."""
    values = dict(notify_webhook_url=url, notify_webhook_token=TOKEN, notify_file=str(path), notify_who="DBA on call")
    values.update(extra)
    return ["-e", json.dumps(values)]


TOKEN = "xoxb-never-printed-4711"


def test_check_mode_shows_the_plan_and_changes_nothing(lab, webhook, tmp_path):
    out = failover("--check", "--diff", *notify_vars(webhook.url(), tmp_path / "incident.log"), check=True).stdout
    assert "Promote db-dr (old primary: db-primary, reachable)." in out
    assert "Fence db-primary" in out and "Repoint db-replica to replicate from db-dr" in out
    assert "port = %d" % DR_PORT in out  # the app config diff
    assert_untouched()
    # Notifications: said, not sent.
    assert "notify (check mode): would send this start message to http://127.0.0.1:%d/…" \
        % webhook.server.server_address[1] in out
    assert "[INCIDENT] DR failover: started" in out and "[RESOLVED] DR failover" in out
    assert webhook.posts == [] and not (tmp_path / "incident.log").exists()


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


def test_failover_with_live_primary_fences_it_and_loses_nothing(lab, webhook, tmp_path):
    incident_log = tmp_path / "incident.log"
    proc = failover("-v", *notify_vars(webhook.url(), incident_log, notify_webhook_format="json"))
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

    # A start and an end message, to the webhook (with the token) and to the file (0600); never the token in the output.
    start, end = webhook.json_posts()
    assert start["event"] == "start" and start["status"] == "started" and start["title"] == "DR failover"
    assert "[INCIDENT] DR failover: started" in start["text"] and "Contact: DBA on call" in start["text"]
    assert end["event"] == "resolved" and end["status"] == "succeeded" and end["rto_seconds"] == data["rto_seconds"]
    assert end["report"] == report[:-len(".json")] + ".html" and "Report: %s" % end["report"] in end["text"]
    assert "RTO: %s s" % data["rto_seconds"] in end["text"]
    assert all(p["headers"]["Authorization"] == "Bearer " + TOKEN for p in webhook.posts)
    assert webhook.posts[0]["path"] == "/hooks/T000/B000/secret-path"
    assert stat.S_IMODE(os.stat(str(incident_log)).st_mode) == 0o600
    blocks = incident_log.read_text().strip().split("\n\n")
    assert [b.splitlines()[0] for b in blocks] == ["[INCIDENT] DR failover: started",
                                                   "[RESOLVED] DR failover: succeeded"]
    assert "Report: %s" % end["report"] in blocks[1]
    assert TOKEN not in proc.stdout + proc.stderr and TOKEN not in incident_log.read_text()
    assert "secret-path" not in proc.stdout + proc.stderr


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


def test_dead_primary_needs_confirmation_then_fails_over(dead_primary_lab, tmp_path):
    # Notifications to a webhook nobody answers: warnings, the runs go on as without them.
    incident_log = tmp_path / "incident.log"
    notify = notify_vars(dead_url(), incident_log)
    refused = failover(*notify)
    assert refused.returncode != 0
    assert "did not confirm it is dead" in refused.stdout
    assert variable("db-dr", "read_only") == "1"
    assert "[FAILED] DR failover: refused" in incident_log.read_text()

    proc = failover("-e", "drkit_failover_primary_confirmed_dead=true", *notify)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert "could not be reached" in proc.stdout + proc.stderr and "the run goes on" in proc.stdout + proc.stderr
    assert incident_log.read_text().count("[INCIDENT] DR failover: started") == 2
    assert "[RESOLVED] DR failover: succeeded" in incident_log.read_text()
    assert variable("db-dr", "read_only") == "0"
    assert source_port("db-replica") == DR_PORT
    wait_for_app_on(DR_PORT)
    assert_no_acked_write_lost("db-dr")
