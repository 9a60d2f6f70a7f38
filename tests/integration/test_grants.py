"""drkit.mysql.grants on the real lab (MariaDB 10.11): the case book's hospital incident.

A snapshot is taken, a wrong GRANT gives the app account SELECT on a patients database, the diff names it,
a restore in check mode changes nothing, the restore revokes it, a re-run changes nothing; no password hash
appears anywhere. Then the roles: the backup playbook writes a snapshot beside the backup, and the failover
gives the new primary the snapshot's privileges (timed from the report). Tests run in file order.
"""
import json
import os
import re
import stat

import pytest

from helpers import LAB_PORTS, LAB_ROOT, run_module, run_playbook, sql

GRANTS_DIR = os.path.join(LAB_ROOT, "backups", "grants")       # drkit_grants_snapshot_dir of the lab
MODULE_DIR = os.path.join(LAB_ROOT, "grants-test")
GRANTS_ADMIN = dict(login_host="127.0.0.1", login_user="drkit_grants", login_password="lab-grants-secret")
HOSPITAL_GRANT = "GRANT SELECT ON patients.* TO 'shop_app'@'127.0.0.1'"
# A MariaDB mysql_native_password hash (*40 hex), an ed25519 / caching_sha2 string: none may be shown.
HASH_RE = re.compile(r"\*[0-9A-F]{40}|0x[0-9A-F]{20,}")


def grants(state, host="db-primary", check_mode=False, diff=False, **extra):
    args = dict(GRANTS_ADMIN, login_port=LAB_PORTS[host], state=state, path=MODULE_DIR)
    args.update(extra)
    result = run_module("grants", args, check_mode=check_mode, diff=diff)
    assert not HASH_RE.search(json.dumps(result)), "a password hash in the result: %s" % result
    return result


def app_grants(host="db-primary"):
    return [row[0] for row in sql(host, "SHOW GRANTS FOR 'shop_app'@'127.0.0.1'")]


def wait_replicated(host):
    position = sql("db-primary", "SELECT @@gtid_binlog_pos")[0][0]
    assert sql(host, "SELECT MASTER_GTID_WAIT('%s', 30)" % position)[0][0] == "0"


@pytest.fixture(scope="module")
def patients(lab):
    sql("db-primary", "CREATE DATABASE IF NOT EXISTS patients; "
                      "CREATE TABLE IF NOT EXISTS patients.records (id INT PRIMARY KEY, diagnosis TEXT)")
    yield
    sql("db-primary", "DROP DATABASE IF EXISTS patients")


def test_snapshot_is_written_private_and_not_again_when_nothing_changed(patients):
    first = grants("snapshot")
    assert first["changed"] and first["file"].startswith(MODULE_DIR + "/grants-")
    assert stat.S_IMODE(os.stat(MODULE_DIR).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(first["file"]).st_mode) == 0o600
    assert os.path.realpath(os.path.join(MODULE_DIR, "latest.json")) == first["file"]
    assert "shop_app@127.0.0.1" in json.load(open(first["file"]))["accounts"]
    again = grants("snapshot")
    assert not again["changed"] and again["file"] == first["file"]


def test_no_password_hash_in_the_snapshot_file():
    text = open(os.path.join(MODULE_DIR, "latest.json")).read()
    live_hash = sql("db-primary", "SELECT authentication_string FROM mysql.user "
                                  "WHERE User = 'shop_app' AND Host = '127.0.0.1'")[0][0]
    assert live_hash.startswith("*") and live_hash not in text
    assert not HASH_RE.search(text) and "'<redacted>'" in text


def test_the_wrong_grant_shows_in_the_diff(patients):
    sql("db-primary", HOSPITAL_GRANT)
    result = grants("diff", diff=True)
    assert not result["changed"] and result["differs"]
    entry = result["accounts"]["shop_app@127.0.0.1"]
    assert entry["gained"] == {"`patients`.*": ["SELECT"]}
    assert entry["statements"] == ["REVOKE SELECT ON `patients`.* FROM `shop_app`@`127.0.0.1`"]
    assert list(result["accounts"]) == ["shop_app@127.0.0.1"]
    before = [view["before"] for view in result["diff"] if view["before_header"].startswith("shop_app@")][0]
    assert "`patients`.*" in before


def test_restore_in_check_mode_shows_the_plan_and_changes_nothing():
    result = grants("restore", check_mode=True, diff=True)
    assert result["changed"]
    assert result["statements"] == ["REVOKE SELECT ON `patients`.* FROM `shop_app`@`127.0.0.1`"]
    assert any("`patients`.*" in line for line in app_grants())


def test_restore_revokes_it_and_a_rerun_changes_nothing():
    result = grants("restore")
    assert result["changed"] and result["remaining"] == []
    assert not any("patients" in line for line in app_grants())
    wait_replicated("db-dr")
    assert not any("patients" in line for line in app_grants("db-dr"))
    again = grants("restore")
    assert not again["changed"] and again["statements"] == [] and not again["differs"]
    assert not grants("snapshot")["changed"]


def test_a_lost_privilege_and_an_added_account():
    sql("db-primary", "REVOKE DELETE ON shop.* FROM 'shop_app'@'127.0.0.1'; "
                      "CREATE USER 'intruder'@'%' IDENTIFIED BY 'x'; GRANT SELECT ON patients.* TO 'intruder'@'%'")
    plan = grants("restore", check_mode=True)
    assert plan["accounts"]["shop_app@127.0.0.1"]["lost"] == {"`shop`.*": ["DELETE"]}
    assert plan["accounts_added"] == ["intruder@%"]
    assert plan["skipped"] == ["intruder@%: added since the snapshot; drop_added=true drops it"]
    done = grants("restore", drop_added=True)
    assert done["statements"] == ["GRANT DELETE ON `shop`.* TO `shop_app`@`127.0.0.1`", "DROP USER `intruder`@`%`"]
    assert "GRANT SELECT, INSERT, UPDATE, DELETE ON `shop`.* TO `shop_app`@`127.0.0.1`" in app_grants()
    assert not sql("db-primary", "SELECT 1 FROM mysql.user WHERE User = 'intruder'")


def test_a_dropped_account_needs_its_password_to_come_back():
    sql("db-primary", "DROP USER 'shop_app'@'127.0.0.1'")
    try:
        plan = grants("restore", check_mode=True)
        assert plan["accounts_missing"] == ["shop_app@127.0.0.1"] and plan["statements"] == []
        assert "a snapshot holds no password" in plan["skipped"][0]
        done = grants("restore", passwords={"shop_app@127.0.0.1": "lab-app-secret"})
        assert done["statements"][0] == "CREATE USER `shop_app`@`127.0.0.1` IDENTIFIED BY %s"
        assert "lab-app-secret" not in json.dumps(done)
    finally:
        sql("db-primary", "CREATE USER IF NOT EXISTS 'shop_app'@'127.0.0.1' IDENTIFIED BY 'lab-app-secret'; "
                          "GRANT SELECT, INSERT, UPDATE, DELETE ON shop.* TO 'shop_app'@'127.0.0.1'")
    assert not grants("diff")["differs"]


def test_no_snapshot_is_a_clear_failure_or_a_skip():
    missing = os.path.join(LAB_ROOT, "no-such-grants")
    failed = grants("diff", path=missing)
    assert failed["failed"] and "No grants snapshot at %s" % missing in failed["msg"]
    skipped = grants("restore", path=missing, missing_snapshot="skip")
    assert not skipped.get("failed") and not skipped["changed"] and skipped["file"] is None


def test_backup_playbook_snapshots_the_grants_beside_the_backup(patients):
    out = run_playbook("backup.yml").stdout
    assert "grants: Wrote the grants of" in out or "grants: The grants of" in out
    latest = os.path.join(GRANTS_DIR, "latest.json")
    assert os.path.islink(latest) and stat.S_IMODE(os.stat(GRANTS_DIR).st_mode) == 0o700
    assert not HASH_RE.search(open(latest).read())
    files = sorted(os.listdir(GRANTS_DIR))
    off = run_playbook("backup.yml", "-e", "backup_grants=false").stdout
    task = off.split("TASK [drkit.mysql.backup : Snapshot every account's grants")[1].split("TASK [")[0]
    assert "skipping: [db-replica]" in task and sorted(os.listdir(GRANTS_DIR)) == files


def timed_failover(monkeypatch, timeline):
    """Run dr_failover.yml with its own timeline file; the grants task's end record and the RTO."""
    monkeypatch.setenv("DRKIT_TIMELINE_FILE", str(timeline))
    out = run_playbook("dr_failover.yml", "-v").stdout
    records = [json.loads(line) for line in open(str(timeline))]
    ends = [r for r in records if r["event"] == "task_end" and "latest grants snapshot" in r["task"]
            and r["status"] != "skipped"]
    assert len(ends) == 1, "the grants task ran %d times" % len(ends)
    # db-dr's gap: from its previous task's end to this one's (its share of the playbook's time).
    own = [r for r in records if r["event"] == "task_end" and r.get("host") == "db-dr"]
    index = [r["uuid"] for r in own].index(ends[0]["uuid"])
    # The result printed with -v (keys in order: account_count ... in_process_seconds), the only one with both.
    module_seconds = float(re.search(r"account_count: \d+\n(?:.*\n)*?\s*in_process_seconds: ([0-9.]+)", out).group(1))
    return out, dict(ends[0], gap=ends[0]["at"] - own[index - 1]["at"], module_seconds=module_seconds)


def test_failover_gives_the_new_primary_the_snapshot_privileges(patients, rebuilt_after, monkeypatch, tmp_path):
    # The wrong grant is made after the last snapshot (the backup above) and replicated to the DR site.
    sql("db-primary", HOSPITAL_GRANT)
    wait_replicated("db-dr")
    assert any("patients" in line for line in app_grants("db-dr"))
    out, step = timed_failover(monkeypatch, tmp_path / "first.jsonl")
    assert step["host"] == "db-dr" and step["changed"]
    assert not any("patients" in line for line in app_grants("db-dr"))
    figures = (step["module_seconds"], step["gap"])
    print("grants step that revoked the wrong grant: module %.3f s, task %.3f s" % figures)
    # The re-run finds nothing to do: the step is a no-op (changed=false).
    rerun, step = timed_failover(monkeypatch, tmp_path / "rerun.jsonl")
    assert not step["changed"]
    print("grants step with nothing to do: module %.3f s, task %.3f s" % (step["module_seconds"], step["gap"]))
    assert not HASH_RE.search(out + rerun)
