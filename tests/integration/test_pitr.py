"""Point-in-time recovery refusals on the real lab: a binlog file missing in the chain, and a stop point before the
backup's coordinates. Both fail with a clear message and change nothing."""
import json
import os
import shutil
import sys
import time

from helpers import COLLECTIONS, LAB_ROOT, admin_args, run_module, run_playbook, sql

sys.path.insert(0, COLLECTIONS)
from ansible_collections.drkit.mysql.plugins.module_utils.binlog import read_binlog  # noqa: E402

ARCHIVE = os.path.join(LAB_ROOT, "db-dr", "binlog-archive", "current")


def position(host):
    return sql(host, "SELECT @@gtid_binlog_pos")[0][0]


def seq(gtid):
    return int(gtid.split(",")[0].rsplit("-", 1)[1])


def archived_files(count):
    """Rotate the primary's binlog until the archive holds ``count`` files; their names, oldest first."""
    deadline = time.time() + 30
    while time.time() < deadline:
        names = sorted(n for n in os.listdir(ARCHIVE) if n[-6:].isdigit())
        if len(names) >= count:
            return names
        sql("db-primary", "INSERT INTO shop.app_writes (writer, seq) VALUES ('pitr-test', %d); FLUSH BINARY LOGS"
            % int(time.time() * 1000))
        time.sleep(0.5)
    raise AssertionError("the archive did not reach %d files" % count)


def test_a_missing_binlog_file_fails_before_anything_is_applied(lab, tmp_path):
    names = archived_files(3)
    copy = tmp_path / "binlogs"
    copy.mkdir()
    for name in names:
        shutil.copy(os.path.join(ARCHIVE, name), str(copy / name))
    # Start one transaction before the missing file: the window runs across it.
    domain, (owner, start) = sorted(read_binlog(str(copy / names[1]), head_only=True)["start_state"].items())[0]
    os.unlink(str(copy / names[1]))
    before = position("db-primary")
    result = run_module("binlog_replay", admin_args("db-primary", path=str(copy),
                                                    start_gtid="%d-%d-%d" % (domain, owner, start - 1),
                                                    tables=["shop.users"], rewrite_db={"shop": "shop_gap"}))
    missing = "%s is missing between %s and %s" % (names[1], names[0], names[2])
    assert result.get("failed") and missing in result["msg"], result.get("msg")
    assert "Nothing was applied" in result["msg"]
    assert seq(position("db-primary")) - seq(before) <= 20  # only the app's own writes, no replayed transaction
    schemas = sql("db-primary", "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'shop_gap'")
    assert schemas == [["0"]]


def test_a_stop_point_before_the_backup_is_refused_and_changes_nothing(lab, tmp_path):
    run_playbook("backup.yml")
    status = json.loads(open(os.path.join(LAB_ROOT, "backups", "db-replica-status.json")).read())
    backup_gtid = status["last_good"]["gtid"]
    too_early = "0-1-%d" % (seq(backup_gtid) - 5)
    proc = run_playbook("pitr.yml", "-e", "pitr_target=db-primary", "-e", '{"pitr_tables": ["shop.users"]}',
                        "-e", "pitr_side_schema=shop_early", "-e", "pitr_stop_before_gtid=%s" % too_early,
                        "-e", "notify_file=%s/incident.log" % tmp_path, check=False)
    assert proc.returncode != 0
    assert "is before the start position %s" % backup_gtid in proc.stdout, proc.stdout[-3000:]
    assert "restore an older backup" in proc.stdout
    # Incident notifications: the start, then the failure with its reason and the time it took.
    start, end = (tmp_path / "incident.log").read_text().strip().split("\n\n")
    assert start.startswith("[INCIDENT] PITR of shop.users on db-primary: started")
    assert "replayed up to just before %s" % too_early in start
    assert end.startswith("[FAILED] PITR of shop.users on db-primary: failed") and "Elapsed: " in end
    assert "is before the start position %s" % backup_gtid in end
    # The plan is made before the restore: the side schema was never created.
    assert sql("db-primary", "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'shop_early'") \
        == [["0"]]
