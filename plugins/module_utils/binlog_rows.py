# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Table_map events and the row images of Write/Update/Delete_rows events.

A row image is only bytes until the Table_map event before it says what the
columns are: types and their metadata (lengths, precision, fractional
seconds), nullability and, with ``binlog_row_metadata=FULL``, names,
signedness and character sets. Without those optional fields the caller
passes what the server says about the table (``information_schema.COLUMNS``,
see ``COLUMNS_SQL`` and ``server_columns``); what is still unknown is
reported (``TableMap.unknown``) so a caller that writes values back
(flashback) can refuse instead of guessing: an unsigned BIGINT read as signed
or a VARBINARY read as text would write back something else.

Decoding is per row and lazy: ``iter_rows`` yields one (before, after) pair at
a time, so memory stays flat on a 2M-row UPDATE. Each image is a list with one
value per column of the table; a column the image does not hold (a MINIMAL or
NOBLOB row image) is ``MISSING``.

Stdlib only: this file runs on managed hosts with Python 3.8+.
"""
import re
import struct

from ansible_collections.drkit.mysql.plugins.module_utils.binlog_json import json_text
from ansible_collections.drkit.mysql.plugins.module_utils.binlog_values import (
    CHARSET_CODECS,
    NUMERIC_TYPES,
    T_BIT,
    T_BLOB,
    T_BLOB_COMPRESSED,
    T_DATE,
    T_DATETIME,
    T_DATETIME2,
    T_DECIMAL,
    T_DOUBLE,
    T_ENUM,
    T_FLOAT,
    T_GEOMETRY,
    T_INT24,
    T_JSON,
    T_LONG,
    T_LONG_BLOB,
    T_LONGLONG,
    T_MEDIUM_BLOB,
    T_NEWDATE,
    T_NEWDECIMAL,
    T_NULL,
    T_SET,
    T_SHORT,
    T_STRING,
    T_TIME,
    T_TIME2,
    T_TIMESTAMP,
    T_TIMESTAMP2,
    T_TINY,
    T_TINY_BLOB,
    T_VAR_STRING,
    T_VARCHAR,
    T_VARCHAR_COMPRESSED,
    T_YEAR,
    TYPE_NAMES,
    collation_charset,
    decimal_size,
    decode_date,
    decode_datetime2,
    decode_decimal,
    decode_old_datetime,
    decode_old_time,
    decode_old_timestamp,
    decode_time2,
    decode_timestamp2,
    text_value,
)


class RowsError(ValueError):
    """A row image or Table_map this decoder cannot read."""


class _Missing(object):
    """A column the row image does not hold (binlog_row_image MINIMAL/NOBLOB)."""

    def __repr__(self):
        return "MISSING"

    def __bool__(self):
        return False


MISSING = _Missing()

# Optional metadata fields of the Table_map event (MySQL 8.0.1+, MariaDB 10.5+).
OM_SIGNEDNESS = 1
OM_DEFAULT_CHARSET = 2
OM_COLUMN_CHARSET = 3
OM_COLUMN_NAME = 4
OM_SET_STR_VALUE = 5
OM_ENUM_STR_VALUE = 6
OM_GEOMETRY_TYPE = 7
OM_SIMPLE_PRIMARY_KEY = 8
OM_PRIMARY_KEY_WITH_PREFIX = 9
OM_ENUM_AND_SET_DEFAULT_CHARSET = 10
OM_ENUM_AND_SET_COLUMN_CHARSET = 11
OM_COLUMN_VISIBILITY = 12

_ONE_BYTE_META = frozenset((T_FLOAT, T_DOUBLE, T_BLOB, T_TINY_BLOB, T_MEDIUM_BLOB, T_LONG_BLOB, T_GEOMETRY,
                            T_JSON, T_TIMESTAMP2, T_DATETIME2, T_TIME2, T_BLOB_COMPRESSED))
_TWO_BYTE_META = frozenset((T_VARCHAR, T_VAR_STRING, T_BIT, T_NEWDECIMAL, T_DECIMAL, T_VARCHAR_COMPRESSED))
_BIG_ENDIAN_META = frozenset((T_STRING, T_ENUM, T_SET))
_BLOB_TYPES = frozenset((T_BLOB, T_TINY_BLOB, T_MEDIUM_BLOB, T_LONG_BLOB))
_CHARACTER_TYPES = frozenset((T_STRING, T_VAR_STRING, T_VARCHAR, T_BLOB, T_TINY_BLOB, T_MEDIUM_BLOB, T_LONG_BLOB))
# Which columns the SIGNEDNESS and charset fields list differs: MariaDB's writer takes every Field_num (YEAR
# too) and every field with a character set (GEOMETRY, a binary BLOB, too); MySQL's goes by binlog type.
_MARIADB_NUMERIC = NUMERIC_TYPES | frozenset((T_YEAR,))
_MARIADB_CHARACTER = _CHARACTER_TYPES | frozenset((T_GEOMETRY,))

# What a caller asks the server when the binlog lacks names, signedness or character sets.
COLUMNS_SQL = ("SELECT COLUMN_NAME, ORDINAL_POSITION, DATA_TYPE, COLUMN_TYPE, CHARACTER_SET_NAME, COLUMN_KEY "
               "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s "
               "ORDER BY ORDINAL_POSITION")


def packed_int(buf, pos):
    """A length-encoded integer -> (value, next position); 251 is NULL (None)."""
    first = buf[pos]
    if first < 251:
        return first, pos + 1
    if first == 251:
        return None, pos + 1
    if first == 252:
        return buf[pos + 1] | buf[pos + 2] << 8, pos + 3
    if first == 253:
        return buf[pos + 1] | buf[pos + 2] << 8 | buf[pos + 3] << 16, pos + 4
    return struct.unpack_from("<Q", buf, pos + 1)[0], pos + 9


def bits(bitmap, count):
    """A little-endian bitmap (bit 0 of byte 0 first) as a list of bools."""
    return [bool(bitmap[i >> 3] >> (i & 7) & 1) for i in range(count)]


def _msb_bits(data, count):
    """The optional metadata's bitmaps: most significant bit of byte 0 first."""
    return [bool(data[i >> 3] & (0x80 >> (i & 7))) for i in range(count)]


class Column(object):
    """One column of a Table_map: its binlog type and what is known about it."""

    __slots__ = ("index", "type", "meta", "nullable", "name", "unsigned", "charset", "enum_values", "set_values",
                 "max_length", "pack_length", "in_primary_key")

    def __init__(self, index, column_type, meta, nullable):
        self.index = index
        self.type = column_type
        self.meta = meta
        self.nullable = nullable
        self.name = None
        self.unsigned = None
        self.charset = None
        self.enum_values = None
        self.set_values = None
        self.max_length = 0
        self.pack_length = 0
        self.in_primary_key = False

    @property
    def type_name(self):
        return TYPE_NAMES.get(self.type, "type%d" % self.type)

    @property
    def display_name(self):
        return self.name or "@%d" % (self.index + 1)

    def describe(self):
        return dict(name=self.display_name, type=self.type_name, nullable=self.nullable, unsigned=self.unsigned,
                    charset=self.charset)


class TableMap(object):
    """A decoded Table_map event: the table a following rows event changes."""

    def __init__(self, table_id, schema, table, columns, flags=0):
        self.table_id = table_id
        self.schema = schema
        self.table = table
        self.columns = columns
        self.flags = flags
        self.primary_key = []
        self.has_optional_metadata = False
        self.server_columns_used = False
        self.warnings = []
        self._decoders = {}

    @property
    def name(self):
        return "%s.%s" % (self.schema, self.table)

    @property
    def column_names(self):
        return [column.display_name for column in self.columns]

    @property
    def unknown(self):
        """What is not known well enough to write values back: signedness/charset (column names), names (bool)."""
        return dict(
            signedness=[c.display_name for c in self.columns if c.type in NUMERIC_TYPES
                        and c.type not in (T_FLOAT, T_DOUBLE, T_NEWDECIMAL, T_DECIMAL) and c.unsigned is None],
            charset=[c.display_name for c in self.columns if c.type in _CHARACTER_TYPES and c.charset is None],
            names=any(c.name is None for c in self.columns),
        )

    def decoders(self, present):
        """[(column index, decode function)] for the columns present in an image, built once per bitmap."""
        key = tuple(present)
        if key not in self._decoders:
            self._decoders[key] = [(column.index, value_decoder(column))
                                   for column, here in zip(self.columns, present) if here]
        return self._decoders[key]


def _read_meta(column_type, meta, pos):
    if column_type in _ONE_BYTE_META:
        return meta[pos], pos + 1
    if column_type in _TWO_BYTE_META:
        return meta[pos] | meta[pos + 1] << 8, pos + 2
    if column_type in _BIG_ENDIAN_META:
        return meta[pos] << 8 | meta[pos + 1], pos + 2
    return 0, pos


def _settle_string(column):
    """STRING's metadata hides the real type (CHAR, ENUM, SET) and lengths above 255 in its high bits."""
    meta = column.meta
    if column.type == T_STRING:
        real_type, length = meta >> 8, meta & 0xFF
        if real_type and (real_type & 0x30) != 0x30:
            length |= ((real_type & 0x30) ^ 0x30) << 4
            real_type |= 0x30
        if real_type in (T_ENUM, T_SET):
            column.type = real_type
            column.pack_length = length
        else:
            column.max_length = length
    elif column.type in (T_ENUM, T_SET):
        column.pack_length = meta & 0xFF
    elif column.type in (T_VARCHAR, T_VAR_STRING, T_VARCHAR_COMPRESSED):
        column.max_length = meta


def parse_table_map(body, table_id_size=6, mariadb=True):
    """A Table_map event body (after the 19-byte header, without the checksum) -> TableMap.

    ``mariadb`` says whose writer made it (the format description's server version): the optional metadata
    lists columns differently.
    """
    body = bytes(body)
    table_id = int.from_bytes(body[0:table_id_size], "little")
    flags = struct.unpack_from("<H", body, table_id_size)[0]
    pos = table_id_size + 2
    length = body[pos]
    schema = body[pos + 1:pos + 1 + length].decode("utf-8", "replace")
    pos += 2 + length
    length = body[pos]
    table = body[pos + 1:pos + 1 + length].decode("utf-8", "replace")
    pos += 2 + length
    count, pos = packed_int(body, pos)
    types = body[pos:pos + count]
    pos += count
    meta_length, pos = packed_int(body, pos)
    meta = body[pos:pos + meta_length]
    pos += meta_length
    nullable = bits(body[pos:pos + (count + 7) // 8], count)
    pos += (count + 7) // 8
    columns = []
    meta_pos = 0
    for index in range(count):
        value, meta_pos = _read_meta(types[index], meta, meta_pos)
        column = Column(index, types[index], value, nullable[index])
        _settle_string(column)
        columns.append(column)
    table_map = TableMap(table_id, schema, table, columns, flags)
    if pos < len(body):
        table_map.has_optional_metadata = True
        _optional_metadata(table_map, body, pos, mariadb)
    return table_map


def _strings(data, count):
    """``count`` length-prefixed strings (COLUMN_NAME)."""
    result, pos = [], 0
    for _index in range(count):
        if pos >= len(data):
            break
        length, pos = packed_int(data, pos)
        result.append(data[pos:pos + length].decode("utf-8", "replace"))
        pos += length
    return result


def _string_lists(data):
    """SET_STR_VALUE / ENUM_STR_VALUE: per column a count, then that many length-prefixed strings (raw bytes)."""
    result, pos = [], 0
    while pos < len(data):
        count, pos = packed_int(data, pos)
        values = []
        for _index in range(count):
            length, pos = packed_int(data, pos)
            values.append(data[pos:pos + length])
            pos += length
        result.append(values)
    return result


def _packed_list(data):
    result, pos = [], 0
    while pos < len(data):
        value, pos = packed_int(data, pos)
        result.append(value)
    return result


def _charsets(data, count, default_field):
    """DEFAULT_CHARSET (a default plus exceptions by position) or COLUMN_CHARSET (one per column) -> ids."""
    values = _packed_list(data)
    if not default_field:
        return values[:count]
    result = [values[0]] * count if values else []
    for at in range(1, len(values) - 1, 2):
        if values[at] < count:
            result[values[at]] = values[at + 1]
    return result


def _optional_metadata(table_map, body, pos, mariadb):
    columns = table_map.columns
    numeric = [c for c in columns if c.type in (_MARIADB_NUMERIC if mariadb else NUMERIC_TYPES)]
    character = [c for c in columns if c.type in (_MARIADB_CHARACTER if mariadb else _CHARACTER_TYPES)]
    enum_set = [c for c in columns if c.type in (T_ENUM, T_SET)]
    while pos < len(body):
        field = body[pos]
        length, pos = packed_int(body, pos + 1)
        data = body[pos:pos + length]
        pos += length
        if field == OM_SIGNEDNESS:
            for column, unsigned in zip(numeric, _msb_bits(data, len(numeric))):
                column.unsigned = unsigned
        elif field in (OM_DEFAULT_CHARSET, OM_COLUMN_CHARSET):
            for column, cid in zip(character, _charsets(data, len(character), field == OM_DEFAULT_CHARSET)):
                column.charset = collation_charset(cid) or "collation%d" % cid
        elif field in (OM_ENUM_AND_SET_DEFAULT_CHARSET, OM_ENUM_AND_SET_COLUMN_CHARSET):
            ids = _charsets(data, len(enum_set), field == OM_ENUM_AND_SET_DEFAULT_CHARSET)
            for column, cid in zip(enum_set, ids):
                column.charset = collation_charset(cid) or "collation%d" % cid
        elif field == OM_COLUMN_NAME:
            for column, name in zip(columns, _strings(data, len(columns))):
                column.name = name
        elif field in (OM_SET_STR_VALUE, OM_ENUM_STR_VALUE):
            kind = T_SET if field == OM_SET_STR_VALUE else T_ENUM
            for column, values in zip([c for c in columns if c.type == kind], _string_lists(data)):
                if kind == T_SET:
                    column.set_values = values
                else:
                    column.enum_values = values
        elif field == OM_SIMPLE_PRIMARY_KEY:
            table_map.primary_key = [index for index in _packed_list(data) if index < len(columns)]
        elif field == OM_PRIMARY_KEY_WITH_PREFIX:
            table_map.primary_key = [index for index in _packed_list(data)[0::2] if index < len(columns)]
    for index in table_map.primary_key:
        columns[index].in_primary_key = True
    for column in enum_set:
        codec = CHARSET_CODECS.get(column.charset or "utf8mb4") or "utf-8"
        for attr in ("enum_values", "set_values"):
            raw = getattr(column, attr)
            if raw is not None:
                setattr(column, attr, [text_value(v, codec) for v in raw])


# -- what the server says -----------------------------------------------------

_ENUM_RE = re.compile(r"^(enum|set)\((.*)\)", re.I | re.S)


def enum_labels(column_type):
    """The labels of ``enum('a','b''c')`` / ``set(...)`` as information_schema prints the column type."""
    match = _ENUM_RE.match(column_type or "")
    if not match:
        return None
    labels, text, at = [], match.group(2), 0
    while at < len(text):
        if text[at] != "'":
            at += 1
            continue
        at += 1
        label = []
        while at < len(text):
            if text[at] == "'" and text[at + 1:at + 2] == "'":
                label.append("'")
                at += 2
            elif text[at] == "'":
                at += 1
                break
            else:
                label.append(text[at])
                at += 1
        labels.append("".join(label))
    return labels


def server_columns(rows):
    """information_schema.COLUMNS rows (``COLUMNS_SQL``, dicts) -> what apply_server_columns takes."""
    result = []
    for row in rows:
        column_type = row.get("COLUMN_TYPE") or ""
        if isinstance(column_type, bytes):
            column_type = column_type.decode("utf-8")
        data_type = (row.get("DATA_TYPE") or "").lower()
        labels = enum_labels(column_type) if data_type in ("enum", "set") else None
        result.append(dict(name=row.get("COLUMN_NAME"), data_type=data_type,
                           unsigned="unsigned" in column_type.lower(),
                           charset=row.get("CHARACTER_SET_NAME") or ("binary" if data_type in (
                               "binary", "varbinary", "blob", "tinyblob", "mediumblob", "longblob") else None),
                           labels=labels, primary=row.get("COLUMN_KEY") == "PRI"))
    return result


def apply_server_columns(table_map, columns):
    """Fill what the binlog lacks from the server's description of the table (its current definition).

    Used only when the column count matches the event's: a table altered since the event would name the wrong
    columns. The binlog's own optional metadata always wins.
    """
    if not columns:
        return False
    if len(columns) != len(table_map.columns):
        table_map.warnings.append(
            "%s has %d columns now but %d in the binlog event (altered since?): server column names and types not "
            "used" % (table_map.name, len(columns), len(table_map.columns)))
        return False
    for column, info in zip(table_map.columns, columns):
        if column.name is None:
            column.name = info.get("name")
        if column.unsigned is None and column.type in NUMERIC_TYPES:
            column.unsigned = bool(info.get("unsigned"))
        if column.charset is None and (column.type in _CHARACTER_TYPES or column.type in (T_ENUM, T_SET)):
            column.charset = info.get("charset")
        labels = info.get("labels")
        if labels is not None and column.type == T_ENUM and column.enum_values is None:
            column.enum_values = labels
        if labels is not None and column.type == T_SET and column.set_values is None:
            column.set_values = labels
    if not table_map.primary_key:
        table_map.primary_key = [i for i, info in enumerate(columns) if info.get("primary")]
        for index in table_map.primary_key:
            table_map.columns[index].in_primary_key = True
    table_map.server_columns_used = True
    return True


# -- values -------------------------------------------------------------------

_INTS = {T_TINY: ("<b", "<B"), T_SHORT: ("<h", "<H"), T_LONG: ("<i", "<I"), T_LONGLONG: ("<q", "<Q")}


def _fixed(fmt):
    unpack = struct.Struct(fmt).unpack_from
    size = struct.calcsize(fmt)

    def decode(buf, pos):
        return unpack(buf, pos)[0], pos + size
    return decode


def _prefixed(prefix_size, convert):
    """A value after a little-endian length of ``prefix_size`` bytes."""
    if prefix_size == 1:
        def decode(buf, pos):
            end = pos + 1 + buf[pos]
            return convert(buf[pos + 1:end]), end
    elif prefix_size == 2:
        def decode(buf, pos):
            end = pos + 2 + (buf[pos] | buf[pos + 1] << 8)
            return convert(buf[pos + 2:end]), end
    else:
        def decode(buf, pos):
            end = pos + prefix_size + int.from_bytes(buf[pos:pos + prefix_size], "little")
            return convert(buf[pos + prefix_size:end]), end
    return decode


def _text_converter(column):
    """bytes -> str in the column's character set; bytes for binary or unknown sets."""
    if column.charset is None or column.charset == "binary":
        return bytes
    codec = CHARSET_CODECS.get(column.charset)
    if codec is None:
        return bytes

    def convert(raw):
        return text_value(raw, codec)
    return convert


def value_decoder(column):
    """decode(buf, pos) -> (value, next pos) for one column's non-NULL value."""
    ctype, meta = column.type, column.meta
    if ctype in _INTS:
        return _fixed(_INTS[ctype][1 if column.unsigned else 0])
    if ctype == T_INT24:
        signed = not column.unsigned

        def int24(buf, pos):
            return int.from_bytes(buf[pos:pos + 3], "little", signed=signed), pos + 3
        return int24
    if ctype == T_FLOAT:
        return _fixed("<f")
    if ctype == T_DOUBLE:
        return _fixed("<d")
    if ctype == T_NEWDECIMAL:
        precision, scale = meta & 0xFF, meta >> 8

        def newdecimal(buf, pos):
            return decode_decimal(buf, pos, precision, scale)
        return newdecimal
    if ctype == T_YEAR:
        def year(buf, pos):
            return (buf[pos] + 1900 if buf[pos] else 0), pos + 1
        return year
    if ctype in (T_DATE, T_NEWDATE):
        return decode_date
    if ctype == T_TIME2:
        return lambda buf, pos: decode_time2(buf, pos, meta)
    if ctype == T_DATETIME2:
        return lambda buf, pos: decode_datetime2(buf, pos, meta)
    if ctype == T_TIMESTAMP2:
        return lambda buf, pos: decode_timestamp2(buf, pos, meta)
    if ctype == T_TIME:
        return decode_old_time
    if ctype == T_DATETIME:
        return decode_old_datetime
    if ctype == T_TIMESTAMP:
        return decode_old_timestamp
    if ctype in (T_VARCHAR, T_VAR_STRING):
        return _prefixed(1 if column.max_length < 256 else 2, _text_converter(column))
    if ctype == T_STRING:
        convert = _text_converter(column)
        if convert is bytes:
            # BINARY(n) is stored without its trailing 0x00 padding; the column holds it (and compares with it).
            width = column.max_length

            def convert(raw):
                return bytes(raw).ljust(width, b"\0")
        return _prefixed(1 if column.max_length < 256 else 2, convert)
    if ctype in _BLOB_TYPES:
        return _prefixed(meta, _text_converter(column))
    if ctype == T_JSON:
        return _prefixed(meta, json_text)
    if ctype == T_GEOMETRY:
        return _prefixed(meta, bytes)
    if ctype == T_BIT:
        size = (meta >> 8) + (1 if meta & 0xFF else 0)

        def bit(buf, pos):
            return int.from_bytes(buf[pos:pos + size], "big"), pos + size
        return bit
    if ctype == T_ENUM:
        size, labels = column.pack_length, column.enum_values

        def enum(buf, pos):
            index = int.from_bytes(buf[pos:pos + size], "little")
            if labels is not None and 0 < index <= len(labels):
                return labels[index - 1], pos + size
            return ("" if labels is not None else index), pos + size
        return enum
    if ctype == T_SET:
        size, labels = column.pack_length, column.set_values

        def set_(buf, pos):
            mask = int.from_bytes(buf[pos:pos + size], "little")
            if labels is None:
                return mask, pos + size
            return ",".join(label for at, label in enumerate(labels) if mask >> at & 1), pos + size
        return set_
    if ctype == T_NULL:
        return lambda buf, pos: (None, pos)
    if ctype == T_DECIMAL:
        raise RowsError("column %s of %s uses the pre-5.0 DECIMAL format, which this decoder does not read"
                        % (column.display_name, "the table"))
    if ctype in (T_VARCHAR_COMPRESSED, T_BLOB_COMPRESSED):
        raise RowsError("column %s is a MariaDB COMPRESSED column; its row values cannot be decoded here"
                        % column.display_name)
    raise RowsError("column %s has binlog type %d, which this decoder does not read" % (column.display_name, ctype))


def decimal_width(column):
    return decimal_size(column.meta & 0xFF, column.meta >> 8)


# -- row images ---------------------------------------------------------------

def _image(buf, pos, decoders, template):
    """One row image: the NULL bitmap of the present columns, then their values."""
    nbytes = (len(decoders) + 7) >> 3
    nulls = int.from_bytes(buf[pos:pos + nbytes], "little")
    pos += nbytes
    values = list(template)
    if not nulls:
        for index, decode in decoders:
            values[index], pos = decode(buf, pos)
        return values, pos
    for at, (index, decode) in enumerate(decoders):
        if nulls >> at & 1:
            values[index] = None
        else:
            values[index], pos = decode(buf, pos)
    return values, pos


def iter_rows(table_map, kind, data, present, present_after=None):
    """Row pairs of one rows event: (None, after) for inserts, (before, None) for deletes, (before, after) for updates.

    ``data`` is the rows part of the event (after the column bitmaps), ``present``/``present_after`` the bitmaps as
    lists of bools. A generator: one pair decoded at a time.
    """
    template = [MISSING] * len(table_map.columns)
    decoders = table_map.decoders(present)
    after_decoders = table_map.decoders(present_after) if kind == "update" else None
    pos, end = 0, len(data)
    try:
        while pos < end:
            image, pos = _image(data, pos, decoders, template)
            if kind == "insert":
                yield None, image
            elif kind == "delete":
                yield image, None
            else:
                after, pos = _image(data, pos, after_decoders, template)
                yield image, after
    except (IndexError, struct.error, ValueError) as exc:
        if isinstance(exc, RowsError):
            raise
        raise RowsError("row image of %s does not match its Table_map at byte %d of %d (%s)"
                        % (table_map.name, pos, end, exc)) from None
    if pos != end:
        raise RowsError("row image of %s ends at byte %d, past the event's %d" % (table_map.name, pos, end))
