"""GTID set filters for playbooks: combine and compare sets without writing Python."""

DOCUMENTATION = r"""
name: gtid_union
short_description: Union of MySQL or MariaDB GTID sets
version_added: 0.1.0
description:
  - Takes a list of GTID set strings (MySQL C(uuid:1-5) or MariaDB C(0-1-100) positions; empty strings
    and nulls are skipped) and returns their union in canonical form.
  - The same plugin file also provides C(gtid_contains) (the input set contains the argument set) and
    C(gtid_missing) (a sentence naming what the input lacks of the argument set).
positional: _input
options:
  _input:
    description: GTID sets to unite.
    type: list
    elements: str
    required: true
author: drkit.mysql maintainers (@drkit)
"""

EXAMPLES = r"""
- name: Wait for everything the old primary and the plan knew of
  ansible.builtin.debug:
    msg: "{{ [plan.union_gtid, fence_result.gtid_executed] | drkit.mysql.gtid_union }}"
"""

RETURN = r"""
_value:
  description: The union, as a GTID set string.
  type: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.drkit.mysql.plugins.module_utils.gtid import GtidError, describe_missing, parse_gtid_set


def _parse(text, flavor=None):
    try:
        return parse_gtid_set(text or "", flavor)
    except GtidError as exc:
        raise AnsibleFilterError(str(exc)) from None


def gtid_union(sets):
    result = None
    for text in sets or []:
        if not text:
            continue
        current = _parse(text, result.flavor if result is not None else None)
        result = current if result is None else result.union(current)
    return str(result) if result is not None else ""


def gtid_contains(superset, subset):
    whole = _parse(superset)
    return _parse(subset, whole.flavor).is_subset(whole)


def gtid_missing(have, want):
    mine = _parse(have)
    return describe_missing(mine, _parse(want, mine.flavor))


class FilterModule(object):
    def filters(self):
        return {"gtid_union": gtid_union, "gtid_contains": gtid_contains, "gtid_missing": gtid_missing}
