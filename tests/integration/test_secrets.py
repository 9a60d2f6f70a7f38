"""No lab password on any process's command line, in -vvv output, --diff output, reports, manifests or snapshots.

While a backup (dump engine, the backup playbook: also the grants snapshot), a point-in-time recovery (restore of
that backup into a side schema + binlog replay from the archive, the pitr playbook) and a failover in check mode
run with ``-vvv --diff``, a thread reads every process's command line every 50 ms, as ``ps -eo args`` would
(helpers.ProcessWatch; it also reads the environment of each process started meanwhile).  Afterwards the
output, the reports in reports/ (the failover check mode writes none: the ones test_dr_failover's runs wrote
when the whole suite runs), the backup directory (manifests, status file, grants snapshots) are searched for every
password of the lab, and file modes are checked: backups 0700/0600, the tools' option files 0600 in 0700.

Other files check their own part: test_binlog_archive.py the archive streamer's command lines and files,
test_grants.py that no password hash leaves the grants module, test_tls.py the TLS options off command lines.
"""
import glob
import json
import os
import stat

import pytest

from helpers import LAB_INVENTORY, LAB_ROOT, ROOT, ProcessWatch, run_playbook, sql

BACKUPS = os.path.join(LAB_ROOT, "backups")
# Where dr_failover/dr_drill write their reports (a check-mode run writes none; test_dr_failover's runs do).
REPORTS = os.path.join(ROOT, "reports")


def lab_passwords():
    """Every password of the lab inventory (inventories/lab/group_vars/all/credentials.yml)."""
    import yaml

    with open(os.path.join(LAB_INVENTORY, "group_vars", "all", "credentials.yml")) as handle:
        passwords = yaml.safe_load(handle)["lab_passwords"]
    assert len(passwords) >= 5 and all(len(p) >= 8 for p in passwords.values())
    return sorted(passwords.values())


def files_under(*roots):
    for root in roots:
        for directory, _dirnames, filenames in os.walk(root):
            for name in filenames:
                yield os.path.join(directory, name)


def text_of(path):
    """A file's text; compressed table data is skipped (the test table holds no passwords to begin with)."""
    if path.endswith((".zst", ".gz", ".ibd", ".tar")):
        return ""
    with open(path, "rb") as handle:
        return handle.read().decode("utf-8", "replace")


@pytest.fixture(scope="module")
def watched_runs(lab):
    secrets = lab_passwords()
    runs = {}
    with ProcessWatch(secrets) as watch:
        runs["backup"] = run_playbook("backup.yml", "-vvv", "--diff")
        runs["pitr"] = run_playbook(
            "pitr.yml", "-vvv", "--diff", "-e", "pitr_target=db-primary", "-e", '{"pitr_tables": ["shop.products"]}',
            "-e", "pitr_stop_gtid=%s" % sql("db-primary", "SELECT @@gtid_binlog_pos")[0][0])
        runs["failover_check"] = run_playbook("dr_failover.yml", "--check", "--diff", "-vvv")
    sql("db-primary", "DROP DATABASE IF EXISTS shop_pitr")
    programs = watch.programs()
    print("process list read %d times; programs started meanwhile: %s" % (watch.samples, json.dumps(programs)))
    return dict(watch=watch, runs=runs, secrets=secrets, programs=programs)


def test_no_password_on_any_command_line(watched_runs):
    watch = watched_runs["watch"]
    assert watch.leaks == []
    # the sampling saw the work: ansible, the modules' tools, many times over
    programs = watched_runs["programs"]
    assert watch.samples >= 50, watch.samples
    assert any(name.endswith("ansible-playbook") for name in programs), programs
    assert {"mariadb-dump", "mariadb"} & set(programs), programs


def test_no_password_in_verbose_or_diff_output(watched_runs):
    for name, proc in watched_runs["runs"].items():
        assert proc.returncode == 0, name
        for secret in watched_runs["secrets"]:
            assert secret not in proc.stdout and secret not in proc.stderr, "%s in the output of %s" % (secret, name)
    # -vvv shows module arguments: the passwords are there, masked
    assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in watched_runs["runs"]["backup"].stdout


def test_no_password_in_reports_manifests_or_snapshots(watched_runs):
    paths = list(files_under(REPORTS, BACKUPS))
    assert any(p.endswith("manifest.json") for p in paths) and any("grants" in p for p in paths), paths
    print("searched %d files, %d of them reports" % (len(paths), len([p for p in paths if p.startswith(REPORTS)])))
    for path in paths:
        text = text_of(path)
        for secret in watched_runs["secrets"]:
            assert secret not in text, "%s in %s" % (secret, path)


def test_option_files_of_the_tools_are_private(watched_runs):
    """Every option file holding a password that a tool was started with, while it ran: 0600 in a 0700 directory."""
    seen = watched_runs["watch"].option_files
    tools = dict((path, modes) for path, modes in seen.items() if modes[3])
    assert tools, seen
    assert set(modes[:2] for modes in tools.values()) == {(0o600, 0o700)}, tools
    print("option files seen: %s" % sorted(set(modes[2] for modes in tools.values())))


def test_backups_are_private(watched_runs):
    status = json.load(open(os.path.join(BACKUPS, "db-replica-status.json")))
    backup = status["last_good"]["path"]
    assert stat.S_IMODE(os.stat(backup).st_mode) == 0o700
    for path in files_under(backup):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path
    for path in glob.glob(os.path.join(BACKUPS, "grants", "*.json")):
        assert stat.S_IMODE(os.lstat(path).st_mode) in (0o600, 0o777), path  # latest.json is a symbolic link
