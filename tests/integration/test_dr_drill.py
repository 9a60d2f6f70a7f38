"""The DR drill on the real lab: backup.yml, then dr_drill.yml on db-dr (scratch server on base+5).

The copy must match db-dr at the recorded GTID, each drill adds one history line, the HTML shows the trend, the
scratch server is gone and db-dr replicates again - also after a drill that failed half way.
"""
import glob
import json
import os
import socket
import stat

from helpers import LAB_PORT_BASE, LAB_ROOT, run_playbook, sql

SCRATCH_DIR = os.path.join(LAB_ROOT, "db-dr-drill")
SCRATCH_PORT = LAB_PORT_BASE + 5


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def history(reports):
    path = os.path.join(str(reports), "drill-history.jsonl")
    with open(path) as handle:
        return [json.loads(line) for line in handle if line.strip()]


def newest(reports, ext):
    return sorted(glob.glob(os.path.join(str(reports), "dr_drill-*.%s" % ext)))[-1]


def assert_left_as_it_was():
    assert not os.path.exists(SCRATCH_DIR) and not port_open(SCRATCH_PORT)
    status = sql("db-dr", "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND = 'Slave_SQL'")
    assert status == [["1"]], "the SQL thread of db-dr does not run again"
    target = sql("db-primary", "SELECT @@gtid_binlog_pos")[0][0]
    assert sql("db-dr", "SELECT MASTER_GTID_WAIT('%s', 30)" % target) == [["0"]]


def test_a_drill_matches_the_replica_and_a_failed_one_still_cleans_up_and_extends_the_trend(lab, tmp_path, webhook):
    run_playbook("backup.yml")
    incident_log = tmp_path / "notify" / "incident.jsonl"
    notify = ["-e", json.dumps(dict(notify_webhook_url=webhook.url(), notify_webhook_token="drill-token-0815",
                                    notify_file=str(incident_log), notify_file_format="json"))]
    run_playbook("dr_drill.yml", "-e", "drill_reports_dir=%s" % tmp_path, *notify)
    [first] = history(tmp_path)
    assert first["outcome"] == "success" and first["matched"] is True and first["engine"] == "dump"
    assert first["restore_seconds"] > 0 and first["replay_seconds"] > 0
    assert first["rto_seconds"] >= first["restore_seconds"] + first["replay_seconds"]
    with open(newest(tmp_path, "json")) as handle:
        report = json.load(handle)
    assert report["gtid"] == first["gtid"] and report["matched"] and report["scratch_removed"]
    assert report["comparison"][0].startswith("6 table(s) match")
    # The app wrote between the backup and the drill: those transactions came from the archive.
    assert report["results"]["replay"]["count"] > 0
    # ... applied by the scratch server's own SQL thread (log_slave_updates in its my.cnf), which left nothing behind
    # (the scratch server is removed; its report says how).
    assert report["results"]["replay"]["engine"] == "sql_thread", report["results"]["replay"]
    assert any(line.endswith("(by the scratch server's own SQL thread)") for line in report["plan"])
    assert report["validation"]["failed"] == 0 and report["validation"]["total"] >= 5
    assert_left_as_it_was()
    # Start and end notifications (Slack-style {"text": ...}) with the RTO and the report.
    start, end = [post["text"] for post in webhook.json_posts()]
    assert start.startswith("[INCIDENT] DR drill on db-dr: started")
    assert end.startswith("[RESOLVED] DR drill on db-dr: succeeded")
    assert "RTO: %s s" % first["rto_seconds"] in end and "Report: %s" % newest(tmp_path, "html") in end
    assert webhook.posts[0]["headers"]["Authorization"] == "Bearer drill-token-0815"

    # A second drill that fails half way (at the comparison, with the scratch server up and the replica held).
    proc = run_playbook("dr_drill.yml", "-e", "drill_reports_dir=%s" % tmp_path,
                        "-e", '{"drill_tables": ["shop.no_such_table"]}', *notify, check=False)
    assert proc.returncode != 0 and "The DR drill failed" in proc.stdout
    assert "drill-token-0815" not in proc.stdout + proc.stderr
    # The failure is sent too, with the RTO and the report of the failed drill; the file has one JSON line a message.
    assert stat.S_IMODE(os.stat(str(incident_log)).st_mode) == 0o600
    messages = [json.loads(line) for line in incident_log.read_text().splitlines()]
    assert [(m["event"], m["status"]) for m in messages] == [
        ("start", "started"), ("resolved", "succeeded"), ("start", "started"), ("resolved", "failed")]
    assert messages[3]["report"] == newest(tmp_path, "html") and messages[3]["rto_seconds"] > 0
    assert "The DR drill failed" in messages[3]["summary"] and "drill-token-0815" not in incident_log.read_text()
    assert webhook.json_posts()[3]["text"].startswith("[FAILED] DR drill on db-dr: failed")
    lines = history(tmp_path)
    assert len(lines) == 2 and lines[1]["started"] > first["started"]
    assert lines[1]["outcome"] == "failed" and lines[1]["error"].startswith("Compare the copy")
    assert_left_as_it_was()
    with open(newest(tmp_path, "html")) as handle:
        page = handle.read()
    assert "Trend: RTO of the recorded runs" in page and "<polyline" in page and page.count("<circle") == 2
    assert page.count('r="4" fill="#cf222e"') == 1  # the failed drill is the red point


def test_the_schedule_is_a_timer_or_a_cron_entry_and_goes_away(lab, tmp_path):
    common = ["-e", "drill_run_now=false", "-e", "drill_systemd_dir=%s" % tmp_path,
              "-e", "drill_cron_file=%s/drkit-drill.cron" % tmp_path]
    run_playbook("dr_drill.yml", "-e", "drill_schedule_state=present", "-e", "drill_scheduler=systemd", *common)
    timer = (tmp_path / "drkit-drill-db-dr.timer").read_text()
    service = (tmp_path / "drkit-drill-db-dr.service").read_text()
    assert "OnCalendar=Sun *-*-* 04:00:00" in timer and "DR drill on db-dr" in timer
    assert "playbooks/dr_drill.yml --limit db-dr" in service
    run_playbook("dr_drill.yml", "-e", "drill_schedule_state=present", "-e", "drill_scheduler=cron", *common)
    cron = (tmp_path / "drkit-drill.cron").read_text()
    assert "0 4 * * 0 root cd " in cron and "dr_drill.yml --limit db-dr" in cron
    run_playbook("dr_drill.yml", "-e", "drill_schedule_state=absent", *common)
    assert sorted(os.listdir(str(tmp_path))) == []
    assert not os.path.exists(SCRATCH_DIR)
