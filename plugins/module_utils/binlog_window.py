# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which transactions a point-in-time replay applies, decided from the binlog files alone.

Before anything is applied the window is planned offline (module_utils/binlog.py walks the files):

- the files must chain: consecutive numbers, and each file's Gtid_list (the state before it) must be
  what the previous file ended with. A missing or truncated file between the start and the stop point
  is a clear failure, because a replay across it would silently lose transactions;
- the stop point (a GTID inclusive or exclusive, a datetime, a byte position) is resolved to the first
  transaction left out, so mariadb-binlog is only told a byte offset in one file and every stop kind
  behaves the same (whole transactions, never half of one);
- a stop point at or before the start (the backup already holds it) is refused;
- for a replay of chosen tables or into another schema, a statement (DDL or statement-based DML) in the
  window that touches them is refused: it could not be replayed safely.

Memory stays bounded: transactions are looked at one at a time; only a capped sample is kept for the
check-mode listing.

Stdlib only: this file runs on managed hosts with Python 3.8+.
"""
import datetime
import os
import re
import time

from ansible_collections.drkit.mysql.plugins.module_utils.binlog import gtid_state_text, read_binlog
from ansible_collections.drkit.mysql.plugins.module_utils.binlog_archive import BINLOG_NAME_RE

LISTED = 50  # transactions listed in the result (first ones); the count is always exact


class WindowError(ValueError):
    """The window cannot be replayed; the message says why and what to do. Nothing was applied."""


class _Stopped(Exception):
    """Raised from the reader's callback once the stop point is found: the rest is not read."""


def parse_gtid(text):
    """"D-S-N" as (domain, server_id, seq)."""
    match = re.match(r"^\s*(\d+)-(\d+)-(\d+)\s*$", text or "")
    if not match:
        raise WindowError("%r is not a MariaDB GTID (domain-server_id-seq, e.g. 0-1-1500)" % text)
    return tuple(int(part) for part in match.groups())


_MOMENT_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)"
                        r"(?:\s*(Z|[+-]\d{2}:?\d{2})|\s+([A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+)*))?$")


def parse_datetime(text):
    """Epoch seconds of ``YYYY-MM-DD hh:mm:ss``.

    Without a zone it is this host's local time (as mariadb-binlog reads it). An incident is often timed in
    another zone than the host's: ``Z``, an offset (``+02:00``, ``-0500``) or an IANA zone name after a space
    (``Europe/Berlin``, Python 3.9+) says which, and the moment is converted exactly. A ``T`` may replace the
    space, and seconds may have a fraction.
    """
    match = _MOMENT_RE.match((text or "").strip())
    if not match:
        raise WindowError("stop_datetime %r is not YYYY-MM-DD hh:mm:ss (optionally followed by Z, +hh:mm or a time "
                          "zone name such as Europe/Berlin)" % text)
    day, clock, offset, zone = match.groups()
    try:
        moment = datetime.datetime.strptime("%s %s" % (day, clock), "%Y-%m-%d %H:%M:%S.%f" if "." in clock
                                            else "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise WindowError("stop_datetime %r is not a valid date and time" % text) from None
    if offset:
        if offset == "Z":
            delta = datetime.timedelta(0)
        else:
            digits = offset[1:].replace(":", "")
            delta = datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
            if offset[0] == "-":
                delta = -delta
        return moment.replace(tzinfo=datetime.timezone(delta)).timestamp()
    if zone:
        return moment.replace(tzinfo=_zone(zone, text)).timestamp()
    return time.mktime(moment.timetuple()) + moment.microsecond / 1e6


def _zone(name, text):
    try:
        import zoneinfo
    except ImportError:
        raise WindowError("stop_datetime %r names a time zone, which needs Python 3.9+ on this host; give an offset "
                          "(+hh:mm) instead" % text) from None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise WindowError("stop_datetime %r: unknown time zone %s" % (text, name)) from None


def utc_text(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def format_time(epoch):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(epoch))


class Stop(object):
    """The stop point: ``kind`` is gtid (inclusive), before_gtid, datetime, position or None (the end)."""

    def __init__(self, kind=None, value=None, file_name=None):
        self.kind = kind
        self.value = value
        self.file_name = file_name
        if kind in ("gtid", "before_gtid"):
            self.gtid = parse_gtid(value)
        elif kind == "datetime":
            self.epoch = parse_datetime(value)
        elif kind == "position":
            self.value = int(value)

    def describe(self):
        if self.kind is None:
            return "the end of the binlogs"
        if self.kind == "gtid":
            return "%s (included)" % self.value
        if self.kind == "before_gtid":
            return "just before %s" % self.value
        if self.kind == "datetime":
            return "just before %s (%s)" % (self.value, utc_text(self.epoch))
        return "position %s of %s" % (self.value, self.file_name or "the last file")


def binlog_number(name):
    match = BINLOG_NAME_RE.match(name)
    return (match.group("base"), int(match.group("number"))) if match else (name, None)


def check_names(names):
    """Consecutive numbers of one base name, oldest first; a hole is a missing file."""
    for before, after in zip(names, names[1:]):
        base_a, number_a = binlog_number(before)
        base_b, number_b = binlog_number(after)
        if base_a != base_b or number_a is None or number_b is None:
            raise WindowError("%s and %s are not files of one binlog sequence; list one server's files"
                              % (before, after))
        if number_b != number_a + 1:
            missing = ["%s.%06d" % (base_a, n) for n in range(number_a + 1, number_b)]
            raise WindowError("binlog file %s is missing between %s and %s: the transactions it held would be lost. "
                              "Nothing was applied; put the file back into the directory (from the server or a "
                              "backup of the archive) and run again" % (", ".join(missing[:3]), before, after))


def check_chain(previous, current):
    """The state a file starts with (its Gtid_list) must be what the previous file ended with."""
    for domain, (_owner, seq) in current["start_state"].items():
        ended = previous["end_state"].get(domain, (0, 0))[1]
        if seq != ended:
            raise WindowError("%s starts at %s but %s ends at %s: transactions %d-?-%d..%d are in no file here "
                              "(a file is missing or truncated). Nothing was applied; restore the missing binlog "
                              "and run again" % (current["name"], gtid_state_text(current["start_state"]),
                                                 previous["name"], gtid_state_text(previous["end_state"]) or "empty",
                                                 domain, min(seq, ended) + 1, max(seq, ended)))


def _has(state, domain, seq):
    return domain in state and seq <= state[domain][1]


class _Mentions(object):
    """Does a statement touch the replayed tables or schemas? (word match, conservative)."""

    def __init__(self, tables, databases):
        self.patterns = []
        for db, table in tables or ():
            self.patterns.append((db, re.compile(r"(?i)(?<![\w$])`?%s`?(?![\w$])" % re.escape(table))))
        for db in databases or ():
            self.patterns.append((db, None))

    def __call__(self, default_db, text):
        for db, pattern in self.patterns:
            names_db = default_db == db or re.search(r"(?i)(?<![\w$])`?%s`?\s*\." % re.escape(db), text)
            if names_db and (pattern is None or pattern.search(text)):
                return True
        return False


def plan_window(paths, start_state, stop=None, skip_gtids=(), tables=None, databases=None, reader=read_binlog):
    """Plan the replay of ``paths`` (oldest first) after ``start_state`` ({domain: (server_id, seq)}) to ``stop``.

    ``tables`` [(db, table)] or ``databases`` [db] limit the replay (a partial replay); their statements in the
    window are refused. Returns a dict: ``files`` (paths to read, up to the stop's file), ``stop_offset`` (byte
    offset in the last of them of the first transaction left out, or None), ``count`` (transactions that
    will be applied), ``listed`` (the first of them: gtid, time, tables), ``skipped`` (skip_gtids found),
    ``filtered`` (transactions of other tables, left out), ``first_gtid``/``last_gtid``, ``expected_state``
    (per domain, the newest applied seq), ``archive_end`` (GTID state where the files end), ``stop_found``,
    ``ranges`` (the applied transactions as byte ranges, [path, start, end], neighbours merged: what a relay log
    of exactly the window is cut from) and ``server_ids`` (the server ids in their GTIDs).
    Raises WindowError (nothing applied) for a gap, a stop point before the start or not in the files.
    """
    stop = stop or Stop()
    skip = set(skip_gtids or ())
    partial = bool(tables or databases)
    mentions = _Mentions(tables, databases)
    wanted_tables = set(tables or ())
    wanted_dbs = set(databases or ())
    if stop.kind in ("gtid", "before_gtid"):
        domain, _owner, seq = stop.gtid
        has = start_state.get(domain, (0, 0))[1]
        if has > seq or (stop.kind == "before_gtid" and has >= seq):
            raise WindowError("the stop point %s is before the start position %s: the restored data already holds "
                              "transactions after it. Nothing was applied; restore an older backup (one taken "
                              "before the stop point)" % (stop.describe(), gtid_state_text(start_state)))
    names = [os.path.basename(p) for p in paths]
    if not paths:
        raise WindowError("there is no binlog file to read")
    heads = [reader(p, head_only=True) for p in paths]
    first = None
    for index, head in enumerate(heads):
        if all(_has(start_state, d, s) or s == 0 for d, (_o, s) in head["start_state"].items()):
            first = index
    if first is None:
        raise WindowError("the oldest binlog file %s starts at %s, after the start position %s: the transactions in "
                          "between are in no file here. Nothing was applied; restore from a backup that reaches "
                          "the files' start, or put the older binlogs back"
                          % (names[0], gtid_state_text(heads[0]["start_state"]) or "nothing",
                             gtid_state_text(start_state) or "empty"))
    if stop.kind == "position":
        stop_name = stop.file_name or names[-1]
        if stop_name not in names:
            raise WindowError("stop file %s is not among the binlog files (%s .. %s)"
                              % (stop_name, names[0], names[-1]))
        if names.index(stop_name) < first:
            raise WindowError("the stop point %s is before the start position %s (it is in %s, the replay starts in "
                              "%s). Nothing was applied; restore an older backup"
                              % (stop.describe(), gtid_state_text(start_state), stop_name, names[first]))

    plan = dict(files=[], stop_offset=None, count=0, listed=[], skipped=[], filtered=0, first_gtid=None,
                last_gtid=None, expected_state={}, archive_end="", stop_found=False, last_time=None,
                first_time=None, ranges=[], server_ids=set())
    state = dict(file=None, index=None)

    def on_transaction(trx):
        domain, seq = trx["domain"], trx["seq"]
        if _has(start_state, domain, seq):
            # Already in the restored data: it must not be after the stop point.
            if stop.kind == "datetime" and trx["timestamp"] >= stop.epoch:
                raise WindowError("the start position %s holds %s, written at %s, after the stop point %s: the "
                                  "backup is newer than the moment to return to. Nothing was applied; restore an "
                                  "older backup" % (gtid_state_text(start_state), trx["gtid"],
                                                    format_time(trx["timestamp"]), stop.value))
            if stop.kind == "position" and state["file"] == stop_file_name() and trx["end"] > stop.value:
                raise WindowError("the stop point %s is before the start position %s, which holds %s (at %d). "
                                  "Nothing was applied; restore an older backup"
                                  % (stop.describe(), gtid_state_text(start_state), trx["gtid"], trx["offset"]))
            return
        if _stops_before(trx):
            plan["stop_found"] = True
            plan["stop_offset"] = trx["offset"]
            raise _Stopped()
        if trx["gtid"] in skip:
            plan["skipped"].append(trx["gtid"])
        elif partial and not _touches(trx):
            plan["filtered"] += 1
        else:
            for db, text in trx["queries"]:
                if partial and mentions(db, text):
                    raise WindowError("transaction %s (%s) runs a statement on the replayed tables (%s ...): a replay "
                                      "of chosen tables or into another schema applies row events only. Nothing "
                                      "was applied; stop before it (stop_before_gtid: %s) or replay the whole server"
                                      % (trx["gtid"], format_time(trx["timestamp"]), text.split(None, 1)[0].upper(),
                                         trx["gtid"]))
            plan["count"] += 1
            _add_range(plan["ranges"], paths[state["index"]], trx["offset"], trx["end"])
            plan["server_ids"].add(trx["server_id"])
            plan["first_gtid"] = plan["first_gtid"] or trx["gtid"]
            plan["first_time"] = plan["first_time"] or trx["timestamp"]
            plan["last_gtid"] = trx["gtid"]
            plan["last_time"] = trx["timestamp"]
            if seq > plan["expected_state"].get(domain, (0, 0))[1]:
                plan["expected_state"][domain] = (trx["server_id"], seq)
            if len(plan["listed"]) < LISTED:
                plan["listed"].append(dict(gtid=trx["gtid"], time=format_time(trx["timestamp"]),
                                           tables=["%s.%s" % names_ for names_ in trx["tables"]],
                                           statements=[q.split(None, 1)[0].upper() for _db, q in trx["queries"]
                                                       if q.strip()]))
        if stop.kind == "gtid" and (domain, seq) == (stop.gtid[0], stop.gtid[2]):
            plan["stop_found"] = True
            plan["stop_after"] = trx["end"]

    def stop_file_name():
        return stop.file_name or names[-1]

    def _stops_before(trx):
        if plan.get("stop_after") is not None:
            return True
        if stop.kind == "before_gtid":
            return (trx["domain"], trx["seq"]) == (stop.gtid[0], stop.gtid[2]) or (
                trx["domain"] == stop.gtid[0] and trx["seq"] > stop.gtid[2])
        if stop.kind == "gtid":
            return trx["domain"] == stop.gtid[0] and trx["seq"] > stop.gtid[2]
        if stop.kind == "datetime":
            return trx["timestamp"] >= stop.epoch
        if stop.kind == "position":
            return state["file"] == stop_file_name() and trx["end"] > stop.value
        return False

    def _touches(trx):
        for db, table in trx["tables"]:
            if (db, table) in wanted_tables or db in wanted_dbs:
                return True
        return any(mentions(db, text) for db, text in trx["queries"])

    previous = None
    for index in range(first, len(paths)):
        state["file"], state["index"] = names[index], index
        if previous is not None:
            check_names([previous["name"], names[index]])
            check_chain(previous, heads[index])
        try:
            info = reader(paths[index], on_transaction=on_transaction)
        except _Stopped:
            info = None
        plan["files"].append(paths[index])
        if info is None:
            break
        plan["archive_end"] = gtid_state_text(info["end_state"])
        plan["partial_gtid"] = info["partial_gtid"]
        plan["partial_bytes"] = info["partial_bytes"]
        previous = info
        if stop.kind == "position" and names[index] == stop_file_name():
            plan["stop_found"] = True
            break
    if stop.kind in ("gtid", "before_gtid") and not plan["stop_found"]:
        raise WindowError("the stop point %s is not in the binlog files, which end at %s. Nothing was applied; "
                          "check the GTID, or wait for the archive to receive it" % (stop.value, plan["archive_end"]))
    plan["stop_description"] = stop.describe()
    plan["start_position"] = gtid_state_text(start_state)
    plan["expected_state"] = gtid_state_text(plan["expected_state"])
    for key in ("first_time", "last_time"):
        plan[key] = format_time(plan[key]) if plan[key] else None
    return plan


def _add_range(ranges, path, start, end):
    """Append [path, start, end), merged with the last range when it ends where this one starts."""
    if ranges and ranges[-1][0] == path and ranges[-1][2] == start:
        ranges[-1][2] = end
    else:
        ranges.append([path, start, end])


def state_at(path, position, reader=read_binlog):
    """The GTID state at byte ``position`` of a binlog file: its Gtid_list plus the transactions ended by then."""
    state = {}
    info = {}

    def on_transaction(trx):
        if trx["end"] <= position:
            previous = state.get(trx["domain"], (0, 0))[1]
            if trx["seq"] > previous:
                state[trx["domain"]] = (trx["server_id"], trx["seq"])

    info = reader(path, on_transaction=on_transaction)
    result = dict(info["start_state"])
    for domain, (owner, seq) in state.items():
        if seq > result.get(domain, (0, 0))[1]:
            result[domain] = (owner, seq)
    return result


def manifest_start(manifest):
    """(GTID position text, binlog file, position, epoch of the consistent point) of a backup manifest."""
    coordinates = manifest.get("coordinates") or {}
    flavor = coordinates.get("gtid_flavor") or (manifest.get("server") or {}).get("flavor")
    if flavor and flavor != "mariadb":
        raise WindowError("the backup %s comes from a %s server: point-in-time replay reads MariaDB binlogs only"
                          % (manifest.get("name"), flavor))
    started = manifest.get("started_at")
    epoch = None
    if started:
        epoch = int(datetime.datetime.strptime(started, "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc).timestamp())
    return (coordinates.get("gtid_set") or "", coordinates.get("binlog_file"), coordinates.get("binlog_position"),
            epoch)
