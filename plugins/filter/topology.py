"""Filters that turn drkit.mysql topology facts into something a person reads."""

DOCUMENTATION = r"""
name: topology_table
short_description: Render topology facts of several servers as a text table
version_added: 0.1.0
description:
  - Takes a mapping of inventory host name to C(drkit_mysql_topology) facts (as set by
    M(drkit.mysql.topology_facts)), or to the registered results of that module, and returns a multi-line
    table. A failed result (an unreachable server) is a row saying so, with its error below the table.
  - Columns are role, version, read-only state, replication source, thread states, lag,
    whether the relay log is applied and the executed GTID set; warnings follow the table.
positional: _input
options:
  _input:
    description: Mapping of host name to topology facts or registered topology_facts results.
    type: dict
    required: true
author: drkit.mysql maintainers (@drkit)
"""

EXAMPLES = r"""
- name: Print the lab topology
  ansible.builtin.debug:
    msg: "{{ dict(groups['databases'] | zip(groups['databases'] | map('extract', hostvars, 'drkit_mysql_topology')))
            | drkit.mysql.topology_table }}"
"""

RETURN = r"""
_value:
  description: The table, one line per server, then warnings.
  type: str
"""

from ansible_collections.drkit.mysql.plugins.module_utils.text_table import text_table

HEADERS = ["HOST", "ROLE", "SERVER", "ID", "READ-ONLY", "SOURCE", "IO/SQL", "LAG", "RELAY APPLIED",
           "GTID EXECUTED"]


def _yes_no(value):
    if value is None:
        return None
    return "yes" if value else "no"


def _facts_of(value):
    """Topology facts, given either the facts or a registered topology_facts result (failed: None)."""
    if not isinstance(value, dict):
        return None
    if "ansible_facts" in value or "failed" in value or "msg" in value:
        if value.get("failed"):
            return None
        return (value.get("ansible_facts") or {}).get("drkit_mysql_topology")
    return value


def topology_rows(facts_by_host):
    rows, notes = [], []
    for host in sorted(facts_by_host):
        facts = _facts_of(facts_by_host[host])
        if not facts:
            rows.append([host, "unreachable"] + [None] * (len(HEADERS) - 2))
            error = (facts_by_host[host] or {}).get("msg") if isinstance(facts_by_host[host], dict) else None
            if error:
                notes.append("%s: %s" % (host, error))
            continue
        replica = facts.get("replica") or {}
        read_only = _yes_no(facts.get("read_only"))
        if facts.get("super_read_only"):
            read_only = "super"
        source = None
        if replica:
            source = "%s:%s" % (replica.get("source_host"), replica.get("source_port"))
        threads = "%s/%s" % (replica.get("io_running"), replica.get("sql_running")) if replica else None
        version = facts.get("version_info") or {}
        server = "%s %s.%s.%s" % ("MariaDB" if facts.get("flavor") == "mariadb" else "MySQL",
                                  version.get("major"), version.get("minor"), version.get("patch"))
        rows.append([host, facts.get("role"), server, facts.get("server_id"), read_only, source, threads,
                     replica.get("seconds_behind") if replica else None,
                     _yes_no(replica.get("relay_log_applied")) if replica else None,
                     facts.get("gtid", {}).get("executed") or "(empty)"])
        for warning in facts.get("warnings") or []:
            notes.append("%s: %s" % (host, warning))
        for key in ("last_io_error", "last_sql_error"):
            if replica.get(key):
                notes.append("%s: %s %s" % (host, key.replace("_", " "), replica[key]))
    return rows, notes


def topology_table(facts_by_host):
    rows, notes = topology_rows(facts_by_host)
    table = text_table(HEADERS, rows)
    if notes:
        table += "\n\n" + "\n".join("! " + note for note in notes)
    return table


class FilterModule(object):
    def filters(self):
        return {"topology_table": topology_table}
