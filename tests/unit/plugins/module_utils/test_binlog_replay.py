"""Planning a replay from the archive: which files, which transactions, which commands."""
import pytest

from ansible_collections.drkit.mysql.plugins.module_utils.binlog import read_binlog
from ansible_collections.drkit.mysql.plugins.module_utils.binlog_replay import (
    ReplayError,
    already_applied,
    binlog_command,
    client_command,
    expected_gtids,
    option_file_text,
    scan_gtids,
    select_files,
    state_from_gtid,
)

from binlog_builder import binlog, transaction

OUTPUT = """# at 699088
#261124  7:13:07 server id 1  end_log_pos 699130 CRC32 0x974bab23 \tGTID 0-1-121 trans
/*M!100001 SET @@session.gtid_seq_no=121*//*!*/;
#Q> INSERT INTO t VALUES ('\tGTID 0-1-999 trans')
#261124  7:13:07 server id 1  end_log_pos 699452 CRC32 0xf9fcb936 \tGTID 0-1-122 trans
#261124  7:15:15 server id 1  end_log_pos 5267 CRC32 0x1d5ddef2 \tGTID 1-2-7 ddl
#261124  7:15:13 server id 1  end_log_pos 299 CRC32 0x3ede39cb \tGtid list [0-1-1330]
"""


def test_gtids_are_scanned_from_event_headers_only():
    assert scan_gtids(OUTPUT.splitlines()) == ["0-1-121", "0-1-122", "1-2-7"]
    assert scan_gtids([line.encode() for line in OUTPUT.splitlines()]) == ["0-1-121", "0-1-122", "1-2-7"]


def test_a_transaction_the_server_has_is_caught():
    assert already_applied(["0-1-121", "0-1-122", "1-2-7"], "0-1-121,1-5-3") == ["0-1-121"]
    assert already_applied(["0-1-122"], "0-1-121") == []


def test_first_file_is_the_newest_the_position_covers():
    files = [("b.000001", {}), ("b.000002", {0: (1, 100)}), ("b.000003", {0: (1, 200)})]
    assert select_files(files, {0: (1, 150)}) == 1
    assert select_files(files, {0: (1, 200)}) == 2
    assert select_files(files, {0: (1, 50)}) == 0
    assert select_files(files[1:], {0: (1, 100), 1: (2, 5)}) == 0
    with pytest.raises(ReplayError, match="would leave a gap"):
        select_files(files[1:], {0: (1, 99)})
    with pytest.raises(ReplayError, match="no binlog file"):
        select_files([], {})


def test_expected_transactions_after_the_position_and_up_to_the_stop(tmp_path):
    path = tmp_path / "b.000001"
    path.write_bytes(binlog(*[transaction(0, 1, seq) for seq in range(1, 6)], transaction(1, 2, 1)))
    infos = [read_binlog(str(path), with_transactions=True)]
    assert expected_gtids(infos, {0: (1, 3)}) == ["0-1-4", "0-1-5", "1-2-1"]
    assert expected_gtids(infos, {0: (1, 3)}, stop_state={0: (1, 4)}) == ["0-1-4"]
    assert expected_gtids(infos, {0: (1, 5), 1: (2, 1)}) == []


def test_positions_are_parsed_strictly():
    assert state_from_gtid("0-1-100,1-2-5") == {0: (1, 100), 1: (2, 5)}
    assert state_from_gtid("") == {}
    with pytest.raises(ReplayError, match="not a GTID position"):
        state_from_gtid("0-1-5..9")


def test_commands_carry_no_credentials():
    argv = binlog_command("/usr/bin/mariadb-binlog", ["/a/b.000002", "/a/b.000003"], "0-1-100", "0-1-150",
                          "2026-11-24 09:14:00")
    assert argv == ["/usr/bin/mariadb-binlog", "--start-position=0-1-100", "--stop-position=0-1-150",
                    "--stop-datetime=2026-11-24 09:14:00", "/a/b.000002", "/a/b.000003"]
    assert binlog_command("mariadb-binlog", ["f"]) == ["mariadb-binlog", "f"]
    client = client_command("/usr/bin/mariadb", "/tmp/x/client.cnf")
    assert client[1] == "--defaults-extra-file=/tmp/x/client.cnf"  # the client wants it first
    assert not any("password" in arg for arg in client)


def test_option_file_quotes_the_password():
    text = option_file_text(dict(login_user="admin", login_password='se"cr\\et', login_host="10.0.0.5",
                                 login_port=3306, connect_timeout=3))
    assert '[client]\nuser="admin"\npassword="se\\"cr\\\\et"\nhost="10.0.0.5"\nport="3306"\n' in text
    assert "protocol=TCP" in text and "connect-timeout=3" in text
    with pytest.raises(ReplayError, match="newline"):
        option_file_text(dict(login_password="a\nb"))
