"""binlog_rewrite on the recorded MariaDB 10.11 binlog: every rows event re-addressed as a Write_rows event of our
load table decodes, with the collection's own reader, to the same images in the same order (an UPDATE's before
and after images as consecutive rows), with valid sizes and CRC32; the Table_map keeps its columns."""
import os
import struct
import zlib

import pytest

from ansible_collections.drkit.mysql.plugins.module_utils.binlog_rewrite import (
    STMT_END_F,
    Format,
    RewriteError,
    load_statement,
    read_event,
    retarget_table_map,
    rows_as_write,
)
from ansible_collections.drkit.mysql.plugins.module_utils.binlog_stream import Reader

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "binlog")
ROWS = os.path.join(FIXTURES, "rows-mariadb-10.11.000002")
NEW_ID = 0xFFFF01


def recorded():
    """(format, [(table map event bytes, rows event bytes, decoded rows event)]) of the fixture."""
    reader = Reader(ROWS)
    maps, pairs = {}, []
    with open(ROWS, "rb") as handle:
        fmt = Format(read_event(handle, 4))
        for event in reader.events():
            if event.kind == "table_map":
                maps[event.table_map.table_id] = read_event(handle, event.start)
            elif event.kind == "rows":
                pairs.append((maps[event.table_map.table_id], read_event(handle, event.start), event))
    return fmt, pairs


def decode(tmp_path, fmt, events):
    path = tmp_path / "rewritten.000001"
    path.write_bytes(b"\xfebin" + fmt.description + b"".join(events))
    return [e for e in Reader(str(path)).events() if e.kind in ("table_map", "rows")]


def crc_ok(event, fmt):
    size = struct.unpack_from("<I", event, 9)[0]
    return size == len(event) and struct.unpack_from("<I", event, size - 4)[0] == zlib.crc32(event[:-4]) & 0xFFFFFFFF \
        and fmt.checksum_len == 4


def test_every_rows_event_reads_back_as_inserts_of_the_same_images(tmp_path):
    fmt, pairs = recorded()
    kinds = set()
    for table_map, rows, original in pairs:
        if original.present_after is not None and original.present_after != original.present:
            with pytest.raises(RewriteError, match="different columns"):  # the fixture's MINIMAL-image UPDATE
                rows_as_write(rows, fmt, NEW_ID)
            kinds.add("minimal update refused")
            continue
        new_map = retarget_table_map(table_map, fmt, NEW_ID, "drkit_flashback", "load_7_0")
        new_rows = rows_as_write(rows, fmt, NEW_ID, statement_end=True)
        assert crc_ok(new_map, fmt) and crc_ok(new_rows, fmt)
        mapped, written = decode(tmp_path, fmt, [new_map, new_rows])
        assert (mapped.table_map.schema, mapped.table_map.table, mapped.table_map.table_id) == (
            "drkit_flashback", "load_7_0", NEW_ID)
        assert [c.type for c in mapped.table_map.columns] == [c.type for c in original.table_map.columns]
        assert written.operation == "insert" and written.flags & STMT_END_F
        images = []
        for before, after in original.rows():
            images.extend(i for i in (before, after) if i is not None)
        assert [after for _before, after in written.rows()] == images
        kinds.add(original.operation)
    assert kinds == {"insert", "update", "delete", "minimal update refused"}


def test_statement_end_flag_is_set_only_when_asked():
    fmt, pairs = recorded()
    _map, rows, _event = pairs[0]
    size = fmt.table_id_size(rows[4])
    flags = struct.unpack_from("<H", rows_as_write(rows, fmt, NEW_ID), 19 + size)[0]
    assert not flags & STMT_END_F


def test_update_with_different_column_sets_is_refused():
    fmt, pairs = recorded()
    _map, rows, event = next(p for p in pairs if p[2].operation == "update")
    size = fmt.table_id_size(rows[4])
    body = bytearray(rows[19:-4])
    width = body[size + 2]
    nbytes = (width + 7) // 8
    body[size + 3 + nbytes] ^= 0x01  # the after-image bitmap loses (or gains) a column
    damaged = rows[:19] + bytes(body) + b"\0\0\0\0"
    with pytest.raises(RewriteError, match="different columns"):
        rows_as_write(damaged, fmt, NEW_ID)


def test_other_events_are_refused():
    fmt, pairs = recorded()
    table_map, rows, _event = pairs[0]
    with pytest.raises(RewriteError):
        rows_as_write(table_map, fmt, NEW_ID)
    with pytest.raises(RewriteError):
        retarget_table_map(rows, fmt, NEW_ID, "a", "b")
    with pytest.raises(RewriteError, match="longer than 64"):
        retarget_table_map(table_map, fmt, NEW_ID, "a" * 65, "b")


def test_load_statement_is_one_base64_literal():
    text = load_statement([b"\x00\xff", b"'x"])
    assert text.startswith("BINLOG '") and text.endswith("'") and text.count("'") == 2
