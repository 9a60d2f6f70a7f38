# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""MySQL's binary JSON (sql-common/json_binary.cc) as JSON text.

MySQL 5.7+ stores a JSON column in its own binary format, also in row images;
writing the value back needs JSON text. MariaDB's JSON is a LONGTEXT and never
comes here. The text uses the separators MySQL prints (``", "`` and ``": "``);
DECIMAL and temporal values inside a document (opaque values) become what
MySQL prints for them (a number, a quoted date/time).

Stdlib only: this file runs on managed hosts with Python 3.8+.
"""
import base64
import json
import struct

from ansible_collections.drkit.mysql.plugins.module_utils.binlog_values import (
    T_DATE,
    T_DATETIME,
    T_NEWDECIMAL,
    T_TIME,
    T_TIMESTAMP,
    datetime_from_packed,
    decode_decimal,
    format_timedelta,
    time_from_packed,
)

SMALL_OBJECT, LARGE_OBJECT, SMALL_ARRAY, LARGE_ARRAY = 0, 1, 2, 3
LITERAL, INT16, UINT16, INT32, UINT32, INT64, UINT64, DOUBLE, STRING, OPAQUE = 4, 5, 6, 7, 8, 9, 10, 11, 12, 15

_SCALARS = {INT16: "<h", UINT16: "<H", INT32: "<i", UINT32: "<I", INT64: "<q", UINT64: "<Q", DOUBLE: "<d"}


class JsonDecodeError(ValueError):
    """The bytes are not MySQL binary JSON."""


class _Raw(str):
    """A number printed as its digits (DECIMAL inside a document keeps every digit)."""


def _varlen(data, pos):
    """The variable-length size of strings: 7 bits a byte, low bits first."""
    value = shift = 0
    for _index in range(5):
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7
    raise JsonDecodeError("string length too long")


def _inlined(value_type, large):
    return value_type in (LITERAL, INT16, UINT16) or (large and value_type in (INT32, UINT32))


def _literal(code):
    if code == 0:
        return None
    if code == 1:
        return True
    if code == 2:
        return False
    raise JsonDecodeError("unknown literal %d" % code)


def _value(value_type, data, pos, end):
    """The value of ``value_type`` stored at data[pos:end]."""
    if value_type in (SMALL_OBJECT, LARGE_OBJECT, SMALL_ARRAY, LARGE_ARRAY):
        return _container(value_type, data, pos, end)
    if value_type == LITERAL:
        return _literal(data[pos])
    if value_type in _SCALARS:
        return struct.unpack_from(_SCALARS[value_type], data, pos)[0]
    if value_type == STRING:
        length, start = _varlen(data, pos)
        return bytes(data[start:start + length]).decode("utf-8")
    if value_type == OPAQUE:
        field_type = data[pos]
        length, start = _varlen(data, pos + 1)
        return _opaque(field_type, bytes(data[start:start + length]))
    raise JsonDecodeError("unknown JSON value type %d" % value_type)


def _opaque(field_type, raw):
    if field_type == T_NEWDECIMAL and len(raw) >= 2:
        value, _end = decode_decimal(raw, 2, raw[0], raw[1])
        return _Raw(str(value))
    if field_type in (T_DATE, T_DATETIME, T_TIMESTAMP) and len(raw) >= 8:
        value = datetime_from_packed(struct.unpack_from("<q", raw, 0)[0])
        if field_type == T_DATE:
            return value.strftime("%Y-%m-%d") if hasattr(value, "strftime") else value[:10]
        return value.strftime("%Y-%m-%d %H:%M:%S.%f") if hasattr(value, "strftime") else value
    if field_type == T_TIME and len(raw) >= 8:
        text = format_timedelta(time_from_packed(struct.unpack_from("<q", raw, 0)[0]))
        return text if "." in text else text + ".000000"
    return "base64:type%d:%s" % (field_type, base64.b64encode(raw).decode("ascii"))


def _container(value_type, data, start, end):
    large = value_type in (LARGE_OBJECT, LARGE_ARRAY)
    is_object = value_type in (SMALL_OBJECT, LARGE_OBJECT)
    offset_fmt, offset_size = ("<I", 4) if large else ("<H", 2)
    count = struct.unpack_from(offset_fmt, data, start)[0]
    pos = start + 2 * offset_size
    keys = []
    if is_object:
        for _index in range(count):
            key_offset = struct.unpack_from(offset_fmt, data, pos)[0]
            key_length = struct.unpack_from("<H", data, pos + offset_size)[0]
            keys.append(bytes(data[start + key_offset:start + key_offset + key_length]).decode("utf-8"))
            pos += offset_size + 2
    values = []
    for _index in range(count):
        entry_type = data[pos]
        if _inlined(entry_type, large):
            if entry_type == LITERAL:
                values.append(_literal(data[pos + 1]))
            else:
                fmt = _SCALARS[entry_type]
                values.append(struct.unpack_from(fmt, data, pos + 1)[0])
        else:
            offset = struct.unpack_from(offset_fmt, data, pos + 1)[0]
            values.append(_value(entry_type, data, start + offset, end))
        pos += 1 + offset_size
    if is_object:
        return dict(zip(keys, values))
    return values


def json_text(raw):
    """Binary JSON bytes -> JSON text as MySQL prints it. Empty bytes are the JSON null MySQL stores for ''."""
    data = memoryview(raw)
    if not len(data):
        return "null"
    try:
        document = _value(data[0], data, 1, len(data))
    except (IndexError, struct.error, UnicodeDecodeError) as exc:
        raise JsonDecodeError("not MySQL binary JSON (%s)" % exc) from None
    return dumps(document)


def dumps(value):
    """JSON text with MySQL's separators; DECIMALs as their digits."""
    if isinstance(value, _Raw):
        return str.__str__(value)
    if isinstance(value, dict):
        return "{" + ", ".join("%s: %s" % (json.dumps(k, ensure_ascii=False), dumps(v)) for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(dumps(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)
