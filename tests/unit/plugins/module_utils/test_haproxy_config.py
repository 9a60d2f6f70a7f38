"""haproxy_config: one server line moves, everything else stays byte for byte."""
import pytest

from ansible_collections.drkit.mysql.plugins.module_utils.haproxy_config import (
    HAProxyConfigError,
    format_address,
    set_server_address,
    split_address,
)

CONFIG = """global
    stats socket /run/haproxy/admin.sock mode 600 level admin

defaults
    mode tcp

# writes go here
listen mysql_writer
    bind 127.0.0.1:3306
    server primary 10.0.1.10:3306 check inter 1s   # the primary

backend mysql_readers
    server primary 10.0.1.11:3306 check
    server r2 10.0.1.12:3306 check disabled
"""


def test_only_the_address_of_the_one_line_changes():
    after, old, new = set_server_address(CONFIG, "mysql_writer", "primary", "10.0.2.15", 3307)
    assert (old, new) == ("10.0.1.10:3306", "10.0.2.15:3307")
    changed = [(a, b) for a, b in zip(CONFIG.splitlines(), after.splitlines()) if a != b]
    assert changed == [("    server primary 10.0.1.10:3306 check inter 1s   # the primary",
                        "    server primary 10.0.2.15:3307 check inter 1s   # the primary")]
    assert len(after.splitlines()) == len(CONFIG.splitlines())


def test_a_server_of_the_same_name_in_another_backend_is_left_alone():
    after, old = set_server_address(CONFIG, "mysql_readers", "primary", "10.0.2.15", 3306)[:2]
    assert old == "10.0.1.11:3306"
    assert "server primary 10.0.1.10:3306 check inter 1s" in after


def test_the_same_address_is_no_change():
    after, old, new = set_server_address(CONFIG, "mysql_writer", "primary", "10.0.1.10", 3306)
    assert after == CONFIG and old == new


def test_a_disabled_server_is_enabled():
    after = set_server_address(CONFIG, "mysql_readers", "r2", "10.0.2.15", 3306)[0]
    assert "    server r2 10.0.2.15:3306 check\n" in after


def test_missing_backend_or_server_says_which():
    with pytest.raises(HAProxyConfigError, match="no 'backend mysql_rw'"):
        set_server_address(CONFIG, "mysql_rw", "primary", "10.0.2.15", 3306)
    with pytest.raises(HAProxyConfigError, match="no 'server db1 <address>'"):
        set_server_address(CONFIG, "mysql_writer", "db1", "10.0.2.15", 3306)


def test_a_file_without_a_final_newline():
    text = "backend b\n  server s 1.2.3.4:1"
    after = set_server_address(text, "b", "s", "5.6.7.8", 2)[0]
    assert after == "backend b\n  server s 5.6.7.8:2"


def test_ipv6_addresses():
    assert format_address("fd00::5", 3306) == "[fd00::5]:3306"
    assert split_address("[fd00::5]:3306") == ("fd00::5", 3306)
    assert split_address("10.0.0.1:3306") == ("10.0.0.1", 3306)
    assert split_address("db1") == ("db1", None)
