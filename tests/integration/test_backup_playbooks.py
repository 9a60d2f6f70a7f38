"""playbooks/backup.yml and restore.yml on the lab: verified backups on record, retention, schedule, restore."""
import glob
import json
import os
import subprocess

import pytest

from helpers import LAB_ROOT, run_playbook, sql

BACKUPS = os.path.join(LAB_ROOT, "backups")
STATUS = os.path.join(BACKUPS, "db-replica-status.json")


def backup_dirs():
    return sorted(d for d in glob.glob(os.path.join(BACKUPS, "db-replica-*")) if os.path.isdir(d))


def checksum(host, table):
    return sql(host, "CHECKSUM TABLE %s" % table)[0][-1]


@pytest.fixture(scope="module")
def first_backup(lab):
    subprocess.run(["rm", "-rf", BACKUPS], check=True)
    proc = run_playbook("backup.yml", "-e", "backup_keep_last=2")
    with open(STATUS) as handle:
        return proc, json.load(handle)


def test_backup_is_verified_and_on_record(first_backup):
    proc, status = first_backup
    last = status["last_good"]
    assert last["verified"] is True and last["engine"] == "dump" and last["gtid"]
    assert backup_dirs() == [last["path"]]
    assert os.stat(STATUS).st_mode & 0o777 == 0o600
    assert "verified; GTID" in proc.stdout


def test_check_mode_writes_nothing(first_backup):
    before = backup_dirs()
    run_playbook("backup.yml", "--check")
    assert backup_dirs() == before


def test_retention_keeps_the_last_two(first_backup):
    run_playbook("backup.yml", "-e", "backup_keep_last=2")
    run_playbook("backup.yml", "-e", "backup_keep_last=2")
    kept = backup_dirs()
    assert len(kept) == 2
    with open(STATUS) as handle:
        assert json.load(handle)["last_good"]["path"] == kept[-1]


def test_preflight_warns_only_when_the_backup_is_too_old(first_backup):
    fresh = run_playbook("dr_failover.yml", "--check").stdout
    assert "verified backup" not in fresh
    stale = run_playbook("dr_failover.yml", "--check", "-e", "drkit_failover_backup_max_age_hours=0.00001").stdout
    assert "the newest verified backup (of db-replica) is" in stale


def test_schedule_systemd_and_cron_files(first_backup, tmp_path):
    units, cron = tmp_path / "units", tmp_path / "cron"
    units.mkdir()
    cron.mkdir()
    common = ["-e", "backup_run_now=false", "-e", "backup_schedule_state=present",
              "-e", "backup_systemd_dir=%s" % units, "-e", "backup_cron_file=%s/drkit-backup" % cron]
    run_playbook("backup.yml", "-e", "backup_scheduler=systemd", *common)
    timer = (units / "drkit-backup-db-replica.timer").read_text()
    service = (units / "drkit-backup-db-replica.service").read_text()
    assert "OnCalendar=*-*-* 02:30:00" in timer and "Persistent=true" in timer
    assert "playbooks/backup.yml --limit db-replica" in service and "WorkingDirectory=" in service
    again = run_playbook("backup.yml", "-e", "backup_scheduler=systemd", *common)
    assert "changed=0" in again.stdout.split("PLAY RECAP")[-1]
    run_playbook("backup.yml", "-e", "backup_scheduler=cron", "-e", "backup_cron_hour=4", *common)
    assert "30 4 * * * root cd " in (cron / "drkit-backup").read_text()
    run_playbook("backup.yml", *common[:2], "-e", "backup_schedule_state=absent", *common[4:])
    assert not list(units.iterdir()) and not list(cron.iterdir())


def test_restore_one_table_side_by_side_from_the_last_good_backup(first_backup):
    run_playbook("restore.yml", "-e", "restore_target=db-primary", "-e", '{"restore_tables": ["shop.products"]}',
                 "-e", '{"restore_rename": {"shop": "shop_side"}}')
    assert checksum("db-primary", "shop_side.products") == checksum("db-primary", "shop.products")
    # A restore is an action: the same request again finds the table and refuses, changing nothing.
    before = checksum("db-primary", "shop_side.products")
    again = run_playbook("restore.yml", "-e", "restore_target=db-primary", "-e",
                         '{"restore_tables": ["shop.products"]}', "-e", '{"restore_rename": {"shop": "shop_side"}}',
                         check=False)
    assert again.returncode != 0 and "shop_side.products" in again.stdout
    assert checksum("db-primary", "shop_side.products") == before
    sql("db-primary", "DROP DATABASE shop_side")


def test_restore_needs_a_target():
    proc = run_playbook("restore.yml", check=False)
    assert proc.returncode != 0 and "Say which database server to restore into" in proc.stdout
