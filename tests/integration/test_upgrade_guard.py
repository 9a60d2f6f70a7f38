"""playbooks/upgrade_guard.yml on the lab: blocked with the rollback command, ready once fixed, and the rollback
command really puts the verified pre-upgrade backup back."""
import glob
import json
import os
import shlex

import pytest

from helpers import LAB_ROOT, run_playbook, sql

BACKUPS = os.path.join(LAB_ROOT, "backups")
REPORTS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "reports")
GUARD = ["-e", "upgrade_host=db-primary", "-e", "upgrade_target=mysql-8.0",
         "-e", '{"upgrade_databases": ["upg_guard"], "upgrade_json_columns": ["upg_guard.docs.body"]}']


def pre_upgrade_backups():
    return sorted(glob.glob(os.path.join(BACKUPS, "db-primary-pre-upgrade-*")))


def reports():
    return sorted(glob.glob(os.path.join(REPORTS, "upgrade_guard-db-primary-*.json")))


@pytest.fixture
def guarded_schema(lab):
    sql("db-primary", "DROP DATABASE IF EXISTS upg_guard")
    sql("db-primary", "CREATE DATABASE upg_guard; CREATE TABLE upg_guard.docs (id INT PRIMARY KEY, body TEXT NULL); "
                      "INSERT INTO upg_guard.docs VALUES (1, '{\"a\": 1}'), (2, 'not json'), (3, '[]')")
    yield
    for (name,) in sql("db-primary", "SHOW DATABASES LIKE 'drkit\\_safety\\_%'"):
        sql("db-primary", "DROP DATABASE `%s`" % name)
    sql("db-primary", "DROP DATABASE IF EXISTS upg_guard")


def test_the_guard_stops_with_the_rollback_then_passes_and_the_rollback_restores(guarded_schema):
    blocked = run_playbook("upgrade_guard.yml", *GUARD, check=False)
    assert blocked.returncode != 0
    out = " ".join(blocked.stdout.split())
    assert "Do not upgrade db-primary to mysql-8.0: 1 error(s), 0 warning(s)" in out
    assert "put it back with: ansible-playbook -i" in out
    assert "playbooks/restore.yml -e restore_target=db-primary" in out
    with open(reports()[-1]) as handle:
        report = json.load(handle)
    assert report["outcome"] == "blocked" and report["backup"]["verified"] is True
    assert report["fix_script"] == ["UPDATE `upg_guard`.`docs` SET `body` = JSON_QUOTE(`body`) "
                                    "WHERE JSON_VALID(`body`) = 0;"]
    assert report["backup"]["path"] == pre_upgrade_backups()[-1] and report["backup"]["path"] in report["rollback"]
    assert os.path.exists(reports()[-1][:-len("json")] + "md")

    # --check runs the pre-check for real but writes no backup and no report.
    before = (pre_upgrade_backups(), reports())
    checked = run_playbook("upgrade_guard.yml", "--check", *GUARD, check=False)
    assert checked.returncode != 0 and "Check mode: no backup was taken." in " ".join(checked.stdout.split())
    assert (pre_upgrade_backups(), reports()) == before

    for fix in report["fix_script"]:
        sql("db-primary", fix)
    ready = run_playbook("upgrade_guard.yml", *GUARD)
    assert "mysql-8.0: READY; nothing found that breaks the upgrade" in " ".join(ready.stdout.split())
    with open(reports()[-1]) as handle:
        report = json.load(handle)
    assert report["outcome"] == "ready" and report["findings"] == []

    # The upgrade "goes wrong": the rollback command of the report brings the verified backup back.
    sql("db-primary", "DELETE FROM upg_guard.docs WHERE id > 1")
    command = shlex.split(report["rollback"])
    assert command[:2] == ["ansible-playbook", "-i"] and command[3] == "playbooks/restore.yml"
    run_playbook("restore.yml", *command[4:])
    assert sql("db-primary", "SELECT id, body FROM upg_guard.docs ORDER BY id") == [
        ["1", '{"a": 1}'], ["2", '"not json"'], ["3", "[]"]]


def test_the_guard_needs_a_host_and_a_target(lab):
    proc = run_playbook("upgrade_guard.yml", "-e", "upgrade_host=db-primary", "-e", "upgrade_target=mysql-9.9",
                        check=False)
    assert proc.returncode != 0 and "Say which server is to be upgraded and to what" in proc.stdout
