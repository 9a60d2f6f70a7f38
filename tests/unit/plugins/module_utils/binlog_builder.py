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


def event(event_type, body, server_id=1):
    size = 19 + len(body) + len(CRC)
    return struct.pack("<IBIIIH", 0, event_type, server_id, size, 0, 0) + body + CRC


def fde():
    body = b"\x04\x00" + b"10.11.19-MariaDB".ljust(50, b"\0") + b"\0" * 4 + b"\x13" + b"\0" * 10 + b"\x01"
    return event(FORMAT_DESCRIPTION_EVENT, body)


def gtid_list(*positions):
    body = struct.pack("<I", len(positions))
    for domain, server_id, seq in positions:
        body += struct.pack("<IIQ", domain, server_id, seq)
    return event(GTID_LIST_EVENT, body)


def gtid(domain, server_id, seq, standalone=False):
    return event(GTID_EVENT, struct.pack("<QIB", seq, domain, 1 if standalone else 0) + b"\0" * 6, server_id)


def query(text, server_id=1, db=b"shop"):
    body = struct.pack("<IIBHH", 1, 0, len(db), 0, 0) + db + b"\0" + text
    return event(QUERY_EVENT, body, server_id)


def rows(server_id=1):
    return event(30, b"\x01" * 40, server_id)  # a Write_rows event: the reader only skips it


def xid(server_id=1):
    return event(XID_EVENT, struct.pack("<Q", 7), server_id)


def rotate(name):
    return event(ROTATE_EVENT, struct.pack("<Q", 4) + name.encode())


def transaction(domain, server_id, seq):
    return gtid(domain, server_id, seq) + rows(server_id) + xid(server_id)


def binlog(*events, start=()):
    return BINLOG_MAGIC + fde() + gtid_list(*start) + b"".join(events)
