"""Traffic backends on the real lab: a HAProxy in front of the primary and a command hook follow dr_failover.yml.

A real HAProxy (Debian's package) listens on 127.0.0.1 (lab port base + 7) in front of the lab's
primary; two extra app hosts (tests/integration/inventories/traffic.yml) choose the ``haproxy`` and
``command`` backends. Tests run in file order: check mode, the failover, its re-run, a restart of
HAProxy from the rewritten file; the lab is rebuilt afterwards.
"""
import os
import shutil
import signal
import socket
import subprocess
import threading
import time

import pymysql
import pytest

from helpers import LAB_PORT_BASE, LAB_PORTS, LAB_ROOT, ROOT, recap, run_module, run_playbook
from ansible_collections.drkit.mysql.plugins.module_utils.haproxy_runtime import read_server

pytestmark = pytest.mark.skipif(not shutil.which("haproxy"), reason="haproxy is not installed (make test-packages)")

FRONT_PORT = LAB_PORT_BASE + 7
HAPROXY_DIR = os.path.join(LAB_ROOT, "haproxy")
CONFIG = os.path.join(HAPROXY_DIR, "haproxy.cfg")
SOCKET = os.path.join(HAPROXY_DIR, "admin.sock")
PIDFILE = os.path.join(HAPROXY_DIR, "haproxy.pid")
HOOK_DIR = os.path.join(LAB_ROOT, "hook")
HOOK_OUT = os.path.join(HOOK_DIR, "db-rw.txt")
TRAFFIC_INVENTORY = os.path.join(ROOT, "tests", "integration", "inventories", "traffic.yml")
PRIMARY, DR = LAB_PORTS["db-primary"], LAB_PORTS["db-dr"]

HAPROXY_CFG = """global
    stats socket {socket} mode 600 level admin
    stats timeout 10s

defaults
    mode tcp
    timeout connect 2s
    timeout client 60s
    timeout server 60s

# Applications connect here; the server line follows the primary.
listen mysql_writer
    bind 127.0.0.1:{front}
    server primary 127.0.0.1:{primary} check inter 500ms
"""

RECORD = """import os, sys
with open(sys.argv[1], "w") as out:
    out.write(" ".join(sys.argv[2:]) + " " + os.environ["DRKIT_NEW_PRIMARY"] + "\\n")
"""


def start_haproxy():
    subprocess.run(["haproxy", "-f", CONFIG, "-D", "-p", PIDFILE], check=True, timeout=30)
    deadline = time.time() + 10
    while not os.path.exists(SOCKET) and time.time() < deadline:
        time.sleep(0.1)


def stop_haproxy():
    if os.path.exists(PIDFILE):
        for pid in open(PIDFILE).read().split():
            try:
                os.kill(int(pid), signal.SIGTERM)
            except ProcessLookupError:
                pass
        os.unlink(PIDFILE)
        time.sleep(0.3)
    if os.path.exists(SOCKET):
        os.unlink(SOCKET)


@pytest.fixture(scope="module")
def front(lab):
    """HAProxy in front of the lab's primary, and the hook's recorder; both gone afterwards."""
    os.makedirs(HAPROXY_DIR, exist_ok=True)
    os.makedirs(HOOK_DIR, exist_ok=True)
    with open(CONFIG, "w") as handle:
        handle.write(HAPROXY_CFG.format(socket=SOCKET, front=FRONT_PORT, primary=PRIMARY))
    with open(os.path.join(HOOK_DIR, "record.py"), "w") as handle:
        handle.write(RECORD)
    if os.path.exists(HOOK_OUT):
        os.unlink(HOOK_OUT)
    start_haproxy()
    yield
    stop_haproxy()
    shutil.rmtree(HAPROXY_DIR, ignore_errors=True)
    shutil.rmtree(HOOK_DIR, ignore_errors=True)
    run_playbook("lab.yml", "-e", "lab_state=reset")


def through_haproxy():
    return pymysql.connect(host="127.0.0.1", port=FRONT_PORT, user="shop_app", password="lab-app-secret",
                           database="shop", connect_timeout=5, autocommit=True)


def port_behind_haproxy():
    conn = through_haproxy()
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT @@port")
            return int(cursor.fetchone()[0])
    finally:
        conn.close()


def failover(*extra):
    return run_playbook("dr_failover.yml", "-i", TRAFFIC_INVENTORY, *extra, check=False)


def test_a_client_through_haproxy_reaches_the_primary(front):
    assert port_behind_haproxy() == PRIMARY


def test_check_mode_shows_the_moves_and_changes_nothing(front):
    config_before = open(CONFIG).read()
    proc = failover("--check", "--diff", "-v")
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert "server primary 127.0.0.1:%d check" % DR in proc.stdout  # the config diff
    assert "mysql_writer/primary (runtime)" in proc.stdout
    assert "would run " in proc.stdout and "/hook/record.py" in proc.stdout  # what the hook would run
    assert open(CONFIG).read() == config_before
    assert read_server(SOCKET, "mysql_writer", "primary")["port"] == PRIMARY
    assert not os.path.exists(HOOK_OUT)
    assert port_behind_haproxy() == PRIMARY


def test_failover_moves_haproxy_and_runs_the_hook(front):
    held = through_haproxy()  # a session opened before the failover
    proc = failover()
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert port_behind_haproxy() == DR  # a new connection through HAProxy reaches the new primary
    state = read_server(SOCKET, "mysql_writer", "primary")
    assert (state["address"], state["port"], state["maintenance"]) == ("127.0.0.1", DR, False)
    assert "    server primary 127.0.0.1:%d check inter 500ms\n" % DR in open(CONFIG).read()
    backups = [n for n in os.listdir(HAPROXY_DIR) if n.startswith("haproxy.cfg.") and n.endswith("~")]
    assert len(backups) == 1
    # the old session was shut down, so the client reconnects (to the new primary)
    with pytest.raises(pymysql.err.OperationalError):
        with held.cursor() as cursor:
            cursor.execute("SELECT 1")
    assert open(HOOK_OUT).read() == "127.0.0.1 %d db-dr\n" % DR


def test_rerun_changes_nothing(front):
    proc = failover()
    assert proc.returncode == 0, proc.stdout[-4000:]
    counters = recap(proc.stdout)
    assert {"lb1", "dns1"} <= set(counters)
    assert all(c["changed"] == 0 for c in counters.values()), counters
    assert port_behind_haproxy() == DR


def test_a_restarted_haproxy_keeps_the_new_primary(front):
    stop_haproxy()
    start_haproxy()
    deadline = time.time() + 10
    while True:
        try:
            assert port_behind_haproxy() == DR
            break
        except pymysql.err.OperationalError:
            if time.time() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture
def two_servers():
    """Two TCP servers on 127.0.0.1 that greet with their own name (stand-ins for an old and a new primary)."""
    servers = []
    for name, port in (("old", LAB_PORT_BASE + 8), ("new", LAB_PORT_BASE + 9)):
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(16)

        def serve(listener=listener, name=name):
            while True:
                try:
                    conn = listener.accept()[0]
                except OSError:
                    return
                conn.sendall(name.encode())
                conn.close()
        threading.Thread(target=serve, daemon=True).start()
        servers.append(listener)
    yield
    for listener in servers:
        listener.close()


def greeting(port):
    with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
        return conn.recv(16).decode()


def test_without_a_socket_the_file_is_rewritten_and_haproxy_reloaded(two_servers, tmp_path):
    """The other way to move HAProxy: no runtime API; the rewritten file, then the reload command."""
    front_port = LAB_PORT_BASE + 6
    config = tmp_path / "haproxy.cfg"
    config.write_text("global\n    master-worker\n\ndefaults\n    mode tcp\n    timeout connect 2s\n"
                      "    timeout client 10s\n    timeout server 10s\n\nlisten mysql_writer\n"
                      "    bind 127.0.0.1:%d\n    server primary 127.0.0.1:%d\n" % (front_port, LAB_PORT_BASE + 8))
    pidfile = tmp_path / "haproxy.pid"
    subprocess.run(["haproxy", "-W", "-f", str(config), "-D", "-p", str(pidfile)], check=True, timeout=30)
    master = int(pidfile.read_text().split()[0])
    try:
        assert greeting(front_port) == "old"
        args = dict(config=str(config), backend="mysql_writer", server="primary", host="127.0.0.1",
                    port=LAB_PORT_BASE + 9, reload_argv=["kill", "-USR2", str(master)])
        result = run_module("haproxy_backend", args)  # the usual module run, not in-process
        assert result["changed"] and result["reload"]["rc"] == 0 and not result.get("failed"), result
        deadline = time.time() + 10
        while greeting(front_port) != "new":
            assert time.time() < deadline, "HAProxy still sends to the old server after the reload"
            time.sleep(0.2)
        again = run_module("haproxy_backend", args)
        assert not again["changed"] and "reload" not in again, again
    finally:
        os.kill(master, signal.SIGTERM)
