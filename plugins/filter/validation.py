# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter drkit.mysql.validation_table: validation verdicts as a table a person reads."""

DOCUMENTATION = r"""
name: validation_table
short_description: Render validation checks (SQL and HTTP) as a text table
version_added: 0.1.0
description:
  - Takes a list of check verdicts, as returned in C(checks) by M(drkit.mysql.validate) or collected
    in C(business_validation_result.checks) by the C(drkit.mysql.business_validation) role, and returns
    a table with the columns CHECK, KIND, EXPECTED and OBSERVED.
  - By default only the failed checks are listed (what a failure message needs); set O(failed_only=false) for all,
    with a STATUS column.
  - "Each entry needs C(name) and C(passed); C(kind) defaults to C(sql); the expected text is read from
    C(expectation) (or C(expected)); the observed text from C(observed_text), else C(error), else C(observed)."
  - Long cells are shortened to O(width) characters.
positional: _input
options:
  _input:
    description: List of check verdicts.
    type: list
    elements: dict
    required: true
  failed_only:
    description: List only the checks whose C(passed) is false.
    type: bool
    default: true
  width:
    description: Longest cell text; longer cells end in C(...).
    type: int
    default: 100
author: drkit.mysql maintainers (@drkit)
"""

EXAMPLES = r"""
- name: Fail with the table of failed checks
  ansible.builtin.fail:
    msg: "{{ verdict.summary }}\n{{ verdict.checks | drkit.mysql.validation_table }}"
  when: verdict.failed_count > 0

- name: Show every check, passed or not
  ansible.builtin.debug:
    msg: "{{ business_validation_result.checks | drkit.mysql.validation_table(failed_only=false) }}"
"""

RETURN = r"""
_value:
  description: The table (a header, a rule, then one line per check); only the header and rule when nothing is listed.
  type: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.drkit.mysql.plugins.module_utils.text_table import text_table
from ansible_collections.drkit.mysql.plugins.module_utils.validation import clip, format_value

HEADERS = ["CHECK", "KIND", "EXPECTED", "OBSERVED"]


def _observed(check):
    if check.get("observed_text"):
        return check["observed_text"]
    if check.get("error"):
        return "error: %s" % check["error"]
    if "observed" in check:
        return "NULL" if check["observed"] is None else format_value(check["observed"])
    return None


def validation_rows(checks, failed_only=True, width=100):
    if checks is None:
        return []
    if not isinstance(checks, (list, tuple)):
        raise AnsibleFilterError("validation_table expects a list of checks, got %s" % type(checks).__name__)
    rows = []
    for check in checks:
        if not isinstance(check, dict):
            raise AnsibleFilterError("validation_table expects dicts with name and passed, got %r" % (check,))
        passed = bool(check.get("passed"))
        if failed_only and passed:
            continue
        expected = check.get("expectation", check.get("expected"))
        row = [check.get("name") or "(unnamed)", check.get("kind") or "sql",
               None if expected is None else clip(expected, width),
               None if _observed(check) is None else clip(_observed(check), width)]
        if not failed_only:
            row.append("passed" if passed else "FAILED")
        rows.append(row)
    return rows


def validation_table(checks, failed_only=True, width=100):
    headers = HEADERS if failed_only else HEADERS + ["STATUS"]
    return text_table(headers, validation_rows(checks, failed_only, width))


class FilterModule(object):
    def filters(self):
        return {"validation_table": validation_table}
