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
"""

EXAMPLES = r"""
- name: Promote the DR replica when it has what the others have
  drkit.mysql.promote:
    name: "{{ inventory_hostname }}"
    require_gtid:
      db-primary: "0-1-1200"
      db-replica: "0-1-1200"
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
promote_ms:
  description: Milliseconds the promoting statements took.
  returned: when changed
  type: int
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.drkit.mysql.plugins.module_utils.connection import connection_argument_spec
from ansible_collections.drkit.mysql.plugins.module_utils.promotion import Promotion
from ansible_collections.drkit.mysql.plugins.module_utils.server import open_server_or_fail


def main():
    spec = connection_argument_spec()
    spec.update(
        require_gtid=dict(type="dict", default={}),
        relay_log_timeout=dict(type="int", default=30),
        force=dict(type="bool", default=False),
        reason=dict(type="str"),
        name=dict(type="str", default="the server"),
    )
    module = AnsibleModule(argument_spec=spec, required_if=[("force", True, ("reason",))],
                           supports_check_mode=True)
    server = open_server_or_fail(module)
    try:
        promotion = Promotion(server, module.params["require_gtid"], module.params["relay_log_timeout"])
        result = promotion.run(module.params["name"], module.check_mode, module.params["force"],
                               module.params["reason"])
    except Exception as exc:
        module.fail_json(msg="Promoting %s (%s) failed: %s" % (module.params["name"], server.target, exc))
    finally:
        server.close()
    if module._diff and result.get("after"):
        result["diff"] = dict(before=_lines(result["before"]), after=_lines(result["after"]))
    if result.get("failed"):
        module.fail_json(**result)
    module.exit_json(**result)


def _lines(state):
    return "".join("%s: %s\n" % (key, state.get(key)) for key in ("role", "source", "read_only", "super_read_only"))


if __name__ == "__main__":
    main()
