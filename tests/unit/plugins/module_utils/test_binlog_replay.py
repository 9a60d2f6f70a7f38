"""Replay command lines (MariaDB and MySQL) and what the server already has of a window."""
import pytest

from ansible_collections.drkit.mysql.plugins.module_utils.binlog_replay import (
    ReplayError,
    binlog_command,
    client_command,
    mysql_binlog_command,
    overlap,
    state_from_gtid,
)
from ansible_collections.drkit.mysql.plugins.module_utils.option_file import client_options, render

UUID = "3e11fa47-71ca-11e1-9e33-c80aa9429562"
OTHER = "4e11fa47-71ca-11e1-9e33-c80aa9429562"


def test_positions_are_parsed_strictly():
    assert state_from_gtid("0-1-100,1-2-5") == {0: (1, 100), 1: (2, 5)}
    assert state_from_gtid("") == {}
    with pytest.raises(ReplayError, match="not a GTID position"):
        state_from_gtid("0-1-5..9")


def test_commands_carry_no_credentials():
    argv = binlog_command("/usr/bin/mariadb-binlog", ["/a/b.000002", "/a/b.000003"], "0-1-100", 4711,
                          {"shop": "shop_pitr"}, "shop")
    assert argv == ["/usr/bin/mariadb-binlog", "--start-position=0-1-100", "--stop-position=4711",
                    "--rewrite-db=shop->shop_pitr", "--database=shop", "/a/b.000002", "/a/b.000003"]
    assert binlog_command("mariadb-binlog", ["f"]) == ["mariadb-binlog", "f"]
    client = client_command("/usr/bin/mariadb", "/tmp/x/client.cnf")
    assert client[1] == "--defaults-extra-file=/tmp/x/client.cnf"  # the client wants it first
    assert not any("password" in arg for arg in client)


def test_mysqlbinlog_excludes_what_the_target_has_and_the_skipped_transactions():
    argv = mysql_binlog_command("mysqlbinlog", ["b.000007"], executed="%s:1-100,%s:1-5" % (UUID.upper(), OTHER),
                                skip_gtids=["%s:101" % UUID], stop_offset=900, rewrite_db={"shop": "shop_pitr"},
                                database="shop")
    assert argv == ["mysqlbinlog", "--exclude-gtids=%s:1-101,%s:1-5" % (UUID, OTHER), "--stop-position=900",
                    "--rewrite-db=shop->shop_pitr", "--database=shop", "b.000007"]
    only = mysql_binlog_command("mysqlbinlog", ["b.1"], include_gtids="%s:5-9" % UUID)
    assert only == ["mysqlbinlog", "--include-gtids=%s:5-9" % UUID, "b.1"]


def test_overlap_of_the_window_with_what_the_server_has():
    start = {0: (1, 100)}
    assert overlap("0-1-100", start, "0-1-150") == ""
    assert overlap("0-1-150", start, "0-1-150") == "all"
    assert overlap("0-1-170,1-2-3", start, "0-1-150") == "all"
    assert overlap("0-1-120", start, "0-1-150") == "0-?-101..120"
    assert overlap("", {}, "0-1-3") == ""


def test_option_file_for_the_client_quotes_the_password_and_keeps_the_timeout():
    text = render(client_options(dict(login_user="admin", login_password='se"cr\\et', login_host="10.0.0.5",
                                      login_port=3306, connect_timeout=3), connect_timeout=True))
    assert '[client]\nuser="admin"\npassword="se\\"cr\\\\et"\nhost="10.0.0.5"\nport=3306\nprotocol="TCP"\n' in text
    assert "connect-timeout=3" in text
    assert "connect-timeout" not in render(client_options(dict(login_user="a", connect_timeout=3)))
    with pytest.raises(ValueError, match="line breaks"):
        render(client_options(dict(login_password="a\nb")))
