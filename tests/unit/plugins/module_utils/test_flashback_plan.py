"""Reverse operations of constructed row changes: SQL, guards, keys, columns, conflicts."""
import datetime
import decimal

import pytest

from ansible_collections.drkit.mysql.plugins.module_utils.binlog_rows import MISSING
from ansible_collections.drkit.mysql.plugins.module_utils.flashback_plan import (
    FlashbackError,
    TableInfo,
    choose_key,
    classify,
    forced,
    plan_ops,
    probe,
    quote,
    reverse_op,
    run_id,
    statement,
    table_info,
)

UTC = datetime.timezone.utc


def col(name, extra="", expression=None, nullable="NO", data_type="int"):
    return dict(COLUMN_NAME=name, EXTRA=extra, GENERATION_EXPRESSION=expression, IS_NULLABLE=nullable,
                DATA_TYPE=data_type)


def key(index, seq, column, non_unique=0, sub_part=None):
    return dict(INDEX_NAME=index, NON_UNIQUE=non_unique, SEQ_IN_INDEX=seq, COLUMN_NAME=column, SUB_PART=sub_part)


# order_items: composite primary key, a NULLable note, a generated total.
ITEMS = TableInfo("shop", "order_items", ["order_id", "line", "qty", "price", "note", "total"], generated=[5],
                  key=[0, 1], key_name="PRIMARY")
NOKEY = TableInfo("shop", "log", ["at", "msg"])


def test_choose_key_primary_then_narrowest_not_null_unique():
    nullable = dict(id=False, sku=False, email=True, a=False, b=False, g=False)
    assert choose_key([key("PRIMARY", 1, "id"), key("uk", 1, "sku")], nullable) == (["id"], "PRIMARY")
    rows = [key("uk_ab", 1, "a"), key("uk_ab", 2, "b"), key("uk_sku", 1, "sku"), key("ix", 1, "id", 1)]
    assert choose_key(rows, nullable) == (["sku"], "uk_sku")
    # A NULLable, prefixed or generated unique key cannot locate a row.
    assert choose_key([key("uk_email", 1, "email")], nullable) == ([], None)
    assert choose_key([key("uk_sku", 1, "sku", sub_part=10)], nullable) == ([], None)
    assert choose_key([key("uk_g", 1, "g")], nullable, ["g"]) == ([], None)


def test_table_info_from_server_rows():
    columns = [col("id"), col("price", data_type="decimal"), col("doc", data_type="json", nullable="YES"),
               col("total", "STORED GENERATED", "`price` * 2"), col("v", "VIRTUAL GENERATED", "`id` + 1"),
               col("created", "DEFAULT_GENERATED", "")]
    info = table_info("shop", "t", ["id", "price", "doc", "total", "v", "created"], columns,
                      [key("PRIMARY", 1, "id")], json_type=True)
    assert info.generated == frozenset([3, 4]) and info.writable == [0, 1, 2, 5]
    assert info.key == [0] and info.json_columns == frozenset([2])
    # MariaDB's JSON is a LONGTEXT: no cast.
    assert table_info("shop", "t", ["id", "price", "doc", "total", "v", "created"], columns,
                      [key("PRIMARY", 1, "id")]).json_columns == frozenset()


def test_table_info_refuses_altered_or_missing_tables():
    with pytest.raises(FlashbackError, match="altered after the events"):
        table_info("shop", "t", ["id", "a"], [col("id"), col("a"), col("note")], [])
    with pytest.raises(FlashbackError, match="a is b"):
        table_info("shop", "t", ["id", "a"], [col("id"), col("b")], [])
    with pytest.raises(FlashbackError, match="does not exist"):
        table_info("shop", "t", ["id"], [], [])
    # Unnamed binlog columns (@1) are matched by position.
    assert table_info("shop", "t", ["@1", "@2"], [col("id"), col("a")], []).columns == ["id", "a"]


def test_update_is_undone_by_key_with_a_null_safe_guard_and_no_generated_column():
    before = [7, 1, 2, decimal.Decimal("9.99"), None, decimal.Decimal("19.98")]
    after = [7, 1, 2, decimal.Decimal("0.00"), "x", decimal.Decimal("0.00")]
    op = reverse_op(ITEMS, "update", before, after, gtid="0-1-5")
    sql, params = statement(op)
    # Only the changed columns are set back; the guard covers the whole row (generated `total` excepted).
    assert sql == ("UPDATE `shop`.`order_items` SET `price` = %s, `note` = %s WHERE `order_id` <=> %s AND "
                   "`line` <=> %s AND `qty` <=> %s AND `price` <=> %s AND `note` <=> %s")
    assert params == [decimal.Decimal("9.99"), None, 7, 1, 2, decimal.Decimal("0.00"), "x"]
    assert op.key() == dict(order_id=7, line=1) and op.describe()["gtid"] == "0-1-5"
    sql, params = probe(op)
    assert sql.endswith("FROM `shop`.`order_items` WHERE `order_id` <=> %s AND `line` <=> %s LIMIT 1 FOR UPDATE")
    assert sql.startswith("SELECT (`qty` <=> %s AND `price` <=> %s AND `note` <=> %s) AS same, (`price` <=> %s AND "
                          "`note` <=> %s) AS already")
    assert forced(op)[0] == ("UPDATE `shop`.`order_items` SET `price` = %s, `note` = %s WHERE `order_id` <=> %s "
                             "AND `line` <=> %s")
    # A changed key is set back too, the row located by its new key.
    moved = reverse_op(ITEMS, "update", [7, 1, 2, 1, None, 2], [7, 2, 2, 1, None, 2])
    assert statement(moved) == ("UPDATE `shop`.`order_items` SET `line` = %s WHERE `order_id` <=> %s AND `line` <=> %s"
                                " AND `qty` <=> %s AND `price` <=> %s AND `note` <=> %s", [1, 7, 2, 2, 1, None])


def test_columns_limit_restores_and_checks_only_those_columns():
    before = [7, 1, 5, decimal.Decimal("10.00"), None, None]
    after = [7, 1, 5, decimal.Decimal("15.00"), None, None]
    op = reverse_op(ITEMS, "update", before, after, columns=[3])
    assert statement(op) == ("UPDATE `shop`.`order_items` SET `price` = %s WHERE `order_id` <=> %s AND `line` <=> %s "
                             "AND `price` <=> %s", [decimal.Decimal("10.00"), 7, 1, decimal.Decimal("15.00")])
    # An UPDATE that did not change the chosen column has nothing to undo.
    assert reverse_op(ITEMS, "update", before, [7, 1, 9, decimal.Decimal("10.00"), "n", None], columns=[3]) is None
    with pytest.raises(FlashbackError, match="generated column"):
        ITEMS.indexes(["total"])
    with pytest.raises(FlashbackError, match="has no column colour"):
        ITEMS.indexes(["colour"])


def test_delete_is_undone_by_an_insert_unless_the_key_is_taken():
    before = [7, 2, 1, decimal.Decimal("1.50"), "\U0001f600", None]
    op = reverse_op(ITEMS, "delete", before, None)
    sql, params = statement(op)
    assert sql == ("INSERT INTO `shop`.`order_items` (`order_id`, `line`, `qty`, `price`, `note`) SELECT %s, %s, %s, "
                   "%s, %s FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM `shop`.`order_items` WHERE `order_id` <=> %s "
                   "AND `line` <=> %s)")
    assert params == [7, 2, 1, decimal.Decimal("1.50"), "\U0001f600", 7, 2]
    assert classify(op, True, True, False) == ("skipped", "already there")
    assert classify(op, True, False, False)[0] == "conflict"


def test_insert_is_undone_by_a_guarded_delete():
    op = reverse_op(ITEMS, "insert", None, [8, 1, 3, decimal.Decimal("2.00"), None, decimal.Decimal("6.00")])
    assert statement(op) == ("DELETE FROM `shop`.`order_items` WHERE `order_id` <=> %s AND `line` <=> %s AND "
                             "`qty` <=> %s AND `price` <=> %s AND `note` <=> %s",
                             [8, 1, 3, decimal.Decimal("2.00"), None])
    assert classify(op, False, False, False) == ("skipped", "already gone")
    assert classify(op, True, False, False) == ("conflict", "changed since the event")


def test_table_without_key_is_located_by_the_whole_after_image():
    op = reverse_op(NOKEY, "update", [1, None], [1, "b"])
    assert statement(op) == ("UPDATE `shop`.`log` SET `msg` = %s WHERE `at` <=> %s AND `msg` <=> %s LIMIT 1",
                             [None, 1, "b"])
    assert forced(op) is None and classify(op, False, False, False)[0] == "conflict"
    insert_back = reverse_op(NOKEY, "delete", [None, None], None)
    assert statement(insert_back) == ("INSERT INTO `shop`.`log` (`at`, `msg`) VALUES (%s, %s)", [None, None])
    assert statement(reverse_op(NOKEY, "insert", None, [2, "x"]))[0].endswith("LIMIT 1")


def test_partial_images_timestamps_and_json():
    with pytest.raises(FlashbackError, match="binlog_row_image is not FULL"):
        reverse_op(ITEMS, "update", [7, 1, MISSING, 1, None, None], [7, 1, 3, 2, None, None])
    stamp = datetime.datetime(2026, 11, 24, 9, 14, 0, 500, tzinfo=UTC)
    info = TableInfo("shop", "docs", ["id", "doc", "seen"], json_columns=[1], key=[0])
    op = reverse_op(info, "update", [1, '{"a": 1}', stamp], [1, "[]", stamp + datetime.timedelta(hours=1)])
    sql, params = statement(op)
    assert "`doc` <=> CAST(%s AS JSON)" in sql and "`doc` = %s" in sql
    assert params[1] == datetime.datetime(2026, 11, 24, 9, 14, 0, 500) and params[1].tzinfo is None


def test_plan_ops_streams_skips_no_ops_and_refuses_columns_on_inserts():
    infos = {("shop", "order_items"): ITEMS}
    changes = iter([("shop", "order_items", "update", [1, 1, 1, 1, None, 2], [1, 1, 1, 2, None, 4], "g2"),
                    ("shop", "order_items", "update", [2, 1, 1, 1, None, 2], [2, 1, 9, 1, None, 2], "g1")])
    ops = list(plan_ops(changes, infos, columns=["price"]))
    assert [(o.gtid, o.key()) for o in ops] == [("g2", dict(order_id=1, line=1))]
    with pytest.raises(FlashbackError, match="can only be undone as a whole row"):
        list(plan_ops([("shop", "order_items", "insert", None, [1, 1, 1, 1, None, 2], "g")], infos, ["price"]))


def test_quote_and_run_id():
    assert quote("we`ird%name") == "`we``ird%%name`"
    one = run_id([("f", 1, 2)], ["price"], "skip")
    assert one == run_id([("f", 1, 2)], ["price"], "skip") != run_id([("f", 1, 2)], ["price"], "overwrite")
    assert one != run_id([("f", 1, 3)], ["price"], "skip") and len(one) == 64
