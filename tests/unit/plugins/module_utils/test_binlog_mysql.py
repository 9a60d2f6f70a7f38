"""The MySQL dialect on constructed MySQL 8 bytes: UUID GTIDs, v2 rows events, binary JSON, MySQL's metadata rules."""
import datetime
import struct
from decimal import Decimal

from ansible_collections.drkit.mysql.plugins.module_utils.binlog_search import Filters, search
from ansible_collections.drkit.mysql.plugins.module_utils.binlog_stream import Reader

import mysql_binlog_builder as mb

SID = "3e11fa47-71ca-11e1-9e33-c80aa9429562"
# y YEAR, id INT UNSIGNED, g GEOMETRY, name VARCHAR(20) utf8mb4, amount DECIMAL(10,2), doc JSON, b VARBINARY(4),
# t TEXT, ts TIMESTAMP(6), tm TIME(3). YEAR before INT and GEOMETRY before VARCHAR: MySQL lists neither in the
# signedness/charset fields (MariaDB does), so reading them with MariaDB's rule shifts every later column.
TYPES = [13, 3, 255, 15, 246, 245, 15, 252, 17, 19]
META = b"\x04" + struct.pack("<H", 80) + bytes([10, 2]) + b"\x04" + struct.pack("<H", 4) + b"\x02" + b"\x06\x03"
NAMES = ["y", "id", "g", "name", "amount", "doc", "b", "t", "ts", "tm"]
OPTIONAL = (mb.tlv(1, b"\x80")  # signedness of (id, amount): id unsigned
            + mb.tlv(2, mb.packed(255) + mb.packed(1) + mb.packed(63))  # utf8mb4_0900_ai_ci; 2nd (b) binary
            + mb.tlv(4, b"".join(mb.packed(len(n)) + n.encode() for n in NAMES))
            + mb.tlv(8, mb.packed(1)))
# {"a": 1, "b": [true, "x"]} in MySQL's binary JSON (small object holding a small array).
JSON_DOC = bytes.fromhex("00 0200 2000 12000100 13000100 050100 021400 6162"
                         "0200" "0c00" "040100" "0c0a00" "0178")
POINT = bytes.fromhex("00000000 0101000000 000000000000f03f 0000000000000040")


def row(y, id_, name, amount, doc, b, t, ts, tm, g=POINT):
    name = name.encode()
    t = t.encode()
    return (b"\0\0" + bytes([y - 1900]) + struct.pack("<I", id_) + struct.pack("<I", len(g)) + g
            + bytes([len(name)]) + name + amount + struct.pack("<I", len(doc)) + doc + bytes([len(b)]) + b
            + struct.pack("<H", len(t)) + t + ts + tm)


AMOUNT_MINUS = bytes.fromhex("7ffffb2dc7")  # -1234.56
AMOUNT_PLUS = bytes.fromhex("800004d238")  # 1234.56
TS = struct.pack(">I", 1714979289) + (123456).to_bytes(3, "big")  # 2024-05-06 07:08:09.123456 UTC
TM = bytes.fromhex("7fefff f63c")  # -01:00:00.250
ROW_A = row(2024, 4294967295, "Zoë 😀", AMOUNT_MINUS, JSON_DOC, b"\x00\x01", "long text ✓", TS, TM)
ROW_B = row(2024, 4294967295, "Zoë", AMOUNT_PLUS, JSON_DOC, b"\x00\x01", "long text ✓", TS, TM)
# A row with g, doc and t NULL (bits 2, 5 and 7 of the NULL bitmap).
ROW_NULLS = (b"\xa4\x00" + bytes([0]) + struct.pack("<I", 7) + bytes([1]) + b"x" + AMOUNT_PLUS
             + bytes([0]) + TS + TM)


def mysql_file(tmp_path):
    events = [
        mb.gtid(1), mb.query(b"CREATE TABLE ledger (y YEAR, id INT UNSIGNED PRIMARY KEY, g GEOMETRY, name VARCHAR(20),"
                             b" amount DECIMAL(10,2), doc JSON, b VARBINARY(4), t TEXT, ts TIMESTAMP(6), tm TIME(3))"),
        mb.gtid(2), mb.query(b"BEGIN"),
        mb.table_map(108, b"shop", b"ledger", TYPES, META, [1] * 10, OPTIONAL),
        mb.rows_v2(30, 108, 10, ROW_A + ROW_NULLS), mb.xid(),
        mb.gtid(3), mb.query(b"BEGIN"),
        mb.table_map(108, b"shop", b"ledger", TYPES, META, [1] * 10, OPTIONAL),
        mb.rows_v2(31, 108, 10, ROW_A + ROW_B, update=True),
        mb.table_map(108, b"shop", b"ledger", TYPES, META, [1] * 10, OPTIONAL),
        mb.rows_v2(32, 108, 10, ROW_NULLS), mb.xid(),
    ]
    path = tmp_path / "mysql-bin.000003"
    path.write_bytes(mb.binlog(*events))
    return str(path)


def test_mysql_gtid_events(tmp_path):
    gtids = [e for e in Reader(mysql_file(tmp_path)).events() if e.kind == "gtid"]
    assert [e.gtid for e in gtids] == ["%s:1" % SID, "%s:2" % SID, "%s:3" % SID]
    assert gtids[0].flavor == "mysql" and gtids[0].commit_us == 1767225600123456


def test_v2_rows_with_mysql_metadata_rules(tmp_path):
    reader = Reader(mysql_file(tmp_path))
    rows = [e for e in reader.events() if e.kind == "rows"]
    assert not reader.mariadb and [e.operation for e in rows] == ["insert", "update", "delete"]
    table_map = rows[0].table_map
    assert table_map.column_names == NAMES and table_map.primary_key == [1]
    inserted = [after for _before, after in rows[0].rows()]
    assert dict(zip(NAMES, inserted[0])) == dict(
        y=2024, id=4294967295, g=POINT, name="Zoë 😀", amount=Decimal("-1234.56"), doc='{"a": 1, "b": [true, "x"]}',
        b=b"\x00\x01", t="long text ✓",
        ts=datetime.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=datetime.timezone.utc),
        tm=-datetime.timedelta(hours=1, milliseconds=250))
    assert dict(zip(NAMES, inserted[1]))["g"] is None and inserted[1][5] is None and inserted[1][7] is None
    [(before, after)] = list(rows[1].rows())
    assert before[3] == "Zoë 😀" and after[3] == "Zoë" and after[4] == Decimal("1234.56")
    [(before, after)] = list(rows[2].rows())
    assert after is None and before[1] == 7 and before[3] == "x"


def test_search_groups_mysql_transactions_and_filters_by_uuid_gtid(tmp_path):
    path = mysql_file(tmp_path)
    found = list(search([path], Filters()))
    assert [(e["gtid"].split(":")[1], e["type"], e["rows"]) for e in found] == [
        ("1", "ddl", None), ("2", "insert", 2), ("3", "update", 1), ("3", "delete", 1)]
    assert found[0]["table"] == "ledger" and found[0]["db"] == "shop"
    third = list(search([path], Filters(gtids=["%s:3" % SID])))
    assert [e["type"] for e in third] == ["update", "delete"]
    assert third[0]["transaction_end"] == third[1]["transaction_end"] == third[1]["end"] + 31  # the XID event
    assert list(search([path], Filters(gtids=["%s:4-9" % SID]))) == []
