"""What one server is and how it replicates, gathered read-only.

Kept apart from the module so the shaping of facts can be tested with
recorded rows, and so preflight-style code can reuse it for many servers.
"""
from ansible_collections.drkit.mysql.plugins.module_utils.connection import placeholders, server_bool, server_int
from ansible_collections.drkit.mysql.plugins.module_utils.gtid import parse_gtid_set
from ansible_collections.drkit.mysql.plugins.module_utils.replica_status import relay_log_applied

TOPOLOGY_VARIABLES = (
    "hostname", "port", "server_id", "server_uuid", "read_only", "super_read_only",
    "log_bin", "binlog_format", "binlog_row_image", "binlog_row_metadata",
    "log_slave_updates", "log_replica_updates", "gtid_mode", "enforce_gtid_consistency",
    "gtid_executed", "gtid_current_pos", "gtid_binlog_pos", "gtid_slave_pos",
    "gtid_strict_mode", "gtid_domain_id", "report_host", "report_port",
)


def connected_replicas(server):
    """Replicas registered with this server; falls back to dump threads in the processlist."""
    try:
        rows = server.rows(server.dialect.show_replicas)
        return [dict(server_id=server_int(row.get("Server_id", row.get("Server_Id"))),
                     host=row.get("Host") or None, port=server_int(row.get("Port")))
                for row in rows]
    except Exception:  # missing privilege: the processlist still shows dump threads
        names = tuple(server.dialect.binlog_dump_command_names)
        # Only the placeholders are interpolated; the names go as parameters.
        sql = "SELECT ID, HOST FROM information_schema.PROCESSLIST WHERE COMMAND IN (%s)"  # noqa: S608
        rows = server.rows(sql % placeholders(len(names)), names)
        return [dict(server_id=None, host=(row["HOST"] or "").rsplit(":", 1)[0] or None, port=None)
                for row in rows]


def binlog_warnings(facts):
    """Settings that make point-in-time recovery, flashback or safe failover impossible."""
    warnings = []
    binlog = facts["binlog"]
    if not binlog["enabled"]:
        warnings.append("binary logging is off: no point-in-time recovery and this server cannot be a source")
        return warnings
    if (binlog["format"] or "").upper() != "ROW":
        warnings.append("binlog_format is %s, not ROW: flashback is impossible" % binlog["format"])
    if binlog["row_image"] and binlog["row_image"].upper() != "FULL":
        warnings.append("binlog_row_image is %s, not FULL: flashback cannot rebuild rows" % binlog["row_image"])
    if binlog["row_metadata"] is not None and binlog["row_metadata"].upper() != "FULL":
        warnings.append("binlog_row_metadata is %s, not FULL: binlog events carry no column names"
                        % binlog["row_metadata"])
    if facts["flavor"] == "mariadb" and not facts["gtid"]["strict_mode"]:
        warnings.append("gtid_strict_mode is off: GTID comparisons between servers are not trustworthy")
    if facts["flavor"] == "mysql" and (facts["gtid"]["mode"] or "").upper() != "ON":
        warnings.append("gtid_mode is %s: GTID auto-positioning failover is impossible" % facts["gtid"]["mode"])
    return warnings


def gather_topology(server):
    """Facts about one server; never changes anything."""
    dialect = server.dialect
    var = server.variables(TOPOLOGY_VARIABLES)
    executed = server.executed_gtid()
    facts = dict(
        target=server.target,
        flavor=dialect.flavor,
        version=server.version,
        version_info=dict(zip(("major", "minor", "patch"), list(dialect.version) + [0, 0, 0])),
        supported=getattr(dialect, "supported", True),
        hostname=var.get("hostname"),
        port=server_int(var.get("port")),
        server_id=server_int(var.get("server_id")),
        server_uuid=var.get("server_uuid"),
        read_only=server_bool(var.get("read_only")),
        super_read_only=server_bool(var.get("super_read_only")) if dialect.has_super_read_only else None,
        binlog=dict(
            enabled=bool(server_bool(var.get("log_bin"))),
            format=var.get("binlog_format"),
            row_image=var.get("binlog_row_image"),
            row_metadata=var.get("binlog_row_metadata"),
            log_replica_updates=server_bool(var.get("log_replica_updates", var.get("log_slave_updates"))),
            file=None,
            position=None,
        ),
        gtid=dict(
            executed=str(executed),
            transactions=executed.count(),
            mode=var.get("gtid_mode"),
            strict_mode=server_bool(var.get("gtid_strict_mode")),
            domain_id=server_int(var.get("gtid_domain_id")),
            binlog_pos=var.get("gtid_binlog_pos"),
            slave_pos=var.get("gtid_slave_pos"),
        ),
        report_host=var.get("report_host") or None,
    )
    if facts["binlog"]["enabled"]:
        status = server.binlog_status()
        if status:
            facts["binlog"].update(status)
    # What the SQL thread has applied: MariaDB keeps it in gtid_slave_pos (gtid_current_pos can hide a
    # divergence that differs only in server_id); MySQL's gtid_executed already is that set.
    applied_set = executed
    if dialect.replica_gtid_variable:
        applied_set = parse_gtid_set(var.get(dialect.replica_gtid_variable) or "", dialect.flavor)
    channels = []
    for status in server.replica_status():
        if status is None:
            continue
        applied, reason = relay_log_applied(status, applied_set)
        status = dict(status)
        status["relay_log_applied"] = applied
        status["relay_log_reason"] = reason
        channels.append(status)
    facts["replication_channels"] = channels
    facts["replica"] = channels[0] if channels else None
    facts["is_replica"] = bool(channels)
    facts["replicas"] = connected_replicas(server)
    facts["warnings"] = binlog_warnings(facts)
    facts["role"] = describe_role(facts)
    return facts


def describe_role(facts):
    """A word a DBA would use: primary, replica, replica (broken), standalone."""
    replica = facts.get("replica")
    if replica:
        if replica.get("io_thread_running") and replica.get("sql_thread_running"):
            return "replica"
        return "replica (stopped)" if not (replica.get("last_io_errno") or replica.get("last_sql_errno")) \
            else "replica (broken)"
    if facts.get("replicas") or not facts.get("read_only"):
        return "primary"
    return "standalone"
