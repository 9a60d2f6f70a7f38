"""The binlog archive on the real lab: it follows the primary, survives its streamer being killed, reports its
lag, and gives back a dead primary's last commits that no replica received (RPO 0).

Tests run in file order; the last one kills the primary and rebuilds the lab afterwards.
"""
import os
import signal
import stat
import time

from helpers import LAB_PORTS, LAB_ROOT, admin_args, recap, run_module, run_playbook, sql

ARCHIVE = os.path.join(LAB_ROOT, "db-dr", "binlog-archive")
WRITER_PID = os.path.join(LAB_ROOT, "app1", "writer.pid")
PREFLIGHT = "../tests/integration/playbooks/preflight.yml"


def archive_facts(path=ARCHIVE):
    result = run_module("binlog_archive_facts", dict(path=path))
    assert not result.get("failed"), result
    return result["ansible_facts"]["drkit_binlog_archive"]


def seq(gtid):
    """The seq_no of a one-domain MariaDB position (the lab writes only domain 0)."""
    return int(gtid.split(",")[0].rsplit("-", 1)[1]) if gtid else 0


def binlog_pos(host):
    return sql(host, "SELECT @@gtid_binlog_pos")[0][0]


def wait_for_archive(target_seq, seconds=15):
    deadline = time.time() + seconds
    facts = {}
    while time.time() < deadline:
        facts = archive_facts()
        if seq(facts["gtid_state"]) >= target_seq:
            return facts
        time.sleep(0.2)
    raise AssertionError("the archive did not reach seq %d within %s s: %s" % (target_seq, seconds, facts))


def acked_seqs():
    with open(os.path.join(LAB_ROOT, "app1", "acks.log")) as handle:
        return set(int(line) for line in handle if line.strip())


def test_archive_follows_the_primary_and_keeps_secrets_off_command_lines(lab):
    facts = archive_facts()
    assert facts["streamer"]["running"] and facts["streamer"]["streaming"], facts
    assert facts["source_server_id"] == 1 and facts["first_file"] == "db-primary-bin.000001"
    sql("db-primary", "INSERT INTO shop.app_writes (writer, seq) VALUES ('archive-test', 1), ('archive-test', 2)")
    target = seq(binlog_pos("db-primary"))
    assert seq(wait_for_archive(target)["gtid_state"]) >= target
    for path in [ARCHIVE, facts["directory"]]:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o700
    for name in os.listdir(facts["directory"]):
        assert stat.S_IMODE(os.stat(os.path.join(facts["directory"], name)).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.join(ARCHIVE, "client.cnf")).st_mode) == 0o600
    for pid in [facts["streamer"]["pid"]] + facts["streamer"]["streamer_pids"]:
        with open("/proc/%d/cmdline" % pid, "rb") as handle:
            cmdline = handle.read().split(b"\0")
        assert b"lab-archive-secret" not in b" ".join(cmdline)
        if b"--read-from-remote-server" in cmdline:
            assert cmdline[1].startswith(b"--defaults-extra-file=")


def test_second_run_changes_nothing(lab):
    proc = run_playbook("binlog_archive.yml", "-e", "binlog_archive_keep_source=true")
    assert recap(proc.stdout)["db-dr"]["changed"] == 0, proc.stdout[-3000:]


def test_streamer_restarts_after_being_killed(lab):
    before = archive_facts()["streamer"]
    os.kill(before["streamer_pids"][0], signal.SIGKILL)
    deadline = time.time() + 10
    after = before
    while time.time() < deadline:
        after = archive_facts()["streamer"]
        if after["streamer_pids"] and after["streamer_pids"] != before["streamer_pids"]:
            break
        time.sleep(0.2)
    assert after["pid"] == before["pid"] and after["streamer_pids"] != before["streamer_pids"], (before, after)
    target = seq(binlog_pos("db-primary"))
    wait_for_archive(target)
    assert "resuming the archive of server_id 1" in archive_facts()["log_tail"]


def test_stopped_archive_lag_is_reported_then_it_resumes(lab):
    proc = run_playbook("binlog_archive.yml", "-e", "binlog_archive_state=absent")
    assert recap(proc.stdout)["db-dr"]["changed"] == 1
    assert archive_facts()["streamer"]["running"] is False
    sql("db-primary", "INSERT INTO shop.app_writes (writer, seq) VALUES ('archive-test', 3), ('archive-test', 4)")
    out = run_playbook(PREFLIGHT).stdout
    assert "transaction(s) behind db-primary" in out and "binlog archive on db-dr is not running" in out, out[-3000:]
    proc = run_playbook("binlog_archive.yml", "-e", "binlog_archive_keep_source=true")
    assert recap(proc.stdout)["db-dr"]["changed"] == 1
    wait_for_archive(seq(binlog_pos("db-primary")))


def test_repoint_in_check_mode_changes_nothing_and_shows_no_secret(lab):
    files = dict((name, open(os.path.join(ARCHIVE, name)).read()) for name in ("client.cnf", "streamer.conf"))
    streamer = archive_facts()["streamer"]
    result = run_module("binlog_archive_source", dict(path=ARCHIVE, source_host="127.0.0.1", source_port=3999),
                        check_mode=True, diff=True)
    assert result["changed"] is True and result["restarted"] == "none", result
    assert result["diff"]["before"].endswith(":%d\n" % LAB_PORTS["db-primary"]) and "3999" in result["diff"]["after"]
    assert "lab-archive-secret" not in str(result)
    assert files == dict((name, open(os.path.join(ARCHIVE, name)).read()) for name in files)
    assert archive_facts()["streamer"]["streamer_pids"] == streamer["streamer_pids"]
    same = run_module("binlog_archive_source", dict(path=ARCHIVE, source_host="127.0.0.1",
                                                    source_port=LAB_PORTS["db-primary"]))
    assert same["changed"] is False and same["ended_pids"] == [], same


def test_repoint_of_a_directory_without_an_archive_is_a_clear_failure(tmp_path):
    result = run_module("binlog_archive_source", dict(path=str(tmp_path), source_host="127.0.0.1"))
    assert result["failed"] and "No binlog archive to repoint" in result["msg"], result
    assert "binlog_archive role" in result["msg"]


def test_dead_primary_commits_only_the_archive_has_are_not_lost(rebuilt_after):
    # The DR site and the local replica stop receiving; the primary keeps committing the app's writes.
    sql("db-dr", "STOP SLAVE IO_THREAD")
    sql("db-replica", "STOP SLAVE IO_THREAD")
    time.sleep(1.5)
    with open(WRITER_PID) as handle:
        writer = int(handle.read())
    os.kill(writer, signal.SIGSTOP)  # every commit acknowledged from here on is already in the primary's binlog
    try:
        primary_pos = binlog_pos("db-primary")
        archived = wait_for_archive(seq(primary_pos))
        assert seq(binlog_pos("db-dr")) < seq(primary_pos) and seq(binlog_pos("db-replica")) < seq(primary_pos)
        run_playbook("lab_kill.yml", "-e", "lab_kill=db-primary")
    finally:
        os.kill(writer, signal.SIGCONT)
    acked = acked_seqs()

    started = time.time()
    proc = run_playbook("dr_failover.yml", "-e", "drkit_failover_primary_confirmed_dead=true", check=False)
    elapsed = time.time() - started
    assert proc.returncode == 0, proc.stdout[-5000:]
    assert "Catch db-dr up from the binlog archive on db-dr" in proc.stdout
    assert "RPO is judged against it" in proc.stdout
    print("dr_failover with the archive catch-up took %.1f s" % elapsed)

    # Every transaction the archive held is on the new primary, every acknowledged write with it.
    new_pos = binlog_pos("db-dr")
    assert seq(new_pos) >= seq(archived["gtid_state"]) >= seq(primary_pos)
    present = set(int(r[0]) for r in sql("db-dr", "SELECT seq FROM shop.app_writes WHERE writer = 'app1'"))
    lost = acked - present
    assert acked and not lost, "%d acknowledged commits lost, e.g. %s" % (len(lost), sorted(lost)[:5])

    # A second replay of the old primary's archive into the new primary applies nothing.
    again = run_module("binlog_replay", admin_args("db-dr", path=os.path.join(ARCHIVE, "server-1")))
    assert again.get("failed") is not True and again["changed"] is False, again

    # The archive now streams from the new primary, into its own directory.
    deadline = time.time() + 15
    facts = archive_facts()
    while time.time() < deadline and not (facts["source_server_id"] == 3 and facts["streamer"]["streaming"]):
        time.sleep(0.3)
        facts = archive_facts()
    assert facts["source_server_id"] == 3 and facts["sources"] == [1, 3], facts
    wait_for_archive(seq(binlog_pos("db-dr")))
