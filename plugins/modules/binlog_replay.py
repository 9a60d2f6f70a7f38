#!/usr/bin/python
# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module drkit.mysql.binlog_replay: apply archived binlogs to a server, each transaction once."""

DOCUMENTATION = r"""
module: binlog_replay
short_description: Apply archived binlog files to a MariaDB server, skipping every transaction it already has
version_added: 0.2.0
description:
  - Runs on the host that holds the binlog files (the binlog archive) and applies them to the server named by the
    connection options with C(mariadb-binlog | mariadb), from the server's own GTID position (or O(start_gtid))
    up to O(stop_gtid) or O(stop_datetime), or to the end of the archive.
  - The failover uses it to catch a candidate up from the archive when the primary is dead; point-in-time
    recovery can use the same options.
  - "Never applies a transaction twice: the first file is chosen by its Gtid_list event, C(mariadb-binlog
    --start-position) takes the server's GTID position, and the SQL is scanned before it runs - a GTID the server
    already has refuses the replay with nothing applied. gtid_strict_mode on the server is the last net."
  - With O(stop_replica) (the default) a replica first applies its relay log, then its replication is stopped,
    so that the SQL thread and the replay cannot both apply the same transaction. After the replay a stopped
    replica's C(gtid_slave_pos) is set to what it now has (MariaDB's C(gtid_current_pos) would otherwise keep
    naming the old replication position, and a restarted replication would fetch the replayed transactions again).
  - Credentials go to the client in a temporary option file (mode 0600), never on a command line.
  - MariaDB only (GTID positions); a MySQL server is refused.
author: drkit.mysql maintainers (@drkit)
extends_documentation_fragment:
  - drkit.mysql.connection
attributes:
  check_mode:
    support: full
    description: Chooses the files and lists the transactions it would apply; stops and applies nothing.
  diff_mode:
    support: none
    description: The result lists the GTID position before and after.
options:
  path:
    description:
      - The binlog archive directory (its C(current) source is read) or any directory of binlog files.
    type: path
    required: true
  files:
    description: Binlog file names inside the directory to read instead of every file, oldest first.
    type: list
    elements: str
  start_gtid:
    description:
      - GTID position after which to start (exclusive), e.g. C(0-1-1200). Default is the server's own
        C(gtid_current_pos), which is what makes a re-run apply nothing.
    type: str
  stop_gtid:
    description: Last GTID to apply (inclusive), one per domain.
    type: str
  stop_datetime:
    description: Stop before the first event at or after this time (C(YYYY-MM-DD hh:mm:ss), the server's time zone).
    type: str
  stop_replica:
    description: On a replica, wait for its relay log to be applied, then stop replication before the replay.
    type: bool
    default: true
  replica_timeout:
    description: Seconds to wait for the relay log to be applied.
    type: int
    default: 60
  binlog_binary:
    description: The C(mariadb-binlog) program (found on the PATH when unset; C(mysqlbinlog) is also tried).
    type: path
  client_binary:
    description: The C(mariadb) client program (found on the PATH when unset; C(mysql) is also tried).
    type: path
  max_allowed_packet:
    description: The client's C(max_allowed_packet); big row events need it large.
    type: str
    default: 1G
"""

EXAMPLES = r"""
- name: Catch the failover candidate up from the binlog archive (runs on the archive host)
  drkit.mysql.binlog_replay:
    path: /var/lib/drkit/binlog-archive
    login_host: 10.0.2.10
    login_port: 3306
    login_user: drkit_admin
    login_password: "{{ vault_drkit_admin_password }}"
  delegate_to: dr-archive-1

- name: Point-in-time recovery of a restored server, up to the minute before the damage
  drkit.mysql.binlog_replay:
    path: /var/lib/drkit/binlog-archive/server-1
    start_gtid: 0-1-1200
    stop_datetime: "2026-11-24 09:14:00"
    stop_replica: false
"""

RETURN = r"""
files:
  description: Binlog files read, oldest first.
  returned: always
  type: list
  elements: str
start_position:
  description: The GTID position the replay started after.
  returned: always
  type: str
gtids:
  description: GTIDs of the transactions applied (or that would be, in check mode), in order.
  returned: always
  type: list
  elements: str
count:
  description: Number of transactions applied (or that would be).
  returned: always
  type: int
before:
  description: The server's C(gtid_current_pos) before.
  returned: always
  type: str
after:
  description: Its C(gtid_current_pos) after.
  returned: success
  type: str
stopped_replica:
  description: Whether replication was stopped before the replay.
  returned: always
  type: bool
slave_pos_set:
  description:
    - The C(gtid_slave_pos) set after a replay into a stopped replica, so that its C(gtid_current_pos) names what it
      has and replication started again does not fetch the replayed transactions a second time.
  returned: when a replica's position was set
  type: str
commands:
  description: The programs run, without credentials.
  returned: always
  type: list
  elements: str
replay_ms:
  description: Milliseconds the apply took.
  returned: when changed
  type: int
"""

import os
import shutil
import subprocess
import tempfile
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.drkit.mysql.plugins.module_utils.binlog import BinlogError, gtid_state_text, read_binlog
from ansible_collections.drkit.mysql.plugins.module_utils.binlog_archive import (
    ArchiveError,
    binlog_files,
    source_directory,
)
from ansible_collections.drkit.mysql.plugins.module_utils.binlog_replay import (
    ReplayError,
    already_applied,
    binlog_command,
    client_command,
    expected_gtids,
    option_file_text,
    scan_gtids,
    select_files,
    state_from_gtid,
)
from ansible_collections.drkit.mysql.plugins.module_utils.connection import connection_argument_spec
from ansible_collections.drkit.mysql.plugins.module_utils.gtid import parse_gtid_set
from ansible_collections.drkit.mysql.plugins.module_utils.promotion import Promotion
from ansible_collections.drkit.mysql.plugins.module_utils.server import open_server_or_fail


def find_binary(module, given, names):
    if given:
        return given
    for name in names:
        path = module.get_bin_path(name)
        if path:
            return path
    module.fail_json(msg="Neither %s is installed on this host; install the MariaDB client package "
                         "(mariadb-client) or set binlog_binary/client_binary." % " nor ".join(names))


def current_position(server):
    """What the server has: gtid_current_pos with gtid_binlog_pos, per domain the newest (strict mode).

    gtid_current_pos alone is not it on a replica: for a domain whose newest binlogged GTID carries another
    server's id (a replayed transaction), MariaDB reports gtid_slave_pos there.
    Returns (position text, gtid_slave_pos text).
    """
    values = server.variables(["gtid_current_pos", "gtid_binlog_pos", "gtid_slave_pos"])
    has = parse_gtid_set(values.get("gtid_current_pos") or "", "mariadb").union(
        parse_gtid_set(values.get("gtid_binlog_pos") or "", "mariadb"))
    return str(has), values.get("gtid_slave_pos") or ""


def align_slave_pos(server, position):
    """After a replay into a stopped replica: its gtid_slave_pos names what it has, so gtid_current_pos does too,
    and replication started again would not fetch the replayed transactions a second time."""
    server.execute("SET GLOBAL gtid_slave_pos = %s", (position,))


def replication_running(server):
    return any(c.get("io_thread_running") or c.get("sql_thread_running") for c in server.replica_status() if c)


def stop_replication(server, timeout):
    """Let a replica apply what it fetched, then stop it. Returns (stopped, reason if it could not)."""
    promotion = Promotion(server, {}, timeout)
    state = promotion.read_state()
    status = state["status"]
    if not status or not (status.get("io_thread_running") or status.get("sql_thread_running")):
        return False, None
    deadline = time.time() + timeout
    while status.get("sql_thread_running") and not status.get("relay_log_applied") and time.time() < deadline:
        time.sleep(0.05)
        status = promotion.read_state()["status"]
    if status.get("sql_thread_running") and not status.get("relay_log_applied"):
        return False, "its relay log is still not applied after %s s (%s)" % (timeout, status.get("relay_log_reason"))
    server.execute(server.dialect.stop_replica_sql)
    return True, None


def main():
    spec = connection_argument_spec()
    spec.update(
        path=dict(type="path", required=True),
        files=dict(type="list", elements="str"),
        start_gtid=dict(type="str"),
        stop_gtid=dict(type="str"),
        stop_datetime=dict(type="str"),
        stop_replica=dict(type="bool", default=True),
        replica_timeout=dict(type="int", default=60),
        binlog_binary=dict(type="path"),
        client_binary=dict(type="path"),
        max_allowed_packet=dict(type="str", default="1G"),
    )
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    params = module.params
    binlog_binary = find_binary(module, params["binlog_binary"], ("mariadb-binlog", "mysqlbinlog"))
    client_binary = find_binary(module, params["client_binary"], ("mariadb", "mysql"))
    try:
        directory = source_directory(params["path"])
        names = params["files"] or binlog_files(directory)
        paths = [os.path.join(directory, name) for name in names]
        missing = [p for p in paths if not os.path.isfile(p)]
        if missing:
            module.fail_json(msg="Binlog file(s) %s not found; list files that exist in %s." % (
                ", ".join(missing), directory))
        heads = [read_binlog(p, head_only=True) for p in paths]
    except (ArchiveError, BinlogError, OSError) as exc:
        module.fail_json(msg="Cannot read the binlog archive: %s." % exc)

    server = open_server_or_fail(module)
    result = dict(changed=False, files=[], start_position="", gtids=[], count=0, before="", stopped_replica=False,
                  commands=[])
    workdir = tempfile.mkdtemp(prefix="drkit-replay-")
    try:
        if not server.dialect.is_mariadb:
            module.fail_json(msg="binlog_replay supports MariaDB only (GTID positions); %s runs %s."
                             % (server.target, server.version))
        before, slave_pos = current_position(server)
        result["before"] = before
        position = state_from_gtid(params["start_gtid"] or before)
        stop_state = state_from_gtid(params["stop_gtid"]) if params["stop_gtid"] else None
        # Only the Gtid_list of every file is read to choose; only the chosen files are read whole.
        first = select_files([(head["name"], head["start_state"]) for head in heads], position)
        chosen = paths[first:]
        infos = [read_binlog(p, with_transactions=True) for p in chosen]
        expected = expected_gtids(infos, position, stop_state)
        if not expected and not params["stop_datetime"]:
            result.update(msg="%s already has every transaction of the archive (%s): nothing to replay."
                          % (server.target, gtid_state_text(position) or "empty"))
            module.exit_json(**result)
        result["files"] = [os.path.basename(p) for p in chosen]
        start_position = gtid_state_text(position)
        result["start_position"] = start_position

        # Stop replication before reading the position the replay starts from: nothing moves it afterwards.
        if params["stop_replica"] and not module.check_mode:
            stopped, problem = stop_replication(server, params["replica_timeout"])
            if problem:
                module.fail_json(msg="Not replaying into %s: %s. Nothing was changed; check its replication."
                                 % (server.target, problem), **result)
            result["stopped_replica"] = stopped
            result["changed"] = stopped
            now, slave_pos = current_position(server)
            if now != before:
                before = result["before"] = now
                if not params["start_gtid"]:
                    position = state_from_gtid(now)
                    start_position = result["start_position"] = gtid_state_text(position)
                    expected = expected_gtids(infos, position, stop_state)

        chosen = cut_partial_tail(chosen, infos, workdir)
        argv = binlog_command(binlog_binary, chosen, start_position, params["stop_gtid"] or "",
                              params["stop_datetime"] or "")
        result["commands"].append(" ".join(argv))
        sql_path = os.path.join(workdir, "replay.sql")
        with open(sql_path, "wb") as sql_out:
            proc = subprocess.run(argv, stdout=sql_out, stderr=subprocess.PIPE, check=False)
        if proc.returncode != 0:
            module.fail_json(msg="%s could not read the archive (rc=%s): %s. Nothing was applied."
                             % (os.path.basename(binlog_binary), proc.returncode,
                                proc.stderr.decode("utf-8", "replace").strip()), **result)
        with open(sql_path, "rb") as handle:
            gtids = scan_gtids(handle)
        twice = already_applied(gtids, before)
        # A transaction whose end the archive never received is rolled back by the SQL's final ROLLBACK.
        partial = infos[-1]["partial_gtid"]
        gtids = [gtid for gtid in gtids if gtid != partial]
        if twice:
            module.fail_json(msg="Refusing to replay into %s: it already has %d of the transactions read from "
                                 "the archive (%s...), so they would be applied twice. Nothing was applied; check "
                                 "start_gtid." % (server.target, len(twice), ", ".join(twice[:3])), **result)
        result["gtids"], result["count"] = gtids, len(gtids)
        if not gtids:
            result["msg"] = "Nothing to replay into %s after %s." % (server.target, start_position or "the start")
            module.exit_json(**result)
        result["changed"] = True
        if module.check_mode:
            result["msg"] = "Would apply %d transaction(s) to %s: %s .. %s." % (
                len(gtids), server.target, gtids[0], gtids[-1])
            module.exit_json(**result)

        option_file = os.path.join(workdir, "client.cnf")
        fd = os.open(option_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(option_file_text(params))
        client = client_command(client_binary, option_file, params["max_allowed_packet"])
        result["commands"].append(" ".join(client) + " < replay.sql")
        started = time.time()
        with open(sql_path, "rb") as sql_in:
            proc = subprocess.run(client, stdin=sql_in, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
        result["replay_ms"] = int((time.time() - started) * 1000)
        after, _slave_pos = current_position(server)
        result["after"] = after
        applied = parse_position_difference(after, before)
        if proc.returncode != 0:
            module.fail_json(msg="Applying the archive to %s failed after %s transaction(s) (rc=%s): %s. Every "
                                 "applied transaction is complete; fix the cause and run again, it resumes after %s."
                                 % (server.target, applied, proc.returncode,
                                    proc.stderr.decode("utf-8", "replace").strip(), after), **result)
        short = [gtid for gtid in expected if gtid not in set(gtids)] if not params["stop_datetime"] else []
        if short:
            module.fail_json(msg="The replay into %s ended before %s, which the archive holds; it has %s now. "
                                 "Run again." % (server.target, short[0], after), **result)
        if slave_pos and not replication_running(server):
            align_slave_pos(server, after)
            result["slave_pos_set"] = after
        result["msg"] = "Applied %d transaction(s) to %s: %s .. %s." % (
            len(gtids), server.target, gtids[0], gtids[-1])
    except ReplayError as exc:
        module.fail_json(msg="Cannot replay into %s: %s." % (server.target, exc), **result)
    except Exception as exc:
        module.fail_json(msg="Replaying into %s failed: %s" % (server.target, exc), **result)
    finally:
        server.close()
        shutil.rmtree(workdir, ignore_errors=True)
    module.exit_json(**result)


def cut_partial_tail(paths, infos, workdir):
    """The last file without the event the streamer was cut off in (mariadb-binlog stops with an error there)."""
    last = infos[-1]
    if not last["partial_bytes"]:
        return paths
    copy = os.path.join(workdir, last["name"])
    with open(paths[-1], "rb") as source, open(copy, "wb") as target:
        remaining = last["complete_until"]
        while remaining > 0:
            chunk = source.read(min(remaining, 1 << 20))
            if not chunk:
                break
            target.write(chunk)
            remaining -= len(chunk)
    return paths[:-1] + [copy]


def parse_position_difference(after, before):
    """How many transactions the position moved by (for messages)."""
    return parse_gtid_set(after or "", "mariadb").difference(parse_gtid_set(before or "", "mariadb")).count()


if __name__ == "__main__":
    main()
