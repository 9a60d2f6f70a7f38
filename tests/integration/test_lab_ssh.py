"""The SSH lab (inventories/lab_ssh, docs/lab_ssh.md): hosts as network namespaces reached over SSH.

Needs root, openssh-server and socat, and makes network namespaces: it runs only with DRKIT_LAB_SSH=1
(not part of ``make test`` yet). It builds the SSH lab, checks that it is idempotent, reached over SSH,
replicating over the lab network and partitionable, that a failover with the DR site cut off from the primary
changes nothing (docs/RELIABILITY.md, row 4), then removes everything it made.
"""
import os
import re
import subprocess

import pytest

from helpers import recap, run_playbook

pytestmark = pytest.mark.skipif(os.environ.get("DRKIT_LAB_SSH") != "1",
                                reason="the SSH lab makes network namespaces: set DRKIT_LAB_SSH=1 to run it")

INVENTORY = "inventories/lab_ssh"
HOSTS = ["db-primary", "db-replica", "db-dr", "app1"]


def ssh_lab(playbook, *args, **kwargs):
    return run_playbook(playbook, *args, inventory=INVENTORY, **kwargs)


def topology_rows(output):
    """{host: row} of the table topology.yml prints (not the PLAY RECAP lines)."""
    return {line.split()[0]: line for line in output.splitlines()
            if line.strip().startswith("db-") and not re.search(r"\s:\s+ok=", line)}


def lab_namespaces():
    out = subprocess.run(["ip", "netns", "list"], check=True, capture_output=True, text=True).stdout
    return sorted(line.split()[0] for line in out.splitlines() if line.startswith("drkitlab-"))


@pytest.fixture(scope="module")
def ssh_lab_up():
    ssh_lab("lab.yml", "-e", "lab_state=absent", check=False)
    ssh_lab("lab_netns.yml", "-e", "lab_netns_state=absent")
    observed = dict(netns_first=recap(ssh_lab("lab_netns.yml").stdout),
                    netns_second=recap(ssh_lab("lab_netns.yml").stdout))
    observed["lab_first"] = recap(ssh_lab("lab.yml").stdout)
    observed["lab_second"] = recap(ssh_lab("lab.yml").stdout)
    yield observed
    ssh_lab("lab_partition.yml", "-e", "heal=all", check=False)
    ssh_lab("lab.yml", "-e", "lab_state=absent", check=False)
    ssh_lab("lab_netns.yml", "-e", "lab_netns_state=absent")
    assert lab_namespaces() == []


def test_namespaces_idempotent(ssh_lab_up):
    assert lab_namespaces() == sorted(["drkitlab-hub"] + ["drkitlab-%s" % h for h in HOSTS])
    assert all(counters["changed"] == 0 for counters in ssh_lab_up["netns_second"].values())


def test_lab_over_ssh_idempotent(ssh_lab_up):
    assert all(counters["failed"] == 0 for counters in ssh_lab_up["lab_first"].values())
    assert all(counters["changed"] == 0 for counters in ssh_lab_up["lab_second"].values())


def test_ping_over_ssh(ssh_lab_up):
    proc = subprocess.run(["ansible", "-i", INVENTORY, "all", "-m", "ansible.builtin.ping", "-vvv"],
                          check=True, capture_output=True, text=True, cwd=os.path.dirname(os.path.dirname(
                              os.path.dirname(os.path.abspath(__file__)))), timeout=120)
    assert proc.stdout.count("SUCCESS") == len(HOSTS)
    assert "ESTABLISH SSH CONNECTION FOR USER: root" in proc.stdout


def test_replication_over_the_lab_network(ssh_lab_up):
    rows = topology_rows(ssh_lab("topology.yml").stdout)
    assert " primary " in rows["db-primary"]
    for replica in ("db-replica", "db-dr"):
        assert "10.213.0.11:3306" in rows[replica] and "Yes/Yes" in rows[replica]


def test_partition_and_heal(ssh_lab_up):
    ssh_lab("lab_partition.yml", "-e", "partition=db-primary")
    try:
        # rc 4: a host was unreachable, which is the point; the table still has every server.
        proc = ssh_lab("topology.yml", check=False, timeout=120)
        rows = topology_rows(proc.stdout)
        assert proc.returncode == 4
        assert rows["db-primary"].split()[1] == "unreachable"
        assert "Connecting" in rows["db-dr"] or "Yes/Yes" in rows["db-dr"]
    finally:
        ssh_lab("lab_partition.yml", "-e", "heal=db-primary")
    rows = topology_rows(ssh_lab("topology.yml").stdout)
    assert " primary " in rows["db-primary"]


SSH_LAB_ROOT = os.environ.get("DRKIT_LAB_SSH_ROOT") or "/var/tmp/drkit-lab-ssh"


def ssh_lab_sql(host, statement):
    """SQL on an SSH lab server through its socket (a file: reachable from the root namespace) as root."""
    proc = subprocess.run(["mariadb", "--socket=%s" % os.path.join(SSH_LAB_ROOT, host, "run", "mysqld.sock"), "-N",
                           "--batch", "-e", statement], check=True, capture_output=True, text=True, timeout=120)
    return [line.split("\t") for line in proc.stdout.splitlines()]


def test_dr_site_partitioned_from_the_primary_refuses_and_loses_nothing(ssh_lab_up):
    """Fault matrix row 4 (docs/RELIABILITY.md): db-dr's link is cut; Ansible still reaches it over its management
    path (lab_netns_ssh_via=host), so the preflight sees both servers alive. The fence is a connection from db-dr
    to db-primary across the cut: the run must fail with nothing changed, never leave two writers."""
    via_host = ["-e", "lab_netns_ssh_via=host"]
    app_config = os.path.join(SSH_LAB_ROOT, "app1", "db.cnf")
    app_before = open(app_config).read()
    ssh_lab("lab_partition.yml", "-e", "partition=db-dr")
    try:
        proc = ssh_lab("dr_failover.yml", *via_host, check=False, timeout=600)
        assert proc.returncode != 0
        assert "Cannot fence db-primary before promoting db-dr" in proc.stdout, proc.stdout[-5000:]
        assert "Nothing was changed." in proc.stdout
        assert ssh_lab_sql("db-primary", "SELECT @@read_only") == [["0"]]
        assert ssh_lab_sql("db-dr", "SELECT @@read_only") == [["1"]]
        assert open(app_config).read() == app_before
    finally:
        ssh_lab("lab_partition.yml", "-e", "heal=db-dr")
    # Healed: db-dr still replicates from db-primary and gets everything it committed meanwhile.
    position = ssh_lab_sql("db-primary", "SELECT @@gtid_binlog_pos")[0][0]
    ssh_lab_sql("db-dr", "STOP SLAVE; START SLAVE")  # reconnect now, not after slave_net_timeout
    assert ssh_lab_sql("db-dr", "SELECT MASTER_GTID_WAIT('%s', 120)" % position) == [["0"]]
