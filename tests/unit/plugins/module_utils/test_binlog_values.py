"""Scalar value formats on constructed bytes: the edges the recorded fixture does not reach."""
import datetime
from decimal import Decimal

import pytest

from ansible_collections.drkit.mysql.plugins.module_utils.binlog_values import (
    collation_charset,
    decode_date,
    decode_datetime2,
    decode_decimal,
    decode_time2,
    decode_timestamp2,
    format_timedelta,
    json_safe,
    text_value,
)


@pytest.mark.parametrize("raw, precision, scale, value", [
    ("800004d238", 10, 2, "1234.56"),
    ("7ffffb2dc7", 10, 2, "-1234.56"),
    ("8000", 4, 4, "0.0000"),
    # DECIMAL(19,9): 10 integer digits = 1 leading digit (1 byte) + one 9-digit group (4 bytes), then 9 decimals.
    ("810daf4eb200000001", 19, 9, "1229592754.000000001"),
    ("7ef250b14dfffffffe", 19, 9, "-1229592754.000000001"),
])
def test_decimal(raw, precision, scale, value):
    decoded, end = decode_decimal(bytes.fromhex(raw), 0, precision, scale)
    assert decoded == Decimal(value) and str(decoded) == value and end == len(raw) // 2


def test_time2_every_fraction_width():
    assert decode_time2(bytes.fromhex("800000"), 0, 0) == (datetime.timedelta(0), 3)
    assert decode_time2(bytes.fromhex("7fefff f63c"), 0, 3)[0] == -datetime.timedelta(hours=1, milliseconds=250)
    assert decode_time2(bytes.fromhex("7fffff ce"), 0, 2)[0] == -datetime.timedelta(milliseconds=500)
    assert decode_time2(bytes.fromhex("801000 000001"), 0, 6)[0] == datetime.timedelta(hours=1, microseconds=1)


def test_datetime2_and_zero_dates():
    packed = ((2024 * 13 + 2) << 5 | 29) << 17 | (23 << 12 | 59 << 6 | 58)
    raw = (packed + 0x8000000000).to_bytes(5, "big") + (999999).to_bytes(3, "big")
    assert decode_datetime2(raw, 0, 6) == (datetime.datetime(2024, 2, 29, 23, 59, 58, 999999), 8)
    assert decode_datetime2((0x8000000000).to_bytes(5, "big"), 0, 0)[0] == "0000-00-00 00:00:00"
    assert decode_date(bytes(3), 0)[0] == "0000-00-00"
    assert decode_timestamp2(bytes(4), 0, 0)[0] == "0000-00-00 00:00:00"


def test_collations_and_text():
    assert collation_charset(45) == "utf8mb4" and collation_charset(255) == "utf8mb4"
    assert collation_charset(63) == "binary" and collation_charset(8) == "latin1"
    assert collation_charset(1069) == "utf8mb4"  # MariaDB utf8mb4_general_nopad_ci
    assert collation_charset(2305) == "utf8mb4"  # MariaDB utf8mb4_uca1400 block
    assert collation_charset(9999) is None and collation_charset(77, {77: "koi8r"}) == "koi8r"
    assert text_value(b"caf\xe9", "cp1252") == "café"
    assert text_value(b"\xff\xfe", "utf-8") == b"\xff\xfe"  # not decodable: kept exact


def test_json_safe():
    assert json_safe(Decimal("-1.50")) == "-1.50"
    assert json_safe(b"\x00\xff") == "0x00ff"
    assert json_safe(datetime.datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=datetime.timezone.utc)) == \
        "2024-01-02 03:04:05.000006Z"
    assert json_safe(-datetime.timedelta(hours=838, minutes=59, seconds=59)) == "-838:59:59"
    assert format_timedelta(datetime.timedelta(seconds=1, microseconds=5)) == "00:00:01.000005"
