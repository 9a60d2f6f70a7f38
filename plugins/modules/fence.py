#!/usr/bin/python
# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module drkit.mysql.fence: stop (or resume) writes on one server."""

DOCUMENTATION = r"""
module: fence
short_description: Make a MySQL/MariaDB server stop (or resume) taking writes
version_added: 0.1.0
description:
  - O(state=fenced) turns C(read_only) ON, and on MySQL also C(super_read_only) ON (unless
    O(super_read_only=false)), so that application accounts can no longer write. This is the first step
    of a switchover or failover, so that there are never two writable servers.
  - O(state=unfenced) turns C(super_read_only) OFF (MySQL) and then C(read_only) OFF.
  - C(SET GLOBAL read_only = ON) waits for write statements that are running at that moment (idle open
    transactions do not delay it; their C(COMMIT) fails afterwards), and commits queue behind it while it
    waits. The wait is bounded by O(timeout); then the running statements are killed when
    O(kill_sessions) allows it, otherwise the module fails and names them.
  - MariaDB has no C(super_read_only) - accounts with C(READ_ONLY ADMIN) (or C(SUPER) before 10.11) keep
    writing through C(read_only). O(kill_sessions) closes the client sessions that remain, so that
    applications reconnect (to the new primary, once repointed).
  - Returns the state before and after and, in RV(undo), the arguments that restore the state before.
author: drkit.mysql maintainers (@drkit)
extends_documentation_fragment:
  - drkit.mysql.connection
attributes:
  check_mode:
    support: full
    description:
      - Reports the statements it would run and the sessions it would kill in RV(plan) and RV(killed);
        changes nothing.
  diff_mode:
    support: full
    description: Shows C(read_only) (and C(super_read_only) on MySQL) before and after.
options:
  state:
    description:
      - V(fenced) - the server refuses writes from ordinary accounts.
      - V(unfenced) - the server takes writes again.
    type: str
    choices: [fenced, unfenced]
    default: fenced
  super_read_only:
    description:
      - MySQL only, with O(state=fenced) - also set C(super_read_only) ON, which stops accounts with
        C(SUPER)/C(CONNECTION_ADMIN) too. Set to V(false) to fence with C(read_only) alone.
      - Ignored on MariaDB, which has no such variable.
    type: bool
    default: true
  kill_sessions:
    description:
      - Whether a fence also kills client sessions (C(KILL CONNECTION)) once C(read_only) is ON.
      - Every session is killed except replication and server threads (C(system user), C(event_scheduler),
        C(Binlog Dump) and C(Binlog Dump GTID)), the module's own connection and sessions of O(keep_users).
      - V(false) - never kill; a fence that waits longer than O(timeout) for running statements fails.
      - V(true) - kill only when this run changed the fence (so a second run is a no-op and reports
        C(changed=false)), and kill running statements that hold up C(SET GLOBAL read_only) past O(timeout).
      - V(always) - kill on every run, also when the server was already fenced (a session killed makes the
        run C(changed)).
      - Ignored with O(state=unfenced).
      - Takes a boolean or the word V(always).
    type: raw
    default: false
  keep_users:
    description:
      - Account user names (without host) whose sessions are never killed, for example a monitoring user.
    type: list
    elements: str
    default: []
  timeout:
    description:
      - Seconds C(SET GLOBAL read_only) may wait for running statements (the session's C(lock_wait_timeout)).
    type: int
    default: 10
notes:
  - The fencing account needs C(READ_ONLY ADMIN) (MariaDB 10.11+; C(SUPER) before) or
    C(SYSTEM_VARIABLES_ADMIN)/C(SUPER) (MySQL), and C(PROCESS) plus C(CONNECTION ADMIN) to see and kill
    other accounts' sessions.
  - Killed sessions are reported with their statement text shortened to 100 characters and every quoted
    literal replaced by C('?'), so row data and passwords do not end up in logs.
seealso:
  - module: drkit.mysql.topology_facts
  - module: drkit.mysql.replica
"""

EXAMPLES = r"""
- name: Fence the old primary and close the application's sessions
  drkit.mysql.fence:
    login_host: 127.0.0.1
    login_port: 3310
    login_user: drkit_admin
    login_password: "{{ vault_drkit_admin_password }}"
    state: fenced
    kill_sessions: true
    keep_users: [monitor]
  register: fence

- name: Put the fence back as it was before (for example when the failover is called off)
  drkit.mysql.fence:
    login_port: 3310
    state: "{{ fence.undo.state }}"
    super_read_only: "{{ fence.undo.super_read_only | default(omit) }}"

- name: Open a promoted replica for writes
  drkit.mysql.fence:
    state: unfenced
"""

RETURN = r"""
gtid_executed:
  description:
    - The server's executed GTID set read after the fence (and the kills), i.e. everything it committed.
      A server promoted in its place must contain it.
  returned: always
  type: str
  sample: 0-1-4711
before:
  description: Fence variables before the run. C(super_read_only) is null on MariaDB.
  returned: always
  type: dict
  sample: {read_only: false, super_read_only: null}
after:
  description: Fence variables after the run (in check mode, what they would be).
  returned: always
  type: dict
  sample: {read_only: true, super_read_only: null}
statements:
  description: The C(SET GLOBAL) statements run (or, in check mode, to be run).
  returned: always
  type: list
  elements: str
  sample: ["SET GLOBAL read_only = ON"]
plan:
  description: Human-readable steps, including each session to kill.
  returned: always
  type: list
  elements: str
  sample: ["SET GLOBAL read_only = ON on 127.0.0.1:3310", "KILL CONNECTION 17 (shop_app@127.0.0.1:51234, Sleep)"]
killed:
  description:
    - Sessions killed (in check mode, the ones that would be killed, with C(result=would kill)).
    - C(result) is V(killed), or V(gone) when the session ended before the C(KILL).
    - C(info) is the statement with quoted literals replaced by C('?'), at most 100 characters.
  returned: always
  type: list
  elements: dict
  sample:
    - {id: 17, user: shop_app, host: "127.0.0.1:51234", db: shop, command: Sleep, time: 0, state: "",
       info: null, result: killed}
undo:
  description:
    - Module arguments that restore the fence variables as they were before this run (connection options
      not included). Killed sessions cannot be brought back.
  returned: always
  type: dict
  sample: {state: unfenced}
fence_seconds:
  description: Seconds the C(SET GLOBAL) statements took, including any wait for running statements.
  returned: always
  type: float
  sample: 0.0031
elapsed_seconds:
  description: Seconds the whole run took after connecting.
  returned: always
  type: float
  sample: 0.012
target:
  description: The server, as C(host:port) or C(socket PATH).
  returned: always
  type: str
  sample: 127.0.0.1:3310
flavor:
  description: V(mysql) or V(mariadb).
  returned: always
  type: str
  sample: mariadb
state:
  description: The requested state.
  returned: always
  type: str
  sample: fenced
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.drkit.mysql.plugins.module_utils.connection import connection_argument_spec
from ansible_collections.drkit.mysql.plugins.module_utils.fencing import (
    FenceError,
    apply_fence,
    normalize_kill_sessions,
)
from ansible_collections.drkit.mysql.plugins.module_utils.server import open_server_or_fail


MODULE_OPTIONS = dict(supports_check_mode=True)


def argument_spec():
    spec = connection_argument_spec()
    spec.update(
        state=dict(type="str", choices=["fenced", "unfenced"], default="fenced"),
        super_read_only=dict(type="bool", default=True),
        kill_sessions=dict(type="raw", default=False),
        keep_users=dict(type="list", elements="str", default=[]),
        timeout=dict(type="int", default=10),
    )
    return spec


def main():
    run(AnsibleModule(argument_spec=argument_spec(), **MODULE_OPTIONS))


def run(module):
    params = module.params
    if params["timeout"] < 1:
        module.fail_json(msg="timeout must be at least 1 second, got %s." % params["timeout"])
    try:
        kill_sessions = normalize_kill_sessions(params["kill_sessions"])
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    server = open_server_or_fail(module)
    try:
        result = apply_fence(server, params["state"], kill_sessions=kill_sessions,
                             keep_users=params["keep_users"], super_read_only=params["super_read_only"],
                             timeout=params["timeout"], check_mode=module.check_mode)
    except FenceError as exc:
        module.fail_json(msg=str(exc), target=server.target)
    except Exception as exc:  # a server error: name the server and its complaint
        module.fail_json(msg="Fencing %s failed: %s" % (server.target, exc), target=server.target)
    finally:
        server.close()
    if not module._diff:
        result.pop("diff", None)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
