"""The chunked comparison's SQL and arithmetic: key ranges, row hashes, chunk sizing, row differences."""
import pytest

from ansible_collections.drkit.mysql.plugins.module_utils.checksum import (
    ChecksumError,
    boundary_sql,
    choose_key,
    chunk_checksum_sql,
    compare_row_hashes,
    next_chunk_rows,
    range_where,
    row_hash_sql,
)
from ansible_collections.drkit.mysql.plugins.module_utils.table_selection import TableSelectionError, select_tables


def test_row_hash_converts_text_and_flags_nulls():
    sql = row_hash_sql([("id", "int"), ("name", "varchar"), ("pic", "blob")])
    assert sql == ("CAST(CRC32(CONCAT_WS('#', `id`, CONVERT(`name` USING utf8mb4), `pic`, "
                   "CONCAT(ISNULL(`id`), ISNULL(`name`), ISNULL(`pic`)))) AS UNSIGNED)")
    assert row_hash_sql([("a", "int")], "md5").startswith("CAST(CONV(LEFT(MD5(CONCAT_WS(")
    with pytest.raises(ChecksumError):
        row_hash_sql([("a", "int")], "sha0")


def test_identifiers_are_quoted():
    sql, _params = chunk_checksum_sql("d`b", "t", [("we`ird", "int")], ["we`ird"], None, (1,))
    assert "`d``b`.`t`" in sql and "`we``ird` <= %(hi0)s" in sql


def test_composite_ranges_are_expanded_and_parameterised():
    where, params = range_where(["a", "b"], ("x", 1), ("y", 5))
    assert where == ("((`a` > %(lo0)s) OR (`a` = %(lo0)s AND `b` > %(lo1)s)) AND "
                     "((`a` < %(hi0)s) OR (`a` = %(hi0)s AND `b` <= %(hi1)s))")
    assert params == {"lo0": "x", "lo1": 1, "hi0": "y", "hi1": 5}
    assert range_where(["a"], None, None) == ("1=1", {})


def bounded(lower, upper, row):
    """Evaluate range_where's meaning in Python: lower < row <= upper (tuples)."""
    return (lower is None or row > lower) and (upper is None or row <= upper)


@pytest.mark.parametrize("row", [(1, 1), (1, 9), (2, 0), (2, 5), (2, 6), (3, 0), (0, 9)])
def test_expanded_ranges_mean_tuple_comparison(row):
    where, params = range_where(["a", "b"], (1, 1), (2, 5))
    expression = where.replace("`", "").replace(" OR ", " or ").replace(" AND ", " and ").replace(" = ", " == ")
    values = dict(a=row[0], b=row[1], **params)
    assert eval(expression.replace("%(", "").replace(")s", ""), {}, values) == bounded((1, 1), (2, 5), row)  # noqa: S307


def test_boundary_looks_rows_ahead_in_key_order():
    sql, params = boundary_sql("db", "t", ["a", "b"], (3, 4), 1000)
    assert sql.endswith("ORDER BY `a`, `b` LIMIT 1 OFFSET 999") and params == {"lo0": 3, "lo1": 4}


def test_key_choice():
    assert choose_key(["id"], {"u": ["x"]}, set()) == ["id"]
    assert choose_key(None, {"u_long": ["a", "b"], "u_short": ["c"]}, set()) == ["c"]
    assert choose_key(None, {"u": ["c"]}, {"c"}) is None  # a NULLable unique key does not identify a row
    assert choose_key(None, {}, set()) is None


def test_chunk_size_follows_the_rate_within_limits():
    assert next_chunk_rows(1000, 0.1, 0.5, 1000) == 4000  # would be 5000: growth capped at 4x
    assert next_chunk_rows(10000, 2.0, 0.5, 10000) == 2500  # too slow: shrink
    assert next_chunk_rows(0, 0.001, 0.5, 1000) == 2000  # an empty range says nothing: double
    assert next_chunk_rows(100, 10.0, 0.5, 100) == 100  # floor
    assert next_chunk_rows(10 ** 7, 0.1, 0.5, 10 ** 6) == 10 ** 6  # ceiling


def test_row_differences_by_key():
    source = [dict(id=1, _drkit_hash=11), dict(id=2, _drkit_hash=22), dict(id=3, _drkit_hash=33)]
    target = [dict(id=1, _drkit_hash=11), dict(id=2, _drkit_hash=99), dict(id=4, _drkit_hash=44)]
    differences, total = compare_row_hashes(source, target, ["id"], 10)
    assert total == 3
    assert differences == [dict(key=dict(id=2), kind="changed"), dict(key=dict(id=3), kind="missing_on_target"),
                           dict(key=dict(id=4), kind="extra_on_target")]
    limited, total = compare_row_hashes(source, target, ["id"], 1)
    assert len(limited) == 1 and total == 3


def test_table_selection():
    tables = [("shop", "orders"), ("shop", "lines"), ("hr", "staff")]
    assert select_tables(["shop.*", "hr.staff"], ["shop.lines"], tables) == [("shop", "orders"), ("hr", "staff")]
    assert select_tables(["shop.orders", "shop.*"], [], tables) == [("shop", "orders"), ("shop", "lines")]
    with pytest.raises(TableSelectionError, match="no such table.*shop.nope, crm.*"):
        select_tables(["shop.nope", "crm.*"], [], tables)
    with pytest.raises(TableSelectionError, match="db.table"):
        select_tables(["orders"], [], tables)
