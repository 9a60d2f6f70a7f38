# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Replay archived binlogs into a server, never applying a transaction twice.

Used to catch a failover candidate up from the binlog archive when the primary is
dead, and meant for point-in-time recovery too (start at a GTID position, stop at
a GTID or a datetime). The safety does not rest on one mechanism:

1. the files are chosen by their Gtid_list event (the state before each file), so
   the first file read starts at or before the first transaction the server lacks;
2. ``mariadb-binlog --start-position=<the server's GTID position>`` prints only
   transactions after that position, in every domain;
3. the printed SQL is scanned before anything runs: a GTID the server already has
   refuses the replay (nothing applied);
4. the servers run with gtid_strict_mode, which rejects a duplicate GTID (error 1950).
"""
import re

from ansible_collections.drkit.mysql.plugins.module_utils.binlog import gtid_state_text, read_binlog
from ansible_collections.drkit.mysql.plugins.module_utils.gtid import parse_gtid_set

# mariadb-binlog's header line of a GTID event:
#   "#261124  7:13:07 server id 1  end_log_pos 701062 CRC32 0x... \tGTID 0-1-127 trans"
_GTID_LINE_RE = re.compile(r"^#\d{6}\s+\d{1,2}:\d{2}:\d{2}\s+server id \d+\s.*\tGTID (\d+)-(\d+)-(\d+)(?:\s|$)")


class ReplayError(ValueError):
    """The replay cannot be done safely; the message says why and what to do."""


def state_from_gtid(text):
    """A MariaDB GTID position as {domain: (server_id, seq)}."""
    gtids = parse_gtid_set(text or "", "mariadb")
    state = {}
    for domain in gtids.keys():
        intervals = gtids.intervals(domain)
        if len(intervals) != 1 or intervals[0][0] != 1:
            raise ReplayError("%s is not a GTID position (one D-S-N per domain)" % text)
        state[domain] = (gtids.server_id(domain) or 0, intervals[0][1])
    return state


def covers(position, state):
    """True when ``position`` ({domain: (id, seq)}) has everything ``state`` names."""
    return all(domain in position and position[domain][1] >= seq for domain, (_owner, seq) in state.items())


def select_files(file_states, position):
    """Index of the first file to read: the newest whose start state the position covers.

    file_states: [(name, start_state)] oldest first. Raises ReplayError when even the oldest
    file starts after the position (the archive cannot fill the gap).
    """
    if not file_states:
        raise ReplayError("the archive holds no binlog file")
    chosen = None
    for index, (_name, start_state) in enumerate(file_states):
        if covers(position, start_state):
            chosen = index
    if chosen is None:
        name, start_state = file_states[0]
        raise ReplayError("the archive starts at %s (%s), after the server's position %s: transactions in "
                          "between are in no archived file, so a replay would leave a gap. Restore from a backup "
                          "that reaches the archive's start instead"
                          % (gtid_state_text(start_state) or "nothing", name, gtid_state_text(position) or "empty"))
    return chosen


def file_start_states(paths):
    """[(path, start_state)] of each file: only its Gtid_list event is needed."""
    return [(path, read_binlog(path)["start_state"]) for path in paths]


def expected_gtids(infos, position, stop_state=None):
    """Complete transactions after ``position`` (and up to ``stop_state``) in files read with transactions."""
    result = []
    for info in infos:
        for domain, owner, seq, _offset in info.get("gtids") or []:
            if domain in position and seq <= position[domain][1]:
                continue
            if stop_state is not None and (domain not in stop_state or seq > stop_state[domain][1]):
                continue
            result.append("%d-%d-%d" % (domain, owner, seq))
    return result


def binlog_command(binary, files, start_position="", stop_position="", stop_datetime=""):
    """The mariadb-binlog argument list that prints the SQL to replay (no credentials: it reads files)."""
    argv = [binary]
    if start_position:
        argv.append("--start-position=%s" % start_position)
    if stop_position:
        argv.append("--stop-position=%s" % stop_position)
    if stop_datetime:
        argv.append("--stop-datetime=%s" % stop_datetime)
    return argv + list(files)


def client_command(binary, option_file, max_allowed_packet="1G"):
    """The client that applies the SQL: credentials only in the option file (first option, as the client wants)."""
    return [binary, "--defaults-extra-file=%s" % option_file, "--batch", "--binary-mode",
            "--max-allowed-packet=%s" % max_allowed_packet]


def option_file_text(params):
    """A [client] section from module connection options (written 0600, removed after use)."""
    lines = ["[client]"]
    mapping = (("login_user", "user"), ("login_password", "password"), ("login_host", "host"),
               ("login_port", "port"), ("login_unix_socket", "socket"), ("ssl_ca", "ssl-ca"),
               ("ssl_cert", "ssl-cert"), ("ssl_key", "ssl-key"))
    for key, option in mapping:
        value = params.get(key)
        if value not in (None, ""):
            text = str(value)
            if "\n" in text:
                raise ReplayError("%s contains a newline, which an option file cannot hold" % key)
            lines.append('%s="%s"' % (option, text.replace("\\", "\\\\").replace('"', '\\"')))
    if params.get("login_host") and not params.get("login_unix_socket"):
        lines.append("protocol=TCP")
    if params.get("ssl_verify_server_cert"):
        lines.append("ssl-verify-server-cert")
    if params.get("connect_timeout"):
        lines.append("connect-timeout=%d" % int(params["connect_timeout"]))
    return "\n".join(lines) + "\n"


def scan_gtids(lines):
    """GTIDs ("D-S-N") of the transactions in mariadb-binlog's SQL output, in order."""
    result = []
    for line in lines:
        if isinstance(line, bytes):
            if b"\tGTID " not in line:
                continue
            line = line.decode("utf-8", "replace")
        elif "\tGTID " not in line:
            continue
        match = _GTID_LINE_RE.match(line)
        if match:
            result.append("%s-%s-%s" % match.groups())
    return result


def already_applied(gtids, executed):
    """The GTIDs of the list that the server already has (it must be empty before anything runs)."""
    executed = parse_gtid_set(executed or "", "mariadb")
    result = []
    for gtid in gtids:
        domain, _owner, seq = (int(part) for part in gtid.split("-"))
        if any(start <= seq <= end for start, end in executed.intervals(domain)):
            result.append(gtid)
    return result
