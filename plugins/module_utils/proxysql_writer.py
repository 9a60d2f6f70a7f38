# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Move ProxySQL's writer hostgroup to the new primary through the admin interface.

ProxySQL keeps its configuration in three layers: the admin tables (``main``, "memory"), the
running configuration (``runtime_mysql_servers``) and ``disk`` (``disk.mysql_servers``).
``LOAD MYSQL SERVERS TO RUNTIME`` makes memory run, ``SAVE MYSQL SERVERS TO DISK`` keeps it over
a restart. A failover is right only when all three name the new primary as the one ONLINE writer,
so each layer is read and compared: a re-run changes nothing, and an earlier run that stopped
between the layers is finished. The decision is pure (rows in, statements out) and unit-tested on
recorded admin-interface result sets; only ``apply`` talks to ProxySQL.
"""

# The mysql_servers columns every ProxySQL since 1.4 has (2.x adds gtid_port, left at its default).
COLUMNS = ("hostgroup_id", "hostname", "port", "status", "weight", "compression", "max_connections",
           "max_replication_lag", "use_ssl", "max_latency_ms", "comment")
# Settings a new writer row copies from the old writer's row (so it keeps e.g. use_ssl and max_connections).
COPIED = ("weight", "compression", "max_connections", "max_replication_lag", "use_ssl", "max_latency_ms")
# Statuses under which ProxySQL may send a query to a server (SHUNNED ones come back by themselves).
TAKES_TRAFFIC = ("ONLINE", "SHUNNED")

# Memory and runtime by the names ProxySQL's documentation uses (a query naming runtime_mysql_servers
# makes ProxySQL refresh that table from the running configuration first); disk is attached as "disk".
_SELECT = "SELECT " + ", ".join(COLUMNS) + " FROM %s WHERE hostgroup_id = %%s ORDER BY hostname, port"  # noqa: S608
SELECT_MEMORY = _SELECT % "mysql_servers"
SELECT_RUNTIME = _SELECT % "runtime_mysql_servers"
SELECT_DISK = _SELECT % "disk.mysql_servers"
LOAD = "LOAD MYSQL SERVERS TO RUNTIME"
SAVE = "SAVE MYSQL SERVERS TO DISK"


class ProxySQLError(Exception):
    """ProxySQL did not end up as asked; ``str()`` says what it reads and what to check."""


def normalize(rows):
    """Admin rows as ProxySQL sends them (every value text) with ints as ints and the status upper case."""
    result = []
    for row in rows:
        row = dict(row)
        for key in ("hostgroup_id", "port") + COPIED:
            if row.get(key) is not None:
                row[key] = int(row[key])
        row["status"] = str(row.get("status") or "ONLINE").upper()
        result.append(row)
    return result


def _is(row, host, port):
    return row["hostname"] == host and int(row["port"]) == int(port)


def plan(memory_rows, hostgroup, host, port, old_writers="offline_hard"):
    """(statements, rows_after): what makes ``host:port`` the one ONLINE server of the writer hostgroup.

    ``memory_rows``: the writer hostgroup's rows of ``mysql_servers``. Every other server of the
    hostgroup is set OFFLINE_HARD (ProxySQL ends its connections and sends nothing; the row stays for a
    failback) or, with ``old_writers='delete'``, removed. Statements are (sql, params).
    """
    rows = normalize(memory_rows)
    statements = []
    after = []
    mine = [row for row in rows if _is(row, host, port)]
    if mine:
        if mine[0]["status"] != "ONLINE":
            statements.append(("UPDATE mysql_servers SET status = 'ONLINE' "
                               "WHERE hostgroup_id = %s AND hostname = %s AND port = %s", (hostgroup, host, port)))
        after.append(dict(mine[0], status="ONLINE"))
    else:
        template = rows[0] if rows else {}
        new = dict((key, template[key]) for key in COPIED if key in template)
        new.update(hostgroup_id=hostgroup, hostname=host, port=int(port), status="ONLINE",
                   comment="drkit.mysql: writer since failover")
        names = ["hostgroup_id", "hostname", "port", "status"] + [k for k in COPIED if k in new] + ["comment"]
        statements.append(("INSERT INTO mysql_servers (%s) VALUES (%s)" % (  # noqa: S608 - names are constants
            ", ".join(names), ", ".join(["%s"] * len(names))), tuple(new[k] for k in names)))
        after.append(dict((k, new.get(k)) for k in COLUMNS))
    for row in rows:
        if _is(row, host, port):
            continue
        where = (hostgroup, row["hostname"], row["port"])
        if old_writers == "delete":
            statements.append(("DELETE FROM mysql_servers WHERE hostgroup_id = %s AND hostname = %s "
                               "AND port = %s", where))
            continue
        if row["status"] != "OFFLINE_HARD":
            statements.append(("UPDATE mysql_servers SET status = 'OFFLINE_HARD' "
                               "WHERE hostgroup_id = %s AND hostname = %s AND port = %s", where))
        after.append(dict(row, status="OFFLINE_HARD"))
    after.sort(key=lambda row: (row["hostname"], row["port"]))
    return statements, after


def runtime_problems(runtime_rows, host, port):
    """Why the running ProxySQL does not send writes to ``host:port`` only ([] when it does)."""
    rows = normalize(runtime_rows)
    problems = []
    mine = [row for row in rows if _is(row, host, port)]
    if not mine:
        problems.append("%s:%s is not in the writer hostgroup at runtime" % (host, port))
    elif mine[0]["status"] != "ONLINE":
        problems.append("%s:%s is %s at runtime" % (host, port, mine[0]["status"]))
    for row in rows:
        if not _is(row, host, port) and row["status"] in TAKES_TRAFFIC:
            problems.append("%s:%s is still %s in the writer hostgroup at runtime" % (
                row["hostname"], row["port"], row["status"]))
    return problems


def same_servers(rows_a, rows_b):
    """Do two layers hold the same servers with the same statuses?"""
    def key(rows):
        return sorted((row["hostname"], int(row["port"]), row["status"]) for row in normalize(rows))
    return key(rows_a) == key(rows_b)


def describe(rows):
    """The writer hostgroup as lines for a diff: ``127.0.0.1:3310 ONLINE``."""
    return "".join("%s:%s %s\n" % (row["hostname"], row["port"], row["status"]) for row in normalize(rows))


def read_layers(cursor, hostgroup):
    """(memory, runtime, disk) rows of the writer hostgroup."""
    layers = []
    for sql in (SELECT_MEMORY, SELECT_RUNTIME, SELECT_DISK):
        cursor.execute(sql, (hostgroup,))
        layers.append(normalize(cursor.fetchall()))
    return tuple(layers)


def decide(memory, runtime, disk, hostgroup, host, port, old_writers="offline_hard", save_to_disk=True):
    """Everything a run would do, from the three layers: a dict the module returns as it is."""
    statements, after = plan(memory, hostgroup, host, port, old_writers)
    load = bool(statements) or bool(runtime_problems(runtime, host, port))
    save = save_to_disk and (bool(statements) or not same_servers(after, disk))
    return dict(statements=statements, rows_after=after, load=load, save=save,
                changed=bool(statements) or load or save)


def apply(cursor, decision, hostgroup, host, port):
    """Run the statements, LOAD and SAVE; read the runtime back and raise unless it is right."""
    for sql, params in decision["statements"]:
        cursor.execute(sql, params)
    if decision["load"]:
        cursor.execute(LOAD)
    if decision["save"]:
        cursor.execute(SAVE)
    cursor.execute(SELECT_RUNTIME, (hostgroup,))
    runtime = normalize(cursor.fetchall())
    problems = runtime_problems(runtime, host, port)
    if problems:
        raise ProxySQLError(
            "ProxySQL loaded the new writer hostgroup but its runtime disagrees: %s. When "
            "mysql_replication_hostgroups covers hostgroup %s, ProxySQL's monitor moves servers by their "
            "read_only: check that the new primary is read_only=OFF and the old one read_only=ON." % (
                "; ".join(problems), hostgroup))
    return runtime
