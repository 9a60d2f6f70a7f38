# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Binlog events re-addressed so the server itself loads their row images into a table of ours.

A flashback needs every before- and after-image of a bad statement in a table it can join against. Decoding
them in Python is most of the time a flashback of a 200k-row UPDATE takes; the server decodes them itself when it
is handed the events in a ``BINLOG '<base64>'`` statement, the way ``mariadb-binlog`` output is replayed. So the
events are copied byte for byte with three changes, none of which touches a row image:

- the Table_map names our load table (schema and table rewritten, a table id of our own);
- every rows event becomes a Write_rows event of that table: an Update_rows event's rows are pairs (before
  image, after image) and, once its second column bitmap is dropped, they read as two inserted rows each, in
  order; a Delete_rows event has the same layout as a Write_rows event;
- the last event of a load carries STMT_END_F (the server closes the table after it), sizes and CRC32 are
  recomputed, and positions are cleared.

The load table has the event's columns, same types, and an AUTO_INCREMENT column at the end (a replica may
have more columns than its source): it numbers the images in event order, so image 2k-1 is the before-image
and 2k the after-image of the k-th change of an UPDATE.

Stdlib only: this file runs on managed hosts with Python 3.8+.
"""
import base64
import struct
import zlib

from ansible_collections.drkit.mysql.plugins.module_utils.binlog import FORMAT_DESCRIPTION_EVENT, HEADER_LEN
from ansible_collections.drkit.mysql.plugins.module_utils.binlog_rows import packed_int

TABLE_MAP_EVENT = 19
STMT_END_F = 0x0001
# rows event type -> the Write_rows type of the same version (v1, v2, MariaDB compressed v1 and v2)
AS_WRITE = {23: 23, 24: 23, 25: 23, 30: 30, 31: 30, 32: 30, 166: 166, 167: 166, 168: 166, 169: 169, 170: 169,
            171: 169}
UPDATE_TYPES = frozenset([24, 31, 167, 170])
V2_TYPES = frozenset([30, 31, 32])

_HEADER = struct.Struct("<IBIIIH")


class RewriteError(ValueError):
    """An event this module cannot re-address (the caller decodes it in Python instead)."""


class Format(object):
    """What one binlog file's format description says: checksum length and table id width per event type."""

    def __init__(self, description):
        if description[4] != FORMAT_DESCRIPTION_EVENT:
            raise RewriteError("the first event is not a format description")
        body = description[HEADER_LEN:]
        alg_known = len(body) >= 5 and body[-5] in (0, 1)
        self.checksum_len = 4 if alg_known and body[-5] == 1 else 0
        lengths = body[57:len(body) - (5 if alg_known else 0)]
        self.post_header = dict((index + 1, value) for index, value in enumerate(lengths))
        self.description = bytes(description)

    def table_id_size(self, event_type):
        return 4 if self.post_header.get(event_type) == 6 else 6


def read_event(handle, offset):
    """The whole event (header, body, checksum) at ``offset`` of an open binlog file."""
    handle.seek(offset)
    header = handle.read(HEADER_LEN)
    if len(header) < HEADER_LEN:
        raise RewriteError("no event at offset %d" % offset)
    size = _HEADER.unpack(header)[3]
    return header + handle.read(size - HEADER_LEN)


def _sealed(header, body, fmt):
    """An event from a header (its type and timestamp kept) and a new body: size, position 0, checksum."""
    event = bytearray(header[:HEADER_LEN])
    struct.pack_into("<II", event, 9, HEADER_LEN + len(body) + fmt.checksum_len, 0)
    event += body
    if fmt.checksum_len:
        event += struct.pack("<I", zlib.crc32(bytes(event)) & 0xFFFFFFFF)
    return bytes(event)


def _body(event, fmt):
    return event[HEADER_LEN:len(event) - fmt.checksum_len]


def _name_field(text):
    raw = text.encode("utf-8")
    if len(raw) > 64:
        raise RewriteError("name %r is longer than 64 bytes" % text)
    return bytes([len(raw)]) + raw + b"\0"


def retarget_table_map(event, fmt, table_id, schema, table):
    """The Table_map ``event`` naming ``schema``.``table`` under ``table_id`` (columns, types, metadata kept)."""
    if event[4] != TABLE_MAP_EVENT:
        raise RewriteError("event type %d is not a Table_map" % event[4])
    body = _body(event, fmt)
    size = fmt.table_id_size(TABLE_MAP_EVENT)
    pos = size + 2
    pos += body[pos] + 2  # schema: length, bytes, NUL
    pos += body[pos] + 2  # table
    new_body = table_id.to_bytes(size, "little") + body[size:size + 2] + _name_field(schema) + \
        _name_field(table) + body[pos:]
    return _sealed(event, new_body, fmt)


def rows_as_write(event, fmt, table_id, statement_end=False):
    """A rows event of any kind as a Write_rows event of ``table_id`` with the same images, in the same order.

    Update_rows images must cover the same columns before and after (FULL images); RewriteError otherwise.
    """
    event_type = event[4]
    if event_type not in AS_WRITE:
        raise RewriteError("event type %d is not a rows event" % event_type)
    body = _body(event, fmt)
    size = fmt.table_id_size(event_type)
    pos = size
    flags = struct.unpack_from("<H", body, pos)[0]
    pos += 2
    extra = b""
    if event_type in V2_TYPES:
        extra_len = struct.unpack_from("<H", body, pos)[0]
        extra = body[pos:pos + max(extra_len, 2)]
        pos += max(extra_len, 2)
    width, width_end = packed_int(body, pos)
    nbytes = (width + 7) // 8
    present = body[width_end:width_end + nbytes]
    rest = width_end + nbytes
    if event_type in UPDATE_TYPES:
        if body[rest:rest + nbytes] != present:
            raise RewriteError("an UPDATE event whose before and after images cover different columns")
        rest += nbytes
    flags = flags | STMT_END_F if statement_end else flags & ~STMT_END_F
    header = bytearray(event[:HEADER_LEN])
    header[4] = AS_WRITE[event_type]
    new_body = table_id.to_bytes(size, "little") + struct.pack("<H", flags) + extra + body[pos:width_end] + \
        present + body[rest:]
    return _sealed(header, new_body, fmt)


def load_statement(events):
    """``BINLOG '<base64>'`` of already rewritten events (base64 has no quote to escape)."""
    return "BINLOG '%s'" % base64.b64encode(b"".join(events)).decode("ascii")
