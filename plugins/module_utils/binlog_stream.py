# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every event of a binlog file, decoded enough to say what changed: MySQL and MariaDB.

``binlog.read_binlog`` walks headers for the GTID bookkeeping of the archive;
this reads the bodies too: GTID events of both servers (MySQL's UUID:GNO,
MariaDB's domain-server-seq), Query (DDL text, default database), Xid,
Rotate, MariaDB's Annotate_rows (the statement behind row events),
Table_map, and Write/Update/Delete_rows v1 (MariaDB), v2 (MySQL 8) and
MariaDB's compressed variants (zlib). ``iter_events`` is a generator that
holds one event at a time; row images are decoded only when a caller asks
``RowsEvent.rows()``, so a filter that needs no row values costs little.

Refused with a sentence (``BinlogError``): encrypted binlogs, MySQL's
compressed transaction payloads (zstd), partial JSON updates.

Stdlib only: this file runs on managed hosts with Python 3.8+.
"""
import os
import struct
import uuid
import zlib

from ansible_collections.drkit.mysql.plugins.module_utils.binlog import (
    BINLOG_MAGIC,
    FL_STANDALONE,
    FORMAT_DESCRIPTION_EVENT,
    GTID_EVENT,
    GTID_LIST_EVENT,
    HEADER_LEN,
    QUERY_EVENT,
    ROTATE_EVENT,
    STOP_EVENT,
    XA_PREPARE_LOG_EVENT,
    XID_EVENT,
    BinlogError,
)
from ansible_collections.drkit.mysql.plugins.module_utils.binlog_rows import (
    RowsError,
    apply_server_columns,
    bits,
    iter_rows,
    packed_int,
    parse_table_map,
)

TABLE_MAP_EVENT = 19
WRITE_ROWS_V1, UPDATE_ROWS_V1, DELETE_ROWS_V1 = 23, 24, 25
WRITE_ROWS_V2, UPDATE_ROWS_V2, DELETE_ROWS_V2 = 30, 31, 32
MYSQL_GTID_EVENT = 33
MYSQL_ANONYMOUS_GTID_EVENT = 34
MYSQL_PREVIOUS_GTIDS_EVENT = 35
PARTIAL_UPDATE_ROWS_EVENT = 39
TRANSACTION_PAYLOAD_EVENT = 40
MYSQL_GTID_TAGGED_EVENT = 42
ANNOTATE_ROWS_EVENT = 160
START_ENCRYPTION_EVENT = 164
QUERY_COMPRESSED_EVENT = 165
WRITE_ROWS_COMPRESSED_V1, UPDATE_ROWS_COMPRESSED_V1, DELETE_ROWS_COMPRESSED_V1 = 166, 167, 168
WRITE_ROWS_COMPRESSED, UPDATE_ROWS_COMPRESSED, DELETE_ROWS_COMPRESSED = 169, 170, 171

ROWS_EVENTS = {
    WRITE_ROWS_V1: ("insert", 1, False), UPDATE_ROWS_V1: ("update", 1, False), DELETE_ROWS_V1: ("delete", 1, False),
    WRITE_ROWS_V2: ("insert", 2, False), UPDATE_ROWS_V2: ("update", 2, False), DELETE_ROWS_V2: ("delete", 2, False),
    WRITE_ROWS_COMPRESSED_V1: ("insert", 1, True), UPDATE_ROWS_COMPRESSED_V1: ("update", 1, True),
    DELETE_ROWS_COMPRESSED_V1: ("delete", 1, True), WRITE_ROWS_COMPRESSED: ("insert", 2, True),
    UPDATE_ROWS_COMPRESSED: ("update", 2, True), DELETE_ROWS_COMPRESSED: ("delete", 2, True),
}
STMT_END_F = 0x0001
# Events a skipped transaction ends at: the next transaction's GTID, or an event of the file itself.
_TRANSACTION_STARTS = frozenset([
    GTID_EVENT, MYSQL_GTID_EVENT, MYSQL_ANONYMOUS_GTID_EVENT, MYSQL_GTID_TAGGED_EVENT, FORMAT_DESCRIPTION_EVENT,
    ROTATE_EVENT, STOP_EVENT, GTID_LIST_EVENT, MYSQL_PREVIOUS_GTIDS_EVENT, START_ENCRYPTION_EVENT])

_HEADER = struct.Struct("<IBIIIH")


class Event(object):
    """One binlog event: ``kind`` names it; ``start``/``end`` are its byte offsets in the file."""

    def __init__(self, kind, event_type, timestamp, server_id, start, end):
        self.kind = kind
        self.type = event_type
        self.timestamp = timestamp
        self.server_id = server_id
        self.start = start
        self.end = end

    def __repr__(self):
        return "<%s %d@%d>" % (self.kind, self.type, self.start)


class RowsEvent(Event):
    """A Write/Update/Delete_rows event; ``rows()`` decodes its images one pair at a time."""

    def rows(self):
        return iter_rows(self.table_map, self.operation, self.data, self.present, self.present_after)

    @property
    def full_image(self):
        """True when every column is in the before image (update/delete) and the after image (insert/update)."""
        return all(self.present) and (self.present_after is None or all(self.present_after))

    @property
    def statement_end(self):
        return bool(self.flags & STMT_END_F)


def uncompress(data, what):
    """MariaDB's compressed event part: a header byte 0x8N (N = bytes of the big-endian length), then zlib data."""
    if not data or data[0] & 0xE0 != 0x80:
        raise BinlogError("%s: compressed data does not start with MariaDB's compression header" % what)
    size_len = data[0] & 0x07
    expected = int.from_bytes(data[1:1 + size_len], "big")
    try:
        result = zlib.decompress(bytes(data[1 + size_len:]))
    except zlib.error as exc:
        raise BinlogError("%s: compressed data is damaged (%s)" % (what, exc)) from None
    if len(result) != expected:
        raise BinlogError("%s: uncompressed %d bytes, the header says %d" % (what, len(result), expected))
    return result


def parse_query(body, compressed=False):
    """A Query event body -> (database, SQL text, error code, thread id)."""
    thread_id, _exec_time, db_len, error_code, status_len = struct.unpack_from("<IIBHH", body, 0)
    start = 13 + status_len
    database = bytes(body[start:start + db_len]).decode("utf-8", "replace")
    text = body[start + db_len + 1:]
    if compressed:
        text = uncompress(text, "Query_compressed event")
    return database, bytes(text).decode("utf-8", "replace"), error_code, thread_id


def _mariadb_gtid(event, body):
    seq, domain, flags2 = struct.unpack_from("<QIB", body, 0)
    event.gtid = "%d-%d-%d" % (domain, event.server_id, seq)
    event.domain, event.seq = domain, seq
    event.standalone = bool(flags2 & FL_STANDALONE)
    event.flavor = "mariadb"


def _mysql_gtid(event, body):
    sid = bytes(body[1:17])
    gno = struct.unpack_from("<q", body, 17)[0]
    event.flavor = "mysql"
    event.standalone = False
    if event.type == MYSQL_ANONYMOUS_GTID_EVENT:
        event.gtid = None
        return
    event.gtid = "%s:%d" % (uuid.UUID(bytes=sid), gno)
    event.uuid, event.seq = str(uuid.UUID(bytes=sid)), gno
    # original_commit_timestamp (microseconds), MySQL 8.0.1+: after the logical clock (1 + 8 + 8 bytes).
    at = 25 + 17
    if len(body) >= at + 7:
        immediate = int.from_bytes(body[at:at + 7], "little")
        original = immediate & ~(1 << 55)
        if immediate & (1 << 55) and len(body) >= at + 14:
            original = int.from_bytes(body[at + 7:at + 14], "little")
        event.commit_us = original


class Reader(object):
    """Reads one file's events; keeps the format (checksum, post-header lengths) and the table maps it needs.

    ``column_source(schema, table)`` may return the server's column list (``binlog_rows.server_columns``) to fill
    what the binlog's Table_map lacks; it is asked once per table.
    """

    def __init__(self, path, column_source=None):
        self.path = path
        self.name = os.path.basename(path)
        self.column_source = column_source
        self.checksum_len = 0
        self.post_header = {}
        self.server_version = None
        self.mariadb = True
        self.table_maps = {}
        self._columns_cache = {}
        self.warnings = []
        self.partial_bytes = 0
        self._skipping = False

    def skip_transaction(self):
        """Pass over the rest of the current transaction without decoding it (headers only), up to the next
        transaction's GTID event: a search by GTID needs nothing of the others."""
        self._skipping = True

    def _server_columns(self, schema, table):
        key = (schema, table)
        if key not in self._columns_cache:
            self._columns_cache[key] = self.column_source(schema, table) if self.column_source else None
        return self._columns_cache[key]

    def _table_id_size(self, event_type):
        return 4 if self.post_header.get(event_type) == 6 else 6

    def events(self, start=None, stop=None):
        """Yield events from ``start`` (a byte offset, default the first event) until ``stop`` or the file's end.

        The format description event at offset 4 is always read first. An event cut off at the end of the file
        (a binlog still being written) ends the walk; ``partial_bytes`` says how much was left.
        """
        size = os.path.getsize(self.path)
        with open(self.path, "rb") as handle:
            if handle.read(4) != BINLOG_MAGIC:
                raise BinlogError("%s is not a binary log (it does not start with the binlog magic bytes)"
                                  % self.path)
            offset = 4
            while stop is None or offset < stop:
                header = handle.read(HEADER_LEN)
                if len(header) < HEADER_LEN:
                    break
                timestamp, event_type, server_id, event_size, _next, flags = _HEADER.unpack(header)
                if event_size < HEADER_LEN:
                    raise BinlogError("%s: event at offset %d has an impossible size %d"
                                      % (self.path, offset, event_size))
                if offset + event_size > size:
                    break
                if self._skipping:
                    if event_type not in _TRANSACTION_STARTS:
                        handle.seek(event_size - HEADER_LEN, os.SEEK_CUR)
                        offset += event_size
                        continue
                    self._skipping = False
                body = handle.read(event_size - HEADER_LEN)
                event = self._decode(event_type, timestamp, server_id, offset, offset + event_size, flags, body)
                if event_type == FORMAT_DESCRIPTION_EVENT and start is not None and start > offset + event_size:
                    handle.seek(start)
                    offset = start
                    continue
                offset += event_size
                if event is not None:
                    yield event
            self.partial_bytes = size - offset if stop is None or offset < stop else 0

    def event_at(self, handle, offset):
        """The one event at ``offset`` of the open file ``handle`` (format and table maps already read).

        For walking a statement backwards (flashback): the caller has read its events forwards once and kept
        their offsets, so only one event is in memory at a time either way.
        """
        handle.seek(offset)
        header = handle.read(HEADER_LEN)
        if len(header) < HEADER_LEN:
            raise BinlogError("%s: no event at offset %d" % (self.path, offset))
        timestamp, event_type, server_id, event_size, _next, flags = _HEADER.unpack(header)
        body = handle.read(event_size - HEADER_LEN)
        return self._decode(event_type, timestamp, server_id, offset, offset + event_size, flags, body)

    def _decode(self, event_type, timestamp, server_id, start, end, flags, body):
        if event_type == FORMAT_DESCRIPTION_EVENT:
            self.checksum_len = 4 if len(body) >= 5 and body[-5] == 1 else 0
            self.server_version = body[2:52].split(b"\0", 1)[0].decode("ascii", "replace")
            self.mariadb = "mariadb" in self.server_version.lower()
            lengths = body[57:len(body) - (5 if len(body) >= 5 and body[-5] in (0, 1) else 0)]
            self.post_header = dict((index + 1, value) for index, value in enumerate(lengths))
            event = Event("format_description", event_type, timestamp, server_id, start, end)
            event.server_version = self.server_version
            event.checksum = "CRC32" if self.checksum_len else "NONE"
            return event
        if self.checksum_len:
            body = body[:-self.checksum_len]
        if event_type in ROWS_EVENTS:
            return self._rows(event_type, timestamp, server_id, start, end, body)
        if event_type == TABLE_MAP_EVENT:
            table_map = parse_table_map(body, self._table_id_size(TABLE_MAP_EVENT), self.mariadb)
            self._complete(table_map)
            self.table_maps[table_map.table_id] = table_map
            event = Event("table_map", event_type, timestamp, server_id, start, end)
            event.table_map = table_map
            return event
        event = Event("other", event_type, timestamp, server_id, start, end)
        if event_type == GTID_EVENT:
            event.kind = "gtid"
            _mariadb_gtid(event, body)
        elif event_type in (MYSQL_GTID_EVENT, MYSQL_ANONYMOUS_GTID_EVENT):
            event.kind = "gtid"
            _mysql_gtid(event, body)
        elif event_type == MYSQL_GTID_TAGGED_EVENT:
            event.kind, event.gtid, event.flavor, event.standalone = "gtid", None, "mysql", False
            self._warn("MySQL 8.4 tagged GTID events are not decoded: their transactions have no gtid here")
        elif event_type in (QUERY_EVENT, QUERY_COMPRESSED_EVENT):
            event.kind = "query"
            event.database, event.sql, event.error_code, event.thread_id = parse_query(
                body, event_type == QUERY_COMPRESSED_EVENT)
        elif event_type == XID_EVENT:
            event.kind = "xid"
            event.xid = struct.unpack_from("<Q", body, 0)[0]
        elif event_type == XA_PREPARE_LOG_EVENT:
            event.kind = "xa_prepare"
        elif event_type == ANNOTATE_ROWS_EVENT:
            event.kind = "annotate"
            event.sql = bytes(body).decode("utf-8", "replace")
        elif event_type == ROTATE_EVENT:
            event.kind = "rotate"
            event.position = struct.unpack_from("<Q", body, 0)[0]
            event.next_file = bytes(body[8:]).decode("utf-8", "replace")
        elif event_type == GTID_LIST_EVENT:
            event.kind = "gtid_list"
        elif event_type == MYSQL_PREVIOUS_GTIDS_EVENT:
            event.kind = "previous_gtids"
        elif event_type == STOP_EVENT:
            event.kind = "stop"
        elif event_type == START_ENCRYPTION_EVENT:
            raise BinlogError("%s is encrypted (encrypt_binlog): decrypting binlogs is not supported; read it with "
                              "mariadb-binlog --read-from-remote-server instead" % self.path)
        elif event_type == TRANSACTION_PAYLOAD_EVENT:
            raise BinlogError("%s holds compressed transactions (binlog_transaction_compression=ON, zstd) at offset "
                              "%d, which this reader cannot decompress" % (self.path, start))
        elif event_type == PARTIAL_UPDATE_ROWS_EVENT:
            raise BinlogError("%s holds partial JSON updates (binlog_row_value_options=PARTIAL_JSON) at offset %d: "
                              "their row images are not full" % (self.path, start))
        return event

    def _complete(self, table_map):
        """Fill names/signedness/charsets the Table_map lacks from the server, when it can tell."""
        unknown = table_map.unknown
        if unknown["signedness"] or unknown["charset"] or unknown["names"]:
            columns = self._server_columns(table_map.schema, table_map.table)
            if columns:
                apply_server_columns(table_map, columns)
        for warning in table_map.warnings:
            self._warn(warning)

    def _warn(self, text):
        if text not in self.warnings:
            self.warnings.append(text)

    def _rows(self, event_type, timestamp, server_id, start, end, body):
        operation, version, compressed = ROWS_EVENTS[event_type]
        id_size = self._table_id_size(event_type)
        table_id = int.from_bytes(body[0:id_size], "little")
        pos = id_size
        flags = struct.unpack_from("<H", body, pos)[0]
        pos += 2
        if version == 2:
            extra = struct.unpack_from("<H", body, pos)[0]
            pos += max(extra, 2)
        width, pos = packed_int(body, pos)
        nbytes = (width + 7) // 8
        present = bits(body[pos:pos + nbytes], width)
        pos += nbytes
        present_after = None
        if operation == "update":
            present_after = bits(body[pos:pos + nbytes], width)
            pos += nbytes
        data = body[pos:]
        if compressed:
            data = uncompress(data, "%s: rows event at offset %d" % (self.name, start))
        table_map = self.table_maps.get(table_id)
        if table_map is None:
            raise RowsError("%s: the rows event at offset %d names table id %d, whose Table_map event was not read "
                            "(start reading at the transaction's GTID event)" % (self.name, start, table_id))
        if width != len(table_map.columns):
            raise RowsError("%s: the rows event at offset %d has %d columns, its Table_map %d"
                            % (self.name, start, width, len(table_map.columns)))
        event = RowsEvent("rows", event_type, timestamp, server_id, start, end)
        event.operation, event.flags, event.table_map = operation, flags, table_map
        event.data, event.present, event.present_after = bytes(data), present, present_after
        event.compressed = compressed
        return event


def iter_events(path, start=None, stop=None, column_source=None):
    """Shortcut: the events of one file (see ``Reader.events``)."""
    return Reader(path, column_source).events(start, stop)
