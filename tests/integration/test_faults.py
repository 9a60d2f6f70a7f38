"""Issue 7's fault matrix (docs/RELIABILITY.md): faults injected into a real DR run, each with its expected outcome
and the proof that no committed transaction was lost.

Tests run in file order on the session lab. The refusals first (nothing changes); then faults that kill the
primary before, during and after the fence, each on a fresh lab (one reset per failover, the cost of a real
primary death), with the re-run that finishes the job and the old primary coming back read-only.
"""
import json
import os
import signal
import subprocess
import sys
import threading
import time


from test_dr_failover import APP_CONFIG, DR_PORT, PRIMARY_PORT, assert_no_acked_write_lost, assert_untouched, \
    source_port, variable, wait_for_app_on

from helpers import COLLECTIONS, LAB_PORTS, LAB_ROOT, ROOT, ansible_env, run_module, run_playbook, sql

sys.path.insert(0, COLLECTIONS)
from ansible_collections.drkit.mysql.plugins.module_utils.binlog import read_binlog  # noqa: E402

LOCK = os.path.join(ROOT, "reports", ".dr_run.lock")


def failover(*extra, **kwargs):
    return run_playbook("dr_failover.yml", *extra, check=False, **kwargs)


def start_failover(*extra):
    """dr_failover.yml in the background, its output read line by line (PYTHONUNBUFFERED)."""
    return subprocess.Popen(["ansible-playbook", "-i", os.path.join(ROOT, "inventories", "lab"),
                             os.path.join(ROOT, "playbooks", "dr_failover.yml")] + list(extra),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT,
                            env=ansible_env(PYTHONUNBUFFERED="1"))


def binlog_pos(host):
    return sql(host, "SELECT @@gtid_binlog_pos")[0][0]


def gtid_wait(host, position, seconds=30):
    """MASTER_GTID_WAIT on ``host``: 0 once it has applied ``position``."""
    return sql(host, "SELECT MASTER_GTID_WAIT('%s', %d)" % (position, seconds))[0][0]


def checksum(host, table):
    return sql(host, "CHECKSUM TABLE %s EXTENDED" % table)[0][1]


def writable_servers():
    """Every running lab server that takes writes (read_only=0), read in its own statement."""
    found = []
    for host in LAB_PORTS:
        try:
            if variable(host, "read_only") == "0":
                found.append(host)
        except AssertionError:
            pass  # not running
    return found


def test_replica_sql_thread_stopped_with_an_error_is_refused(lab):
    # A row on db-dr alone (not binlogged: no errant GTID), then the same key on the primary: error 1062 on db-dr.
    sql("db-primary", "CREATE TABLE shop.fault_dup (id INT PRIMARY KEY, note VARCHAR(20))")
    assert gtid_wait("db-dr", binlog_pos("db-primary")) == "0"
    sql("db-dr", "SET SESSION sql_log_bin = 0; INSERT INTO shop.fault_dup VALUES (1, 'dr only')")
    sql("db-primary", "INSERT INTO shop.fault_dup VALUES (1, 'primary')")
    deadline = time.time() + 10
    while time.time() < deadline and "1062" not in str(sql("db-dr", "SHOW SLAVE STATUS")):
        time.sleep(0.1)
    try:
        proc = failover()
        assert proc.returncode != 0
        assert "REFUSED: nothing was changed." in proc.stdout
        assert "db-dr's replication SQL thread is stopped" in proc.stdout and "(error 1062: " in proc.stdout, \
            proc.stdout[-3000:]
        assert_untouched()
        assert not os.path.exists(LOCK)
    finally:
        # Repair: the replica's own row out (not binlogged), replication on; it applies the primary's row.
        sql("db-dr", "SET SESSION sql_log_bin = 0; DELETE FROM shop.fault_dup WHERE id = 1; START SLAVE")
    # Nothing the primary committed is lost on the candidate: it applies up to the primary's position, same rows.
    assert gtid_wait("db-dr", binlog_pos("db-primary")) == "0"
    assert checksum("db-dr", "shop.fault_dup") == checksum("db-primary", "shop.fault_dup")
    sql("db-primary", "DROP TABLE shop.fault_dup")


class SlowWebhook(object):
    """An incident webhook whose first POST is answered only when ``release()`` is called: the run sending it
    holds the DR lock meanwhile."""

    def __init__(self):
        import http.server

        self.first = threading.Event()
        self.gate = threading.Event()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if not outer.first.is_set():
                    outer.first.set()
                    outer.gate.wait(60)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self):
        return "http://127.0.0.1:%d/hooks/slow" % self.server.server_address[1]

    def close(self):
        self.gate.set()
        self.server.shutdown()
        self.server.server_close()


def test_two_runs_at_once_the_second_refuses_naming_the_first(lab):
    hook = SlowWebhook()
    # The first run: a real run (it takes the lock), refused in the end (db-dr's SQL thread stopped) so nothing
    # changes; it waits on the webhook's start message with the lock held.
    sql("db-dr", "STOP SLAVE SQL_THREAD")
    first = start_failover("-e", json.dumps(dict(notify_webhook_url=hook.url(), notify_timeout=60)))
    try:
        assert hook.first.wait(60), "the first run never sent its start message"
        holder = json.load(open(LOCK))
        assert holder["pid"] == first.pid and holder["run"] == "dr_failover"
        second = failover()
        assert second.returncode != 0
        assert "Another DR run holds the lock %s: dr_failover started %s by %s" % (
            LOCK, holder["started_at"], holder["user"]) in second.stdout, second.stdout[-3000:]
        assert "(ansible-playbook pid %d" % first.pid in second.stdout and "This run changed nothing" in second.stdout
        assert "DR failover | fence" not in second.stdout  # it stopped at its first task
        assert json.load(open(LOCK)) == holder
    finally:
        hook.gate.set()
        out = first.communicate(timeout=300)[0]
        hook.close()
        sql("db-dr", "START SLAVE SQL_THREAD")
    assert first.returncode != 0 and "db-dr's replication SQL thread is stopped" in out, out[-3000:]
    assert not os.path.exists(LOCK)  # released by the first run's report play, refused or not
    assert_untouched()
    assert gtid_wait("db-dr", binlog_pos("db-primary")) == "0"


# -- the primary dies around the fence ------------------------------------------------------------------------------

PRIMARY_DIR = os.path.join(LAB_ROOT, "db-primary")


def kill_primary():
    """SIGKILL the primary's mariadbd at once (its host "loses power"), as lab_kill.yml does."""
    with open(os.path.join(PRIMARY_DIR, "run", "lab_daemon.pid")) as handle:
        pid = int(handle.read())
    os.kill(pid, signal.SIGKILL)
    deadline = time.time() + 10
    while time.time() < deadline and os.path.exists("/proc/%d" % pid):
        time.sleep(0.01)


def restart_primary():
    """Start the old primary again with its own option file, as its host's service manager would."""
    result = run_module("lab_daemon", dict(
        name="db-primary", argv=["/usr/sbin/mariadbd", "--defaults-file=%s/my.cnf" % PRIMARY_DIR],
        pidfile=os.path.join(PRIMARY_DIR, "run", "lab_daemon.pid"),
        logfile=os.path.join(PRIMARY_DIR, "log", "stdout.log"),
        error_log=os.path.join(PRIMARY_DIR, "log", "error.log"), wait_port=PRIMARY_PORT))
    assert not result.get("failed"), result


def dead_primary_last_gtid():
    """The newest complete transaction in the dead primary's own binlog, "D-S-N" (what it committed last)."""
    directory = os.path.join(PRIMARY_DIR, "binlog")
    names = sorted(n for n in os.listdir(directory) if n.startswith("db-primary-bin.") and n[-6:].isdigit())
    domain, (server_id, seq) = sorted(read_binlog(os.path.join(directory, names[-1]))["end_state"].items())[0]
    return "%d-%d-%d" % (domain, server_id, seq)


def binlog_gtids(host):
    """Every GTID in ``host``'s own binlog files, as "D-S-N"."""
    directory = os.path.join(LAB_ROOT, host, "binlog")
    found = set()
    for name in sorted(os.listdir(directory)):
        if name.startswith("%s-bin." % host) and name[-6:].isdigit():
            for domain, server_id, seq, _offset in read_binlog(os.path.join(directory, name),
                                                               with_transactions=True)["gtids"]:
                found.add("%d-%d-%d" % (domain, server_id, seq))
    return found


def assert_nothing_committed_was_lost(last_gtid):
    """The dead primary's last committed GTID is in the new primary's binlog, and so is every acknowledged write."""
    assert last_gtid in binlog_gtids("db-dr"), "%s (the old primary's last commit) is not on db-dr" % last_gtid
    wait_for_app_on(DR_PORT)
    assert_no_acked_write_lost("db-dr")


def watch_and_kill(condition, seconds=60):
    """A thread that kills the primary the moment ``condition()`` holds (polled every 10 ms); .fired tells."""
    state = dict(fired=False, error=None)

    def loop():
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                if condition():
                    kill_primary()
                    state["fired"] = True
                    return
            except Exception as exc:  # noqa: BLE001 - reported by the test
                state["error"] = exc
                return
            time.sleep(0.01)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    return thread, state


def finish_after_a_failed_run(last_gtid_before=None):
    """The re-run after a run that failed with the primary dead: refused until the death is confirmed, then it
    finishes the failover; returns the confirmed run's output."""
    refused = failover()
    assert refused.returncode != 0
    assert "the primary db-primary is unreachable" in refused.stdout and "did not confirm it is dead" in refused.stdout
    assert variable("db-dr", "read_only") == "1" and not os.path.exists(LOCK)
    proc = failover("-e", "drkit_failover_primary_confirmed_dead=true")
    assert proc.returncode == 0, proc.stdout[-5000:]
    assert variable("db-dr", "read_only") == "0" and source_port("db-replica") == DR_PORT
    assert "port = %d" % DR_PORT in open(APP_CONFIG).read()
    return proc


def test_primary_killed_before_the_fence_then_rerun_then_old_primary_back_read_only(lab):
    # The plan is made with the primary alive; it dies as the promote play starts, before the fence reaches it.
    proc = start_failover()
    out = []
    for line in proc.stdout:
        out.append(line)
        if line.startswith("PLAY [DR failover | fence, catch up, promote]"):
            kill_primary()
    proc.wait(timeout=300)
    out = "".join(out)
    assert proc.returncode != 0
    assert "Cannot fence db-primary before promoting db-dr" in out and "Nothing was changed." in out, out[-4000:]
    assert variable("db-dr", "read_only") == "1" and source_port("db-dr") == PRIMARY_PORT
    assert "port = %d" % PRIMARY_PORT in open(APP_CONFIG).read()  # the app was not moved to an unpromoted server
    assert not os.path.exists(LOCK)
    last = dead_primary_last_gtid()

    # Re-run after the failed run: it refuses until the death is confirmed, then finishes, losing nothing.
    finish_after_a_failed_run()
    assert_nothing_committed_was_lost(last)

    # The old primary comes back (its host restarts mariadbd with its own option file): read-only, one writer.
    assert "read_only                = ON" in open(os.path.join(PRIMARY_DIR, "my.cnf")).read()
    restart_primary()
    assert variable("db-primary", "read_only") == "1"
    assert writable_servers() == ["db-dr"]
    # A re-run makes it a replica of the new primary; it then has everything db-dr has.
    again = failover()
    assert again.returncode == 0, again.stdout[-4000:]
    assert source_port("db-primary") == DR_PORT and variable("db-primary", "read_only") == "1"
    assert gtid_wait("db-primary", binlog_pos("db-dr")) == "0"
    assert checksum("db-primary", "shop.orders") == checksum("db-dr", "shop.orders")
    assert writable_servers() == ["db-dr"]
