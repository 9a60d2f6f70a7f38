#!/usr/bin/python
# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module drkit.mysql.validate: named read-only SQL assertions against one server."""

DOCUMENTATION = r"""
module: validate
short_description: Prove the data is right with named, read-only SQL checks
version_added: 0.1.0
description:
  - Runs a list of named SQL assertions ("business checks") against one MySQL/MariaDB server,
    for example after a failover, a restore or a flashback, and reports each as passed or failed
    with what was expected and what was observed.
  - Each check is one read statement (C(SELECT), C(SHOW) or C(WITH ... SELECT)). Anything else,
    several statements, C(SELECT ... INTO), locking reads (C(FOR UPDATE)), sequence updates
    (C(NEXTVAL)) and executable comments (C(/*! */)) are refused before any query runs, with the
    name of the check and the reason.
  - Every query runs inside C(START TRANSACTION READ ONLY), rolled back afterwards, so the server
    also stops a stored function that would write.
  - A failing check does not stop the others. With O(fail_on_error=true) (the default) the module
    fails when at least one check failed; its C(msg) is a one-line summary followed by a table of
    the failed checks (name, expectation, observed).
  - Each query has a server-side time limit (O(timeout), or the check's own C(timeout)). On MariaDB
    the query runs as C(SET STATEMENT max_statement_time=N FOR <query>); on MySQL a
    C(MAX_EXECUTION_TIME) optimizer hint is added after the main C(SELECT). MySQL cannot limit
    C(SHOW) statements, which then run without a limit. The dialect is taken from the server's version.
  - Never changes anything. Check mode runs the queries too, because they only read, so
    C(--check) gives the real verdict.
author: drkit.mysql maintainers (@drkit)
extends_documentation_fragment:
  - drkit.mysql.connection
attributes:
  check_mode:
    support: full
    description: Read-only; the queries run in check mode too and give the same result.
  diff_mode:
    support: none
    description: Changes nothing, so there is nothing to diff.
options:
  checks:
    description:
      - The checks to run, in order. Names must be unique.
      - Everything is validated before the first query runs.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Unique name of the check, shown in results and tables.
        type: str
        required: true
      query:
        description:
          - One read statement (C(SELECT), C(SHOW) or C(WITH ... SELECT)); a trailing C(;) is fine.
          - With O(checks[].params), values go as C(%s) placeholders and a literal C(%) is written C(%%).
        type: str
        required: true
      params:
        description:
          - Values of the C(%s) placeholders of O(checks[].query), passed to PyMySQL
            (escaped by the driver, never spliced into the SQL text by hand).
        type: list
        elements: raw
      expect:
        description:
          - What the result must be; exactly one of the kinds below (only C(min) and C(max) go together).
          - "C(equals: VALUE): the query returns one value (one row of one column) equal to VALUE. Numbers are
            compared numerically (C(equals: 1500.5) matches DECIMAL C(1500.50), C(equals: 0) matches C(0)),
            C(null) matches SQL NULL, C(true)/C(false) match 1/0 and ON/OFF, text is compared exactly,
            a DATETIME matches its C(2024-01-01 00:00:00) or ISO text."
          - "C(min: N) and/or C(max: N): the single value is a number within the bounds (inclusive)."
          - "C(no_rows: true): the query returns no rows (C(no_rows: false): at least one row)."
          - "C(rows: N): the query returns exactly N rows."
          - "C(jmespath: EXPRESSION): the expression, evaluated over the list of rows (each a dict of
            column name to value, DECIMAL as a number), is true in JMESPath's sense: C(false), C(null),
            empty text, list or object are false, every number (including 0) is true.
            Example: length([?balance < `0`]) == `0`."
        type: dict
        required: true
      description:
        description: What the check proves, for people reading the results.
        type: str
      timeout:
        description: Time limit of this query in seconds, overriding O(timeout).
        type: float
  timeout:
    description:
      - Server-side time limit of each query, in seconds; C(0) for none.
      - A query stopped by its limit is a failed check whose C(error) says so.
    type: float
    default: 30
  fail_on_error:
    description:
      - Fail the task when at least one check failed (its C(msg) holds the table of failed checks).
      - With C(false) the task succeeds and the verdicts are in RV(checks), RV(passed_count) and RV(failed_count).
      - A check that cannot be read (a write statement, an unknown expectation) and a server that
        cannot be reached always fail the task.
    type: bool
    default: true
requirements:
  - jmespath (only for C(jmespath) expectations)
seealso:
  - module: drkit.mysql.topology_facts
notes:
  - The whole result of each query is read into memory; aggregate in SQL (C(COUNT), C(SUM), C(NOT EXISTS))
    rather than returning large tables to a JMESPath expression.
  - Use an account that can read the checked tables; a read-only account is enough and preferred.
"""

EXAMPLES = r"""
- name: Prove the shop data survived the failover
  drkit.mysql.validate:
    login_host: 127.0.0.1
    login_port: 3306
    login_user: drkit_admin
    login_password: "{{ vault_drkit_admin_password }}"
    checks:
      - name: users_count
        description: every customer is still there
        query: SELECT COUNT(*) FROM shop.users
        expect:
          equals: 3000
      - name: no_negative_balance
        query: SELECT id, balance FROM shop.accounts WHERE balance < 0
        expect:
          no_rows: true
      - name: orders_have_users
        query: >-
          SELECT o.id, o.user_id FROM shop.orders AS o
          LEFT JOIN shop.users AS u ON u.id = o.user_id WHERE u.id IS NULL
        expect:
          no_rows: true
      - name: recent_app_writes
        query: SELECT COUNT(*) FROM shop.app_writes WHERE written_at > NOW(6) - INTERVAL %s SECOND
        params: [60]
        expect:
          min: 1
      - name: balances_in_range
        query: SELECT id, balance FROM shop.accounts
        expect:
          jmespath: "length([?balance < `0` || balance > `1000000`]) == `0`"
      - name: total_balance
        query: SELECT SUM(balance) FROM shop.accounts
        expect:
          equals: 14893785.00
        timeout: 5

- name: Collect the verdicts without failing, and show them
  drkit.mysql.validate:
    checks: "{{ my_checks }}"
    fail_on_error: false
  register: verdict

- name: Show what failed
  ansible.builtin.debug:
    msg: "{{ verdict.summary }}"
  when: verdict.failed_count > 0
"""

RETURN = r"""
checks:
  description: One entry per check, in the order given.
  returned: always (also when the module fails because a check failed)
  type: list
  elements: dict
  contains:
    name:
      description: Name of the check.
      type: str
    description:
      description: The check's description, or null.
      type: str
    query:
      description: The query as given.
      type: str
    passed:
      description: Whether the expectation held.
      type: bool
    expectation:
      description: The expectation as text, for example C(= 3000), C(no rows), C(>= 1), C(between 1 and 10).
      type: str
    expect:
      description: The expectation as given.
      type: dict
    observed:
      description:
        - What the server returned, JSON-safe; null when the query failed.
        - For C(equals), C(min) and C(max) the single value (DECIMAL as exact text such as C("1500.50"),
          DATETIME as ISO text); for C(rows) and C(no_rows) the row count; for C(jmespath) the
          expression's result.
      type: raw
    observed_text:
      description: The observed value (or the error) as a person reads it, as in the failure table.
      type: str
    rows:
      description: Number of rows the query returned; null when it failed.
      type: int
    sample:
      description: Up to three rows of a failed C(rows)/C(no_rows) check (the offending rows).
      type: list
      elements: dict
      returned: when a rows/no_rows check failed with rows
    duration_ms:
      description: Time the query took, in milliseconds.
      type: float
    error:
      description:
        - Why the check could not be judged, or null. The server's error code and message when the
          query failed (a missing table, a denied privilege, its time limit); or why the result
          did not fit the expectation (several rows for C(equals), a JMESPath type error).
      type: str
  sample:
    - name: orders_have_users
      description: null
      query: SELECT o.id, o.user_id FROM shop.orders AS o LEFT JOIN shop.users AS u ON u.id = o.user_id
        WHERE u.id IS NULL
      passed: false
      expectation: no rows
      expect: {no_rows: true}
      observed: 2
      observed_text: "2 rows, first: {id: 10001, user_id: 99999}"
      rows: 2
      sample: [{id: 10001, user_id: 99999}, {id: 10002, user_id: 99998}]
      duration_ms: 4.2
      error: null
passed_count:
  description: Number of checks that passed.
  returned: always
  type: int
  sample: 5
failed_count:
  description:
    - Number of checks that failed (including checks whose query failed).
    - Not called C(failed), which is Ansible's own verdict of the task.
  returned: always
  type: int
  sample: 1
total:
  description: Number of checks run.
  returned: always
  type: int
  sample: 6
summary:
  description: One line with the counts, the server and the names of the failed checks.
  returned: always
  type: str
  sample: "1 of 6 SQL checks failed on 127.0.0.1:3310: orders_have_users"
target:
  description: The server the checks ran against.
  returned: always
  type: str
  sample: 127.0.0.1:3310
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.drkit.mysql.plugins.module_utils.connection import connection_argument_spec
from ansible_collections.drkit.mysql.plugins.module_utils.server import open_server_or_fail
from ansible_collections.drkit.mysql.plugins.module_utils.validation import (
    HAS_JMESPATH,
    CheckError,
    failure_message,
    prepare_checks,
    run_checks,
    summarize,
)


def argument_spec():
    spec = connection_argument_spec()
    spec.update(
        checks=dict(type="list", elements="dict", required=True, options=dict(
            name=dict(type="str", required=True),
            query=dict(type="str", required=True),
            params=dict(type="list", elements="raw"),
            expect=dict(type="dict", required=True),
            description=dict(type="str"),
            timeout=dict(type="float"),
        )),
        timeout=dict(type="float", default=30),
        fail_on_error=dict(type="bool", default=True),
    )
    return spec


MODULE_OPTIONS = dict(supports_check_mode=True)


def main():
    run(AnsibleModule(argument_spec=argument_spec(), **MODULE_OPTIONS))


def run(module):
    if not HAS_JMESPATH and any("jmespath" in (check.get("expect") or {}) for check in module.params["checks"]):
        module.fail_json(msg=missing_required_lib("jmespath"))
    try:
        checks = prepare_checks(module.params["checks"], module.params["timeout"])
    except CheckError as exc:
        module.fail_json(msg="Nothing was run: %s." % str(exc).rstrip("."))
    server = open_server_or_fail(module)
    try:
        results = run_checks(server, checks)
    finally:
        server.close()
    outcome = summarize(results, server.target)
    outcome.update(checks=results, target=server.target)
    if outcome["failed_count"] and module.params["fail_on_error"]:
        module.fail_json(msg=failure_message(results, server.target), changed=False, **outcome)
    module.exit_json(changed=False, **outcome)


if __name__ == "__main__":
    main()
