# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How MySQL and MariaDB store one column value in a binlog row image.

Each value becomes the Python value PyMySQL sends back unchanged (a flashback
writes before-images back as parameters): int, float, Decimal, date, datetime,
timedelta, str (text, decoded with the column's character set), bytes (binary
strings, blobs, geometry, text whose character set is unknown). A temporal
value Python cannot hold (zero dates, ``0000-00-00``) stays text the server
accepts back as it is. TIMESTAMP values are datetimes in UTC (tzinfo set): the
binlog holds seconds since the epoch, not the session's wall-clock time.

Stdlib only: this file runs on managed hosts with Python 3.8+.
"""
import datetime
import decimal

# Column types as the Table_map event names them (include/mysql_com.h, enum_field_types).
T_DECIMAL = 0
T_TINY = 1
T_SHORT = 2
T_LONG = 3
T_FLOAT = 4
T_DOUBLE = 5
T_NULL = 6
T_TIMESTAMP = 7
T_LONGLONG = 8
T_INT24 = 9
T_DATE = 10
T_TIME = 11
T_DATETIME = 12
T_YEAR = 13
T_NEWDATE = 14
T_VARCHAR = 15
T_BIT = 16
T_TIMESTAMP2 = 17
T_DATETIME2 = 18
T_TIME2 = 19
T_VARCHAR_COMPRESSED = 140  # MariaDB column compression
T_BLOB_COMPRESSED = 141
T_JSON = 245  # MySQL binary JSON; MariaDB's JSON is a LONGTEXT (T_BLOB)
T_NEWDECIMAL = 246
T_ENUM = 247
T_SET = 248
T_TINY_BLOB = 249
T_MEDIUM_BLOB = 250
T_LONG_BLOB = 251
T_BLOB = 252
T_VAR_STRING = 253
T_STRING = 254
T_GEOMETRY = 255

TYPE_NAMES = {
    T_DECIMAL: "decimal", T_TINY: "tinyint", T_SHORT: "smallint", T_LONG: "int", T_FLOAT: "float",
    T_DOUBLE: "double", T_NULL: "null", T_TIMESTAMP: "timestamp", T_LONGLONG: "bigint", T_INT24: "mediumint",
    T_DATE: "date", T_TIME: "time", T_DATETIME: "datetime", T_YEAR: "year", T_NEWDATE: "date",
    T_VARCHAR: "varchar", T_BIT: "bit", T_TIMESTAMP2: "timestamp", T_DATETIME2: "datetime", T_TIME2: "time",
    T_VARCHAR_COMPRESSED: "varchar(compressed)", T_BLOB_COMPRESSED: "blob(compressed)", T_JSON: "json",
    T_NEWDECIMAL: "decimal", T_ENUM: "enum", T_SET: "set", T_TINY_BLOB: "tinyblob", T_MEDIUM_BLOB: "mediumblob",
    T_LONG_BLOB: "longblob", T_BLOB: "blob", T_VAR_STRING: "varchar", T_STRING: "char", T_GEOMETRY: "geometry",
}

NUMERIC_TYPES = frozenset((T_TINY, T_SHORT, T_INT24, T_LONG, T_LONGLONG, T_NEWDECIMAL, T_FLOAT, T_DOUBLE,
                           T_DECIMAL))

UTC = datetime.timezone.utc
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=UTC)

# -- character sets -----------------------------------------------------------

# MySQL character set name -> Python codec; None for binary (bytes stay bytes).
CHARSET_CODECS = {
    "binary": None, "utf8mb4": "utf-8", "utf8mb3": "utf-8", "utf8": "utf-8", "latin1": "cp1252",
    "ascii": "ascii", "latin2": "iso8859-2", "latin5": "iso8859-9", "latin7": "iso8859-13",
    "greek": "iso8859-7", "hebrew": "iso8859-8", "cp1250": "cp1250", "cp1251": "cp1251", "cp1256": "cp1256",
    "cp1257": "cp1257", "cp850": "cp850", "cp852": "cp852", "cp866": "cp866", "koi8r": "koi8-r",
    "koi8u": "koi8-u", "big5": "big5", "gbk": "gbk", "gb2312": "gb2312", "gb18030": "gb18030",
    "sjis": "shift_jis", "cp932": "cp932", "ujis": "euc-jp", "eucjpms": "euc-jp", "euckr": "euc-kr",
    "tis620": "tis-620", "macroman": "mac-roman", "macce": "mac-latin2", "ucs2": "utf-16-be",
    "utf16": "utf-16-be", "utf16le": "utf-16-le", "utf32": "utf-32-be",
}


def _ids(*spans):
    result = []
    for span in spans:
        result.extend(range(span[0], span[1] + 1) if isinstance(span, tuple) else [span])
    return result


# Collation id -> character set, for the collations servers use by default. Other ids come from the server
# (information_schema.COLLATIONS); without it their text stays bytes, never a guess.
_COLLATION_SPANS = {
    "utf8mb4": _ids(45, 46, (224, 247), (255, 323)),
    "utf8mb3": _ids(33, 83, (192, 215), 223, (76, 76)),
    "latin1": _ids(5, 8, 15, 31, 47, 48, 49, 94),
    "binary": _ids(63),
    "ascii": _ids(11, 65),
    "latin2": _ids(2, 9, 21, 27, 77),
    "cp1250": _ids(26, 34, 44, 66, 99),
    "cp1251": _ids(14, 23, 50, 51, 52),
    "cp1256": _ids(57, 67),
    "cp1257": _ids(29, 58, 59),
    "greek": _ids(25, 70),
    "hebrew": _ids(16, 71),
    "big5": _ids(1, 84),
    "gbk": _ids(28, 87),
    "gb2312": _ids(24, 86),
    "gb18030": _ids(248, 249, 250),
    "sjis": _ids(13, 88),
    "cp932": _ids(95, 96),
    "ujis": _ids(12, 91),
    "euckr": _ids(19, 85),
    "ucs2": _ids(35, 90, (128, 151), 159),
    "utf16": _ids(54, 55, (101, 124)),
    "utf16le": _ids(56, 62),
    "utf32": _ids(60, 61, (160, 183)),
}
COLLATION_CHARSETS = dict((cid, name) for name, ids in _COLLATION_SPANS.items() for cid in ids)
# MariaDB's uca1400 collations (10.10+): one block of 256 ids per character set.
_MARIADB_UCA1400_BLOCKS = {2048: "utf8mb3", 2304: "utf8mb4", 2560: "ucs2", 2816: "utf16", 3072: "utf32"}


def collation_charset(collation_id, known=None):
    """The character set name of a collation id, or None when unknown.

    ``known`` is {id: charset name} read from the server (information_schema.COLLATIONS); it wins.
    MariaDB's NO PAD collations are their PAD SPACE twin plus 1024.
    """
    if collation_id is None:
        return None
    if known and collation_id in known:
        return known[collation_id]
    if collation_id in COLLATION_CHARSETS:
        return COLLATION_CHARSETS[collation_id]
    if 1024 <= collation_id < 2048 and collation_id - 1024 in COLLATION_CHARSETS:
        return COLLATION_CHARSETS[collation_id - 1024]
    block = _MARIADB_UCA1400_BLOCKS.get(collation_id & ~0xFF)
    return block


def text_value(raw, codec):
    """Text in its column's character set as str; bytes when the set is binary/unknown or the bytes do not decode."""
    if codec is None:
        return bytes(raw)
    try:
        return bytes(raw).decode(codec)
    except (UnicodeDecodeError, LookupError):
        return bytes(raw)


# -- DECIMAL ------------------------------------------------------------------

_DIG2BYTES = (0, 1, 1, 2, 2, 3, 3, 4, 4, 4)


def decimal_size(precision, scale):
    """Bytes of a binary DECIMAL(precision, scale)."""
    intg = precision - scale
    return (intg // 9) * 4 + _DIG2BYTES[intg % 9] + (scale // 9) * 4 + _DIG2BYTES[scale % 9]


def decode_decimal(buf, pos, precision, scale):
    """A binary DECIMAL (strings/decimal.c, decimal2bin) -> (Decimal, next position)."""
    size = decimal_size(precision, scale)
    data = bytearray(buf[pos:pos + size])
    if len(data) != size:
        raise ValueError("DECIMAL value cut off")
    positive = bool(data[0] & 0x80)
    data[0] ^= 0x80
    if not positive:
        data = bytearray(b ^ 0xFF for b in data)
    intg = precision - scale
    lead, whole, frac_whole, trail = _DIG2BYTES[intg % 9], intg // 9, scale // 9, _DIG2BYTES[scale % 9]
    at = 0
    parts = []
    if lead:
        parts.append(str(int.from_bytes(data[at:at + lead], "big")))
        at += lead
    for _index in range(whole):
        parts.append("%09d" % int.from_bytes(data[at:at + 4], "big"))
        at += 4
    fraction = []
    for _index in range(frac_whole):
        fraction.append("%09d" % int.from_bytes(data[at:at + 4], "big"))
        at += 4
    if trail:
        fraction.append(str(int.from_bytes(data[at:at + trail], "big")).zfill(scale % 9))
    text = ("".join(parts).lstrip("0") or "0")
    if scale:
        text += "." + "".join(fraction)
    return decimal.Decimal(("" if positive else "-") + text), pos + size


# -- temporal -----------------------------------------------------------------

def _frac(buf, pos, fsp):
    """Fractional seconds of TIME2/DATETIME2/TIMESTAMP2 as (microseconds, bytes used)."""
    if fsp in (1, 2):
        return buf[pos] * 10000, 1
    if fsp in (3, 4):
        return int.from_bytes(buf[pos:pos + 2], "big") * 100, 2
    if fsp in (5, 6):
        return int.from_bytes(buf[pos:pos + 3], "big"), 3
    return 0, 0


def temporal_size(column_type, fsp):
    base = {T_TIME2: 3, T_DATETIME2: 5, T_TIMESTAMP2: 4}[column_type]
    return base + (fsp + 1) // 2


def make_date(year, month, day):
    """A date, or its text when Python cannot hold it (zero parts, invalid dates kept by a lax sql_mode)."""
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return "%04d-%02d-%02d" % (year, month, day)


def make_datetime(year, month, day, hour, minute, second, micro):
    try:
        return datetime.datetime(year, month, day, hour, minute, second, micro)
    except ValueError:
        text = "%04d-%02d-%02d %02d:%02d:%02d" % (year, month, day, hour, minute, second)
        return text + (".%06d" % micro if micro else "")


def datetime_from_packed(packed):
    """MySQL's packed DATETIME integer (intpart << 24 | microseconds), as in JSON opaque values."""
    if packed < 0:
        packed = -packed
    micro = packed % (1 << 24)
    ymdhms = packed >> 24
    ymd, hms = ymdhms >> 17, ymdhms % (1 << 17)
    ym = ymd >> 5
    return make_datetime(ym // 13, ym % 13, ymd % 32, hms >> 12, (hms >> 6) % 64, hms % 64, micro)


def time_from_packed(packed):
    """MySQL's packed TIME integer -> timedelta (negative times included)."""
    negative = packed < 0
    if negative:
        packed = -packed
    micro = packed % (1 << 24)
    hms = packed >> 24
    value = datetime.timedelta(hours=(hms >> 12) % (1 << 10), minutes=(hms >> 6) % 64, seconds=hms % 64,
                               microseconds=micro)
    return -value if negative else value


def decode_time2(buf, pos, fsp):
    """TIME(fsp), MySQL 5.6+ format (my_time_packed_from_binary)."""
    intpart = int.from_bytes(buf[pos:pos + 3], "big") - 0x800000
    if fsp in (5, 6):
        packed = int.from_bytes(buf[pos:pos + 6], "big") - 0x800000000000
        return time_from_packed(packed), pos + 6
    if fsp in (1, 2):
        frac, size = buf[pos + 3], 1
        if intpart < 0 and frac:
            intpart, frac = intpart + 1, frac - 0x100
        packed = (intpart << 24) + frac * 10000
    elif fsp in (3, 4):
        frac, size = int.from_bytes(buf[pos + 3:pos + 5], "big"), 2
        if intpart < 0 and frac:
            intpart, frac = intpart + 1, frac - 0x10000
        packed = (intpart << 24) + frac * 100
    else:
        packed, size = intpart << 24, 0
    return time_from_packed(packed), pos + 3 + size


def decode_datetime2(buf, pos, fsp):
    """DATETIME(fsp), MySQL 5.6+ format: 40 bits big-endian, then the fraction."""
    intpart = int.from_bytes(buf[pos:pos + 5], "big") - 0x8000000000
    micro, size = _frac(buf, pos + 5, fsp)
    return datetime_from_packed((intpart << 24) + micro), pos + 5 + size


def decode_timestamp2(buf, pos, fsp):
    """TIMESTAMP(fsp): seconds since the epoch, big-endian, then the fraction. UTC datetime."""
    seconds = int.from_bytes(buf[pos:pos + 4], "big")
    micro, size = _frac(buf, pos + 4, fsp)
    if seconds == 0 and micro == 0:
        return "0000-00-00 00:00:00", pos + 4 + size
    return _EPOCH + datetime.timedelta(seconds=seconds, microseconds=micro), pos + 4 + size


def decode_date(buf, pos):
    value = buf[pos] | buf[pos + 1] << 8 | buf[pos + 2] << 16
    return make_date(value >> 9, (value >> 5) & 15, value & 31), pos + 3


def decode_old_time(buf, pos):
    """TIME before MySQL 5.6: 3 bytes little-endian, signed HHMMSS."""
    value = int.from_bytes(buf[pos:pos + 3], "little", signed=True)
    negative = value < 0
    value = abs(value)
    delta = datetime.timedelta(hours=value // 10000, minutes=value // 100 % 100, seconds=value % 100)
    return (-delta if negative else delta), pos + 3


def decode_old_datetime(buf, pos):
    """DATETIME before MySQL 5.6: 8 bytes little-endian, YYYYMMDDhhmmss."""
    value = int.from_bytes(buf[pos:pos + 8], "little")
    date, time = divmod(value, 1000000)
    return make_datetime(date // 10000, date // 100 % 100, date % 100, time // 10000, time // 100 % 100,
                         time % 100, 0), pos + 8


def decode_old_timestamp(buf, pos):
    seconds = int.from_bytes(buf[pos:pos + 4], "little")
    if seconds == 0:
        return "0000-00-00 00:00:00", pos + 4
    return _EPOCH + datetime.timedelta(seconds=seconds), pos + 4


def json_safe(value):
    """A decoded value as something JSON can carry (module results): text for dates, bytes as hex text."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime):
        text = value.strftime("%Y-%m-%d %H:%M:%S") + (".%06d" % value.microsecond if value.microsecond else "")
        return text + ("Z" if value.tzinfo is not None else "")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return format_timedelta(value)
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    return str(value)


def format_timedelta(value):
    """A TIME value as the server prints it: ``-838:59:59``, ``12:34:56.789012``."""
    negative = value < datetime.timedelta(0)
    value = -value if negative else value
    seconds = value.days * 86400 + value.seconds
    text = "%s%02d:%02d:%02d" % ("-" if negative else "", seconds // 3600, seconds // 60 % 60, seconds % 60)
    return text + (".%06d" % value.microseconds if value.microseconds else "")
