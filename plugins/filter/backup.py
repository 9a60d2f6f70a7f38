# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The backup status file's content from a backup result, without writing Python in a playbook."""

DOCUMENTATION = r"""
name: backup_status
short_description: The status-file document of a drkit.mysql backup (the last good backup)
version_added: 0.1.0
description:
  - Takes the result registered from M(drkit.mysql.backup) and returns the document the C(drkit.mysql.backup)
    role writes to the backup status file - path, name, engine, size, duration, finish time, whether it was
    verified and the binlog file, position and GTID set at its consistent point.
  - M(drkit.mysql.topology_facts) reads that file back (O(drkit.mysql.topology_facts#module:backup_status_file)),
    so the failover preflight can warn when no recent verified backup exists.
positional: _input
options:
  _input:
    description: The registered result of M(drkit.mysql.backup).
    type: dict
    required: true
author: drkit.mysql maintainers (@drkit)
"""

EXAMPLES = r"""
- name: Record the last good backup
  ansible.builtin.copy:
    content: "{{ backup_result | drkit.mysql.backup_status | to_nice_json }}"
    dest: /var/backups/drkit/db1-status.json
    mode: "0600"
"""

RETURN = r"""
_value:
  description: The status document (C(version) and C(last_good)).
  type: dict
"""

from ansible_collections.drkit.mysql.plugins.module_utils.backup_status import status_document


def backup_status(result):
    return status_document(dict(result or {}))


class FilterModule(object):
    def filters(self):
        return {"backup_status": backup_status}
