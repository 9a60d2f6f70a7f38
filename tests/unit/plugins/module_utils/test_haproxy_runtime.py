"""haproxy_runtime on HAProxy 2.6's recorded answers (tests/unit/fixtures/haproxy) and a socket of our own."""
import os
import socket
import threading

import pytest

from ansible_collections.drkit.mysql.plugins.module_utils import haproxy_runtime as runtime

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "fixtures",
                        "haproxy")


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


def answers():
    result = {}
    for block in fixture("answers-2.6.txt").split("=== ")[1:]:
        command, answer = block.split("\n", 1)
        result.setdefault(command, []).append(answer)
    return result


def test_show_servers_state_is_read_by_its_header():
    rows = runtime.parse_servers_state(fixture("show-servers-state-2.6.txt"))
    primary = runtime.server_state(rows, "mysql_writer", "primary")
    assert primary == dict(address="127.0.0.1", port=4017, operational="running", maintenance=False, draining=False)
    standby = runtime.server_state(rows, "mysql_writer", "standby")
    assert standby["maintenance"] and standby["operational"] == "stopped" and standby["port"] == 4012
    assert runtime.server_state(rows, "mysql_writer", "nope") is None


def test_a_server_disabled_in_the_config_and_made_ready_is_not_in_maintenance():
    # HAProxy 2.6: "disabled" in the config gives srv_admin_state 5 (FMAINT + CMAINT); "state ready" leaves 4.
    text = fixture("show-servers-state-2.6.txt").replace(" 4017 ", " 4012 ")
    ready = text.replace("2 mysql_writer 1 primary 127.0.0.1 2 0 ", "2 mysql_writer 1 primary 127.0.0.1 2 4 ")
    assert not runtime.server_state(runtime.parse_servers_state(ready), "mysql_writer", "primary")["maintenance"]
    disabled = text.replace("2 mysql_writer 1 primary 127.0.0.1 2 0 ", "2 mysql_writer 1 primary 127.0.0.1 0 5 ")
    assert runtime.server_state(runtime.parse_servers_state(disabled), "mysql_writer", "primary")["maintenance"]


def test_what_needs_a_change():
    rows = runtime.parse_servers_state(fixture("show-servers-state-2.6.txt"))
    primary = runtime.server_state(rows, "mysql_writer", "primary")
    assert not runtime.needs_change(primary, "127.0.0.1", 4017)
    assert runtime.needs_change(primary, "127.0.0.1", 4012)
    assert runtime.needs_change(primary, "10.0.0.1", 4017)
    standby = runtime.server_state(rows, "mysql_writer", "standby")
    assert runtime.needs_change(standby, "127.0.0.1", 4012)  # in maintenance


def test_haproxy_s_confirmations_pass_and_its_refusals_fail():
    recorded = answers()
    for command in ("set server mysql_writer/primary addr 127.0.0.1 port 4011",
                    "set server mysql_writer/primary addr 10.9.9.9 port 4011",
                    "set server mysql_writer/primary state ready",
                    "shutdown sessions server mysql_writer/primary"):
        for answer in recorded[command]:
            runtime.check_answers(answer, [command])
    with pytest.raises(runtime.RuntimeAPIError, match="No such server"):
        runtime.check_answers(recorded["set server mysql_writer/nope addr 127.0.0.1 port 4011"][0], ["x"])


def test_unexpected_answers_are_errors():
    with pytest.raises(runtime.RuntimeAPIError, match="Unexpected answer"):
        runtime.parse_servers_state(fixture("answers-2.6.txt"))
    with pytest.raises(runtime.RuntimeAPIError, match="Unexpected answer"):
        runtime.parse_servers_state("Permission denied\n")


def test_the_commands():
    assert runtime.repoint_commands("be", "srv", "10.0.0.2", 3306, True) == [
        "set server be/srv addr 10.0.0.2 port 3306", "set server be/srv state ready",
        "shutdown sessions server be/srv"]
    assert len(runtime.repoint_commands("be", "srv", "10.0.0.2", 3306, False)) == 2


@pytest.fixture
def fake_haproxy(tmp_path):
    """A Unix socket answering like HAProxy: one command line per connection, recorded answers."""
    path = str(tmp_path / "admin.sock")
    state = dict(port=4017, commands=[])
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(5)

    def serve():
        while True:
            try:
                conn = server.accept()[0]
            except OSError:
                return
            line = conn.makefile().readline().strip()
            state["commands"].append(line)
            if line.startswith("show servers state"):
                text = fixture("show-servers-state-2.6.txt").replace(" 4017 ", " %d " % state["port"])
            else:
                if "port 4012" in line:
                    state["port"] = 4012
                text = "\n"
            conn.sendall(text.encode())
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield path, state
    server.close()


def test_repoint_sends_one_line_and_reads_back(fake_haproxy):
    path, state = fake_haproxy
    after = runtime.repoint(path, "mysql_writer", "primary", "127.0.0.1", 4012)
    assert after["port"] == 4012
    assert state["commands"][0] == ("set server mysql_writer/primary addr 127.0.0.1 port 4012; "
                                    "set server mysql_writer/primary state ready; "
                                    "shutdown sessions server mysql_writer/primary")
    assert state["commands"][1] == "show servers state mysql_writer"


def test_a_missing_socket_says_what_to_configure(tmp_path):
    with pytest.raises(runtime.RuntimeAPIError, match="level admin"):
        runtime.read_server(str(tmp_path / "nope.sock"), "be", "srv")
