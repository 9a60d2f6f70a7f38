"""Finding statements in the recorded MariaDB 10.11 binlog (rows-mariadb-10.11.sql made it)."""
import os

import pytest

from ansible_collections.drkit.mysql.plugins.module_utils.binlog_search import (
    Filters,
    SearchError,
    ddl_table,
    gtid_matcher,
    parse_datetime,
    search,
)

ROWS = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "binlog", "rows-mariadb-10.11.000002")


def found(**filters):
    return list(search([ROWS], Filters(**filters)))


def test_update_without_where_by_table_and_type():
    [hit] = found(tables=["drk.points"], types=["update"], sql_regex=r"^UPDATE\s+\S+\s+SET\s+points\s*=\s*0$")
    assert hit["rows"] == 40 and hit["full_image"] and hit["columns"] == ["id", "user", "points", "price"]
    assert hit["gtid"].startswith("0-1-") and hit["transaction_start"] < hit["start"] < hit["end"]
    assert hit["transaction_end"] == hit["end"] + 31  # the Xid event follows the last rows event
    # The GTID found is the one to filter on.
    assert [e["sql"] for e in found(gtids=[hit["gtid"]])] == ["UPDATE drk.points SET points = 0"]


def test_types_and_tables():
    assert [e["type"] for e in found(tables=["nopk"])] == ["ddl", "insert", "update", "delete", "delete"]
    assert [e["rows"] for e in found(tables=["drk.nopk"], types=["insert", "update", "delete"])] == [3, 2, 1, 2]
    ddl = found(types=["ddl"], databases=["drk"])
    assert [(e["table"], e["sql"].split()[0]) for e in ddl] == [
        (None, "CREATE"), ("types", "CREATE"), ("nopk", "CREATE"), ("points", "CREATE"), ("points", "ALTER"),
        ("gone", "CREATE"), ("gone", "DROP"), ("big", "CREATE")]
    assert found(tables=["drk.g*"], types=["ddl"], sql_regex="^DROP")[0]["sql"].startswith("DROP TABLE `drk`.`gone`")
    assert all(e["db"] == "shop" for e in found(databases=["shop"]))


def test_partial_image_and_unannotated_statement():
    partial = found(tables=["drk.points"], sql_regex="WHERE id = 1")
    assert len(partial) == 1 and partial[0]["full_image"] is False
    last = found(tables=["drk.nopk"], types=["delete"])[-1]
    assert last["sql"] is None and last["rows"] == 2  # binlog_annotate_row_events was off for it


def test_time_window():
    every = found(databases=["drk"])
    first, last = every[0]["timestamp"], every[-1]["timestamp"]
    assert found(databases=["drk"], stop_datetime="%s" % _utc(first)) == []
    assert len(found(databases=["drk"], start_datetime=_utc(first), stop_datetime=_utc(last + 1))) == len(every)


def _utc(epoch):
    import datetime
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")


def test_with_rows_is_capped_but_counting_is_not():
    hits = list(search([ROWS], Filters(tables=["drk.points"], types=["insert", "update"]), with_rows=True,
                       max_rows=45))
    assert [e["rows"] for e in hits] == [40, 40, 1]
    assert hits[2]["row_images"] == [] and hits[2]["rows_truncated"]
    assert len(hits[0]["row_images"]) == 40 and len(hits[1]["row_images"]) == 5 and hits[1]["rows_truncated"]
    assert hits[1]["row_images"][0] == dict(before=dict(id=1, user="user1", points=10, price="1.99"),
                                            after=dict(id=1, user="user1", points=0, price="1.99"))


def test_max_events():
    assert len(list(search([ROWS], Filters(databases=["drk"]), max_events=3))) == 3


def test_gtid_filters():
    matches = gtid_matcher(["0-1-10..20", "1-?-5"])
    assert matches("0-1-15") and not matches("0-2-15") and matches("1-9-5") and not matches("1-9-6")
    mysql = gtid_matcher(["3E11FA47-71CA-11E1-9E33-C80AA9429562:1-3:7"])
    assert mysql("3e11fa47-71ca-11e1-9e33-c80aa9429562:7") and not mysql("3e11fa47-71ca-11e1-9e33-c80aa9429562:5")
    with pytest.raises(SearchError):
        gtid_matcher(["not-a-gtid"])


def test_bad_filters_say_what_is_wrong():
    with pytest.raises(SearchError, match="unknown event type"):
        Filters(types=["upsert"])
    with pytest.raises(SearchError, match="not a date"):
        parse_datetime("yesterday")
    with pytest.raises(SearchError, match="regular expression"):
        Filters(sql_regex="(")


def test_ddl_table_names():
    assert ddl_table("DROP TABLE IF EXISTS `shop`.`users` /* x */", "db") == ("shop", "users")
    assert ddl_table("alter table orders add column x int", "shop") == ("shop", "orders")
    assert ddl_table("CREATE OR REPLACE VIEW v AS SELECT 1", "shop") == ("shop", "v")
    assert ddl_table("CREATE DATABASE x", "shop") == ("shop", None)
    assert ddl_table("GRANT SELECT ON *.* TO u", "shop") == ("shop", None)


def test_a_search_by_gtid_decodes_only_the_chosen_transactions(monkeypatch):
    """The other transactions are passed over by their headers: same hits, a fraction of the events decoded."""
    from ansible_collections.drkit.mysql.plugins.module_utils import binlog_stream

    decoded = []
    real = binlog_stream.Reader._decode

    def counting(self, event_type, *args):
        decoded.append(event_type)
        return real(self, event_type, *args)

    monkeypatch.setattr(binlog_stream.Reader, "_decode", counting)
    every = found(databases=["drk"])
    all_decoded = len(decoded)
    chosen = [every[3]["gtid"], every[-1]["gtid"]]
    del decoded[:]
    hits = found(gtids=chosen)
    assert [(e["gtid"], e["start"], e["end"]) for e in hits] == [
        (e["gtid"], e["start"], e["end"]) for e in every if e["gtid"] in chosen]
    gtid_events = sum(1 for t in decoded if t == binlog_stream.GTID_EVENT)
    assert gtid_events > 10 and len(decoded) < all_decoded / 3, (len(decoded), all_decoded, gtid_events)
