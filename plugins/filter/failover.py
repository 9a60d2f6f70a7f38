"""The failover decision as a filter: preflight computes the plan on the controller, with no extra task."""

DOCUMENTATION = r"""
name: failover_plan
short_description: Decide a MySQL/MariaDB failover from every server's topology facts
version_added: 0.1.0
description:
  - Input is the list of database hosts of the play; O(hostvars) gives, for each, the result registered by
    M(drkit.mysql.topology_facts) under O(register_name) (a failed or skipped result means unreachable) and
    the address other servers replicate from (C(drkit_mysql_replication_host) / C(drkit_mysql_replication_port),
    defaulting to C(drkit_mysql_login_host) / C(drkit_mysql_port)).
  - Returns the plan (old primary, candidate, whom to fence, catch-up source, replicas to repoint, refusals and
    warnings) and a C(summary) list of lines for people. A plan with C(ok=false) must not be carried out.
  - The same plugin file also provides C(fence_targets) - the plan piped into it with O(hostvars) gives the
    servers to fence as the O(drkit.mysql.promote#module:fence) list (each one's replication address and its own
    C(drkit_mysql_login_user) / C(drkit_mysql_login_password) when set).
  - A candidate is chosen only if it holds, or can first be caught up to, every transaction any reachable
    server has; a lagging candidate whose SQL thread is stopped, one with errant transactions, or an
    unreachable primary that the play did not confirm dead are refused.
positional: _input
options:
  _input:
    description: Inventory names of the database servers.
    type: list
    elements: str
    required: true
  hostvars:
    description: The C(hostvars) magic variable.
    type: dict
    required: true
  candidates:
    description: Servers allowed to become primary (the DR site), in order of preference.
    type: list
    elements: str
    required: true
  register_name:
    description: Name under which each host registered its M(drkit.mysql.topology_facts) result.
    type: str
    default: drkit_preflight_topology
  primary:
    description: Name of the current primary, when it cannot be derived from the replicas.
    type: str
  candidate:
    description: Promote this server, or refuse.
    type: str
  primary_confirmed_dead:
    description: The play confirms an unreachable primary is dead (not just partitioned).
    type: bool
    default: false
  max_lag_seconds:
    description: Refuse a candidate further behind than this.
    type: int
  last_known_primary_gtid:
    description: The newest GTID set the primary is known to have had (e.g. from the binlog archive).
    type: str
  force:
    description: Go on despite refusals (needs O(reason)).
    type: bool
    default: false
  reason:
    description: Why forcing is acceptable; goes into the report.
    type: str
  archive:
    description:
      - The binlog archive's facts (M(drkit.mysql.binlog_archive_facts)) with the archive host's name under C(host).
      - The plan reports the archive's lag behind a live primary. With the primary unreachable, the archive's
        GTID position counts as the primary's last known state (RPO is judged against it), and a candidate
        missing transactions that only the archive holds is caught up from it (C(catch_up.method=archive)).
    type: dict
  mode:
    description:
      - C(failover) (the primary may be dead), C(switchover) or C(failback) (planned; the primary must be
        reachable, and is fenced and caught up with so nothing is lost).
    type: str
    default: failover
    choices: [failover, switchover, failback]
  backup_max_age_hours:
    description:
      - When the servers report their backup status
        (O(drkit.mysql.topology_facts#module:backup_status_file)), warn unless at least one has a verified
        backup younger than this. A warning, never a refusal.
    type: float
author: drkit.mysql maintainers (@drkit)
"""

EXAMPLES = r"""
- name: Decide
  ansible.builtin.set_fact:
    drkit_failover_plan: >-
      {{ ansible_play_hosts_all | drkit.mysql.failover_plan(hostvars, candidates=groups['dr_site']) }}
  run_once: true
"""

RETURN = r"""
_value:
  description: The plan (see the module_utils failover_plan for every key).
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.drkit.mysql.plugins.module_utils.failover_plan import PlanError, make_plan


def servers_from_hostvars(hosts, hostvars, register_name):
    servers = {}
    for name in hosts:
        host = hostvars[name]
        registered = host.get(register_name) or {}
        facts = (registered.get("ansible_facts") or {}).get("drkit_mysql_topology")
        if registered.get("failed") or registered.get("skipped"):
            facts = None
        servers[name] = dict(
            facts=facts,
            error=registered.get("msg") if facts is None else None,
            replication_host=host.get("drkit_mysql_replication_host") or host.get("drkit_mysql_login_host")
            or name,
            replication_port=int(host.get("drkit_mysql_replication_port") or host.get("drkit_mysql_port") or 3306),
        )
    return servers


def failover_plan(hosts, hostvars, candidates, register_name="drkit_preflight_topology", primary=None,
                  candidate=None, primary_confirmed_dead=False, max_lag_seconds=None,
                  last_known_primary_gtid=None, force=False, reason=None, mode="failover", archive=None,
                  backup_max_age_hours=None):
    try:
        return make_plan(servers_from_hostvars(hosts, hostvars, register_name), list(candidates or []),
                         primary=primary or None, candidate=candidate or None,
                         primary_confirmed_dead=bool(primary_confirmed_dead),
                         max_lag_seconds=int(max_lag_seconds) if max_lag_seconds not in (None, "") else None,
                         last_known_primary_gtid=last_known_primary_gtid or None, force=bool(force),
                         reason=reason or None, mode=mode or "failover", archive=archive or None,
                         backup_max_age_seconds=float(backup_max_age_hours) * 3600
                         if backup_max_age_hours not in (None, "") else None)
    except PlanError as exc:
        raise AnsibleFilterError("Cannot plan the failover: %s" % exc) from None


def fence_targets(plan, hostvars):
    """The plan's servers to fence, as promote's ``fence`` option: address and account of each."""
    names = list((plan or {}).get("fence") or [])
    servers = servers_from_hostvars(names, hostvars, "drkit_preflight_topology")
    targets = []
    for name in names:
        target = dict(name=name, login_host=servers[name]["replication_host"],
                      login_port=servers[name]["replication_port"])
        for key in ("login_user", "login_password"):
            value = hostvars[name].get("drkit_mysql_" + key)
            if value:
                target[key] = value
        targets.append(target)
    return targets


class FilterModule(object):
    def filters(self):
        return {"failover_plan": failover_plan, "fence_targets": fence_targets}
