"""binlog_events on the real lab: an UPDATE without WHERE is found by table, type and time window, in the binlog
archive and through the server, with the row count and GTID the server reported for it."""
import os
import time

from helpers import LAB_ROOT, admin_args, run_module, sql

ARCHIVE = os.path.join(LAB_ROOT, "db-dr", "binlog-archive")
ROWS = 500


def archived_seq():
    facts = run_module("binlog_archive_facts", dict(path=ARCHIVE))["ansible_facts"]["drkit_binlog_archive"]
    return int(facts["gtid_state"].split(",")[0].rsplit("-", 1)[1]) if facts["gtid_state"] else 0


def test_update_without_where_is_found_with_its_rows_and_gtid(lab):
    sql("db-primary", "DROP DATABASE IF EXISTS drk_events; CREATE DATABASE drk_events; "
                      "CREATE TABLE drk_events.points (id INT PRIMARY KEY, owner VARCHAR(20), points INT NOT NULL); "
                      "INSERT INTO drk_events.points SELECT seq, CONCAT('u', seq), seq "
                      "FROM drk_events.seq_1_to_%d" % ROWS)
    window_start = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(time.time() - 1))
    # The damage, and what the server says it did: rows changed and the transaction's GTID.
    [[changed, gtid]] = sql("db-primary", "UPDATE drk_events.points SET points = 0; SELECT ROW_COUNT(), @@last_gtid")
    # The window ends at the next whole second (exclusive); a later, smaller update falls after it.
    stop = int(time.time()) + 1
    window_stop = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(stop))
    time.sleep(max(0.0, stop + 0.05 - time.time()))
    sql("db-primary", "UPDATE drk_events.points SET points = 1 WHERE id = 1")
    assert int(changed) == ROWS
    try:
        deadline = time.time() + 20
        while archived_seq() < int(gtid.rsplit("-", 1)[1]) and time.time() < deadline:
            time.sleep(0.2)
        search = dict(tables=["drk_events.points"], types=["update"], start_datetime=window_start,
                      stop_datetime=window_stop)
        # In the binlog archive, column names from the server's information_schema.
        in_archive = run_module("binlog_events", admin_args("db-primary", path=ARCHIVE, **search))
        assert not in_archive.get("failed"), in_archive
        assert in_archive["count"] == 1, in_archive["events"]  # the later update is outside the window
        [found] = in_archive["events"]
        assert found["gtid"] == gtid and found["rows"] == int(changed)
        assert found["sql"] == "UPDATE drk_events.points SET points = 0" and found["full_image"]
        assert found["columns"] == ["id", "owner", "points"] and in_archive["column_source"] == "server"
        # Through the server (mariadb-binlog --read-from-remote-server --raw), with the row images; check mode is
        # the same search.
        current_file = sql("db-primary", "SHOW MASTER STATUS")[0][0]
        remote = run_module("binlog_events", admin_args("db-primary", from_server=True, files=[current_file],
                                                        with_rows=True, max_rows=3, gtids=[gtid], **search),
                            check_mode=True)
        assert not remote.get("failed"), remote
        assert [(e["gtid"], e["rows"]) for e in remote["events"]] == [(gtid, ROWS)] and not remote["changed"]
        later = run_module("binlog_events", admin_args("db-primary", path=ARCHIVE, tables=["drk_events.points"],
                                                       types=["update"], start_datetime=window_stop))
        assert [e["rows"] for e in later["events"]] == [1]
        assert remote["events"][0]["row_images"] == [
            dict(before=dict(id=n, owner="u%d" % n, points=n), after=dict(id=n, owner="u%d" % n, points=0))
            for n in (1, 2, 3)]
        assert remote["events"][0]["rows_truncated"]
    finally:
        sql("db-primary", "DROP DATABASE IF EXISTS drk_events")
