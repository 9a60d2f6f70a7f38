"""Issue 7's fault matrix (docs/RELIABILITY.md): faults injected into a real DR run, each with its expected outcome
and the proof that no committed transaction was lost.

Tests run in file order on the session lab. The refusals and the planning checks first (nothing changes); then four
failovers back and forth without rebuilding the lab (a reset costs 20-60 s): the primary killed before the fence,
during the fence, an unreachable app host, the primary killed after the fence - each with the re-run that finishes
the job and, where a primary died, that primary coming back read-only. The lab is rebuilt after the last one.
"""
import datetime
import json
import os
import signal
import subprocess
import sys
import threading
import time


from test_dr_failover import APP_CONFIG, DR_PORT, PRIMARY_PORT, assert_no_acked_write_lost, assert_untouched, \
    source_port, variable, wait_for_app_on

from helpers import COLLECTIONS, LAB_PORTS, LAB_ROOT, ROOT, Webhook, admin_args, ansible_env, recap, run_module, \
    run_playbook, sql

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


def test_two_runs_at_once_the_second_refuses_naming_the_first(lab):
    hook = Webhook(hold_first=True)  # the first run waits on its start message, holding the DR lock
    # The first run: a real run (it takes the lock), refused in the end (db-dr's SQL thread stopped) so nothing
    # changes; it waits on the webhook's start message with the lock held.
    sql("db-dr", "STOP SLAVE SQL_THREAD")
    first = start_failover("-e", json.dumps(dict(notify_webhook_url=hook.url("/hooks/slow"), notify_timeout=60)))
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


def test_a_stop_datetime_in_another_time_zone_stops_at_the_same_transaction(lab):
    """PITR's stop_datetime given with an offset: the same instant as in UTC, between two transactions a second
    apart, stops exactly where stop_before_gtid of the later one stops."""
    archive = os.path.join(LAB_ROOT, "db-dr", "binlog-archive", "current")
    sql("db-primary", "CREATE TABLE shop.fault_tz (id INT PRIMARY KEY)")
    start = binlog_pos("db-primary")
    first = sql("db-primary", "INSERT INTO shop.fault_tz VALUES (1); SELECT @@last_gtid")[0][0]
    time.sleep(1.2)
    instant = int(sql("db-primary", "SELECT UNIX_TIMESTAMP()")[0][0])  # row 1 was written before this second
    second = sql("db-primary", "INSERT INTO shop.fault_tz VALUES (2); SELECT @@last_gtid")[0][0]
    deadline = time.time() + 15
    while time.time() < deadline and second not in binlog_gtids_in(archive):
        time.sleep(0.3)
    plus_two = datetime.datetime.fromtimestamp(instant, datetime.timezone(datetime.timedelta(hours=2)))

    def plan(**stop):
        result = run_module("binlog_replay", admin_args("db-primary", path=archive, start_gtid=start,
                                                        tables=["shop.fault_tz"], rewrite_db={"shop": "shop_tz"},
                                                        **stop), check_mode=True)
        assert not result.get("failed"), result.get("msg")
        return result

    by_gtid = plan(stop_before_gtid=second)
    for text in (plus_two.strftime("%Y-%m-%d %H:%M:%S+02:00"),
                 plus_two.strftime("%Y-%m-%d %H:%M:%S") + " Europe/Kyiv",
                 datetime.datetime.fromtimestamp(instant, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")):
        by_time = plan(stop_datetime=text)
        assert by_time["gtids"] == by_gtid["gtids"] == [first], (text, by_time["gtids"], by_gtid["gtids"])
        assert by_time["count"] == 1 and "%s UTC)" % time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(instant)) \
            in by_time["stop"], by_time["stop"]
    assert sql("db-primary", "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'shop_tz'") \
        == [["0"]]  # check mode: planned only
    sql("db-primary", "DROP TABLE shop.fault_tz")


def binlog_gtids_in(directory, prefix=""):
    """Every GTID in the binlog files of ``directory`` (names starting with ``prefix``), as "D-S-N"."""
    found = set()
    for name in sorted(os.listdir(directory)):
        if name.startswith(prefix) and name[-6:].isdigit():
            for domain, server_id, seq, _offset in read_binlog(os.path.join(directory, name),
                                                               with_transactions=True)["gtids"]:
                found.add("%d-%d-%d" % (domain, server_id, seq))
    return found


# -- the primary dies around the fence ------------------------------------------------------------------------------
# Three failovers in a row without rebuilding the lab (a reset costs 20-60 s): db-primary -> db-dr (killed before the
# fence), back db-dr -> db-primary (killed during the fence), db-primary -> db-dr again (killed after it); each dead
# primary is restarted with its own option file, comes back read-only, and a re-run makes it a replica again.


def server_dir(host):
    return os.path.join(LAB_ROOT, host)


def kill_server(host):
    """SIGKILL a lab server's mariadbd at once (its host "loses power"), as lab_kill.yml does."""
    with open(os.path.join(server_dir(host), "run", "lab_daemon.pid")) as handle:
        pid = int(handle.read())
    os.kill(pid, signal.SIGKILL)
    deadline = time.time() + 10
    while time.time() < deadline and os.path.exists("/proc/%d" % pid):
        time.sleep(0.01)


def restart_server(host):
    """Start a killed server again with its own option file, as its host's service manager would."""
    directory = server_dir(host)
    result = run_module("lab_daemon", dict(
        name=host, argv=["/usr/sbin/mariadbd", "--defaults-file=%s/my.cnf" % directory],
        pidfile=os.path.join(directory, "run", "lab_daemon.pid"), logfile=os.path.join(directory, "log", "stdout.log"),
        error_log=os.path.join(directory, "log", "error.log"), wait_port=LAB_PORTS[host]))
    assert not result.get("failed"), result


def binlog_files(host):
    directory = os.path.join(server_dir(host), "binlog")
    return [os.path.join(directory, n) for n in sorted(os.listdir(directory))
            if n.startswith("%s-bin." % host) and n[-6:].isdigit()]


def last_committed_gtid(host):
    """The newest complete transaction in a (dead) server's own binlog, "D-S-N": what it committed last."""
    domain, (server_id, seq) = sorted(read_binlog(binlog_files(host)[-1])["end_state"].items())[0]
    return "%d-%d-%d" % (domain, server_id, seq)


def binlog_gtids(host):
    """Every GTID in ``host``'s own binlog files, as "D-S-N"."""
    return binlog_gtids_in(os.path.join(server_dir(host), "binlog"), prefix="%s-bin." % host)


def assert_nothing_committed_was_lost(last_gtid, new_primary):
    """The dead primary's last committed GTID is in the new primary's binlog, and so is every acknowledged write."""
    assert last_gtid in binlog_gtids(new_primary), "%s (the old primary's last commit) is not on %s" % (
        last_gtid, new_primary)
    wait_for_app_on(LAB_PORTS[new_primary])
    assert_no_acked_write_lost(new_primary)


def only_writer(host):
    """``host`` is the one writable server (the others read-only or down) and replicates from nobody."""
    assert writable_servers() == [host]
    assert sql(host, "SHOW SLAVE STATUS") == []


def role_file(host):
    """The server's role.cnf (included by its my.cnf), where dr_failover.yml writes read_only."""
    with open(os.path.join(server_dir(host), "role.cnf")) as handle:
        return handle.read()


def back_read_only_then_replica(old, new, rejoin=True):
    """The old primary restarts with its own option file: read-only; a re-run makes it a replica of the new one."""
    assert "read_only = ON" in role_file(old) and "read_only = OFF" in role_file(new)
    restart_server(old)
    assert variable(old, "read_only") == "1"
    only_writer(new)
    if not rejoin:
        return
    again = failover(*candidate_args(new))
    assert again.returncode == 0, again.stdout[-4000:]
    assert source_port(old) == LAB_PORTS[new] and variable(old, "read_only") == "1"
    assert gtid_wait(old, binlog_pos(new)) == "0"
    assert checksum(old, "shop.orders") == checksum(new, "shop.orders")
    only_writer(new)


def report_of(proc):
    path = proc.stdout.split("Report: ")[1].split(".html")[0] + ".json"
    with open(path) as handle:
        report = json.load(handle)
    report["_path"] = path
    return report


def markdown_of(report):
    with open(report["_path"][:-len(".json")] + ".md") as handle:
        return handle.read()


def candidate_args(candidate):
    """The DR site is db-dr; the way back names its candidate."""
    return [] if candidate == "db-dr" else ["-e", json.dumps(dict(drkit_failover_candidates=[candidate]))]


def finish_after_a_failed_run(old, new, unconfirmed_first=True):
    """The re-run after a run that failed with the primary dead: refused until the death is confirmed, then it
    finishes the failover."""
    if unconfirmed_first:
        refused = failover(*candidate_args(new))
        assert refused.returncode != 0
        assert "the primary %s is unreachable" % old in refused.stdout
        assert "did not confirm it is dead" in refused.stdout
        assert variable(new, "read_only") == "1" and not os.path.exists(LOCK)
    proc = failover("-e", "drkit_failover_primary_confirmed_dead=true", *candidate_args(new))
    assert proc.returncode == 0, proc.stdout[-5000:]
    only_writer(new)
    others = [h for h in LAB_PORTS if h not in (old, new)]
    assert all(source_port(h) == LAB_PORTS[new] for h in others)
    assert "port = %d" % LAB_PORTS[new] in open(APP_CONFIG).read()
    return proc


def watch_and_kill(host, condition, seconds=120):
    """A thread that kills ``host`` the moment ``condition()`` holds (polled every 10 ms); state["fired"] tells."""
    state = dict(fired=False, error=None)

    def loop():
        deadline = time.time() + seconds
        while time.time() < deadline and not state.get("stop"):
            try:
                if condition():
                    kill_server(host)
                    state["fired"] = time.time()
                    return
            except Exception as exc:  # noqa: BLE001 - reported by the test
                state["error"] = exc
                return
            time.sleep(0.01)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    return thread, state


def test_primary_killed_before_the_fence_then_rerun_then_old_primary_back_read_only(lab):
    only_writer("db-primary")
    # The plan is made with the primary alive; it dies as the promote play starts, before the fence reaches it.
    proc = start_failover()
    out = []
    for line in proc.stdout:
        out.append(line)
        if line.startswith("PLAY [DR failover | fence, catch up, promote]"):
            kill_server("db-primary")
    proc.wait(timeout=300)
    out = "".join(out)
    assert proc.returncode != 0
    assert "Cannot fence db-primary before promoting db-dr" in out and "Nothing was changed." in out, out[-4000:]
    assert variable("db-dr", "read_only") == "1" and source_port("db-dr") == PRIMARY_PORT
    assert "port = %d" % PRIMARY_PORT in open(APP_CONFIG).read()  # the app was not moved to an unpromoted server
    assert not os.path.exists(LOCK)
    last = last_committed_gtid("db-primary")

    # Re-run after the failed run: it refuses until the death is confirmed, then finishes, losing nothing.
    finish_after_a_failed_run("db-primary", "db-dr")
    assert_nothing_committed_was_lost(last, "db-dr")
    # The old primary comes back (its host restarts mariadbd with its own option file): read-only, one writer.
    back_read_only_then_replica("db-primary", "db-dr")


def test_primary_killed_during_the_fence_then_rerun(lab):
    # The way back: db-dr is the primary, db-primary the candidate. A write that runs for 60 s holds the fence's
    # SET GLOBAL read_only (it waits for running writes); db-dr dies while the fence waits.
    only_writer("db-dr")

    def slow_write():
        try:
            sql("db-dr", "INSERT INTO shop.app_writes (writer, seq) SELECT 'fault-slow', SLEEP(60)")
        except AssertionError:
            pass  # the server died under it: never committed

    writer = threading.Thread(target=slow_write, daemon=True)
    writer.start()
    time.sleep(0.3)
    fencing = "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SET GLOBAL read_only%'"
    watcher, state = watch_and_kill("db-dr", lambda: sql("db-dr", fencing)[0][0] != "0")
    proc = failover(*candidate_args("db-primary"))
    state["stop"] = True
    watcher.join(5)
    writer.join(5)
    assert state["fired"] and not state["error"], state
    assert proc.returncode != 0
    assert "Promoting db-primary" in proc.stdout and "failed" in proc.stdout, proc.stdout[-4000:]
    assert variable("db-primary", "read_only") == "1" and source_port("db-primary") == DR_PORT
    assert not os.path.exists(LOCK)
    last = last_committed_gtid("db-dr")

    finish_after_a_failed_run("db-dr", "db-primary", unconfirmed_first=False)  # the refusal: see the test above
    assert_nothing_committed_was_lost(last, "db-primary")
    assert "fault-slow" not in str(sql("db-primary", "SELECT writer FROM shop.app_writes WHERE writer = 'fault-slow'"))
    back_read_only_then_replica("db-dr", "db-primary")


def free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_app_host_unreachable_during_repoint_then_rerun_moves_it(lab, tmp_path):
    # app1 reached over SSH at a port where nothing listens (its app keeps running and writing to the old primary).
    only_writer("db-primary")
    assert source_port("db-dr") == PRIMARY_PORT
    cut = tmp_path / "app_unreachable.yml"
    cut.write_text("all:\n  hosts:\n    app1:\n      ansible_connection: ssh\n      ansible_host: 127.0.0.1\n"
                   "      ansible_port: %d\n" % free_port())
    lab_inventory = os.path.join(ROOT, "inventories", "lab")
    proc = run_playbook("dr_failover.yml", "-i", str(cut), inventory=lab_inventory, check=False)
    # The database failover completes; the app host is reported unreachable and its config is untouched.
    only_writer("db-dr")
    assert source_port("db-primary") == DR_PORT and source_port("db-replica") == DR_PORT
    assert proc.returncode != 0 and "UNREACHABLE" in proc.stdout and recap(proc.stdout)["app1"]["unreachable"] == 1
    assert "port = %d" % PRIMARY_PORT in open(APP_CONFIG).read()
    report = report_of(proc)
    assert report["outcome"] == "failed" and report["new_primary"] == "db-dr"
    assert report["rpo"]["lost_transactions"] == 0
    expected_task = ("drkit.mysql.app_repoint : Point the application's DB config at the new primary (a backup of "
                     "the old file is kept)")
    assert [step["task"] for step in report["failed_steps"]] == [expected_task]
    assert "- app1: Task failed: Data could not be sent to remote host" in markdown_of(report)
    assert not os.path.exists(LOCK)
    # The re-run with the app host reachable moves it; every acknowledged write is on the new primary.
    again = failover()
    assert again.returncode == 0, again.stdout[-4000:]
    assert "port = %d" % DR_PORT in open(APP_CONFIG).read()
    # The servers needed nothing, but the app moved: that run has its own report, a success.
    rerun = report_of(again)
    assert rerun["outcome"] == "success" and any("app_repoint" in step for step in rerun["changed_steps"]), rerun
    wait_for_app_on(DR_PORT)
    assert_no_acked_write_lost("db-dr")
    assert gtid_wait("db-primary", binlog_pos("db-dr")) == "0"
    assert checksum("db-primary", "shop.orders") == checksum("db-dr", "shop.orders")


def test_primary_killed_after_the_fence_the_failover_completes(rebuilt_after):
    # The way back again: db-dr is the primary; it dies the moment db-primary is promoted (after the fence, before
    # the repoint). The lab is rebuilt afterwards.
    only_writer("db-dr")
    watcher, state = watch_and_kill("db-dr", lambda: variable("db-primary", "read_only") == "0")
    proc = failover(*candidate_args("db-primary"))
    state["stop"] = True
    watcher.join(5)
    assert state["fired"] and not state["error"], state
    # The DB failover is complete: db-primary the only writer, the app and db-replica moved, nothing was lost.
    only_writer("db-primary")
    assert source_port("db-replica") == PRIMARY_PORT and "port = %d" % PRIMARY_PORT in open(APP_CONFIG).read()
    last = last_committed_gtid("db-dr")
    assert_nothing_committed_was_lost(last, "db-primary")
    # What could not be done is said: the old primary was not repointed (its server is down); the run fails for it,
    # and the report names that one step, with the new primary and RPO 0.
    assert proc.returncode != 0
    assert "Cannot connect to the server at 127.0.0.1:%d" % DR_PORT in proc.stdout, proc.stdout[-4000:]
    report = report_of(proc)
    assert report["outcome"] == "failed" and report["new_primary"] == "db-primary"
    assert report["rpo"]["lost_transactions"] == 0
    failed_step = "Repoint every other server to the new primary (read-only)\n  - db-dr: Cannot connect"
    assert failed_step in markdown_of(report)
    # It was written read-only in its option file before the repoint was tried: it comes back read-only. (Its re-run
    # as a replica is the tests above; the lab is rebuilt.)
    back_read_only_then_replica("db-dr", "db-primary", rejoin=False)
