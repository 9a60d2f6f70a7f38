#!/usr/bin/python
# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module drkit.mysql.topology_facts: read-only facts about one server."""

DOCUMENTATION = r"""
module: topology_facts
short_description: What a MySQL/MariaDB server is and how it replicates
version_added: 0.1.0
description:
  - Reads flavor and version, server id/uuid, C(read_only) (and C(super_read_only) where it exists),
    binlog settings and position, the executed GTID set, replication status of every channel
    (source, thread states, lag, whether the relay log is fully applied, last errors)
    and the replicas connected to this server.
  - The SQL dialect (C(SHOW REPLICA STATUS) or C(SHOW SLAVE STATUS), C(gtid_executed) or
    C(gtid_current_pos), ...) is chosen from the server's version, never from an option.
  - Never changes anything, so check mode returns the same facts.
  - Also lists settings that make recovery impossible (statement-based or MINIMAL row binlogs,
    GTID strict mode off) in C(warnings).
  - C(session_tls) tells whether the module's own connection is encrypted (TLS version and cipher as the server
    reports them, or null for a plain connection); see O(ca_cert).
author: drkit.mysql maintainers (@drkit)
extends_documentation_fragment:
  - drkit.mysql.connection
attributes:
  check_mode:
    support: full
    description: Read-only; runs the same in check mode.
  diff_mode:
    support: none
    description: Changes nothing, so there is nothing to diff.
  facts:
    support: full
    description: Sets C(drkit_mysql_topology).
options:
  backup_status_file:
    description:
      - The status file the C(drkit.mysql.backup) role writes after each verified backup of this server. When
        set, its last good backup and age are returned in C(drkit_mysql_topology.backup), so the failover
        preflight can warn when no recent verified backup exists. A missing file is reported, not an error.
    type: path
"""

EXAMPLES = r"""
- name: Learn every database server's role, GTID set and replication state
  drkit.mysql.topology_facts:
    login_host: 127.0.0.1
    login_port: 3310
    login_user: drkit_admin
    login_password: "{{ vault_drkit_admin_password }}"

- name: Same, with credentials set once for the play
  hosts: databases
  module_defaults:
    group/drkit.mysql.all:
      login_user: drkit_admin
      login_password: "{{ vault_drkit_admin_password }}"
  tasks:
    - name: Gather topology facts
      drkit.mysql.topology_facts:
    - name: Show the executed GTID set
      ansible.builtin.debug:
        var: drkit_mysql_topology.gtid.executed
"""

RETURN = r"""
ansible_facts:
  description: Facts about the server.
  returned: success
  type: complex
  contains:
    drkit_mysql_topology:
      description: One server's identity, binlog, GTID and replication state.
      returned: success
      type: dict
      sample:
        target: 127.0.0.1:3312
        flavor: mariadb
        version: 10.11.19-MariaDB-0+deb12u1-log
        version_info: {major: 10, minor: 11, patch: 19}
        supported: true
        role: replica
        server_id: 3
        server_uuid: null
        read_only: true
        super_read_only: null
        binlog:
          enabled: true
          format: ROW
          row_image: FULL
          row_metadata: FULL
          log_replica_updates: true
          file: db-dr-bin.000002
          position: 98734
        gtid:
          executed: 0-1-256
          transactions: 256
          mode: null
          strict_mode: true
          domain_id: 0
          binlog_pos: 0-1-256
          slave_pos: 0-1-256
        is_replica: true
        replica:
          source_host: 127.0.0.1
          source_port: 3310
          io_running: "Yes"
          sql_running: "Yes"
          seconds_behind: 0
          relay_log_applied: true
          relay_log_reason: everything the IO thread fetched has been executed
          last_io_error: ""
          last_sql_error: ""
        replication_channels: []
        replicas: []
        warnings: []
        session_tls: {version: TLSv1.3, cipher: TLS_AES_256_GCM_SHA384}
        backup:
          path: /var/tmp/drkit-lab/backups/db-dr/drkit-backup-status.json
          found: true
          age_seconds: 3600.0
          last_good: {name: db-dr-20261124T061500Z, engine: dump, verified: true, gtid: 0-1-250}
          problem: null
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.drkit.mysql.plugins.module_utils.backup_status import read_backup_status
from ansible_collections.drkit.mysql.plugins.module_utils.connection import connection_argument_spec
from ansible_collections.drkit.mysql.plugins.module_utils.server import open_server_or_fail
from ansible_collections.drkit.mysql.plugins.module_utils.topology import gather_topology


MODULE_OPTIONS = dict(supports_check_mode=True)


def argument_spec():
    spec = connection_argument_spec()
    spec.update(backup_status_file=dict(type="path"))
    return spec


def main():
    run(AnsibleModule(argument_spec=argument_spec(), **MODULE_OPTIONS))


def run(module):
    server = open_server_or_fail(module)
    try:
        facts = gather_topology(server)
        facts["session_tls"] = server.session_tls()
    except Exception as exc:  # a privilege or server error: name the server and the statement's complaint
        module.fail_json(msg="Reading the topology of %s failed: %s" % (server.target, exc))
    finally:
        server.close()
    if module.params["backup_status_file"]:
        facts["backup"] = read_backup_status(module.params["backup_status_file"])
    module.exit_json(changed=False, ansible_facts=dict(drkit_mysql_topology=facts))


if __name__ == "__main__":
    main()
