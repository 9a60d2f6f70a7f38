"""The backup status file: written after a verified backup, read by topology_facts, judged by the plan."""
import json

from ansible_collections.drkit.mysql.plugins.module_utils.backup_status import (
    backup_warnings,
    read_backup_status,
    status_document,
)

COORDINATES = dict(binlog_file="bin.000002", binlog_position=42, gtid_set="0-1-100")
RESULT = dict(path="/b/db-replica-20261124T070000Z", name="db-replica-20261124T070000Z", size_bytes=1234,
              duration_s=2.5, manifest=dict(engine="dump", coordinates=COORDINATES, verification=dict(ok=True)))


def write(tmp_path, document):
    path = tmp_path / "status.json"
    path.write_text(json.dumps(document))
    return str(path)


def test_status_document_keeps_what_the_preflight_needs():
    last = status_document(RESULT, finished_at=1000.0)["last_good"]
    assert last == dict(path=RESULT["path"], name=RESULT["name"], engine="dump", size=1234, duration_s=2.5,
                        finished_at=1000.0, verified=True, gtid="0-1-100", binlog_file="bin.000002",
                        binlog_position=42)


def test_fresh_and_stale(tmp_path):
    path = write(tmp_path, status_document(RESULT, finished_at=1000.0))
    fresh = read_backup_status(path, now=1000.0 + 3600, max_age_seconds=86400)
    assert fresh["found"] and fresh["fresh"] and fresh["age_seconds"] == 3600 and fresh["problem"] is None
    stale = read_backup_status(path, now=1000.0 + 3 * 86400, max_age_seconds=86400)
    assert stale["fresh"] is False and "is 3.0 days old" in stale["problem"]


def test_unverified_is_not_fresh(tmp_path):
    unverified = dict(RESULT, manifest=dict(RESULT["manifest"], verification=None))
    path = write(tmp_path, status_document(unverified, finished_at=1000.0))
    status = read_backup_status(path, now=1001.0, max_age_seconds=86400)
    assert status["fresh"] is False and "was not verified" in status["problem"]


def test_missing_and_corrupt_files_are_problems_not_exceptions(tmp_path):
    missing = read_backup_status(str(tmp_path / "nope.json"))
    assert not missing["found"] and "no backup status file" in missing["problem"]
    corrupt = tmp_path / "bad.json"
    corrupt.write_text("{not json")
    assert "cannot be read" in read_backup_status(str(corrupt))["problem"]
    assert read_backup_status(None)["problem"] is None


def test_plan_warning_only_when_no_server_has_a_fresh_verified_backup():
    fresh = dict(found=True, age_seconds=600, last_good=dict(verified=True))
    old = dict(found=True, age_seconds=200000, last_good=dict(verified=True))
    assert backup_warnings({"db-replica": fresh, "db-dr": None}, 86400) == []
    assert backup_warnings({"db-replica": old}, 86400) == [
        "the newest verified backup (of db-replica) is 2.3 days old, more than the 24.0 h allowed"]
    assert "no server has a recorded verified backup" in backup_warnings({"db-dr": dict(found=False)}, 86400)[0]
    assert backup_warnings({}, 86400) == []
