"""Reading the archive directory and judging its lag behind the primary."""
import os

from ansible_collections.drkit.mysql.plugins.module_utils.binlog_archive import (
    archive_lag,
    binlog_files,
    read_archive,
    streamer_state,
)

from binlog_builder import binlog, gtid, rotate, rows, transaction


def archive(tmp_path, files, server_id=1, link=True):
    source = tmp_path / ("server-%d" % server_id)
    source.mkdir()
    for name, data in files.items():
        (source / name).write_bytes(data)
    (tmp_path / "streamer.log").write_text("x\n")
    if link:
        os.symlink("server-%d" % server_id, str(tmp_path / "current"))
    return str(tmp_path)


def primary(executed, file, position, server_id=1):
    return dict(flavor="mariadb", server_id=server_id, gtid=dict(executed=executed),
                binlog=dict(file=file, position=position))


def test_files_are_ordered_by_number_and_others_ignored(tmp_path):
    for name in ["db-bin.000010", "db-bin.000009", "db-bin.index", "notes.txt", "db-bin.1000000"]:
        (tmp_path / name).write_bytes(b"")
    assert binlog_files(str(tmp_path)) == ["db-bin.000009", "db-bin.000010", "db-bin.1000000"]


def test_archive_position_is_last_file_gtid_list_plus_its_transactions(tmp_path):
    path = archive(tmp_path, {
        "db-bin.000001": binlog(transaction(0, 1, 1), transaction(0, 1, 2), rotate("db-bin.000002")),
        "db-bin.000002": binlog(transaction(0, 1, 3), gtid(0, 1, 4), rows(), start=[(0, 1, 2)]),
    })
    facts = read_archive(path)
    assert facts["source_server_id"] == 1 and facts["sources"] == [1]
    assert facts["first_file"] == "db-bin.000001" and facts["last_file"] == "db-bin.000002"
    assert facts["start_gtid"] == "" and facts["gtid_state"] == "0-1-3" and facts["last_gtid"] == "0-1-3"
    assert facts["partial_gtid"] == "0-1-4" and facts["file_count"] == 2


def test_freshly_rotated_file_keeps_the_position(tmp_path):
    path = archive(tmp_path, {"db-bin.000007": binlog(start=[(0, 1, 90)])}, link=False)
    facts = read_archive(str(tmp_path / "server-1"))
    assert facts["gtid_state"] == "0-1-90" and facts["last_gtid"] == "0-1-90"
    assert read_archive(path)["file_count"] == 0  # no current link: the top directory itself has no binlog


def test_lag_in_transactions_and_bytes(tmp_path):
    data = binlog(transaction(0, 1, 1), transaction(0, 1, 2))
    facts = read_archive(archive(tmp_path, {"db-bin.000001": data}))
    lag = archive_lag(facts, primary("0-1-5", "db-bin.000001", len(data) + 300))
    assert lag["missing_count"] == 3 and lag["missing_gtid"] == "0-1-3..5" and lag["bytes_behind"] == 300
    assert lag["files_behind"] == 0 and not lag["current"]
    lag = archive_lag(facts, primary("0-1-2", "db-bin.000003", 100))
    assert lag["current"] and lag["files_behind"] == 2 and lag["bytes_behind"] is None
    other = archive_lag(facts, primary("0-1-2", "dr-bin.000001", 100, server_id=3))
    assert other["current"] and other["same_source"] is False and other["files_behind"] is None
    assert archive_lag(facts, None) is None


def test_streamer_state_without_a_live_pid(tmp_path):
    assert streamer_state(str(tmp_path / "none.pid"))["running"] is False
    pidfile = tmp_path / "dead.pid"
    pidfile.write_text("999999999\n")
    assert streamer_state(str(pidfile)) == dict(running=False, pid=None, streamer_pids=[], streaming=False)
    pidfile.write_text("%d\n" % os.getpid())
    assert streamer_state(str(pidfile))["running"] is True
