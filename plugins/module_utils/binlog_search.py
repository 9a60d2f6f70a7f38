# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Find statements in binlogs: "the UPDATE on shop.users without WHERE at 09:14", "the DROP TABLE".

The unit is a statement of a transaction: the row events of one table and one
operation (insert/update/delete) up to the statement's end, or one Query
event (DDL). Each match carries its transaction's GTID and byte range, so a
flashback or a point-in-time replay can name exactly what to undo or stop
before. Filters that need no row values (database, table, type, time, GTID)
are checked before any row is decoded; rows are decoded only to count them
(and to return them, up to a cap) for statements that match.

Stdlib only: this file runs on managed hosts with Python 3.8+.
"""
import datetime
import fnmatch
import re
import time

from ansible_collections.drkit.mysql.plugins.module_utils.binlog_rows import MISSING
from ansible_collections.drkit.mysql.plugins.module_utils.binlog_stream import Reader
from ansible_collections.drkit.mysql.plugins.module_utils.binlog_values import json_safe
from ansible_collections.drkit.mysql.plugins.module_utils.gtid import parse_gtid_set

TYPES = ("insert", "update", "delete", "ddl", "query")

_DDL_RE = re.compile(r"^\s*(CREATE|ALTER|DROP|RENAME|TRUNCATE|GRANT|REVOKE|ANALYZE|OPTIMIZE|REPAIR)\b", re.I)
_NAME = r"(?:`(?:[^`]|``)+`|[\w$]+)"
_DDL_TABLE_RE = re.compile(
    r"^\s*(?:CREATE|ALTER|DROP|TRUNCATE|RENAME)\s+(?:OR\s+REPLACE\s+)?(?:TEMPORARY\s+)?(?:ONLINE\s+)?(?:IGNORE\s+)?"
    r"(?:TABLE|VIEW|TRIGGER|SEQUENCE)?\s*(?:IF\s+(?:NOT\s+)?EXISTS\s+)?(%s(?:\s*\.\s*%s)?)" % (_NAME, _NAME), re.I)
_TRANSACTION_WORDS = ("BEGIN", "COMMIT", "ROLLBACK", "START TRANSACTION")
_MARIADB_GTID_RE = re.compile(r"^\s*(\d+)-(\d+|\?)-(\d+)(?:\.\.(\d+))?\s*$")


class SearchError(ValueError):
    """A filter that cannot be understood."""


def _unquote(name):
    name = name.strip()
    return name[1:-1].replace("``", "`") if name.startswith("`") else name


def ddl_table(sql, database):
    """(db, table) a DDL statement names first, or (database, None)."""
    match = _DDL_TABLE_RE.match(sql or "")
    if not match or match.group(1).upper() in ("DATABASE", "SCHEMA", "USER", "INDEX", "FUNCTION", "PROCEDURE"):
        return database, None
    parts = [_unquote(p) for p in re.split(r"\s*\.\s*(?=`|[\w$])", match.group(1), maxsplit=1)]
    if len(parts) == 2:
        return parts[0], parts[1]
    return database, parts[0]


def statement_type(sql):
    return "ddl" if _DDL_RE.match(sql or "") else "query"


def parse_datetime(text):
    """'YYYY-MM-DD hh:mm:ss' in this host's time zone (as mariadb-binlog reads it), or with Z/+hh:mm -> epoch."""
    if text is None or text == "":
        return None
    value = str(text).strip().replace("T", " ")
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise SearchError("%r is not a date and time (YYYY-MM-DD hh:mm:ss, optionally +hh:mm or Z)" % text) from None
    if parsed.tzinfo is None:
        return time.mktime(parsed.timetuple()) + parsed.microsecond / 1e6
    return parsed.timestamp()


def local_datetime(epoch):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(epoch))


def gtid_matcher(items):
    """A predicate for GTID texts from a list of GTIDs/sets.

    MariaDB items are exact GTIDs ``0-1-1730`` or ranges ``0-1-1700..1730`` (``0-?-...``: any server id);
    MySQL items are GTID sets ``uuid:5`` / ``uuid:1-10:12``. Returns None when ``items`` is empty.
    """
    if not items:
        return None
    mariadb, mysql = [], []
    for item in items:
        for part in str(item).split(","):
            part = part.strip()
            if not part:
                continue
            match = _MARIADB_GTID_RE.match(part)
            if match:
                domain, server, low, high = match.groups()
                mariadb.append((int(domain), None if server == "?" else int(server), int(low),
                                int(high) if high else int(low)))
                continue
            try:
                mysql.append(parse_gtid_set(part, "mysql"))
            except ValueError as exc:
                raise SearchError("%r is not a GTID (0-1-100, 0-1-100..200 or uuid:1-5): %s" % (part, exc)) from None

    def matches(gtid):
        if not gtid:
            return False
        if ":" in gtid:
            sid, gno = gtid.rsplit(":", 1)
            key = (sid.lower(), "")
            return any(lo <= int(gno) <= hi for gtid_set in mysql for lo, hi in gtid_set.intervals(key))
        domain, server, seq = (int(x) for x in gtid.split("-"))
        return any(d == domain and (s is None or s == server) and lo <= seq <= hi for d, s, lo, hi in mariadb)
    return matches


def _name_matcher(patterns):
    if not patterns:
        return None
    patterns = [p.strip() for p in patterns if p and p.strip()]

    def matches(database, table):
        for pattern in patterns:
            if "." in pattern:
                db_pattern, table_pattern = pattern.split(".", 1)
                if fnmatch.fnmatchcase(database or "", db_pattern) and fnmatch.fnmatchcase(table or "",
                                                                                           table_pattern):
                    return True
            elif fnmatch.fnmatchcase(table or "", pattern):
                return True
        return False
    return matches


class Filters(object):
    """What to look for; every given filter must match (patterns may use * and ?)."""

    def __init__(self, databases=None, tables=None, types=None, start_datetime=None, stop_datetime=None, gtids=None,
                 sql_regex=None):
        self.databases = [d for d in databases or [] if d]
        self.tables = _name_matcher(tables)
        unknown = sorted(set(types or []) - set(TYPES))
        if unknown:
            raise SearchError("unknown event type(s) %s; use %s" % (", ".join(unknown), ", ".join(TYPES)))
        self.types = set(types or [])
        self.start = parse_datetime(start_datetime)
        self.stop = parse_datetime(stop_datetime)
        self.gtids = gtid_matcher(gtids)
        try:
            self.sql = re.compile(sql_regex, re.I | re.S) if sql_regex else None
        except re.error as exc:
            raise SearchError("sql_regex %r is not a regular expression: %s" % (sql_regex, exc)) from None

    def before_rows(self, kind, database, table, timestamp, gtid, sql):
        """Everything that can be decided without decoding a row."""
        if self.types and kind not in self.types:
            return False
        if self.databases and not any(fnmatch.fnmatchcase(database or "", d) for d in self.databases):
            return False
        if self.tables and not self.tables(database, table):
            return False
        if self.start is not None and timestamp < self.start:
            return False
        if self.stop is not None and timestamp >= self.stop:
            return False
        if self.gtids and not self.gtids(gtid):
            return False
        if self.sql and not (sql and self.sql.search(sql)):
            return False
        return True


class _Transaction(object):
    def __init__(self, gtid, start, timestamp, standalone):
        self.gtid = gtid
        self.start = start
        self.timestamp = timestamp
        self.standalone = standalone
        self.began = False
        self.matches = []


def _row_dict(names, image):
    if image is None:
        return None
    return dict((name, json_safe(value)) for name, value in zip(names, image) if value is not MISSING)


def search(paths, filters, with_rows=False, max_rows=1000, max_events=1000, column_source=None, warnings=None,
           count_rows=True):
    """Yield one dict per matching statement, in binlog order, once its transaction's end is read.

    ``with_rows`` adds ``row_images`` ([{before, after}], values made JSON-safe) up to ``max_rows`` over all
    matches. Stops after ``max_events`` matches (None: no limit). ``count_rows=False`` decodes no row (``rows``
    stays None): a caller that reads the rows later (flashback) pays for decoding once.
    """
    budget = dict(rows=max_rows if with_rows else 0, events=max_events if max_events is not None else float("inf"),
                  count=count_rows)
    for path in paths:
        reader = Reader(path, column_source)
        for entry in _search_file(reader, filters, with_rows, budget):
            budget["events"] -= 1
            yield entry
            if budget["events"] <= 0:
                return
        if warnings is not None:
            for text in reader.warnings:
                if text not in warnings:
                    warnings.append(text)
            if reader.partial_bytes:
                warnings.append("%s ends with %d bytes of an event still being written; they were not read"
                                % (reader.name, reader.partial_bytes))


def _search_file(reader, filters, with_rows, budget):
    trx = None
    current = None  # the statement being read: [entry or None (not matching), table_id, operation]
    annotate = None
    for event in reader.events():
        kind = event.kind
        if kind == "gtid":
            current, annotate = None, None
            if filters.gtids and not filters.gtids(event.gtid):
                reader.skip_transaction()  # a search by GTID: nothing of this transaction can match
                trx = None
                continue
            trx = _Transaction(event.gtid, event.start, event.timestamp, event.standalone)
        elif trx is None:
            continue
        elif kind == "annotate":
            annotate = (event.sql, event.start)
            current = None
        elif kind == "table_map":
            if annotate is None:
                annotate = (None, event.start)  # the statement starts at its first Table_map
        elif kind == "rows":
            table_map = event.table_map
            if current is None or current[1] != table_map.table_id or current[2] != event.operation:
                sql, first = annotate if annotate else (None, event.start)
                entry = None
                if filters.before_rows(event.operation, table_map.schema, table_map.table, event.timestamp,
                                       trx.gtid, sql):
                    entry = dict(gtid=trx.gtid, file=reader.name, transaction_start=trx.start, start=first,
                                 timestamp=event.timestamp, datetime=local_datetime(event.timestamp),
                                 server_id=event.server_id, type=event.operation, db=table_map.schema,
                                 table=table_map.table, rows=0 if budget["count"] else None, sql=sql,
                                 full_image=True,
                                 columns=table_map.column_names)
                    if with_rows:
                        entry["row_images"] = []
                    trx.matches.append(entry)
                current = [entry, table_map.table_id, event.operation]
            entry = current[0]
            if entry is not None:
                entry["end"] = event.end
                if not event.full_image:
                    entry["full_image"] = False
                    _note_missing(entry, event)
                if budget["count"]:
                    _count_rows(entry, event, with_rows, budget)
            if event.statement_end:
                current, annotate = None, None
        elif kind == "query":
            text = event.sql.strip()
            upper = text.upper()
            if upper in _TRANSACTION_WORDS or upper.startswith("XA "):
                if upper in ("BEGIN", "START TRANSACTION") or upper.startswith("XA START"):
                    trx.began = True
                    continue
                for entry in _finish(trx, event.end):
                    yield entry
                    if budget["events"] <= 0:
                        return
                trx = None
                continue
            statement = statement_type(text)
            database, table = ddl_table(text, event.database)
            if filters.before_rows(statement, database, table, event.timestamp, trx.gtid, text):
                trx.matches.append(dict(gtid=trx.gtid, file=reader.name, transaction_start=trx.start,
                                        start=event.start, end=event.end, timestamp=event.timestamp,
                                        datetime=local_datetime(event.timestamp), server_id=event.server_id,
                                        type=statement, db=database, table=table, rows=None, sql=text))
            current, annotate = None, None
            if trx.standalone or not trx.began:
                for entry in _finish(trx, event.end):
                    yield entry
                    if budget["events"] <= 0:
                        return
                trx = None
        elif kind in ("xid", "xa_prepare"):
            for entry in _finish(trx, event.end):
                yield entry
                if budget["events"] <= 0:
                    return
            trx = None


def _note_missing(entry, event):
    """The columns a partial row image lacks (a flashback may not need them: generated columns)."""
    names = entry["columns"]
    missing = set(entry.get("missing_columns") or [])
    for bitmap in (event.present, event.present_after):
        if bitmap is not None:
            missing.update(name for name, here in zip(names, bitmap) if not here)
    entry["missing_columns"] = sorted(missing)


def _count_rows(entry, event, with_rows, budget):
    names = entry["columns"]
    for before, after in event.rows():
        entry["rows"] += 1
        if with_rows:
            if budget["rows"] > 0:
                entry["row_images"].append(dict(before=_row_dict(names, before), after=_row_dict(names, after)))
                budget["rows"] -= 1
            else:
                entry["rows_truncated"] = True


def _finish(trx, end):
    for entry in trx.matches:
        if entry["type"] not in ("insert", "update", "delete"):
            entry.pop("columns", None)
        entry["transaction_end"] = end
        yield entry
