#!/usr/bin/python
# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module drkit.mysql.promote: make a replica the primary, only when nothing is lost."""

DOCUMENTATION = r"""
module: promote
short_description: Promote a replica to primary after proving it has every transaction
version_added: 0.1.0
description:
  - In one call, checks that the server's relay log is fully applied and that its GTID set contains every set in
    O(require_gtid) (the other reachable servers), waiting up to O(relay_log_timeout) seconds while its
    replication threads still fetch and apply (the catch-up from a fenced primary), then stops and resets
    replication and makes it
    writable (C(read_only=OFF), and C(super_read_only=OFF) on MySQL).
  - When a check fails it refuses, explains what is missing and changes nothing, unless
    O(force=true) with a O(reason), which is returned for the report.
  - A server that is already a writable primary with no replication is left alone (C(changed=false)).
  - With O(fence), the same call first fences the old writers (C(read_only), sessions killed as
    O(kill_sessions) says), adds what each had committed to the sets to contain, waits for them and promotes.
    A switchover then has no task boundary inside its write window. When the promotion is refused after the
    fence, the fences this call set are lifted again, so the old primary takes writes as before.
author: drkit.mysql maintainers (@drkit)
extends_documentation_fragment:
  - drkit.mysql.connection
attributes:
  check_mode:
    support: full
    description: Runs the checks and returns the statements it would run in RV(plan).
  diff_mode:
    support: full
    description: Shows role, source and read_only before and after.
options:
  require_gtid:
    description:
      - GTID sets the server must contain, by the name of the server that has them.
      - Usually the executed sets of every other reachable server (the old primary included).
    type: dict
    default: {}
  relay_log_timeout:
    description: Seconds to wait for replication to fetch and apply what O(require_gtid) names.
    type: int
    default: 30
  force:
    description: Promote even though a check failed. Needs O(reason).
    type: bool
    default: false
  reason:
    description: Why a forced promotion is acceptable; recorded in the result and the report.
    type: str
  name:
    description: Name of the server in messages (the inventory name).
    type: str
    default: the server
  fence:
    description:
      - Servers to fence just before the wait and the promotion, usually the old primary. Each is reached with
        its own address; connection options it does not set are this module's.
      - A candidate that is already refused (its SQL thread stopped on an error) is refused before any fence.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Name of the server in messages and in RV(fenced).
        type: str
        required: true
      login_host:
        description: Address of the server to fence.
        type: str
      login_port:
        description: Its port.
        type: int
      login_user:
        description: Account to fence it with (default O(login_user)).
        type: str
      login_password:
        description: That account's password (default O(login_password)).
        type: str
      login_unix_socket:
        description: Its socket, when it runs on the same host.
        type: path
  kill_sessions:
    description:
      - With O(fence) - also kill client sessions on the fenced servers (see M(drkit.mysql.fence)).
      - Takes a boolean or V(always).
    type: raw
    default: true
  fence_timeout:
    description: Seconds C(SET GLOBAL read_only) may wait for running statements on a fenced server.
    type: int
    default: 10
"""

EXAMPLES = r"""
- name: Promote the DR replica when it has what the others have
  drkit.mysql.promote:
    name: "{{ inventory_hostname }}"
    require_gtid:
      db-primary: "0-1-1200"
      db-replica: "0-1-1200"

- name: Switchover in one call - fence the old primary, wait for what it committed, promote
  drkit.mysql.promote:
    name: db-dr
    fence:
      - name: db-primary
        login_host: 10.0.1.10
        login_port: 3306
    require_gtid: "{{ other_servers_gtid }}"
"""

RETURN = r"""
plan:
  description: Statements run (or that would run in check mode).
  returned: always
  type: list
  elements: str
  sample: [STOP SLAVE, RESET SLAVE ALL, SET GLOBAL read_only = OFF]
refusals:
  description: Why the promotion would lose data (empty when safe).
  returned: always
  type: list
  elements: str
before:
  description: Role, source, read_only and executed GTID set before.
  returned: always
  type: dict
after:
  description: The same after the promotion.
  returned: success
  type: dict
forced:
  description: Whether a failed check was overridden with O(force).
  returned: always
  type: bool
reason:
  description: The O(reason) given.
  returned: always
  type: str
fenced:
  description: The result of each fence of O(fence), by name (as M(drkit.mysql.fence) returns it).
  returned: always
  type: dict
fences_lifted:
  description: Servers whose fence was lifted again because the promotion was refused.
  returned: always
  type: list
  elements: str
promote_ms:
  description: Milliseconds the promoting statements took.
  returned: when changed
  type: int
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.drkit.mysql.plugins.module_utils.connection import (
    ConnectionFailure,
    connection_argument_spec,
    other_server_spec,
)
from ansible_collections.drkit.mysql.plugins.module_utils.fencing import normalize_kill_sessions
from ansible_collections.drkit.mysql.plugins.module_utils.promotion import Promotion
from ansible_collections.drkit.mysql.plugins.module_utils.server import Server, open_server_or_fail

FENCE_CONNECTION_KEYS = ("login_host", "login_port", "login_user", "login_password", "login_unix_socket")


MODULE_OPTIONS = dict(required_if=[("force", True, ("reason",))], supports_check_mode=True)


def argument_spec():
    spec = connection_argument_spec()
    spec.update(
        require_gtid=dict(type="dict", default={}),
        relay_log_timeout=dict(type="int", default=30),
        force=dict(type="bool", default=False),
        reason=dict(type="str"),
        name=dict(type="str", default="the server"),
        fence=dict(type="list", elements="dict", default=[], options=other_server_spec()),
        kill_sessions=dict(type="raw", default=True),
        fence_timeout=dict(type="int", default=10),
    )
    return spec


def main():
    run(AnsibleModule(argument_spec=argument_spec(), **MODULE_OPTIONS))


def run(module):
    params = module.params
    try:
        kill_sessions = normalize_kill_sessions(params["kill_sessions"])
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    server = open_server_or_fail(module)
    fences = []
    try:
        fences = open_fence_targets(module)
        promotion = Promotion(server, params["require_gtid"], params["relay_log_timeout"])
        result = promotion.run(params["name"], module.check_mode, params["force"], params["reason"],
                               fences=fences, kill_sessions=kill_sessions, fence_timeout=params["fence_timeout"])
    except Exception as exc:
        module.fail_json(msg="Promoting %s (%s) failed: %s" % (params["name"], server.target, exc))
    finally:
        server.close()
        for fenced_server in (pair[1] for pair in fences):
            fenced_server.close()
    if module._diff and result.get("after"):
        result["diff"] = dict(before=_lines(result["before"]), after=_lines(result["after"]))
    if result.get("failed"):
        module.fail_json(**result)
    module.exit_json(**result)


def open_fence_targets(module):
    """Connect to every server to fence before anything changes: one unreachable means no fence at all."""
    opened = []
    for target in module.params["fence"]:
        params = dict(module.params)
        params.update((key, target[key]) for key in FENCE_CONNECTION_KEYS if target.get(key) is not None)
        try:
            opened.append((target["name"], Server.open(params)))
        except ConnectionFailure as exc:
            for server in (pair[1] for pair in opened):
                server.close()
            module.fail_json(msg="Cannot fence %s before promoting %s: %s Nothing was changed."
                             % (target["name"], module.params["name"], exc))
    return opened


def _lines(state):
    return "".join("%s: %s\n" % (key, state.get(key)) for key in ("role", "source", "read_only", "super_read_only"))


if __name__ == "__main__":
    main()
