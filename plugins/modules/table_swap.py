#!/usr/bin/python
# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module drkit.mysql.table_swap: report, record and swap repaired tables of a side schema."""

DOCUMENTATION = r"""
module: table_swap
short_description: Report, record and swap into place the repaired tables of a side schema
version_added: 0.3.0
description:
  - The last step of a point-in-time recovery (P(drkit.mysql.pitr#role)), and its memory.
  - C(report) reads which of O(tables) exist live and in O(side_schema), their row counts, and the record an
    earlier run left in C(<side_schema>.drkit_pitr). It changes nothing.
  - C(record) stores O(record) (the backup, the stop point, what was replayed) in that table, so a re-run knows
    the side schema is complete.
  - "C(swap) puts the side schema's tables in place: one atomic C(RENAME TABLE) that keeps the damaged table as
    C(<side_schema>.<table>__damaged) (a dropped table is just renamed into place); a table that other tables'
    foreign keys point at is copied there instead and its rows replaced in one transaction, because a renamed
    parent takes those foreign keys along. A second swap finds the record and changes nothing."
author: drkit.mysql maintainers (@drkit)
extends_documentation_fragment:
  - drkit.mysql.connection
attributes:
  check_mode:
    support: full
    description: Lists the statements it would run; runs none.
  diff_mode:
    support: none
    description: The result lists row counts before and after.
options:
  side_schema:
    description: The schema holding the repaired tables.
    type: str
    required: true
  tables:
    description: The live tables (C(db.table)); the repaired copies have the same names in O(side_schema).
    type: list
    elements: str
    required: true
  action:
    description: What to do.
    type: str
    choices: [report, record, swap]
    default: report
  record:
    description: With C(action=record), the values to store (name to any JSON value).
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: What an earlier point-in-time recovery left in shop_pitr
  drkit.mysql.table_swap:
    side_schema: shop_pitr
    tables: [shop.users]
  register: pitr_state

- name: Put the repaired shop.users in place, keeping the damaged one as shop_pitr.users__damaged
  drkit.mysql.table_swap:
    side_schema: shop_pitr
    tables: [shop.users]
    action: swap
"""

RETURN = r"""
side_exists:
  description: Whether the side schema exists.
  returned: always
  type: bool
record:
  description: The record of the side schema (name to value), null when there is none.
  returned: always
  type: dict
tables:
  description: Per table, C(table), C(live_exists), C(side_exists), C(live_rows), C(side_rows), C(damaged_copy).
  returned: always
  type: list
  elements: dict
statements:
  description: The statements run (or that would be, in check mode).
  returned: always
  type: list
  elements: str
"""

import datetime

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.drkit.mysql.plugins.module_utils.connection import connection_argument_spec
from ansible_collections.drkit.mysql.plugins.module_utils.server import open_server_or_fail
from ansible_collections.drkit.mysql.plugins.module_utils.table_swap import (
    SwapError,
    read_state,
    referenced_tables,
    run_steps,
    swap_statements,
    write_record,
)

MODULE_OPTIONS = dict(supports_check_mode=True)


def argument_spec():
    spec = connection_argument_spec()
    spec.update(
        side_schema=dict(type="str", required=True),
        tables=dict(type="list", elements="str", required=True),
        action=dict(type="str", choices=["report", "record", "swap"], default="report"),
        record=dict(type="dict", default={}),
    )
    return spec


def main():
    run(AnsibleModule(argument_spec=argument_spec(), **MODULE_OPTIONS))


def parse_tables(module):
    result = []
    for name in module.params["tables"]:
        db, dot, table = name.partition(".")
        if not dot or not db or not table:
            module.fail_json(msg="table %r is not db.table." % name)
        result.append((db, table))
    return result


def run(module):
    params = module.params
    tables = parse_tables(module)
    side = params["side_schema"]
    if any(db == side for db, _t in tables):
        module.fail_json(msg="side_schema %s is the schema of the tables themselves; choose another name." % side)
    server = open_server_or_fail(module)
    try:
        state = read_state(server, side, tables)
        result = dict(changed=False, side_exists=state["side_exists"], record=state["record"],
                      tables=state["tables"], statements=[])
        record = state["record"] or {}
        if params["action"] == "record":
            if not state["side_exists"]:
                module.fail_json(msg="The side schema %s does not exist: nothing to record." % side, **result)
            changed = any(record.get(name) != value for name, value in params["record"].items())
            result["changed"] = changed
            if changed and not module.check_mode:
                write_record(server, side, params["record"])
                result["record"] = read_state(server, side, tables)["record"]
        elif params["action"] == "swap":
            if record.get("swapped_at"):
                result["msg"] = "The tables of %s were swapped into place at %s; nothing to do." % (
                    side, record["swapped_at"])
                module.exit_json(**result)
            try:
                steps = swap_statements(state, referenced_tables(server, [(d, t) for d, t in tables
                                                                          if (d, t) in live_pairs(state)]))
            except SwapError as exc:
                module.fail_json(msg="Not swapping: %s. Nothing was changed." % exc, **result)
            result["statements"] = [statement for _d, statements, _t in steps for statement in statements]
            result["steps"] = [description for description, _s, _t in steps]
            result["changed"] = True
            if not module.check_mode:
                run_steps(server, steps)
                now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
                write_record(server, side, dict(swapped_at=now))
                after = read_state(server, side, tables)
                result.update(tables=after["tables"], record=after["record"])
    finally:
        server.close()
    module.exit_json(**result)


def live_pairs(state):
    return set((item["db"], item["name"]) for item in state["tables"] if item["live_exists"])


if __name__ == "__main__":
    main()
