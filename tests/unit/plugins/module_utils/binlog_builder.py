"""Build small MariaDB binlog files byte by byte, for the offline reader's tests."""
import struct

from ansible_collections.drkit.mysql.plugins.module_utils.binlog import (
    BINLOG_MAGIC,
    FORMAT_DESCRIPTION_EVENT,
    GTID_EVENT,
    GTID_LIST_EVENT,
    QUERY_EVENT,
    ROTATE_EVENT,
    XID_EVENT,
)

CRC = b"\0\0\0\0"


def event(event_type, body, server_id=1, timestamp=0):
    size = 19 + len(body) + len(CRC)
    return struct.pack("<IBIIIH", timestamp, event_type, server_id, size, 0, 0) + body + CRC


def fde():
    body = b"\x04\x00" + b"10.11.19-MariaDB".ljust(50, b"\0") + b"\0" * 4 + b"\x13" + b"\0" * 10 + b"\x01"
    return event(FORMAT_DESCRIPTION_EVENT, body)


def gtid_list(*positions):
    body = struct.pack("<I", len(positions))
    for domain, server_id, seq in positions:
        body += struct.pack("<IIQ", domain, server_id, seq)
    return event(GTID_LIST_EVENT, body)


def gtid(domain, server_id, seq, standalone=False, timestamp=0):
    return event(GTID_EVENT, struct.pack("<QIB", seq, domain, 1 if standalone else 0) + b"\0" * 6, server_id,
                 timestamp)


def table_map(db, table, server_id=1):
    body = b"\x1d\0\0\0\0\0" + b"\x01\0" + bytes([len(db)]) + db.encode() + b"\0" + bytes([len(table)])
    return event(19, body + table.encode() + b"\0" + b"\x01\x03\x00", server_id)


def query(text, server_id=1, db=b"shop"):
    body = struct.pack("<IIBHH", 1, 0, len(db), 0, 0) + db + b"\0" + text
    return event(QUERY_EVENT, body, server_id)


def rows(server_id=1):
    return event(30, b"\x01" * 40, server_id)  # a Write_rows event: the reader only skips it


def xid(server_id=1):
    return event(XID_EVENT, struct.pack("<Q", 7), server_id)


def rotate(name):
    return event(ROTATE_EVENT, struct.pack("<Q", 4) + name.encode())


def transaction(domain, server_id, seq, table=None, timestamp=0):
    mapped = table_map(*table.split("."), server_id=server_id) if table else b""
    return gtid(domain, server_id, seq, timestamp=timestamp) + mapped + rows(server_id) + xid(server_id)


def ddl(domain, server_id, seq, text, db=b"shop", timestamp=0):
    return gtid(domain, server_id, seq, standalone=True, timestamp=timestamp) + query(text, server_id, db)


def binlog(*events, start=()):
    return BINLOG_MAGIC + fde() + gtid_list(*start) + b"".join(events)
