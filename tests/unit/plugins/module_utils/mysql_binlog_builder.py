"""Build MySQL 8 binlog events byte by byte (the formats of libbinlogevents), for the decoder's MySQL tests.

Integration tests run on MariaDB only; these constructed bytes cover what MySQL writes differently:
GTID events with a UUID (type 33), v2 rows events (30/31/32) with their extra-data length, binary JSON,
and MySQL's rule for which columns the optional metadata's signedness/charset fields list.
"""
import struct

CRC = b"\0\0\0\0"
UUID = bytes.fromhex("3e11fa4771ca11e19e33c80aa9429562")  # 3e11fa47-71ca-11e1-9e33-c80aa9429562


def event(event_type, body, timestamp=1767225600, server_id=8):
    size = 19 + len(body) + len(CRC)
    return struct.pack("<IBIIIH", timestamp, event_type, server_id, size, 0, 0) + body + CRC


def fde():
    post_headers = bytes([0, 13, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 8, 8, 8, 2, 0, 0, 10,
                          10, 10, 10, 42, 42, 0, 18, 52, 0, 10, 40, 0])
    body = struct.pack("<H", 4) + b"8.0.36".ljust(50, b"\0") + struct.pack("<I", 0) + b"\x13" + post_headers + b"\x01"
    return event(15, body)


def gtid(gno, commit_us=1767225600123456):
    body = b"\x01" + UUID + struct.pack("<q", gno) + b"\x02" + struct.pack("<qq", gno - 1, gno)
    body += commit_us.to_bytes(7, "little")  # immediate commit timestamp; high bit clear: original is the same
    return event(33, body)


def query(text, db=b"shop"):
    return event(2, struct.pack("<IIBHH", 9, 0, len(db), 0, 0) + db + b"\0" + text)


def xid(number=77):
    return event(16, struct.pack("<Q", number))


def packed(value):
    if value < 251:
        return bytes([value])
    if value < 1 << 16:
        return b"\xfc" + struct.pack("<H", value)
    return b"\xfd" + value.to_bytes(3, "little")


def tlv(field, data):
    return bytes([field]) + packed(len(data)) + data


def table_map(table_id, db, table, types, meta, nullable, optional=b""):
    body = table_id.to_bytes(6, "little") + struct.pack("<H", 1)
    body += bytes([len(db)]) + db + b"\0" + bytes([len(table)]) + table + b"\0"
    body += packed(len(types)) + bytes(types) + packed(len(meta)) + meta
    null_bits = 0
    for index, flag in enumerate(nullable):
        null_bits |= flag << index
    body += null_bits.to_bytes((len(types) + 7) // 8, "little") + optional
    return event(19, body)


def rows_v2(event_type, table_id, width, rows_data, update=False, flags=1):
    bitmap = ((1 << width) - 1).to_bytes((width + 7) // 8, "little")
    body = table_id.to_bytes(6, "little") + struct.pack("<HH", flags, 2) + packed(width) + bitmap
    if update:
        body += bitmap
    return event(event_type, body + rows_data)


def binlog(*events):
    return b"\xfebin" + fde() + b"".join(events)
