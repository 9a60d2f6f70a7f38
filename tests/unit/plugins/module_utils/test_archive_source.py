"""Repointing an installed binlog archive: the two text edits and which processes are ended."""
import signal

import pytest

from ansible_collections.drkit.mysql.plugins.module_utils.archive_source import (
    ArchiveSourceError,
    current_source,
    descendants,
    end_stream,
    repointed,
    supervisor_pid,
)

CONF = """# Ansible managed
# drkit.mysql binlog archive streamer settings (sourced by drkit-binlog-archive.sh; no secrets here).
# SOURCE=127.0.0.1:3310
ARCHIVE_DIR='/var/tmp/a'
RETRY_SECONDS='1'
"""

CNF = """# Ansible managed
[client]
host=127.0.0.1
port=3310
user=drkit_backup
password="s3cret"
protocol=TCP
[mysql]
connect-timeout=5
"""


def test_current_source_reads_the_source_line():
    assert current_source(CONF) == ("127.0.0.1", 3310)
    assert current_source("ARCHIVE_DIR='/x'\n") is None


def test_repointed_changes_only_host_port_and_source_line():
    conf, cnf = repointed(CONF, CNF, "10.0.2.5", 3312)
    assert current_source(conf) == ("10.0.2.5", 3312)
    assert conf.replace("10.0.2.5:3312", "127.0.0.1:3310") == CONF
    assert "host=10.0.2.5\nport=3312\nuser=drkit_backup\npassword=\"s3cret\"" in cnf
    assert "connect-timeout=5" in cnf


def test_repointed_to_the_same_source_is_unchanged():
    assert repointed(CONF, CNF, "127.0.0.1", 3310) == (CONF, CNF)


def test_repointed_refuses_settings_without_a_source_line():
    with pytest.raises(ArchiveSourceError, match="SOURCE"):
        repointed("ARCHIVE_DIR='/x'\n", CNF, "h", 1)


def fake_proc(tmp_path, processes):
    """processes: {pid: (ppid, cmdline)} as /proc would show them."""
    for pid, (ppid, cmdline) in processes.items():
        directory = tmp_path / str(pid)
        directory.mkdir()
        (directory / "stat").write_text("%d (sh (odd) name) S %d 1 1 0" % (pid, ppid))
        (directory / "cmdline").write_bytes(cmdline.replace(" ", "\0").encode())
    (tmp_path / "self").mkdir()
    return str(tmp_path)


def test_descendants_walks_the_whole_tree_and_nothing_else(tmp_path):
    proc = fake_proc(tmp_path, {
        100: (1, "/bin/sh drkit-binlog-archive.sh --supervise conf"),
        101: (100, "mariadb-binlog --stop-never"),
        102: (100, "/bin/sh"),
        103: (102, "mariadb -e SELECT"),
        200: (1, "unrelated"),
        201: (200, "child of unrelated"),
    })
    assert sorted(descendants(100, proc)) == [101, 102, 103]


def test_end_stream_signals_the_children_not_the_supervisor(tmp_path):
    proc = fake_proc(tmp_path, {100: (1, "/bin/sh drkit-binlog-archive.sh"), 101: (100, "mariadb-binlog"),
                                102: (100, "sleep 1")})
    sent = []

    def kill(pid, sig):
        if pid == 102:
            raise ProcessLookupError(pid)  # ended meanwhile
        sent.append((pid, sig))

    assert end_stream(100, kill=kill, proc=proc) == [101]
    assert sent == [(101, signal.SIGTERM)]


def test_supervisor_pid_needs_a_live_streamer(tmp_path):
    (tmp_path / "proc").mkdir()
    proc = fake_proc(tmp_path / "proc", {
        100: (1, "/bin/sh /a/drkit-binlog-archive.sh --supervise /a/streamer.conf"), 300: (1, "/usr/bin/vim")})
    archive = tmp_path / "archive"
    archive.mkdir()
    assert supervisor_pid(str(archive), proc) is None  # no pid file
    (archive / "streamer.pid").write_text("100\n")
    assert supervisor_pid(str(archive), proc) == 100
    (archive / "streamer.pid").write_text("300\n")
    assert supervisor_pid(str(archive), proc) is None  # pid reused by another program
    (archive / "streamer.pid").write_text("999\n")
    assert supervisor_pid(str(archive), proc) is None  # gone
