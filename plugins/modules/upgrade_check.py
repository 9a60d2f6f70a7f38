#!/usr/bin/python
# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module drkit.mysql.upgrade_check: what breaks an upgrade to a named target, and the fixes."""

DOCUMENTATION = r"""
module: upgrade_check
short_description: Find what breaks an upgrade of a MySQL/MariaDB server to a named target, with the fixing statements
version_added: 0.3.0
description:
  - Scans the server about to be upgraded for what makes the upgrade to O(target) fail or its applications break,
    and returns each finding with the exact statement (or option-file edit) that fixes it. Read-only.
  - "C(utf8mb3) - schemas and tables with utf8mb3 (C(utf8)) columns or defaults: C(ALTER TABLE ... CONVERT TO
    CHARACTER SET utf8mb4 COLLATE ...) with the utf8mb4 collation of the same rules (warning)."
  - "C(not_null_no_default) - NOT NULL columns without a default while the server's sql_mode is not strict and the
    target's is: inserts that leave them out start failing. Fixed with an explicit default (error)."
  - "C(zero_dates) and C(zero_date_default) - DATE/DATETIME/TIMESTAMP rows and defaults with a zero date or a zero
    month/day, when the target's sql_mode forbids them (NO_ZERO_DATE, NO_ZERO_IN_DATE, strict) - an C(UPDATE) and an
    C(ALTER TABLE) (errors)."
  - "C(invalid_json) - rows of the O(json_columns) (TEXT columns meant to become JSON) that are not valid JSON,
    counted with C(JSON_VALID) - an C(UPDATE ... JSON_QUOTE) (error)."
  - "C(reserved_word) - schemas, tables, columns, routines, triggers and events named with a word the target
    reserves and the server does not - quoting advice and the renaming statement (warning)."
  - "C(removed_variable) and C(removed_sql_mode) - lines of O(config_files) that set a variable or an sql_mode value
    the target removed (the new server does not start: error), and removed variables the running server uses
    (C(SHOW GLOBAL VARIABLES), e.g. a query cache in use: warning)."
  - The target's sql_mode is the one the O(config_files) set, else the target's default.
  - Rows are counted in primary-key chunks of O(chunk_rows) rows (a table without a primary key in one statement),
    so a production server is not held up; only tables with date columns (when zero dates matter) and the
    O(json_columns) tables are read.
  - Every query reads C(information_schema), C(SHOW GLOBAL VARIABLES) or the tables, with bound parameters and quoted
    identifiers.
author: drkit.mysql maintainers (@drkit)
extends_documentation_fragment:
  - drkit.mysql.connection
attributes:
  check_mode:
    support: full
    description: Read-only; check mode runs the same scan and gives the same findings.
  diff_mode:
    support: none
    description: Changes nothing, so there is nothing to diff.
options:
  target:
    description:
      - The release the server is to be upgraded to (or migrated to). The source is the server itself, told apart
        by its version string.
    type: str
    required: true
    choices: [mariadb-10.11, mariadb-11.4, mysql-8.0, mysql-8.4]
  databases:
    description: Schemas to scan; all user schemas when empty (C(mysql), C(sys) and the two catalogs are left out).
    type: list
    elements: str
    default: []
  json_columns:
    description:
      - Columns (C(db.table.column)) meant to become JSON; their rows that are not valid JSON are counted.
    type: list
    elements: str
    default: []
  config_files:
    description:
      - Option files of this server (for example C(/etc/mysql/my.cnf)) to scan for removed variables and sql_mode
        values; C(!include) and C(!includedir) are followed. Only server groups are read (C([mysqld]), C([server]),
        C([mariadb]), C([mariadbd]) and their versioned forms). Missing files are listed in RV(config_files).
      - Read on the host that runs the module (the database host).
    type: list
    elements: path
    default: []
  chunk_rows:
    description: Rows read per statement when rows are counted.
    type: int
    default: 10000
  fail_on:
    description:
      - Findings that block the upgrade - V(error) (errors only) or V(warning) (warnings too). Counted in
        RV(blocking) and RV(passed).
    type: str
    choices: [error, warning]
    default: error
  fail_on_blocking:
    description:
      - Fail the task when a finding blocks (see O(fail_on)); its C(msg) is the summary and the table of findings.
      - V(false) returns the same result without failing, for a playbook that writes a report first.
    type: bool
    default: true
notes:
  - The checks look at what the server stores and how it is configured. Application SQL that names a new reserved
    word unquoted, or relies on a removed sql_mode, is outside its sight; the reserved word findings name the
    objects such SQL would use.
  - The strict sql_mode check compares the server's global sql_mode; applications that set their own session
    sql_mode keep it after the upgrade.
  - Use an account that can read the scanned tables (SELECT) and C(information_schema).
seealso:
  - module: drkit.mysql.backup
  - module: drkit.mysql.topology_facts
"""

EXAMPLES = r"""
- name: What breaks the upgrade of this MySQL 5.7 server to 8.0?
  drkit.mysql.upgrade_check:
    login_host: 127.0.0.1
    login_user: drkit_admin
    login_password: "{{ vault_drkit_admin_password }}"
    target: mysql-8.0
    databases: [erp_system]
    json_columns: [erp_system.products.attributes]
    config_files: [/etc/mysql/my.cnf]
  register: upgrade

- name: Only look, never fail; warnings block too
  drkit.mysql.upgrade_check:
    target: mariadb-11.4
    fail_on: warning
    fail_on_blocking: false
  register: upgrade

- name: Show the statements that fix everything found, in order
  ansible.builtin.debug:
    var: upgrade.fix_script
"""

RETURN = r"""
findings:
  description: What breaks, one entry per object, errors and warnings in the order found.
  returned: always
  type: list
  elements: dict
  contains:
    check:
      description: >-
        C(utf8mb3), C(not_null_no_default), C(zero_dates), C(zero_date_default), C(invalid_json), C(reserved_word),
        C(removed_variable) or C(removed_sql_mode).
      type: str
    severity:
      description: C(error) (the upgrade or the application fails) or C(warning).
      type: str
    object:
      description: C(schema), C(schema.table), C(schema.table.column), C(file:line) or C(@@GLOBAL.variable).
      type: str
    message:
      description: What breaks, and why.
      type: str
    fix:
      description: The statement that fixes it (run on this server, before the upgrade), or the option-file edit.
      type: str
    note:
      description: A side effect of the fix to know about, or null.
      type: str
    rows:
      description: Rows affected (C(zero_dates), C(invalid_json)).
      type: int
      returned: for row checks
  sample:
    - check: utf8mb3
      severity: warning
      object: erp_system.users
      message: columns user_name are utf8mb3 (deprecated in MySQL 8.0, cannot store 4-byte characters such as emoji)
      fix: ALTER TABLE `erp_system`.`users` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
      note: TEXT columns may become MEDIUMTEXT to keep their length in characters
fix_script:
  description: Every RV(findings[].fix) in the order to apply them (rows before defaults, SQL before option files).
  returned: always
  type: list
  elements: str
error_count:
  description: Number of error findings.
  returned: always
  type: int
warning_count:
  description:
    - Number of warning findings.
    - Not called C(warnings), which Ansible shows as the task's own warnings.
  returned: always
  type: int
blocking:
  description: Findings that block per O(fail_on).
  returned: always
  type: int
passed:
  description: Whether nothing blocks the upgrade (RV(blocking) is 0).
  returned: always
  type: bool
by_check:
  description: Number of findings per check.
  returned: always
  type: dict
summary:
  description: One line for people.
  returned: always
  type: str
  sample: "2 error(s), 3 warning(s) for the upgrade to MySQL 8.0: not_null_no_default 1, reserved_word 2, ..."
report:
  description: The findings as a text table (severity, check, object, fix).
  returned: always
  type: str
target:
  description: The target checked against.
  returned: always
  type: str
source:
  description: The scanned server's flavor and version string.
  returned: always
  type: dict
sql_mode:
  description: The server's global sql_mode (C(current)), the upgraded server's (C(target)), what it adds (C(added))
    and whether the option files set it (C(from_config)).
  returned: always
  type: dict
config_files:
  description: Option files read (C(read)) and not found (C(missing)).
  returned: always
  type: dict
scanned:
  description: Schemas, number of tables and columns, the row scans (table, rows, chunks, chunked, seconds) and the
    new reserved words looked for.
  returned: always
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.drkit.mysql.plugins.module_utils.connection import connection_argument_spec
from ansible_collections.drkit.mysql.plugins.module_utils.server import open_server_or_fail
from ansible_collections.drkit.mysql.plugins.module_utils.upgrade_config import ConfigError
from ansible_collections.drkit.mysql.plugins.module_utils.upgrade_scan import ScanError, run_check
from ansible_collections.drkit.mysql.plugins.module_utils.upgrade_targets import TARGETS, Target


def argument_spec():
    spec = connection_argument_spec()
    spec.update(
        target=dict(type="str", required=True, choices=sorted(TARGETS)),
        databases=dict(type="list", elements="str", default=[]),
        json_columns=dict(type="list", elements="str", default=[]),
        config_files=dict(type="list", elements="path", default=[]),
        chunk_rows=dict(type="int", default=10000),
        fail_on=dict(type="str", choices=["error", "warning"], default="error"),
        fail_on_blocking=dict(type="bool", default=True),
    )
    return spec


MODULE_OPTIONS = dict(supports_check_mode=True)


def main():
    run(AnsibleModule(argument_spec=argument_spec(), **MODULE_OPTIONS))


def run(module):
    params = module.params
    if params["chunk_rows"] < 1:
        module.fail_json(msg="chunk_rows must be at least 1, got %d." % params["chunk_rows"])
    target = Target(params["target"])
    server = open_server_or_fail(module)
    try:
        result = run_check(server, target, params["databases"], params["json_columns"], params["config_files"],
                           params["chunk_rows"], params["fail_on"])
    except (ScanError, ConfigError) as exc:
        module.fail_json(msg="Nothing was scanned: %s." % str(exc).rstrip("."))
    finally:
        server.close()
    if result["blocking"] and params["fail_on_blocking"]:
        module.fail_json(msg="%s\n%s" % (result["summary"], result["report"]), changed=False, **result)
    module.exit_json(changed=False, msg=result["summary"], **result)


if __name__ == "__main__":
    main()
