# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read MariaDB binary log files offline, without a server and without mariadb-binlog.

What the binlog archive and the replay need from a file is small: the GTID state at
its start (the Gtid_list event every MariaDB binlog begins with), the transactions it
holds completely (a GTID event followed by its XID or COMMIT), where each starts, and
whether the file ends inside an event (a streamer cut off mid-write). That is a walk
over 19-byte event headers, reading only the bodies of the few events that matter, so
it is fast enough to run on every preflight and needs no client tools.

Stdlib only: this file runs on managed hosts with Python 3.8+.
"""
import os
import struct

BINLOG_MAGIC = b"\xfebin"
HEADER_LEN = 19

QUERY_EVENT = 2
STOP_EVENT = 3
ROTATE_EVENT = 4
FORMAT_DESCRIPTION_EVENT = 15
XID_EVENT = 16
TABLE_MAP_EVENT = 19
XA_PREPARE_LOG_EVENT = 38
GTID_EVENT = 162
GTID_LIST_EVENT = 163

# Gtid_log_event flags2
FL_STANDALONE = 1

_HEADER = struct.Struct("<IBIIIH")
_GTID_BODY = struct.Struct("<QIB")
_GTID_LIST_ENTRY = struct.Struct("<IIQ")
_QUERY_POST_HEADER_LEN = 13


class BinlogError(ValueError):
    """The file is not a binary log this reader understands."""


def _query_text(body, checksum_len):
    """The SQL text of a Query event body (without the checksum)."""
    if len(body) < _QUERY_POST_HEADER_LEN:
        return b""
    db_len = body[8]
    status_len = struct.unpack_from("<H", body, 11)[0]
    start = _QUERY_POST_HEADER_LEN + status_len + db_len + 1
    end = len(body) - checksum_len
    return body[start:end] if start <= end else b""


def _query_db(body):
    """The default database (``USE``) of a Query event body, '' when none."""
    if len(body) < _QUERY_POST_HEADER_LEN:
        return ""
    db_len = body[8]
    status_len = struct.unpack_from("<H", body, 11)[0]
    start = _QUERY_POST_HEADER_LEN + status_len
    return body[start:start + db_len].decode("utf-8", "replace")


def _table_map_names(body):
    """(db, table) of a Table_map event body (post-header: 6-byte table id, 2-byte flags)."""
    db_len = body[8]
    db = body[9:9 + db_len]
    table_len = body[10 + db_len]
    table = body[11 + db_len:11 + db_len + table_len]
    return db.decode("utf-8", "replace"), table.decode("utf-8", "replace")


def _is_control(text):
    """BEGIN/COMMIT/ROLLBACK/XA: a Query event that is transaction control, not a statement."""
    text = text.strip().upper()
    return text in (b"BEGIN", b"COMMIT", b"ROLLBACK") or text.startswith(b"XA ")


def _ends_group(event_type, body, checksum_len):
    if event_type in (XID_EVENT, XA_PREPARE_LOG_EVENT):
        return True
    if event_type == QUERY_EVENT:
        text = _query_text(body, checksum_len).strip().upper()
        return text in (b"COMMIT", b"ROLLBACK") or text.startswith(b"XA ")
    return False


def gtid_state_text(state):
    """{domain: (server_id, seq)} as a MariaDB GTID position ``0-1-100,1-2-5``."""
    return ",".join("%d-%d-%d" % (domain, state[domain][0], state[domain][1]) for domain in sorted(state))


def merge_state(state, domain, server_id, seq):
    """Keep the highest seq of each domain (gtid_strict_mode: seq only grows in a domain)."""
    if domain not in state or seq > state[domain][1]:
        state[domain] = (server_id, seq)


def read_binlog(path, with_transactions=False, head_only=False, on_transaction=None):
    """Describe one binlog file.

    Returns a dict: ``name``, ``size``, ``start_state`` ({domain: (server_id, seq)} of the Gtid_list event:
    what the server had binlogged before this file), ``end_state`` (start_state plus every complete
    transaction of the file), ``first_gtid``/``last_gtid`` (complete transactions, "D-S-N" or None),
    ``transactions`` (count), ``complete_until`` (offset just after the last whole event),
    ``partial_bytes`` (bytes after it: an event cut off, e.g. by a dead primary), ``partial_gtid``
    (a transaction whose start is there but not its end), ``rotated_to`` (next file, when the file
    ends with a Rotate event) and, with ``with_transactions``, ``gtids``: [(domain, server_id, seq, offset)].
    With ``head_only`` the walk stops after the Gtid_list event: only ``start_state`` is filled in.
    ``on_transaction`` (for point-in-time replay) is called with each complete transaction, as a dict (not
    kept, so memory stays bounded whatever the file's size): ``gtid``, ``domain``, ``server_id``, ``seq``,
    ``offset`` (its GTID event), ``end`` (just after its last event), ``timestamp`` (epoch seconds of its
    GTID event), ``tables`` ([(db, table)] of its row events) and ``queries`` ([(default db, statement)]
    that are not BEGIN/COMMIT/ROLLBACK/XA).
    """
    with_details = on_transaction is not None
    size = os.path.getsize(path)
    info = dict(name=os.path.basename(path), size=size, start_state={}, end_state={}, first_gtid=None,
                last_gtid=None, transactions=0, complete_until=0, partial_bytes=0, partial_gtid=None,
                rotated_to=None, stopped=False)
    gtids = []
    current = None  # the details of the open transaction
    with open(path, "rb", buffering=1 << 20) as handle:
        magic = handle.read(4)
        if magic != BINLOG_MAGIC:
            if len(magic) < 4 and BINLOG_MAGIC.startswith(magic):
                info["partial_bytes"] = len(magic)
                return info
            raise BinlogError("%s is not a binary log (it does not start with the binlog magic bytes)" % path)
        offset = 4
        checksum_len = 0
        open_group = None  # (domain, server_id, seq, offset, standalone)
        while True:
            header = handle.read(HEADER_LEN)
            if len(header) < HEADER_LEN:
                break
            timestamp, event_type, server_id, event_size, _next, _flags = _HEADER.unpack(header)
            if event_size < HEADER_LEN:
                raise BinlogError("%s: event at offset %d has an impossible size %d" % (path, offset, event_size))
            if offset + event_size > size:
                break
            body_len = event_size - HEADER_LEN
            if event_type in (FORMAT_DESCRIPTION_EVENT, GTID_EVENT, GTID_LIST_EVENT, ROTATE_EVENT) or (
                    open_group is not None and (event_type == QUERY_EVENT
                                                or (with_details and event_type == TABLE_MAP_EVENT))):
                body = handle.read(body_len)
            else:
                body = None
                handle.seek(body_len, os.SEEK_CUR)
            if event_type == FORMAT_DESCRIPTION_EVENT:
                # The checksum algorithm is the byte before the trailing 4-byte checksum field.
                checksum_len = 4 if len(body) >= 5 and body[-5] == 1 else 0
            elif event_type == GTID_LIST_EVENT:
                count = struct.unpack_from("<I", body, 0)[0] & 0x0FFFFFFF
                for index in range(count):
                    domain, owner, seq = _GTID_LIST_ENTRY.unpack_from(body, 4 + 16 * index)
                    merge_state(info["start_state"], domain, owner, seq)
                    merge_state(info["end_state"], domain, owner, seq)
                if head_only:
                    return info
            elif event_type == GTID_EVENT:
                seq, domain, flags2 = _GTID_BODY.unpack_from(body, 0)
                open_group = (domain, server_id, seq, offset, bool(flags2 & FL_STANDALONE))
                if with_details:
                    current = dict(gtid="%d-%d-%d" % (domain, server_id, seq), domain=domain, server_id=server_id,
                                   seq=seq, offset=offset, end=None, timestamp=timestamp, tables=[], queries=[])
            elif with_details and current is not None and event_type == TABLE_MAP_EVENT:
                names = _table_map_names(body)
                if names not in current["tables"]:
                    current["tables"].append(names)
            elif with_details and current is not None and event_type == QUERY_EVENT:
                text = _query_text(body, checksum_len)
                if not _is_control(text):
                    current["queries"].append((_query_db(body), text.decode("utf-8", "replace")))
            elif event_type == ROTATE_EVENT:
                name_end = len(body) - checksum_len
                info["rotated_to"] = body[8:name_end].decode("utf-8", "replace") or None
            elif event_type == STOP_EVENT:
                info["stopped"] = True
            if open_group is not None and event_type != GTID_EVENT:
                if open_group[4] or _ends_group(event_type, body, checksum_len):
                    domain, owner, seq, start, _standalone = open_group
                    merge_state(info["end_state"], domain, owner, seq)
                    text = "%d-%d-%d" % (domain, owner, seq)
                    info["first_gtid"] = info["first_gtid"] or text
                    info["last_gtid"] = text
                    info["transactions"] += 1
                    if with_transactions:
                        gtids.append((domain, owner, seq, start))
                    if with_details and current is not None:
                        current["end"] = offset + event_size
                        on_transaction(current)
                        current = None
                    open_group = None
            offset += event_size
        info["complete_until"] = offset
        info["partial_bytes"] = size - offset
        if open_group is not None:
            info["partial_gtid"] = "%d-%d-%d" % open_group[:3]
    if with_transactions:
        info["gtids"] = gtids
    return info
