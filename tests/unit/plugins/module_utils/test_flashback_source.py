"""Selecting and reading backwards the row changes of the recorded MariaDB 10.11 binlog."""
import decimal
import os

import pytest

from ansible_collections.drkit.mysql.plugins.module_utils import flashback_source
from ansible_collections.drkit.mysql.plugins.module_utils.binlog_search import Filters
from ansible_collections.drkit.mysql.plugins.module_utils.flashback_plan import FlashbackError, TableInfo, plan_ops
from ansible_collections.drkit.mysql.plugins.module_utils.flashback_source import (
    check_images,
    compact,
    reverse_changes,
    select_statements,
)

ROWS = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "binlog", "rows-mariadb-10.11.000002")
POINTS = TableInfo("drk", "points", ["id", "user", "points", "price"], key=[0], key_name="PRIMARY")


def selected(gtids=None, tables=None, **kwargs):
    chosen, columns = select_statements([ROWS], Filters(gtids=gtids), Filters(tables=tables).tables, **kwargs)
    return chosen, columns


def test_update_without_where_is_read_back_newest_row_first():
    chosen, columns = selected(["0-1-1730"])
    assert columns == {("drk", "points"): ["id", "user", "points", "price"]}
    statements = compact(chosen, [ROWS])
    assert [(s.gtid, s.operation, s.table) for s in statements] == [("0-1-1730", "update", "points")]
    changes = list(reverse_changes(statements))
    assert [c[4][0] for c in changes] == list(range(40, 0, -1))  # newest (last written) row first
    schema, table, operation, before, after, gtid = changes[0]
    assert (schema, table, operation, gtid) == ("drk", "points", "update", "0-1-1730")
    assert before == [40, "user40", 400, decimal.Decimal("40.99")] and after == [40, "user40", 0,
                                                                                 decimal.Decimal("40.99")]
    ops = list(plan_ops(iter(changes), {("drk", "points"): POINTS}, columns=["points"]))
    assert len(ops) == 40 and ops[0].restore == [(2, 400)] and ops[0].guard == [(2, 0)]


def test_several_transactions_are_undone_newest_first():
    chosen, _columns = selected(["0-1-1729..1730"])
    changes = list(reverse_changes(compact(chosen, [ROWS])))
    assert len(changes) == 80
    assert [c[2] for c in changes[39:41]] == ["update", "insert"]  # all of the UPDATE, then the INSERT
    assert changes[40][4] == [40, "user40", 400, decimal.Decimal("40.99")]


def test_position_range_of_one_file():
    chosen, _columns = selected(start_position=8014, stop_position=8700)
    assert [(e["table"], e["type"]) for e, _m in chosen] == [("nopk", "insert"), ("nopk", "update"), ("nopk", "delete")]


def test_refusals_before_anything_changes():
    with pytest.raises(FlashbackError, match="DDL statement.*CREATE TABLE drk.points"):
        selected(tables=["drk.points"])
    # A MINIMAL image lacks columns a flashback writes.
    chosen, _columns = selected(["0-1-1736"])
    with pytest.raises(FlashbackError, match="binlog_row_image=FULL"):
        check_images(chosen, {("drk", "points"): TableInfo("drk", "points", ["id", "user", "points", "price",
                                                                             "note"], key=[0])})


def test_statement_logged_changes_are_refused(monkeypatch):
    entry = dict(type="query", sql="UPDATE shop.products SET price = price * 1.5", file="b.000001", start=4,
                 gtid="0-1-9", db="shop", table=None, transaction_start=4, end=90)
    monkeypatch.setattr(flashback_source, "search", lambda *args, **kwargs: iter([entry]))
    with pytest.raises(FlashbackError, match="logged as a statement"):
        select_statements(["b.000001"], Filters(), Filters(tables=["shop.products"]).tables)
    # Another table's statement is none of our business.
    assert select_statements(["b.000001"], Filters(), Filters(tables=["shop.users"]).tables) == ([], {})
