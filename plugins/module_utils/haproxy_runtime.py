# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HAProxy's runtime API over its stats socket: read a server's state, point it elsewhere, enable it.

Why the runtime API and not only a reload: ``set server ... addr`` moves new connections at once, keeps
the other backends' connections and health-check history, and needs no process restart. The config
file is rewritten as well (module haproxy_backend) so a later restart keeps the new address.
"""
import socket

# srv_admin_state bits that mean "in maintenance": HAProxy's SRV_ADMF_MAINT (FMAINT, IMAINT, RMAINT). CMAINT (0x04)
# only remembers a "disabled" keyword in the config and stays after "set server ... state ready" (seen on 2.6).
MAINT_FLAGS = 0x01 | 0x02 | 0x20
DRAIN_FLAGS = 0x08 | 0x10
OP_STATES = {"0": "stopped", "1": "starting", "2": "running", "3": "stopping"}


class RuntimeAPIError(Exception):
    """The socket could not be used or HAProxy refused a command; ``str()`` is the sentence to show."""


def send(socket_path, command, timeout=5.0):
    """Send one command line (``;`` separates several) and return HAProxy's whole answer."""
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.settimeout(timeout)
    try:
        client.connect(socket_path)
        client.sendall((command + "\n").encode("utf-8"))
        chunks = []
        while True:
            chunk = client.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    except OSError as exc:
        raise RuntimeAPIError("Cannot use HAProxy's runtime API at %s: %s (is HAProxy running with "
                              "'stats socket %s level admin'?)." % (socket_path, exc, socket_path)) from None
    finally:
        client.close()
    return b"".join(chunks).decode("utf-8", "replace")


def parse_servers_state(text):
    """Rows of ``show servers state`` as dicts keyed by the header's names (format version 1)."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines or lines[0].strip() != "1":
        raise RuntimeAPIError("Unexpected answer to 'show servers state': %s" % (text.strip()[:300] or "nothing"))
    header = None
    rows = []
    for line in lines[1:]:
        if line.startswith("#"):
            header = line.lstrip("#").split()
            continue
        if header is None:
            raise RuntimeAPIError("'show servers state' gave rows without a header: %s" % line[:200])
        values = line.split()
        rows.append(dict(zip(header, values)))
    return rows


def server_state(rows, backend, server):
    """The one row of ``backend/server`` in a readable form, or None when HAProxy does not know it."""
    for row in rows:
        if row.get("be_name") == backend and row.get("srv_name") == server:
            admin = int(row.get("srv_admin_state", "0"))
            return dict(
                address=row.get("srv_addr"),
                port=int(row["srv_port"]) if row.get("srv_port", "").isdigit() else None,
                operational=OP_STATES.get(row.get("srv_op_state"), row.get("srv_op_state")),
                maintenance=bool(admin & MAINT_FLAGS),
                draining=bool(admin & DRAIN_FLAGS),
            )
    return None


def read_server(socket_path, backend, server):
    """The runtime state of ``backend/server``; raises when HAProxy does not know the server."""
    answer = send(socket_path, "show servers state %s" % backend)
    if "Can't find backend" in answer:
        raise RuntimeAPIError("HAProxy has no backend %s at runtime; was it reloaded with the config that "
                              "declares it?" % backend)
    state = server_state(parse_servers_state(answer), backend, server)
    if state is None:
        raise RuntimeAPIError("HAProxy's backend %s has no server %s at runtime." % (backend, server))
    return state


def needs_change(state, host, port):
    """Is the running server elsewhere, or in maintenance/drain, when it should take traffic at host:port?"""
    return state["address"] != host or state["port"] != int(port) or state["maintenance"] or state["draining"]


def repoint_commands(backend, server, host, port, shutdown_sessions):
    """The commands that move ``backend/server`` to host:port and let it take traffic."""
    name = "%s/%s" % (backend, server)
    commands = ["set server %s addr %s port %d" % (name, host, int(port)), "set server %s state ready" % name]
    if shutdown_sessions:
        # Sessions opened before the move still talk to the old primary; end them so clients reconnect.
        commands.append("shutdown sessions server %s" % name)
    return commands


# Answers of the set/shutdown commands that mean success (empty, or HAProxy's own confirmation).
_OK_PREFIXES = ("IP changed", "no need to change", "port changed")


def check_answers(answer, commands):
    """Raise with HAProxy's words when one of the commands was refused."""
    bad = [line.strip() for line in answer.splitlines()
           if line.strip() and not line.strip().startswith(_OK_PREFIXES)]
    if bad:
        raise RuntimeAPIError("HAProxy refused %s: %s" % ("; ".join(commands), " ".join(bad)))


def repoint(socket_path, backend, server, host, port, shutdown_sessions=True):
    """Run the commands, then read the server back; returns its state after the move."""
    commands = repoint_commands(backend, server, host, port, shutdown_sessions)
    check_answers(send(socket_path, "; ".join(commands)), commands)
    state = read_server(socket_path, backend, server)
    if needs_change(state, host, port):
        raise RuntimeAPIError("HAProxy accepted the commands but %s/%s reads %s:%s%s afterwards." % (
            backend, server, state["address"], state["port"], " (maintenance)" if state["maintenance"] else ""))
    return state
