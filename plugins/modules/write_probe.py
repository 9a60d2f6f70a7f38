#!/usr/bin/python
# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module drkit.mysql.write_probe: read an application's write probe, waiting until it writes again."""

DOCUMENTATION = r"""
module: write_probe
short_description: Read an application's write probe and wait until it can write again
version_added: 0.1.0
description:
  - Reads a JSON-lines file of the application's own C(up)/C(down) transitions (one object per line with
    C(kind) and C(at), as the lab's stand-in application writes) and returns it for the report, with the current
    state.
  - With O(wait_for_up), waits (up to that many seconds) until the last transition is C(up), so that "the
    config was changed" becomes "the application writes again" before the report measures the outage.
    Not being up after the wait is reported in RV(state), not a failure; the business validation decides.
author: drkit.mysql maintainers (@drkit)
attributes:
  check_mode:
    support: full
    description: It only reads, so it reads in check mode too.
  diff_mode:
    support: none
    description: Nothing is changed.
options:
  path:
    description: The probe's JSON-lines file.
    type: path
    required: true
  wait_for_up:
    description: Seconds to wait for an C(up) transition; 0 reads once.
    type: float
    default: 0
"""

EXAMPLES = r"""
- name: Wait until the app writes again, and keep its probe for the report
  drkit.mysql.write_probe:
    path: /srv/shop/events.jsonl
    wait_for_up: 10
  register: probe
"""

RETURN = r"""
content:
  description: The file, base64-encoded as M(ansible.builtin.slurp) returns it.
  returned: success
  type: str
encoding:
  description: Always C(base64).
  returned: success
  type: str
state:
  description: C(up), C(down) or C(unknown) (no transition yet), from the last transition.
  returned: success
  type: str
waited_seconds:
  description: How long it waited for C(up).
  returned: success
  type: float
"""

import base64

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.drkit.mysql.plugins.module_utils.write_probe import read_probe

MODULE_OPTIONS = dict(supports_check_mode=True)


def argument_spec():
    return dict(path=dict(type="path", required=True), wait_for_up=dict(type="float", default=0))


def main():
    run(AnsibleModule(argument_spec=argument_spec(), **MODULE_OPTIONS))


def run(module):
    params = module.params
    try:
        text, state, waited = read_probe(params["path"], max(0.0, params["wait_for_up"]))
    except OSError as exc:
        module.fail_json(msg="Cannot read the write probe %s: %s" % (params["path"], exc))
    module.exit_json(changed=False, content=base64.b64encode(text.encode("utf-8")).decode("ascii"),
                     encoding="base64", state=state, waited_seconds=waited)


if __name__ == "__main__":
    main()
