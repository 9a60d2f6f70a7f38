#!/usr/bin/python
# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation of the drkit.mysql.report_files action (it runs on the control node)."""

DOCUMENTATION = r"""
module: report_files
short_description: Write a run's report files on the control node
version_added: 0.1.0
description:
  - Writes each entry of O(files) to O(directory)/O(name).<extension> on the B(control node), whatever host
    the task runs for, creating the directory (mode 0700) when needed. Files are written with mode 0600, because
    reports name servers, GTID sets and business figures.
  - An action that writes local files without a module round trip, so the report costs no time at the end of
    a failover.
author: drkit.mysql maintainers (@drkit)
attributes:
  check_mode:
    support: full
    description: Returns the paths it would write; writes nothing.
  diff_mode:
    support: none
    description: Reports are new files; there is no before to compare with.
options:
  directory:
    description: Directory on the control node.
    type: path
    required: true
  name:
    description: File name without extension.
    type: str
    required: true
  files:
    description: File contents by extension, for example C(json) and C(md).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Write the report as JSON and Markdown
  drkit.mysql.report_files:
    directory: "{{ playbook_dir }}/../reports"
    name: dr_failover-20261124T101500Z
    files:
      json: "{{ report | to_nice_json }}"
      md: "{{ report.markdown }}"
"""

RETURN = r"""
paths:
  description: The files written (or that would be written in check mode), by extension.
  returned: always
  type: dict
  sample: {json: /srv/dr/reports/dr_failover-20261124T101500Z.json}
"""
