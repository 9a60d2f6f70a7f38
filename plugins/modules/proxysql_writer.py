#!/usr/bin/python
# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module drkit.mysql.proxysql_writer: make the new primary ProxySQL's one writer."""

DOCUMENTATION = r"""
module: proxysql_writer
short_description: Make the new primary the one ONLINE server of ProxySQL's writer hostgroup
version_added: 0.1.0
description:
  - For applications that reach the database through ProxySQL. Through ProxySQL's admin interface (PyMySQL), the
    new primary O(host):O(port) becomes C(ONLINE) in the writer hostgroup O(writer_hostgroup) of C(mysql_servers)
    (added with the old writer's settings when it is not there) and every other server of that hostgroup is set
    C(OFFLINE_HARD) (or removed, O(old_writers=delete)); then C(LOAD MYSQL SERVERS TO RUNTIME) and
    C(SAVE MYSQL SERVERS TO DISK).
  - The three layers (memory, C(runtime_mysql_servers), C(disk.mysql_servers)) are each read and compared, so a
    re-run changes nothing and a run that stopped between them is finished. The runtime is read back after the load.
  - Reader hostgroups are left alone.
  - Used by the C(drkit.mysql.app_repoint) role for app hosts with C(app_repoint_backend=proxysql).
author: drkit.mysql maintainers (@drkit)
attributes:
  check_mode:
    support: full
    description: Reads the three layers and reports the statements it would run; changes nothing.
  diff_mode:
    support: full
    description: Shows the writer hostgroup's servers and statuses before and after.
options:
  admin_host:
    description: Address of ProxySQL's admin interface.
    type: str
    default: 127.0.0.1
  admin_port:
    description: Port of ProxySQL's admin interface.
    type: int
    default: 6032
  admin_user:
    description: Admin account (C(admin_credentials) of ProxySQL). When unset, the C(user) of O(admin_config_file).
    type: str
  admin_password:
    description: Password of O(admin_user). Never logged; keep it in Ansible Vault.
    type: str
  admin_unix_socket:
    description: ProxySQL's admin socket (C(mysql_ifaces) path), used instead of TCP when set.
    type: path
  admin_config_file:
    description: A MySQL option file whose C([client]) section supplies the admin account; not read unless set.
    type: path
  connect_timeout:
    description: Seconds to wait for the admin interface.
    type: int
    default: 10
  writer_hostgroup:
    description: The writer hostgroup (C(writer_hostgroup) of C(mysql_replication_hostgroups), or the hostgroup the
      query rules send writes to).
    type: int
    required: true
  host:
    description: The new primary as C(mysql_servers.hostname) names it (the same spelling, IP or name).
    type: str
    required: true
  port:
    description: The new primary's port.
    type: int
    required: true
  old_writers:
    description: What happens to the other servers of the writer hostgroup. C(offline_hard) keeps their rows (a
      failback sets them C(ONLINE) again); C(delete) removes them.
    type: str
    choices: [offline_hard, delete]
    default: offline_hard
  save_to_disk:
    description: Also C(SAVE MYSQL SERVERS TO DISK), so a ProxySQL restart keeps the new writer.
    type: bool
    default: true
requirements:
  - PyMySQL >= 1.0
notes:
  - The admin credentials are ProxySQL's, not a database server's, so this module is not in the C(drkit.mysql.all)
    action group and its options are named C(admin_*) (a play's C(module_defaults) for the database servers never
    reach ProxySQL).
  - When C(mysql_replication_hostgroups) covers the writer hostgroup, ProxySQL's monitor also moves servers by their
    C(read_only); run this after the promotion (as C(dr_failover.yml) does) so both agree.
  - Written against ProxySQL's documented admin tables and unit-tested on an SQLite stand-in of them (the admin
    interface is SQLite); not yet run against a real ProxySQL, which Debian 12 does not package.
"""

EXAMPLES = r"""
- name: Send writes to the new primary
  drkit.mysql.proxysql_writer:
    admin_host: 127.0.0.1
    admin_port: 6032
    admin_user: radmin
    admin_password: "{{ vault_proxysql_admin_password }}"
    writer_hostgroup: 10
    host: 10.0.2.15
    port: 3306
"""

RETURN = r"""
statements:
  description: The admin statements run (or that would be), with their parameters, then C(LOAD)/C(SAVE).
  returned: always
  type: list
  elements: str
servers:
  description: The writer hostgroup's servers (C(hostname), C(port), C(status), ...) at runtime after the change
    (in check mode, what memory would hold).
  returned: always
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.drkit.mysql.plugins.module_utils.connection import ConnectionFailure, connect
from ansible_collections.drkit.mysql.plugins.module_utils.proxysql_writer import (
    LOAD,
    SAVE,
    ProxySQLError,
    apply,
    decide,
    describe,
    read_layers,
)

MODULE_OPTIONS = dict(supports_check_mode=True)


def argument_spec():
    return dict(
        admin_host=dict(type="str", default="127.0.0.1"),
        admin_port=dict(type="int", default=6032),
        admin_user=dict(type="str"),
        admin_password=dict(type="str", no_log=True),
        admin_unix_socket=dict(type="path"),
        admin_config_file=dict(type="path"),
        connect_timeout=dict(type="int", default=10),
        writer_hostgroup=dict(type="int", required=True),
        host=dict(type="str", required=True),
        port=dict(type="int", required=True),
        old_writers=dict(type="str", choices=["offline_hard", "delete"], default="offline_hard"),
        save_to_disk=dict(type="bool", default=True),
    )


def main():
    run(AnsibleModule(argument_spec=argument_spec(), **MODULE_OPTIONS))


def _connection_params(params):
    """The admin options under the names connection.connect() reads (no ~/.my.cnf unless asked)."""
    return dict(login_host=params["admin_host"], login_port=params["admin_port"], login_user=params["admin_user"],
                login_password=params["admin_password"], login_unix_socket=params["admin_unix_socket"],
                config_file=params["admin_config_file"], connect_timeout=params["connect_timeout"])


def _shown(statement):
    sql, values = statement
    return "%s -- %s" % (sql, ", ".join(str(v) for v in values)) if values else sql


def run(module):
    params = module.params
    hostgroup, host, port = params["writer_hostgroup"], params["host"], params["port"]
    try:
        conn = connect(_connection_params(params))
    except ConnectionFailure as exc:
        module.fail_json(msg="ProxySQL admin interface: %s" % exc)
    try:
        cursor = conn.cursor()
        try:
            memory, runtime, disk = read_layers(cursor, hostgroup)
        except Exception as exc:  # PyMySQL raises several unrelated types
            module.fail_json(msg="Cannot read mysql_servers at %s:%s (%s); is that ProxySQL's admin interface "
                                 "(usually port 6032), not a database server?" % (
                                     params["admin_host"], params["admin_port"], exc))
        decision = decide(memory, runtime, disk, hostgroup, host, port, params["old_writers"],
                          params["save_to_disk"])
        shown = [_shown(s) for s in decision["statements"]]
        shown += [sql for sql, wanted in ((LOAD, decision["load"]), (SAVE, decision["save"])) if wanted]
        result = dict(changed=decision["changed"], statements=shown, servers=decision["rows_after"])
        if module._diff:
            name = "ProxySQL writer hostgroup %s" % hostgroup
            result["diff"] = dict(before=describe(runtime), after=describe(decision["rows_after"]),
                                  before_header=name + " (runtime)", after_header=name)
        if not decision["changed"]:
            module.exit_json(msg="%s:%s is already the one writer of hostgroup %s." % (host, port, hostgroup),
                             **result)
        if module.check_mode:
            module.exit_json(msg="would make %s:%s the one writer of hostgroup %s." % (host, port, hostgroup),
                             **result)
        try:
            result["servers"] = apply(cursor, decision, hostgroup, host, port)
        except ProxySQLError as exc:
            module.fail_json(msg=str(exc), **result)
        except Exception as exc:  # PyMySQL raises several unrelated types
            module.fail_json(msg="ProxySQL's admin interface refused a statement: %s" % (exc,), **result)
        module.exit_json(msg="%s:%s is the one writer of hostgroup %s." % (host, port, hostgroup), **result)
    finally:
        try:
            conn.close()
        except Exception:
            pass


if __name__ == "__main__":
    main()
