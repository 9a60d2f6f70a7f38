# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Replay binlogs into a server: GTID positions, command lines, and never applying a transaction twice.

Used to catch a failover candidate up from the binlog archive when the primary is dead, and for
point-in-time recovery (binlog_window.py plans which transactions, replay_stream.py filters the SQL).
In keep mode the safety does not rest on one mechanism:

1. the files are chosen by their Gtid_list event (the state before each file), so
   the first file read starts at or before the first transaction the server lacks;
2. ``mariadb-binlog --start-position=<GTID position>`` prints only transactions after
   that position, in every domain;
3. the window is compared with what the server has before anything runs: a transaction
   it already has refuses the replay (nothing applied);
4. the servers run with gtid_strict_mode, which rejects a duplicate GTID (error 1950).

Stdlib only: this file runs on managed hosts with Python 3.8+.
"""
from ansible_collections.drkit.mysql.plugins.module_utils.gtid import parse_gtid_set


class ReplayError(ValueError):
    """The replay cannot be done safely; the message says why and what to do."""


def state_from_gtid(text):
    """A MariaDB GTID position as {domain: (server_id, seq)}."""
    gtids = parse_gtid_set(text or "", "mariadb")
    state = {}
    for domain in gtids.keys():
        intervals = gtids.intervals(domain)
        if len(intervals) != 1 or intervals[0][0] != 1:
            raise ReplayError("%s is not a GTID position (one D-S-N per domain)" % text)
        state[domain] = (gtids.server_id(domain) or 0, intervals[0][1])
    return state


def binlog_command(binary, files, start_position="", stop_offset=None, rewrite_db=None, database=None):
    """The mariadb-binlog argument list that prints the SQL to replay (no credentials: it reads files).

    ``start_position`` is a GTID position (exclusive, per domain); ``stop_offset`` a byte offset in the last
    file (the first transaction left out, from binlog_window.plan_window); ``rewrite_db`` {from: to} applies
    to row events and to the default database of statements; ``database`` keeps only that database's
    events (its name before the rewrite).
    """
    argv = [binary]
    if start_position:
        argv.append("--start-position=%s" % start_position)
    return argv + window_options(stop_offset, rewrite_db, database) + list(files)


def window_options(stop_offset=None, rewrite_db=None, database=None):
    """The options both binlog tools spell the same: where to stop, which database, renamed how."""
    argv = []
    if stop_offset is not None:
        argv.append("--stop-position=%d" % int(stop_offset))
    for source in sorted(rewrite_db or {}):
        argv.append("--rewrite-db=%s->%s" % (source, rewrite_db[source]))
    if database:
        argv.append("--database=%s" % database)
    return argv


def mysql_binlog_command(binary, files, executed="", skip_gtids=(), include_gtids="", stop_offset=None,
                         rewrite_db=None, database=None):
    """The same for MySQL's mysqlbinlog, which has no GTID start position: what the target has (``executed``,
    a UUID set) and the transactions to leave out go to ``--exclude-gtids``; ``include_gtids`` narrows it."""
    excluded = parse_gtid_set(executed or "", "mysql")
    for gtid in skip_gtids or ():
        excluded = excluded.union(parse_gtid_set(gtid, "mysql"))
    argv = [binary]
    if not excluded.is_empty():
        argv.append("--exclude-gtids=%s" % excluded)
    if include_gtids:
        argv.append("--include-gtids=%s" % parse_gtid_set(include_gtids, "mysql"))
    return argv + window_options(stop_offset, rewrite_db, database) + list(files)


def client_command(binary, option_file, max_allowed_packet="1G"):
    """The client that applies the SQL: credentials only in the option file (first option, as the client wants)."""
    return [binary, "--defaults-extra-file=%s" % option_file, "--batch", "--binary-mode",
            "--max-allowed-packet=%s" % max_allowed_packet]


def overlap(executed, start_state, expected_state):
    """How the server's position meets the window (start_state, expected_state]: "" when it has none of it,
    "all" when it has all of it, else the part it already has ("0-?-151..160"), which a replay would apply twice."""
    executed = parse_gtid_set(executed or "", "mariadb")
    has = dict((d, (0, executed.intervals(d)[-1][1])) for d in executed.keys() if executed.intervals(d))
    expected = state_from_gtid(expected_state) if isinstance(expected_state, str) else expected_state
    if expected and all(has.get(d, (0, 0))[1] >= seq for d, (_o, seq) in expected.items()):
        return "all"
    parts = []
    for domain, (_owner, seq) in sorted(expected.items()):
        start = start_state.get(domain, (0, 0))[1]
        mine = has.get(domain, (0, 0))[1]
        if mine > start:
            parts.append("%d-?-%d..%d" % (domain, start + 1, min(mine, seq)))
    return ",".join(parts)
