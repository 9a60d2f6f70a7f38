"""Fixtures shared by the scenarios' testinfra tests: lab hosts, SQL on them, the app's files, the reports.

Molecule runs pytest with ``--connection=ansible --ansible-inventory=<its inventory>``, whose links
point at inventories/lab (ansible_connection=local: commands run on this machine).  Ports and paths
are asked from Ansible itself (rendered host vars), so DRKIT_LAB_ROOT/DRKIT_LAB_PORT_BASE overrides
are followed.  SQL goes through the mariadb client as root over each server's socket.
"""
import glob
import json
import os
import re
import time

import pytest
import testinfra


class LabServer(object):
    """One lab database server: its testinfra host, port, directory and SQL helpers."""

    def __init__(self, host, name):
        self.host = host
        self.name = name
        settings = host.ansible("ansible.builtin.debug",
                                "msg={{ dict(port=drkit_mysql_port | int, dir=lab_root ~ '/' ~ inventory_hostname,"
                                " app_user=drkit_app_db_user, app_password=drkit_app_db_password,"
                                " app_db=drkit_app_db_name) }}", check=False)["msg"]
        self.port = settings["port"]
        self.dir = settings["dir"]
        self.app = dict(user=settings["app_user"], password=settings["app_password"], db=settings["app_db"])

    def mariadb(self, *args):
        """The mariadb client as root over the server's socket; raises if it fails."""
        return self.host.check_output("mariadb --socket=%s" + " %s" * len(args), self.dir + "/run/mysqld.sock", *args)

    def sql(self, statement):
        return self.mariadb("-N", "-B", "-e", statement).strip()

    def replica_status(self):
        """SHOW SLAVE STATUS as a dict (empty on a server that replicates from nobody)."""
        return dict(re.findall(r"^\s*(\w+): ?(.*)$", self.mariadb("-e", r"SHOW SLAVE STATUS\G"), re.M))

    def app_insert(self):
        """An INSERT as the application's account (no READ_ONLY ADMIN), rolled back: nothing is kept."""
        return self.host.run("mariadb -h 127.0.0.1 -P %s -u %s --password=%s %s -N -e %s",
                             str(self.port), self.app["user"], self.app["password"], self.app["db"],
                             "START TRANSACTION; INSERT INTO app_writes (writer, seq) VALUES ('molecule', 1); ROLLBACK")


def _host(request, name):
    return testinfra.get_host(name, connection="ansible", ansible_inventory=request.config.option.ansible_inventory)


@pytest.fixture(scope="session")
def server(request):
    """server('db-dr') -> LabServer, built once per name."""
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = LabServer(_host(request, name), name)
        return cache[name]
    return get


class App(object):
    """The stand-in application app1: its DB config, status, events and acknowledged commits."""

    def __init__(self, host):
        self.host = host
        self.dir = host.ansible("ansible.builtin.debug", "msg={{ lab_root }}/app1", check=False)["msg"]

    def read(self, name):
        return self.host.file("%s/%s" % (self.dir, name)).content_string

    def config_port(self):
        return int(re.search(r"^\s*port\s*=\s*(\d+)\s*$", self.read("db.cnf"), re.M).group(1))

    def status(self):
        return json.loads(self.read("status.json"))

    def events(self):
        return [json.loads(line) for line in self.read("events.jsonl").splitlines() if line.strip()]

    def acked(self):
        return [int(line) for line in self.read("acks.log").splitlines() if line.strip()]

    def wait_writing_to(self, port, seconds=30):
        """Wait until status.json says the app commits on 127.0.0.1:<port>; return that status."""
        deadline = time.time() + seconds
        status = {}
        while time.time() < deadline:
            status = self.status()
            if status.get("target") == "127.0.0.1:%d" % port and status.get("can_write"):
                return status
            time.sleep(0.5)
        raise AssertionError("the app does not write to port %d: %s" % (port, status))


@pytest.fixture(scope="session")
def app(request):
    return App(_host(request, "app1"))


@pytest.fixture(scope="session")
def reports():
    """Every JSON report written by this scenario's converge runs, oldest first (prepare emptied the dir)."""
    directory = os.environ.get("DRKIT_MOLECULE_REPORTS_DIR")
    assert directory, "DRKIT_MOLECULE_REPORTS_DIR is not set (molecule.yml, provisioner env)"
    paths = sorted(glob.glob(os.path.join(directory, "dr_*.json")), key=os.path.getmtime)
    assert paths, "no JSON report in %s" % directory
    found = []
    for path in paths:
        with open(path) as handle:
            found.append(dict(json.load(handle), path=path))
    return found
