#!/usr/bin/python
# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module drkit.mysql.replica_pause: hold a replica's SQL thread at a GTID position, then let it go."""

DOCUMENTATION = r"""
module: replica_pause
short_description: Pause a replica's SQL thread to hold it at one GTID position, or resume it
version_added: 0.3.0
description:
  - V(paused) stops the replica's SQL thread (C(STOP SLAVE SQL_THREAD) / C(STOP REPLICA SQL_THREAD)) and returns the
    GTID position it has applied, which then stays put. The IO thread keeps fetching, so the source sees nothing and
    the replica catches up within seconds after V(resumed).
  - V(resumed) starts the SQL thread again and fails when it stops again at once with an error.
  - The P(drkit.mysql.drill#role) role holds a live replica this way to compare a restored scratch copy with it at
    the same transaction, and resumes it in an C(always) section, only when it was running before.
  - Replication settings (source, credentials, GTID mode) are never changed.
author: drkit.mysql maintainers (@drkit)
extends_documentation_fragment:
  - drkit.mysql.connection
attributes:
  check_mode:
    support: full
    description: Reports whether the SQL thread would be stopped or started, and the applied position; changes nothing.
  diff_mode:
    support: none
    description: RV(before) holds the thread states before the change.
options:
  state:
    description:
      - V(paused) - stop the SQL thread (the IO thread keeps running).
      - V(resumed) - start the SQL thread.
    type: str
    choices: [paused, resumed]
    default: paused
notes:
  - The account needs C(REPLICATION SLAVE ADMIN) (or C(SUPER)) and C(SLAVE MONITOR) / C(REPLICATION CLIENT).
seealso:
  - module: drkit.mysql.replica
  - module: drkit.mysql.table_checksum
"""

EXAMPLES = r"""
- name: Hold the DR replica still for a comparison
  drkit.mysql.replica_pause:
    state: paused
  register: held

- name: Let it apply again, only if it was applying before
  drkit.mysql.replica_pause:
    state: resumed
  when: held.before.sql_thread_running
"""

RETURN = r"""
gtid:
  description: The GTID position the replica has applied (C(gtid_slave_pos) on MariaDB, C(gtid_executed) on MySQL).
  returned: success
  type: str
  sample: 0-1-4711
before:
  description: Whether the IO and SQL threads ran before, and the last SQL error.
  returned: success
  type: dict
  sample: {io_thread_running: true, sql_thread_running: true, last_sql_error: null}
after:
  description: The same after V(resumed).
  returned: success with state resumed
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.drkit.mysql.plugins.module_utils.connection import connection_argument_spec
from ansible_collections.drkit.mysql.plugins.module_utils.replica_pause import (
    PauseError,
    applied_position,
    pause,
    resume,
)
from ansible_collections.drkit.mysql.plugins.module_utils.server import open_server_or_fail

MODULE_OPTIONS = dict(supports_check_mode=True)


def argument_spec():
    spec = connection_argument_spec()
    spec.update(state=dict(type="str", choices=["paused", "resumed"], default="paused"))
    return spec


def run(module):
    server = open_server_or_fail(module)
    try:
        if module.params["state"] == "paused":
            changed, before, gtid = pause(server, module.check_mode)
            module.exit_json(changed=changed, before=before, gtid=gtid,
                             msg="%s %s at %s." % (server.target, "held" if changed else "was already held", gtid))
        changed, before, after = resume(server, module.check_mode)
        module.exit_json(changed=changed, before=before, after=after, gtid=applied_position(server),
                         msg="%s %s." % (server.target, "applies again" if changed else "was already applying"))
    except PauseError as exc:
        module.fail_json(msg="%s. Nothing else was changed." % str(exc).rstrip("."))
    finally:
        server.close()


def main():
    run(AnsibleModule(argument_spec=argument_spec(), **MODULE_OPTIONS))


if __name__ == "__main__":
    main()
