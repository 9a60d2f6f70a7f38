"""The offline binlog reader on a real MariaDB 10.11 file and on files built byte by byte."""
import os

import pytest

from ansible_collections.drkit.mysql.plugins.module_utils.binlog import BinlogError, gtid_state_text, read_binlog

from binlog_builder import binlog, gtid, query, rotate, rows, transaction, xid

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "binlog", "mariadb-10.11-rotated.000002")


def write(tmp_path, data, name="db-bin.000001"):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_real_file_gtid_list_transactions_and_ddl():
    info = read_binlog(FIXTURE, with_transactions=True)
    assert info["start_state"] == {0: (1, 1330)}
    assert info["first_gtid"] == "0-1-1331" and info["last_gtid"] == "0-1-1355"
    assert info["transactions"] == 25 and len(info["gtids"]) == 25  # 23 app inserts, a CREATE and a DROP TABLE
    assert gtid_state_text(info["end_state"]) == "0-1-1355"
    assert info["partial_bytes"] == 0 and info["partial_gtid"] is None
    assert info["gtids"][0] == (0, 1, 1331, 347)  # after the Gtid_list and Binlog_checkpoint events


def test_real_file_cut_inside_an_event(tmp_path):
    data = open(FIXTURE, "rb").read()
    info = read_binlog(FIXTURE, with_transactions=True)
    last_start = info["gtids"][-1][3]
    path = write(tmp_path, data[:last_start + 50])  # inside the last transaction's second event
    cut = read_binlog(path)
    assert cut["last_gtid"] == "0-1-1354" and gtid_state_text(cut["end_state"]) == "0-1-1354"
    assert cut["partial_gtid"] == "0-1-1355"
    assert cut["complete_until"] < last_start + 50 and cut["partial_bytes"] == last_start + 50 - cut["complete_until"]


def test_transaction_without_its_commit_is_not_archived(tmp_path):
    path = write(tmp_path, binlog(transaction(0, 1, 11), gtid(0, 1, 12), rows(), start=[(0, 1, 10)]))
    info = read_binlog(path)
    assert info["last_gtid"] == "0-1-11" and info["partial_gtid"] == "0-1-12" and info["partial_bytes"] == 0
    assert gtid_state_text(info["end_state"]) == "0-1-11"


def test_ddl_and_commit_queries_end_groups(tmp_path):
    events = [gtid(0, 1, 1, standalone=True), query(b"CREATE TABLE t (id INT)"),
              gtid(0, 1, 2), rows(), query(b"COMMIT"),
              gtid(0, 1, 3), query(b"INSERT INTO myisam_t VALUES (1)"), query(b"ROLLBACK")]
    info = read_binlog(write(tmp_path, binlog(*events)))
    assert info["transactions"] == 3 and info["last_gtid"] == "0-1-3"


def test_domains_and_server_ids(tmp_path):
    events = [transaction(0, 1, 5), transaction(1, 2, 40), transaction(0, 3, 6), rotate("db-bin.000002")]
    info = read_binlog(write(tmp_path, binlog(*events, start=[(0, 1, 4), (1, 2, 39), (0, 9, 2)])))
    assert info["start_state"] == {0: (1, 4), 1: (2, 39)}
    assert gtid_state_text(info["end_state"]) == "0-3-6,1-2-40"
    assert info["rotated_to"] == "db-bin.000002"


def test_empty_and_foreign_files(tmp_path):
    assert read_binlog(write(tmp_path, b"\xfeb", "a.000001"))["partial_bytes"] == 2
    with pytest.raises(BinlogError, match="not a binary log"):
        read_binlog(write(tmp_path, b"hello world", "b.000001"))


def test_xid_alone_is_not_a_transaction(tmp_path):
    info = read_binlog(write(tmp_path, binlog(xid(), transaction(0, 1, 1))))
    assert info["transactions"] == 1


def test_head_only_reads_the_gtid_list_and_stops():
    head = read_binlog(FIXTURE, head_only=True)
    assert head["start_state"] == {0: (1, 1330)} and head["transactions"] == 0 and head["last_gtid"] is None
