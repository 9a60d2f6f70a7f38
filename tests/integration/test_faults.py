"""Issue 7's fault matrix (docs/RELIABILITY.md): faults injected into a real DR run, each with its expected outcome
and the proof that no committed transaction was lost.

Tests run in file order on the session lab. The refusals first (nothing changes); then faults that kill the
primary before, during and after the fence, each on a fresh lab (one reset per failover, the cost of a real
primary death), with the re-run that finishes the job and the old primary coming back read-only.
"""
import json
import os
import subprocess
import threading
import time


from test_dr_failover import assert_untouched, variable

from helpers import LAB_PORTS, ROOT, ansible_env, run_playbook, sql

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
