"""drkit.mysql.replica against the real lab: repoint, wait for GTIDs, failures, the former primary.

The lab topology is db-primary -> db-replica, db-primary -> db-dr (GTID slave_pos).
Every test puts it back (``restored_topology``), because the test files after
this one expect the lab as it was built.
"""
import json
import os
import time

import pymysql
import pytest

from ansible_collections.drkit.mysql.plugins.module_utils.replication import gtid_slave_pos_fix
from helpers import LAB_PORTS, LAB_ROOT, admin_args, run_module, sql

PRIMARY, REPLICA, DR = "db-primary", "db-replica", "db-dr"
REPL_PASSWORD = "lab-repl-secret"


def source_args(source_host, **extra):
    args = dict(source_host="127.0.0.1", source_port=LAB_PORTS[source_host], source_user="drkit_repl",
                source_password=REPL_PASSWORD)
    args.update(extra)
    return args


def replica(host, source_host=None, check_mode=False, **extra):
    args = admin_args(host, _ansible_diff=True, **extra)
    if source_host:
        args.update(source_args(source_host, **{k: v for k, v in extra.items() if k.startswith("source_")}))
    return run_module("replica", args, check_mode=check_mode)


def slave_status(host):
    """SHOW SLAVE STATUS as a dict of text (empty when the server is no replica), read as root."""
    conn = pymysql.connect(unix_socket=os.path.join(LAB_ROOT, host, "run", "mysqld.sock"), user="root",
                           cursorclass=pymysql.cursors.DictCursor)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SHOW SLAVE STATUS")
            row = cursor.fetchone() or {}
    finally:
        conn.close()
    return dict((key, "" if value is None else str(value)) for key, value in row.items())


def wait_running(host, port, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        status = slave_status(host)
        if (status.get("Slave_IO_Running"), status.get("Slave_SQL_Running"), status.get("Master_Port")) == (
                "Yes", "Yes", str(port)):
            return status
        time.sleep(0.2)
    raise AssertionError("%s does not replicate from port %s: %s" % (host, port, slave_status(host)))


def binlog_pos(host):
    return sql(host, "SELECT @@gtid_binlog_pos")[0][0]


def gtid_positions(host):
    """(gtid_binlog_pos, gtid_slave_pos); the client drops an empty last column."""
    row = sql(host, "SELECT @@gtid_binlog_pos, @@gtid_slave_pos")[0] + ["", ""]
    return row[0], row[1]


def point_at_primary(host):
    """Lab administration as root: replicate from db-primary as the lab built it."""
    binlog, slave = gtid_positions(host)
    sql(host, "STOP SLAVE")
    fix = gtid_slave_pos_fix(binlog, slave)
    if fix:
        sql(host, "SET GLOBAL gtid_slave_pos = '%s'" % fix)
    sql(host, "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=%d, MASTER_USER='drkit_repl', "
              "MASTER_PASSWORD='%s', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1"
        % (LAB_PORTS[PRIMARY], REPL_PASSWORD))
    sql(host, "SET GLOBAL read_only = ON")
    sql(host, "START SLAVE")


def topology_as_built():
    """True when the lab is as the other test files expect it."""
    if sql(PRIMARY, "SELECT @@global.read_only")[0][0] != "0" or slave_status(PRIMARY):
        return False
    for host in (REPLICA, DR):
        status = slave_status(host)
        if (status.get("Master_Port"), status.get("Slave_IO_Running"), status.get("Slave_SQL_Running"),
                status.get("Using_Gtid")) != (str(LAB_PORTS[PRIMARY]), "Yes", "Yes", "Slave_Pos"):
            return False
        if sql(host, "SELECT @@global.read_only")[0][0] != "1":
            return False
    return True


def restore_topology():
    if slave_status(PRIMARY):
        sql(PRIMARY, "STOP SLAVE; RESET SLAVE ALL; SET GLOBAL gtid_slave_pos = ''")
    sql(PRIMARY, "SET GLOBAL read_only = OFF")
    for host in (REPLICA, DR):
        status = slave_status(host)
        if (status.get("Master_Port") != str(LAB_PORTS[PRIMARY]) or status.get("Using_Gtid") != "Slave_Pos"
                or status.get("Slave_IO_Running") != "Yes" or status.get("Slave_SQL_Running") != "Yes"):
            point_at_primary(host)
        sql(host, "SET GLOBAL read_only = ON")
        wait_running(host, LAB_PORTS[PRIMARY])
    # The app writes again: the primary's newest GTID is its own once more (topology tests expect 0-1-N).
    deadline = time.time() + 20
    while not binlog_pos(PRIMARY).startswith("0-1-") and time.time() < deadline:
        time.sleep(0.1)
    target = binlog_pos(PRIMARY)
    assert target.startswith("0-1-"), target
    for host in (REPLICA, DR):
        assert sql(host, "SELECT MASTER_GTID_WAIT('%s', 30)" % target) == [["0"]], host


@pytest.fixture
def restored_topology(lab):
    if not topology_as_built():
        restore_topology()
    try:
        yield
    finally:
        restore_topology()
        assert topology_as_built()


def no_secret(result):
    assert REPL_PASSWORD not in json.dumps(result), "the replication password leaked into the result"


def test_repoint_replica_to_dr_and_back(restored_topology):
    # Check mode: the plan, and nothing changes.
    planned = replica(REPLICA, DR, check_mode=True)
    assert not planned.get("failed"), planned
    target = "127.0.0.1:%d" % LAB_PORTS[REPLICA]
    dr, primary = "127.0.0.1:%d" % LAB_PORTS[DR], "127.0.0.1:%d" % LAB_PORTS[PRIMARY]
    assert planned["changed"] is True and planned["action"] == "change"
    assert planned["plan"] == [
        "STOP SLAVE on %s (replicates from %s)" % (target, primary),
        "CHANGE MASTER to %s as drkit_repl (GTID slave_pos)" % dr,
        "START SLAVE on %s" % target,
        "wait up to 60 s for the IO thread to connect to %s" % dr,
    ]
    assert planned["diff"]["before"].startswith("source=%s\n" % primary)
    assert planned["diff"]["after"].startswith("source=%s\n" % dr)
    no_secret(planned)
    assert slave_status(REPLICA)["Master_Port"] == str(LAB_PORTS[PRIMARY])

    # For real.
    started = time.time()
    moved = replica(REPLICA, DR)
    repoint_seconds = time.time() - started
    assert not moved.get("failed"), moved
    assert moved["changed"] is True
    assert moved["source"]["before"]["port"] == LAB_PORTS[PRIMARY]
    assert moved["source"]["after"]["port"] == LAB_PORTS[DR] and moved["source"]["after"]["state"] == "running"
    assert moved["source"]["after"]["gtid"] == "slave_pos"
    assert moved["read_only"] == {"before": True, "after": True}
    no_secret(moved)
    print("\nrepoint db-replica -> db-dr: module %.2f s after connecting (IO connected and stable after %.2f s), "
          "%.2f s wall time including the module start"
          % (moved["elapsed_seconds"], moved["timings"]["io_connect_seconds"], repoint_seconds))

    # Idempotent, and the app's writes flow primary -> dr -> replica.
    wanted = binlog_pos(PRIMARY)
    again = replica(REPLICA, DR, wait_for_gtid=wanted)
    assert not again.get("failed"), again
    assert again["changed"] is False and again["plan"] in ([], ["wait up to 60 s until %s has applied %s"
                                                                % (target, wanted)])
    assert int(again["gtid_applied"].split("-")[-1]) >= int(wanted.split("-")[-1])

    back = replica(REPLICA, PRIMARY)
    assert not back.get("failed"), back
    assert back["changed"] is True and back["source"]["after"]["port"] == LAB_PORTS[PRIMARY]
    assert replica(REPLICA, PRIMARY)["changed"] is False
    wait_running(REPLICA, LAB_PORTS[PRIMARY])


def test_wait_for_gtid(restored_topology):
    wanted = binlog_pos(PRIMARY)
    reached = replica(DR, PRIMARY, wait_for_gtid=wanted, timeout=30)
    assert not reached.get("failed"), reached
    assert reached["changed"] is False

    domain, server_id, seq = wanted.split("-")
    ahead = "%s-%s-%d" % (domain, server_id, int(seq) + 100000)
    started = time.time()
    late = replica(DR, PRIMARY, wait_for_gtid=ahead, timeout=2)
    assert late.get("failed") is True, late
    assert time.time() - started < 10
    message = late["msg"]
    assert message.startswith("127.0.0.1:%d has not applied %s within 2 s: missing " % (LAB_PORTS[DR], ahead))
    assert "transactions in domain 0 (seq " in message and "\n" not in message

    bad = replica(DR, PRIMARY, wait_for_gtid="not-a-gtid")
    assert bad.get("failed") is True and "is not a mariadb GTID position" in bad["msg"]


def test_wrong_source_password_is_one_sentence(restored_topology):
    result = replica(REPLICA, DR, source_password="not-the-repl-password", timeout=20)
    assert result.get("failed") is True, result
    message = result["msg"]
    assert message.startswith("127.0.0.1:%d cannot replicate from 127.0.0.1:%d: the IO thread failed with error "
                              "1045 (Access denied for user 'drkit_repl'" % (LAB_PORTS[REPLICA], LAB_PORTS[DR]))
    assert "source_password" in message and "\n" not in message and message.count(". ") == 0
    assert "not-the-repl-password" not in json.dumps(result)

    # The next run with the right password repoints (the failing IO thread counts as "needs a CHANGE").
    fixed = replica(REPLICA, DR, timeout=20)
    assert not fixed.get("failed"), fixed
    assert fixed["changed"] is True and fixed["action"] == "change"
    assert "the IO thread is failing (error 1045)" in fixed["reason"]


def test_stopped_and_start_only(restored_topology):
    stopped = replica(REPLICA, state="stopped")
    assert not stopped.get("failed"), stopped
    assert stopped["changed"] is True and stopped["source"]["after"]["state"] == "stopped"
    assert replica(REPLICA, state="stopped")["changed"] is False
    started = replica(REPLICA, PRIMARY)
    assert not started.get("failed"), started
    assert started["action"] == "start"
    first_step = started["plan"][0].split(" (")[0]
    assert first_step == "START SLAVE on 127.0.0.1:%d" % LAB_PORTS[REPLICA]


def test_former_primary_becomes_replica_of_dr(restored_topology):
    """Switchover: fence db-primary, promote db-dr by hand, make db-primary a replica of db-dr."""
    fenced = run_module("fence", admin_args(PRIMARY, state="fenced", kill_sessions="true"))
    assert not fenced.get("failed") and fenced["changed"] is True, fenced
    last_primary = binlog_pos(PRIMARY)

    # db-dr catches up and forgets its source (the module), then takes writes (by hand, as a promotion would).
    detached = replica(DR, state="absent", wait_for_gtid=last_primary, timeout=30)
    assert not detached.get("failed"), detached
    assert detached["changed"] is True and detached["action"] == "reset"
    assert detached["plan"][-1] == "RESET SLAVE ALL on 127.0.0.1:%d (forget the source)" % LAB_PORTS[DR]
    assert slave_status(DR) == {}
    assert replica(DR, state="absent")["changed"] is False
    sql(DR, "SET GLOBAL read_only = OFF")
    marker = int(time.time() * 1000)
    sql(DR, "INSERT INTO shop.app_writes (writer, seq) VALUES ('replica-test-new-primary', %d)" % marker)
    new_primary_pos = binlog_pos(DR)
    assert new_primary_pos.startswith("0-3-")

    # The old primary has its transactions in gtid_binlog_pos only.
    binlog, slave = gtid_positions(PRIMARY)
    assert binlog == last_primary and slave == ""

    planned = replica(PRIMARY, DR, check_mode=True)
    assert not planned.get("failed"), planned
    fix_step = "SET GLOBAL gtid_slave_pos = '%s' (gtid_binlog_pos is ahead of gtid_slave_pos ''" % last_primary
    assert any(step.startswith(fix_step) for step in planned["plan"]), planned["plan"]
    assert gtid_positions(PRIMARY) == (last_primary, "")

    started = time.time()
    joined = replica(PRIMARY, DR, wait_for_gtid=new_primary_pos, timeout=30)
    assert not joined.get("failed"), joined
    print("\nformer primary -> replica of db-dr: %.2f s (plan: %s)" % (time.time() - started, joined["plan"]))
    assert joined["changed"] is True
    assert joined["read_only"] == {"before": True, "after": True}
    assert joined["gtid_applied"] == new_primary_pos
    assert sql(PRIMARY, "SELECT COUNT(*) FROM shop.app_writes WHERE writer = 'replica-test-new-primary' "
                        "AND seq = %d" % marker) == [["1"]]
    # db-replica still replicates from db-primary and receives db-dr's write through it.
    assert sql(REPLICA, "SELECT MASTER_GTID_WAIT('%s', 30)" % new_primary_pos) == [["0"]]
    assert replica(PRIMARY, DR)["changed"] is False
