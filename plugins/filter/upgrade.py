# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The upgrade guard's report on the controller, without writing Python in a playbook."""

DOCUMENTATION = r"""
name: upgrade_report
short_description: The upgrade guard's report from an upgrade_check result, its backup and the rollback command
version_added: 0.3.0
description:
  - Takes the result registered from M(drkit.mysql.upgrade_check) and returns the report C(playbooks/upgrade_guard.yml)
    writes - outcome (C(ready) or C(blocked)), counts, findings, the fixes in order, the backup (path, engine, size,
    verified, GTID set), the rollback command (C(playbooks/restore.yml) with that backup, C(restore_mode=replace)),
    and C(markdown), the same for people.
positional: _input
options:
  _input:
    description: The registered result of M(drkit.mysql.upgrade_check).
    type: dict
    required: true
  host:
    description: Inventory name of the checked server.
    type: str
    required: true
  backup:
    description: The registered result of M(drkit.mysql.backup) (the pre-upgrade backup).
    type: dict
    default: {}
  inventory:
    description: The inventory the rollback command names (C(inventory_file)).
    type: str
  databases:
    description: The databases backed up (the rollback restores those); empty for all.
    type: list
    elements: str
    default: []
author: drkit.mysql maintainers (@drkit)
"""

EXAMPLES = r"""
- name: Build the report
  ansible.builtin.set_fact:
    upgrade_report: >-
      {{ check | drkit.mysql.upgrade_report(host=inventory_hostname, backup=backup, inventory=inventory_file) }}
"""

RETURN = r"""
_value:
  description: The report.
  type: dict
"""

from ansible_collections.drkit.mysql.plugins.module_utils.upgrade_report import build_report


def upgrade_report(check, host, backup=None, inventory=None, databases=None):
    return build_report(dict(check or {}), host, dict(backup or {}), inventory, list(databases or []))


class FilterModule(object):
    def filters(self):
        return {"upgrade_report": upgrade_report}
