"""Checks of the embedded lab after the topology scenario's converge.

Molecule runs pytest with ``--connection=ansible --ansible-inventory=<its inventory>``,
whose links point at inventories/lab: ``host`` is each host of ``testinfra_hosts``
(ansible_connection=local, so commands run on this machine).  Ports and paths are
asked from Ansible itself (rendered host vars), so DRKIT_LAB_ROOT/DRKIT_LAB_PORT_BASE
overrides are followed; by default that is /var/tmp/drkit-lab and ports 3310-3312.
SQL goes through the mariadb client: as root over each server's socket for status,
as the application's account over TCP where privileges matter (read_only).
"""
import json
import re
import time

import pytest
import testinfra

testinfra_hosts = ["databases"]

PRIMARY = "db-primary"
_LAB_VARS = {}


def name_of(host):
    return host.backend.host


def rendered(host, expression):
    """Evaluate a Jinja expression with the host's inventory vars (one `ansible -m debug` run)."""
    return host.ansible("ansible.builtin.debug", "msg={{ %s }}" % expression, check=False)["msg"]


def lab_vars(host):
    """The host's lab settings: port, dir, primary_port and the application's account."""
    name = name_of(host)
    if name not in _LAB_VARS:
        _LAB_VARS[name] = rendered(host, (
            "dict(port=drkit_mysql_port | int, dir=lab_root ~ '/' ~ inventory_hostname,"
            " primary_port=hostvars['%s'].drkit_mysql_port | int, app_user=drkit_app_db_user,"
            " app_password=drkit_app_db_password, app_db=drkit_app_db_name)" % PRIMARY))
    return _LAB_VARS[name]


def mariadb(host, *args):
    """The mariadb client as root over the host's socket; raises if it fails."""
    sock = "--socket=%s/run/mysqld.sock" % lab_vars(host)["dir"]
    return host.check_output("mariadb %s" + " %s" * len(args), sock, *args)


def sql(host, statement):
    return mariadb(host, "-N", "-B", "-e", statement).strip()


def replica_status(host):
    """SHOW SLAVE STATUS as a dict (empty on a server that replicates from nobody)."""
    return dict(re.findall(r"^\s*(\w+): ?(.*)$", mariadb(host, "-e", r"SHOW SLAVE STATUS\G"), re.M))


def primary_of(host):
    """A testinfra host for the primary (same inventory, same backend)."""
    return testinfra.get_host(PRIMARY, connection="ansible", ansible_inventory=host.backend.ansible_inventory)


def test_mariadbd_runs_and_listens(host):
    v = lab_vars(host)
    assert host.socket("tcp://127.0.0.1:%d" % v["port"]).is_listening
    mine = [p for p in host.process.filter(comm="mariadbd") if "--defaults-file=%s/my.cnf" % v["dir"] in p.args]
    assert len(mine) == 1
    assert sql(host, "SELECT @@port") == str(v["port"])


def test_datadir_is_private(host):
    datadir = host.file(lab_vars(host)["dir"] + "/data")
    assert datadir.is_directory
    assert datadir.mode == 0o700


def test_my_cnf_sets_row_binlog_and_gtid_strict_mode(host):
    cnf = host.file(lab_vars(host)["dir"] + "/my.cnf").content_string
    assert re.search(r"^binlog_format\s*=\s*ROW\s*$", cnf, re.M)
    assert re.search(r"^binlog_row_image\s*=\s*FULL\s*$", cnf, re.M)
    assert re.search(r"^gtid_strict_mode\s*=\s*ON\s*$", cnf, re.M)


def test_primary_writable_replicas_read_only(host):
    v = lab_vars(host)
    # An INSERT as the application's account (no READ_ONLY ADMIN), rolled back: nothing is kept.
    write = host.run("mariadb -h 127.0.0.1 -P %s -u %s --password=%s %s -N -e %s",
                     str(v["port"]), v["app_user"], v["app_password"], v["app_db"],
                     "START TRANSACTION; INSERT INTO app_writes (writer, seq) VALUES ('molecule', 1); ROLLBACK")
    if name_of(host) == PRIMARY:
        assert sql(host, "SELECT @@read_only") == "0"
        assert write.rc == 0, write.stderr
    else:
        assert sql(host, "SELECT @@read_only") == "1"
        assert write.rc != 0 and "read-only" in write.stderr, write.stderr


def test_replicas_replicate_from_primary(host):
    status = replica_status(host)
    if name_of(host) == PRIMARY:
        assert status == {}, "the primary must replicate from nobody"
        return
    assert status["Master_Host"] == "127.0.0.1"
    assert status["Master_Port"] == str(lab_vars(host)["primary_port"])
    assert status["Slave_IO_Running"] == "Yes"
    assert status["Slave_SQL_Running"] == "Yes"
    assert status["Using_Gtid"] == "Slave_Pos"


def test_gtid_positions_converge(host):
    """The app keeps writing: each replica reaches the primary's position of now and holds only its GTIDs."""
    target = sql(primary_of(host), "SELECT @@gtid_binlog_pos")
    assert re.fullmatch(r"0-1-\d+", target), target
    if name_of(host) != PRIMARY:  # MASTER_GTID_WAIT follows gtid_slave_pos: replicas only
        waited = sql(host, "SELECT MASTER_GTID_WAIT('%s', 60)" % target)
        assert waited == "0", "%s did not reach %s within 60 s" % (name_of(host), target)
    # No errant transactions: everything a server has came from server_id 1 (the primary).
    current = sql(host, "SELECT @@gtid_current_pos")
    assert re.fullmatch(r"0-1-\d+", current), current
    assert int(current.rsplit("-", 1)[1]) >= int(target.rsplit("-", 1)[1])


def test_topology_facts_agree(host):
    """drkit.mysql.topology_facts (the module under test) run ad hoc against the same server."""
    result = host.ansible(
        "drkit.mysql.topology_facts",
        "login_host={{ drkit_mysql_login_host }} login_port={{ drkit_mysql_port }} "
        "login_user={{ drkit_mysql_login_user }} login_password={{ drkit_mysql_login_password }}",
        check=False,
    )
    topo = result["ansible_facts"]["drkit_mysql_topology"]
    assert topo["flavor"] == "mariadb"
    assert topo["binlog"]["format"] == "ROW" and topo["binlog"]["row_image"] == "FULL"
    assert topo["gtid"]["strict_mode"] is True
    if name_of(host) == PRIMARY:
        assert topo["role"] == "primary" and topo["read_only"] is False and not topo["is_replica"]
    else:
        assert topo["role"] == "replica" and topo["read_only"] is True and topo["is_replica"]
        assert topo["replica"]["source_port"] == lab_vars(host)["primary_port"]
        assert topo["replica"]["io_thread_running"] and topo["replica"]["sql_thread_running"]


@pytest.fixture(scope="module")
def app1(request):
    return testinfra.get_host("app1", connection="ansible", ansible_inventory=request.config.option.ansible_inventory)


def test_stand_in_app_keeps_committing(app1):
    v = rendered(app1, "dict(status=lab_root ~ '/app1/status.json',"
                       " primary_port=hostvars[app_initial_primary].drkit_mysql_port | int)")
    first = json.loads(app1.file(v["status"]).content_string)
    time.sleep(2.5)  # status.json is rewritten every second
    second = json.loads(app1.file(v["status"]).content_string)
    assert first["can_write"] is True and second["can_write"] is True
    assert second["target"] == "127.0.0.1:%d" % v["primary_port"]
    assert second["committed"] > first["committed"] > 0
