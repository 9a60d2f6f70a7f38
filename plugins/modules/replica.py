#!/usr/bin/python
# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module drkit.mysql.replica: point a server at a source with GTIDs, or stop/remove replication."""

DOCUMENTATION = r"""
module: replica
short_description: Point a MySQL/MariaDB server at a replication source with GTIDs, or stop or remove replication
version_added: 0.1.0
description:
  - O(state=running) makes the server replicate from O(source_host):O(source_port) with GTID
    auto-positioning (MariaDB C(MASTER_USE_GTID=slave_pos), MySQL C(SOURCE_AUTO_POSITION=1)).
    When it already does, with both threads running, nothing changes. When it is configured for that
    source but stopped, it is only started. Otherwise it is stopped, repointed with C(CHANGE MASTER TO)
    (C(CHANGE REPLICATION SOURCE TO) on MySQL 8.0.23+) and started.
  - After C(START), waits (at most O(timeout) seconds) until the IO thread has connected and both threads
    stay up; a failing IO thread (wrong password, unreachable source, a GTID the source does not have)
    fails the task with the server's reason in one sentence. Replication is then left as configured (the
    IO thread keeps retrying), so that C(drkit.mysql.topology_facts) shows the same error.
  - With O(read_only=true) (the default) the server is made read-only (and C(super_read_only) on MySQL)
    before anything else, so that pointing a server at a source never leaves two writable servers.
  - "MariaDB, former primary: a server that was a primary has its own transactions in C(gtid_binlog_pos)
    but not in C(gtid_slave_pos); started as is it would ask the new source for them again. Whenever
    C(gtid_binlog_pos) is ahead of C(gtid_slave_pos), C(gtid_slave_pos) is set to the union of both
    before C(START) (a planned and reported step)."
  - O(state=stopped) stops both threads and keeps the configuration; O(state=absent) stops them and runs
    C(RESET SLAVE ALL) (C(RESET REPLICA ALL)), so that the server forgets its source.
  - O(wait_for_gtid) waits until the server has applied a GTID set, with C(MASTER_GTID_WAIT) (MariaDB)
    or C(WAIT_FOR_EXECUTED_GTID_SET) (MySQL); with O(state=stopped) or O(state=absent) it waits first
    and stops afterwards (catch up, then detach).
  - Only the default replication channel is managed.
author: drkit.mysql maintainers (@drkit)
extends_documentation_fragment:
  - drkit.mysql.connection
attributes:
  check_mode:
    support: full
    description: Returns the steps it would take in RV(plan) and changes nothing; does not wait.
  diff_mode:
    support: full
    description: Shows the source, replication user, GTID mode, thread state and C(read_only) before and after.
options:
  state:
    description:
      - V(running) - replicate from O(source_host):O(source_port) with GTID auto-positioning.
      - V(stopped) - stop the replication threads, keep the configuration.
      - V(absent) - stop the threads and forget the source (C(RESET SLAVE ALL) / C(RESET REPLICA ALL)).
    type: str
    choices: [running, stopped, absent]
    default: running
  source_host:
    description:
      - Host name or address of the source, as the replica reaches it. Compared with the replica status as
        written, so use the same spelling on every run.
      - Required with O(state=running).
    type: str
  source_port:
    description: Port of the source.
    type: int
    default: 3306
  source_user:
    description:
      - Replication account on the source (needs C(REPLICATION SLAVE)). Required with O(state=running).
    type: str
  source_password:
    description:
      - Password of O(source_user). Never logged, never shown in the plan or the diff.
      - Required with O(state=running).
    type: str
  source_ssl_ca:
    description:
      - CA certificate (path on the replica) to verify the source with. Setting any C(source_ssl_*) option
        turns TLS on for replication; setting none leaves the TLS settings of the channel as they are.
    type: path
  source_ssl_cert:
    description: Client certificate (path on the replica) for replication over TLS.
    type: path
  source_ssl_key:
    description: Private key of O(source_ssl_cert) (path on the replica).
    type: path
  wait_for_gtid:
    description:
      - A GTID set (MySQL) or GTID position (MariaDB, for example V(0-1-1234)) the server must have applied.
        Usually the source's C(gtid_binlog_pos) / C(gtid_executed) read just before.
      - On MariaDB the wait follows C(gtid_slave_pos), that is what replication applied.
      - Fails after O(timeout) seconds, naming the transactions still missing.
    type: str
  timeout:
    description:
      - Seconds to wait for the IO thread to connect, and again for O(wait_for_gtid).
    type: int
    default: 60
  read_only:
    description:
      - With O(state=running), make the server read-only (C(read_only) ON, and C(super_read_only) ON on
        MySQL) before pointing it at the source.
      - Set to V(false) only for a deliberate setup such as circular replication.
    type: bool
    default: true
notes:
  - The account running the module needs C(REPLICATION SLAVE ADMIN) (or C(SUPER)), C(SLAVE MONITOR) /
    C(REPLICATION CLIENT) and C(READ_ONLY ADMIN) (MariaDB) or C(SYSTEM_VARIABLES_ADMIN) (MySQL).
  - On MySQL without TLS settings, C(GET_SOURCE_PUBLIC_KEY=1) is set so that a C(caching_sha2_password)
    replication account can authenticate.
  - The idempotency check cannot read the stored replication password; a changed password is picked up
    when the IO thread fails with it (the next run repoints), or by running O(state=absent) first.
seealso:
  - module: drkit.mysql.fence
  - module: drkit.mysql.topology_facts
"""

EXAMPLES = r"""
- name: Make the old primary a replica of the new one (switchover)
  drkit.mysql.replica:
    login_host: 127.0.0.1
    login_port: 3310
    login_user: drkit_admin
    login_password: "{{ vault_drkit_admin_password }}"
    source_host: 127.0.0.1
    source_port: 3312
    source_user: drkit_repl
    source_password: "{{ vault_drkit_repl_password }}"

- name: Wait until the DR replica has applied everything the primary had, then detach it
  drkit.mysql.replica:
    state: absent
    wait_for_gtid: "{{ primary_facts.drkit_mysql_topology.gtid.executed }}"
    timeout: 300

- name: Show what a repoint would do
  drkit.mysql.replica:
    source_host: db-dr.example.com
    source_user: drkit_repl
    source_password: "{{ vault_drkit_repl_password }}"
  check_mode: true
  diff: true
  register: repoint_plan
"""

RETURN = r"""
plan:
  description: The steps taken (in check mode, the steps it would take), one sentence each. Never holds the password.
  returned: always
  type: list
  elements: str
  sample:
    - "STOP SLAVE on 127.0.0.1:3311 (replicates from 127.0.0.1:3310)"
    - "CHANGE MASTER to 127.0.0.1:3312 as drkit_repl (GTID slave_pos)"
    - "START SLAVE on 127.0.0.1:3311"
    - "wait up to 60 s for the IO thread to connect to 127.0.0.1:3312"
action:
  description: V(none), V(start), V(change) (stop, repoint, start), V(stop) or V(reset) (stop, forget the source).
  returned: always
  type: str
  sample: change
reason:
  description: Why that action, in a few words.
  returned: always
  type: str
  sample: replicates from 127.0.0.1:3310
source:
  description: The default channel before and after (in check mode, as expected after).
  returned: always
  type: dict
  contains:
    before:
      description: Source C(host), C(port), C(user), C(gtid) mode, C(io_running), C(sql_running), C(state)
        (V(running), V(stopped), V(partial) or V(absent)) and the last IO/SQL errors.
      type: dict
      returned: always
    after:
      description: Same keys as RV(source.before).
      type: dict
      returned: always
  sample:
    before: {host: 127.0.0.1, port: 3310, user: drkit_repl, gtid: slave_pos, io_running: "Yes",
             sql_running: "Yes", state: running, last_io_errno: 0, last_io_error: "", last_sql_errno: 0,
             last_sql_error: ""}
    after: {host: 127.0.0.1, port: 3312, user: drkit_repl, gtid: slave_pos, io_running: "Yes",
            sql_running: "Yes", state: running, last_io_errno: 0, last_io_error: "", last_sql_errno: 0,
            last_sql_error: ""}
read_only:
  description: C(read_only) before and after (null when O(read_only=false) or the state is not running).
  returned: always
  type: dict
  sample: {before: true, after: true}
gtid_applied:
  description: What this server has applied at the end, C(gtid_slave_pos) (MariaDB) or C(gtid_executed) (MySQL).
  returned: always
  type: str
  sample: 0-1-1287
timings:
  description:
    - Seconds spent waiting for the IO thread to connect and stay up (C(io_connect_seconds), including a
      0.5 s check that it stays up) and for O(wait_for_gtid) (C(gtid_wait_seconds)).
  returned: when not in check mode
  type: dict
  sample: {io_connect_seconds: 0.61}
elapsed_seconds:
  description: Seconds the whole run took after connecting.
  returned: always
  type: float
  sample: 0.74
target:
  description: The server, as C(host:port) or C(socket PATH).
  returned: always
  type: str
  sample: 127.0.0.1:3311
flavor:
  description: V(mysql) or V(mariadb).
  returned: always
  type: str
  sample: mariadb
state:
  description: The requested state.
  returned: always
  type: str
  sample: running
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.drkit.mysql.plugins.module_utils.connection import connection_argument_spec
from ansible_collections.drkit.mysql.plugins.module_utils.replication import ReplicaError, manage_replica
from ansible_collections.drkit.mysql.plugins.module_utils.server import open_server_or_fail


MODULE_OPTIONS = dict(
    required_if=[("state", "running", ("source_host", "source_user", "source_password"))],
    supports_check_mode=True,
)


def argument_spec():
    spec = connection_argument_spec()
    spec.update(
        state=dict(type="str", choices=["running", "stopped", "absent"], default="running"),
        source_host=dict(type="str"),
        source_port=dict(type="int", default=3306),
        source_user=dict(type="str"),
        source_password=dict(type="str", no_log=True),
        source_ssl_ca=dict(type="path"),
        source_ssl_cert=dict(type="path"),
        source_ssl_key=dict(type="path"),
        wait_for_gtid=dict(type="str"),
        timeout=dict(type="int", default=60),
        read_only=dict(type="bool", default=True),
    )
    return spec


def main():
    run(AnsibleModule(argument_spec=argument_spec(), **MODULE_OPTIONS))


def run(module):
    if module.params["timeout"] < 1:
        module.fail_json(msg="timeout must be at least 1 second, got %s." % module.params["timeout"])
    server = open_server_or_fail(module)
    try:
        result = manage_replica(server, module.params, check_mode=module.check_mode)
    except ReplicaError as exc:
        module.fail_json(msg=str(exc), target=server.target)
    except Exception as exc:  # a server error: name the server and its complaint
        module.fail_json(msg="Managing replication on %s failed: %s" % (server.target, exc), target=server.target)
    finally:
        server.close()
    if not module._diff:
        result.pop("diff", None)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
