"""MySQL binary JSON documents, assembled by hand from sql-common/json_binary.cc's format description."""
import struct

import pytest

from ansible_collections.drkit.mysql.plugins.module_utils.binlog_json import JsonDecodeError, json_text

PACKED_DATETIME = ((((2024 * 13 + 5) << 5 | 6) << 17 | (7 << 12 | 8 << 6 | 9)) << 24) + 500000


@pytest.mark.parametrize("raw, text", [
    (bytes.fromhex("0b") + struct.pack("<d", 2.5), "2.5"),
    (bytes.fromhex("0a") + struct.pack("<Q", 18446744073709551615), "18446744073709551615"),
    (bytes.fromhex("05") + struct.pack("<h", -7), "-7"),
    (bytes.fromhex("0402"), "false"),
    (bytes.fromhex("0400"), "null"),
    (b"", "null"),
    (bytes.fromhex("0c") + bytes.fromhex("c801") + b"x" * 200, '"%s"' % ("x" * 200)),
    (bytes.fromhex("0c06") + "ü😀".encode(), '"ü😀"'),
    # DECIMAL(5,2) 123.45 as an opaque value: precision, scale, then the binary decimal.
    (bytes.fromhex("0ff605 0502 807b2d"), "123.45"),
    (bytes.fromhex("0f0c08") + struct.pack("<q", PACKED_DATETIME), '"2024-05-06 07:08:09.500000"'),
    # Large object {"k": 70000}: 4-byte counts and offsets, INT32 inlined.
    (bytes.fromhex("01 01000000 14000000 13000000 0100 0770110100 6b"), '{"k": 70000}'),
    # Small object {"a": 1, "b": [true, "x"]}.
    (bytes.fromhex("00 0200 2000 12000100 13000100 050100 021400 6162"
                   "0200" "0c00" "040100" "0c0a00" "0178"), '{"a": 1, "b": [true, "x"]}'),
])
def test_documents(raw, text):
    assert json_text(raw) == text


def test_garbage_is_refused():
    with pytest.raises(JsonDecodeError):
        json_text(bytes.fromhex("0200ff"))
