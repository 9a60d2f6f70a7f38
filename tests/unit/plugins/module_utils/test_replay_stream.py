"""The SQL stream between mariadb-binlog and the client: skipped transactions, chosen tables, new GTIDs."""
import io
import os

import pytest

from ansible_collections.drkit.mysql.plugins.module_utils.replay_stream import (
    Progress,
    ReplayFilter,
    StreamError,
    pump,
    read_fraction,
    run_pipeline,
)

# mariadb-binlog 10.11 output (shape recorded on the lab; base64 shortened).
HEAD = """/*!50530 SET @@SESSION.PSEUDO_SLAVE_MODE=1*/;
DELIMITER /*!*/;
# at 4
#261124 10:13:42 server id 1  end_log_pos 256 CRC32 0x372ba150 \tStart: binlog v 4, server v 10.11.19
BINLOG '
VmMFaw8BAAAA/AAAAAABAAAAAAQAMTAuMTEuMTktTWFyaWFEQi0wK2RlYjEydTEtbG9nAAAAAAAA
'/*!*/;
# at 256
#261124 10:13:42 server id 1  end_log_pos 285 CRC32 0xbfa94c91 \tGtid list []
"""


def trx(seq, table, first=False):
    session = ("/*M!100001 SET @@session.gtid_domain_id=0*//*!*/;\n"
               "/*M!100001 SET @@session.server_id=1*//*!*/;\n") if first else ""
    return ("""# at %(at)d
#261124 10:14:17 server id 1  end_log_pos 708790 CRC32 0xcc1348b4 \tGTID 0-1-%(seq)d trans
%(session)s/*M!100001 SET @@session.gtid_seq_no=%(seq)d*//*!*/;
START TRANSACTION
/*!*/;
# at 708790
# at 708880
#261124 10:14:17 server id 1  end_log_pos 708880 CRC32 0xc2b7c38c \tAnnotate_rows:
#Q> INSERT INTO %(table)s VALUES (1)
#261124 10:14:17 server id 1  end_log_pos 708975 CRC32 0x3 \tTable_map: `shop_pitr`.`%(table)s` mapped to number 29
# at 708975
#261124 10:14:17 server id 1  end_log_pos 709039 CRC32 0x7b83235f \tWrite_rows: table id 29 flags: STMT_END_F

BINLOG '
ROWS-OF-%(table)s-%(seq)d
'/*!*/;
# Number of rows: 1
# at 709039
#261124 10:14:17 server id 1  end_log_pos 709070 CRC32 0x57580fcf \tXid = 189
COMMIT/*!*/;
""" % dict(at=1000 + seq, seq=seq, table=table, session=session))


DDL = """# at 9000
#261124 10:14:18 server id 1  end_log_pos 9042 CRC32 0x7aec1ff5 \tGTID 0-1-9 ddl
/*M!100001 SET @@session.gtid_seq_no=9*//*!*/;
# at 9042
#261124 10:14:18 server id 1  end_log_pos 9200 CRC32 0x7aec1ff6 \tQuery\tthread_id=5\texec_time=0\terror_code=0\txid=0
use `shop_pitr`/*!*/;
SET TIMESTAMP=1795515258/*!*/;
CREATE TABLE audit (id INT)
/*!*/;
"""
TAIL = """DELIMITER ;
# End of log file
ROLLBACK /* added by mysqlbinlog */;
/*!100001 SET @@SESSION.SERVER_ID=@@GLOBAL.SERVER_ID */;
"""


def run(text, **options):
    stream_filter = ReplayFilter(**options)
    out = io.BytesIO()
    pump(io.BytesIO(text.encode()), out, stream_filter)
    return out.getvalue().decode(), stream_filter


def test_a_skipped_transaction_is_left_out_whole_and_the_server_id_kept():
    text = HEAD + trx(7, "users", first=True) + trx(8, "users") + TAIL
    out, stream_filter = run(text, skip_gtids=["0-1-7"])
    assert "ROWS-OF-users-7" not in out and "gtid_seq_no=7" not in out
    assert "ROWS-OF-users-8" in out and "gtid_seq_no=8" in out
    assert "SET @@session.server_id=1" in out  # printed once, with the first (skipped) transaction
    assert out.endswith(TAIL) and stream_filter.skipped == ["0-1-7"]


def test_only_chosen_tables_and_no_statements_in_a_partial_replay():
    text = HEAD + trx(7, "users", first=True) + trx(8, "app_writes") + DDL + TAIL
    out, stream_filter = run(text, tables=[("shop_pitr", "users")], new_gtids=True)
    assert "ROWS-OF-users-7" in out and "ROWS-OF-app_writes-8" not in out
    assert "CREATE TABLE audit" not in out and stream_filter.dropped_statements == 1
    assert out.count("COMMIT/*!*/;") == 2 and "VmMFaw8BAAAA" in out  # the format description stays
    assert "gtid_seq_no" not in out and "@@session.server_id=1" not in out and "gtid_domain_id=0" not in out


def test_a_row_statement_on_chosen_and_other_tables_stops_the_replay():
    mixed = trx(7, "users").replace(
        "# at 708975\n", "#261124 10:14:17 server id 1  end_log_pos 1 CRC32 0x1 \tTable_map: `shop_pitr`.`audit` "
                         "mapped to number 30\n# at 708975\n")
    with pytest.raises(StreamError, match="shop_pitr.users, shop_pitr.audit"):
        run(HEAD + mixed, tables=[("shop_pitr", "users")])


def test_commit_statements_pass_a_partial_replay():
    commit = """# at 50
#261124 10:14:18 server id 1  end_log_pos 60 CRC32 0x1 \tQuery\tthread_id=5\texec_time=0\terror_code=0
SET TIMESTAMP=1795515258/*!*/;
COMMIT
/*!*/;
"""
    out, _filter = run(HEAD + commit + TAIL, databases=["shop_pitr"])
    assert "COMMIT\n/*!*/;" in out


def test_plain_copy_counts_transactions_across_chunk_seams(monkeypatch):
    from ansible_collections.drkit.mysql.plugins.module_utils import replay_stream
    for size in range(5, 40):  # chunk sizes that cut the markers everywhere
        monkeypatch.setattr(replay_stream, "CHUNK", size)
        text = HEAD + "".join(trx(seq, "users", first=seq == 1) for seq in range(1, 6)) + TAIL
        progress = Progress(5, None)
        out = io.BytesIO()
        pump(io.BytesIO(text.encode()), out, None, progress)
        assert out.getvalue().decode() == text and progress.sent == 5, size


def test_progress_lines_say_how_far_and_how_long(tmp_path):
    now = [100.0]
    path = tmp_path / "progress"
    progress = Progress(200, str(path), interval=5, clock=lambda: now[0])
    for seq in range(1, 51):
        progress.gtid("0-1-%d" % seq)
    progress.tick()
    assert not path.exists()  # not yet 5 s
    now[0] = 110.0
    progress.tick()
    progress.tick(final=True)
    first, last = path.read_text().splitlines()
    assert "replaying 50/200 transactions (25%) in 10 s, 5/s, last 0-1-50, about 30 s left" in first
    assert " done 50/200" in last


def test_the_pipes_around_the_pump_get_a_mebibyte():
    import fcntl
    import subprocess

    from ansible_collections.drkit.mysql.plugins.module_utils.replay_stream import CHUNK, widen_pipes

    proc = subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        widen_pipes(proc.stdout, proc.stdin, object())  # an object without a descriptor is left alone
        assert fcntl.fcntl(proc.stdout.fileno(), getattr(fcntl, "F_GETPIPE_SZ", 1032)) == CHUNK
        assert fcntl.fcntl(proc.stdin.fileno(), getattr(fcntl, "F_GETPIPE_SZ", 1032)) == CHUNK
    finally:
        proc.stdin.close()
        proc.stdout.close()
        proc.wait()


def test_read_fraction_from_the_position_of_the_open_file(tmp_path):
    first, second = tmp_path / "binlog.000001", tmp_path / "binlog.000002"
    first.write_bytes(b"a" * 1000)
    second.write_bytes(b"b" * 3000)
    with open(str(second), "rb", buffering=0) as handle:  # the file position is what was read
        handle.read(1000)
        assert read_fraction(os.getpid(), [str(first), str(second)]) == 0.5
    assert read_fraction(os.getpid(), [str(first), str(second)]) is None  # neither open
    assert read_fraction(os.getpid(), []) is None


def test_without_a_filter_the_programs_share_one_pipe_and_progress_ends_complete(tmp_path):
    source = tmp_path / "binlog.000001"
    source.write_bytes(b"SELECT 1;\n" * 10000)
    sink = tmp_path / "received"
    progress = Progress(7, str(tmp_path / "progress"), interval=0.0)
    outcome = run_pipeline(["cat", str(source)], ["sh", "-c", "cat > %s" % sink], str(tmp_path), None, progress)
    assert (outcome["binlog_rc"], outcome["client_rc"], outcome["error"]) == (0, 0, None)
    assert sink.read_bytes() == source.read_bytes()
    assert progress.sent == 7 and "done 7/7 transactions" in (tmp_path / "progress").read_text()


def test_without_a_filter_a_failing_client_stops_the_reader(tmp_path):
    source = tmp_path / "binlog.000001"
    source.write_bytes(b"x" * (8 << 20))
    outcome = run_pipeline(["cat", str(source)], ["sh", "-c", "head -c 10 >/dev/null; echo refused >&2; exit 3"],
                           str(tmp_path), None, Progress(5))
    assert outcome["client_rc"] == 3 and "refused" in outcome["client_stderr"]
    assert outcome["binlog_rc"] != 0  # SIGPIPE: it did not go on reading into a dead pipe
