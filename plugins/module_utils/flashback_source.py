# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which statements a flashback undoes, and their row changes newest first with bounded memory.

Selection reuses ``binlog_search`` (by GTID, time window, table; a position
range is applied to its results) without decoding rows, then refuses what
cannot be reversed before anything is changed: statement-logged DML (no row
images), DDL among the selected changes, images that are not FULL.

Undoing newest first means reading backwards: each selected statement is walked
forwards once to note the offsets of its rows events (a few bytes per event,
not per row), then those events are read again one at a time from the last,
and their rows reversed. Memory holds one rows event (~8 KB of images by
default), whatever the statement's row count.

Stdlib only: this file runs on managed hosts with Python 3.8+.
"""
import collections
import os
import re

from ansible_collections.drkit.mysql.plugins.module_utils.binlog_search import search
from ansible_collections.drkit.mysql.plugins.module_utils.binlog_stream import Reader
from ansible_collections.drkit.mysql.plugins.module_utils.flashback_plan import FlashbackError

Statement = collections.namedtuple("Statement", "path start end transaction_start gtid schema table operation")

_DML_RE = re.compile(r"^\s*(?:/\*.*?\*/\s*)*(INSERT|UPDATE|DELETE|REPLACE|LOAD\s+DATA)\b", re.I | re.S)
_HARMLESS = re.compile(r"^\s*(SAVEPOINT|RELEASE\s+SAVEPOINT|SET\b)", re.I)


def select_statements(paths, filters, tables=None, start_position=None, stop_position=None, column_source=None,
                      warnings=None):
    """(statements in binlog order, {(schema, table): binlog column names}) of the row changes to undo.

    ``filters`` (binlog_search.Filters) carries the GTIDs and time window, ``tables`` a name matcher
    (``Filters(tables=...).tables``), positions a byte range of the files: statements that start at or after
    ``start_position`` (a transaction's GTID event or a statement's first event) and end by ``stop_position``.
    Raises FlashbackError for what a flashback cannot reverse.
    """
    statements, columns = [], {}
    for entry in search(paths, filters, max_events=None, column_source=column_source, warnings=warnings,
                        count_rows=False):
        if start_position is not None and entry["start"] < start_position:
            continue
        if stop_position is not None and entry["end"] > stop_position:
            continue
        kind = entry["type"]
        where = "%s at %s:%d%s" % (kind.upper(), entry["file"], entry["start"],
                                   " (GTID %s)" % entry["gtid"] if entry["gtid"] else "")
        if kind in ("insert", "update", "delete"):
            if tables is not None and not tables(entry["db"], entry["table"]):
                continue
            if not entry["full_image"]:
                columns.setdefault((entry["db"], entry["table"]), entry["columns"])
                statements.append((entry, entry.get("missing_columns") or []))
                continue
            columns.setdefault((entry["db"], entry["table"]), entry["columns"])
            statements.append((entry, []))
            continue
        sql = entry.get("sql") or ""
        if kind == "ddl" and (tables is None or tables(entry["db"], entry["table"])):
            raise FlashbackError("the selection holds a DDL statement, %s: %s. A flashback undoes row changes only; "
                                 "narrow the selection, or restore the table (playbooks/pitr.yml)"
                                 % (where, sql[:200]))
        if kind == "query" and _DML_RE.match(sql) and not _HARMLESS.match(sql):
            if tables is None or _mentions(sql, tables):
                raise FlashbackError("%s was logged as a statement, not as row images (binlog_format=STATEMENT or "
                                     "MIXED): there is no before-image to restore. Set binlog_format=ROW and "
                                     "binlog_row_image=FULL; this change can only be undone by a restore"
                                     % where)
    return statements, columns


def _mentions(sql, tables):
    """Whether a statement-logged DML names a selected table (a cheap look at its words)."""
    for word in re.findall(r"`((?:[^`]|``)+)`|([\w$]+)", sql):
        name = (word[0] or word[1]).replace("``", "`")
        if tables(None, name) or tables("", name):
            return True
    for schema, table in re.findall(r"`?([\w$]+)`?\s*\.\s*`?([\w$]+)`?", sql):
        if tables(schema, table):
            return True
    return False


def check_images(selected, infos):
    """Refuse statements whose images lack a column a flashback writes or compares (generated ones excepted)."""
    for entry, missing in selected:
        if not missing:
            continue
        info = infos[(entry["db"], entry["table"])]
        needed = [name for name in missing if name not in [info.columns[i] for i in info.generated]]
        if needed:
            raise FlashbackError("%s.%s: the %s at %s:%d has row images without %s (binlog_row_image=MINIMAL or "
                                 "NOBLOB). A flashback needs binlog_row_image=FULL; these changes can only be undone "
                                 "by a restore" % (entry["db"], entry["table"], entry["type"].upper(), entry["file"],
                                                   entry["start"], ", ".join(needed)))


def compact(selected, paths):
    """The Statement tuples (small) of selected search entries."""
    by_name = dict((os.path.basename(p), p) for p in paths)
    return [Statement(by_name[e["file"]], e["start"], e["end"], e["transaction_start"], e["gtid"], e["db"],
                      e["table"], e["type"]) for e, _missing in selected]


def reverse_changes(statements, column_source=None):
    """(schema, table, operation, before, after, gtid) of ``statements``' rows, newest first.

    Each statement is walked forwards once for the offsets of its rows events (its Table_map events are read on
    the way), then those events are read back from the last. A multi-table statement appears once per table;
    offsets already taken in the same transaction are not taken twice.
    """
    readers = {}
    taken, transaction = set(), None
    for item in reversed(statements):
        reader = readers.get(item.path)
        if reader is None:
            reader = readers[item.path] = Reader(item.path, column_source)
        if (item.path, item.transaction_start) != transaction:
            taken, transaction = set(), (item.path, item.transaction_start)
        offsets = []
        for event in reader.events(item.start, item.end):
            if event.kind != "rows" or event.start in taken or event.operation != item.operation:
                continue
            if event.table_map.schema != item.schema or event.table_map.table != item.table:
                continue
            offsets.append((event.start, event.table_map))
            taken.add(event.start)
        with open(item.path, "rb") as handle:
            for offset, table_map in reversed(offsets):
                reader.table_maps[table_map.table_id] = table_map
                event = reader.event_at(handle, offset)
                rows = list(event.rows())
                for before, after in reversed(rows):
                    yield item.schema, item.table, item.operation, before, after, item.gtid


class Group(object):
    """Rows events of one statement (file offsets, newest last), undone together by the server path."""

    __slots__ = ("path", "format", "info", "operation", "gtid", "table_map", "table_map_offset", "offsets",
                 "nbytes")

    def __init__(self, path, fmt, info, operation, gtid, table_map, table_map_offset):
        self.path = path
        self.format = fmt
        self.info = info
        self.operation = operation
        self.gtid = gtid
        self.table_map = table_map
        self.table_map_offset = table_map_offset
        self.offsets = []
        self.nbytes = 0


class EventGroups(object):
    """The rows events of ``statements`` newest first, cut into groups of about ``batch_size`` row changes.

    Group sizes are in bytes of events: the first group takes ``first_bytes``, later ones ``batch_size`` times
    the bytes per change seen so far (``observe``). ``skip`` events (newest first) are left out: the ones an
    interrupted run already committed. ``changes(group)`` decodes a group in Python (newest first) for the
    groups the server path does not take. Memory: the offsets of one statement's events.
    """

    def __init__(self, statements, infos, formats, column_source=None, batch_size=1000, skip=0,
                 first_bytes=64 * 1024):
        self.statements = statements
        self.infos = infos
        self.formats = formats
        self.column_source = column_source
        self.batch_size = batch_size
        self.skip = skip
        self.budget = first_bytes
        self.seen_bytes = 0
        self.seen_changes = 0
        self._readers = {}

    def _reader(self, path):
        if path not in self._readers:
            self._readers[path] = Reader(path, self.column_source)
        return self._readers[path]

    def observe(self, group, changes):
        """Size later groups from what this one held."""
        self.seen_bytes += group.nbytes
        self.seen_changes += max(changes, 0)
        if self.seen_changes:
            self.budget = max(4096, self.batch_size * self.seen_bytes // self.seen_changes)

    def __iter__(self):
        skip = self.skip
        taken, transaction = set(), None
        for item in reversed(self.statements):
            reader = self._reader(item.path)
            if (item.path, item.transaction_start) != transaction:
                taken, transaction = set(), (item.path, item.transaction_start)
            maps, events = {}, []
            for event in reader.events(item.start, item.end):
                if event.kind == "table_map":
                    maps[event.table_map.table_id] = event.start
                if event.kind != "rows" or event.start in taken or event.operation != item.operation:
                    continue
                if event.table_map.schema != item.schema or event.table_map.table != item.table:
                    continue
                events.append((event.start, event.end - event.start, event.table_map,
                               maps.get(event.table_map.table_id)))
                taken.add(event.start)
            group = None
            for offset, size, table_map, map_offset in reversed(events):
                if skip:
                    skip -= 1
                    continue
                if group is None or group.nbytes >= self.budget or group.table_map is not table_map:
                    if group is not None:
                        yield group
                    group = Group(item.path, self.formats[item.path], self.infos[(item.schema, item.table)],
                                  item.operation, item.gtid, table_map, map_offset)
                group.offsets.append(offset)
                group.nbytes += size
            if group is not None:
                yield group

    def changes(self, group):
        """(schema, table, operation, before, after, gtid) of ``group``'s rows, newest first."""
        reader = self._reader(group.path)
        reader.table_maps[group.table_map.table_id] = group.table_map
        with open(group.path, "rb") as handle:
            for offset in group.offsets:  # already newest first
                event = reader.event_at(handle, offset)
                for before, after in reversed(list(event.rows())):
                    yield group.info.schema, group.info.table, group.operation, before, after, group.gtid
