"""Build the DR report (JSON-safe dict with a Markdown rendering) on the controller."""

DOCUMENTATION = r"""
name: dr_report
short_description: Build a DR run's report from its plan, timeline, app probe and validation
version_added: 0.1.0
description:
  - Input is the kind of run (e.g. C(dr_failover)). Returns a dict with outcome, RTO, the window in which the
    application could not write, RPO, the plan, a timeline of steps and the validation results, and
    C(markdown), the same rendered for people.
positional: _input
options:
  _input:
    description: Kind of run, used as the report title.
    type: str
    required: true
  plan:
    description: The plan from C(drkit.mysql.failover_plan).
    type: dict
    required: true
  timeline:
    description: Text of the C(drkit.mysql.timeline) callback's JSON-lines file (empty when not enabled).
    type: str
    default: ""
  app_events:
    description:
      - Mapping of app host to the text of its probe's JSON-lines events file, or to the result of
        M(ansible.builtin.slurp) of that file (hosts whose result has no content are left out).
    type: dict
    default: {}
  validation:
    description: Business validation result (passed, failed, checks).
    type: dict
    default: {}
  results:
    description: Any step results to keep in the JSON report (no secrets).
    type: dict
    default: {}
  started_at:
    description: Epoch seconds the run started, when there is no timeline.
    type: float
author: drkit.mysql maintainers (@drkit)
"""

EXAMPLES = r"""
- name: Build the report
  ansible.builtin.set_fact:
    drkit_report: "{{ 'dr_failover' | drkit.mysql.dr_report(plan=drkit_failover_plan, timeline=timeline_text) }}"
"""

RETURN = r"""
_value:
  description: The report.
  type: dict
"""

import base64
import time

from ansible_collections.drkit.mysql.plugins.module_utils.dr_report import build_report, parse_jsonl


def dr_report(kind, plan, timeline="", app_events=None, validation=None, results=None, started_at=None):
    events = parse_jsonl(timeline)
    apps = {}
    for host, probe in (app_events or {}).items():
        if isinstance(probe, dict):
            if not probe.get("content"):
                continue
            probe = base64.b64decode(probe["content"]).decode("utf-8", "replace")
        apps[host] = parse_jsonl(probe or "")
    return build_report(kind, plan or {}, events, apps, validation or {}, results or {}, time.time(),
                        float(started_at) if started_at else None)


class FilterModule(object):
    def filters(self):
        return {"dr_report": dr_report}
