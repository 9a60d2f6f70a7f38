# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hold a replica still at one GTID position, and let it go again.

Why only the SQL thread: the IO thread keeps fetching from the source, so the
relay log stays current and the replica catches up within seconds once the
SQL thread runs again; the source sees nothing. A DR drill holds a live
replica this way to compare a restored copy with it at the same transaction.
"""

SQL_THREAD = " SQL_THREAD"


class PauseError(Exception):
    """The replica cannot be paused or resumed; ``str()`` says why and what to do."""


def channels(server):
    """The replica's channels, failing on a server that replicates from nobody."""
    status = [c for c in server.replica_status() if c]
    if not status:
        raise PauseError("%s is not a replica (no replication configured); name a replica to hold" % server.target)
    return status


def applied_position(server):
    """What replication has applied: gtid_slave_pos on MariaDB, gtid_executed on MySQL."""
    name = server.dialect.replica_gtid_variable or server.dialect.executed_gtid_variable
    return server.variables([name]).get(name, "") or ""


def describe(status):
    return dict(io_thread_running=any(c["io_thread_running"] for c in status),
                sql_thread_running=any(c["sql_thread_running"] for c in status),
                last_sql_error=next((c.get("last_sql_error") for c in status if c.get("last_sql_error")), None))


def pause(server, check_mode=False):
    """Stop the SQL thread(s). Returns (changed, state before, applied GTID position after)."""
    before = describe(channels(server))
    changed = before["sql_thread_running"]
    if changed and not check_mode:
        server.execute(server.dialect.stop_replica_sql + SQL_THREAD)
    return changed, before, applied_position(server)


def resume(server, check_mode=False):
    """Start the SQL thread(s) again. Returns (changed, state before, state after)."""
    before = describe(channels(server))
    changed = not before["sql_thread_running"]
    if changed and not check_mode:
        server.execute(server.dialect.start_replica_sql + SQL_THREAD)
    after = describe(channels(server)) if changed and not check_mode else before
    if changed and not check_mode and not after["sql_thread_running"] and after["last_sql_error"]:
        raise PauseError("the SQL thread of %s stopped again at once: %s" % (server.target, after["last_sql_error"]))
    return changed, before, after
