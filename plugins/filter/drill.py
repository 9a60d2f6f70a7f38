"""Build a DR drill's report (and its history line) on the controller."""

DOCUMENTATION = r"""
name: drill_report
short_description: Build a DR drill's report, with the trend over the drill history
version_added: 0.3.0
description:
  - Input is what the P(drkit.mysql.drill#role) role recorded - host, backup, engine, restore method, recorded GTID,
    replica, scratch server, time marks, the restore, replay and comparison results and the error if any.
  - Returns the report dict (outcome, RTO from the start to the validated copy, restore, replay and compare seconds,
    timeline, validation) with C(markdown), C(html) (the page with the RTO trend of the history plus this drill)
    and C(history_line), the JSON line to append to the history file.
positional: _input
options:
  _input:
    description: The drill's record.
    type: dict
    required: true
  timeline:
    description: Text of the C(drkit.mysql.timeline) callback's JSON-lines file (empty when not enabled).
    type: str
    default: ""
  validation:
    description: Business validation result on the scratch copy (passed, failed, checks).
    type: dict
    default: {}
  history:
    description: Text of the drill history file (one JSON object a line, oldest first).
    type: str
    default: ""
author: drkit.mysql maintainers (@drkit)
"""

EXAMPLES = r"""
- name: Build the drill report
  ansible.builtin.set_fact:
    drill_report: "{{ drill_record | drkit.mysql.drill_report(timeline=timeline_text, history=history_text) }}"
"""

RETURN = r"""
_value:
  description: The report, with C(markdown), C(html) and C(history_line).
  type: dict
"""

import time

from ansible_collections.drkit.mysql.plugins.module_utils.dr_report import parse_jsonl
from ansible_collections.drkit.mysql.plugins.module_utils.drill_report import build_drill_report, history_from_text


def drill_report(drill, timeline="", validation=None, history=""):
    return build_drill_report(dict(drill or {}), parse_jsonl(timeline or ""), validation or {},
                              history_from_text(history or ""), time.time())


class FilterModule(object):
    def filters(self):
        return {"drill_report": drill_report}
