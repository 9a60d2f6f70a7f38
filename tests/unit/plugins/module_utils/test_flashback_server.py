"""The server-decoding path's pure parts: event groups of the recorded MariaDB binlog (newest first, sized by the
changes seen, resumable by events), the SQL that pairs an UPDATE's images in the load table, and the operations
rebuilt from work-table rows. The path itself runs against MariaDB in tests/integration/test_flashback.py."""
import os

from ansible_collections.drkit.mysql.plugins.module_utils.binlog_search import Filters
from ansible_collections.drkit.mysql.plugins.module_utils.flashback_plan import TableInfo, plan_ops
from ansible_collections.drkit.mysql.plugins.module_utils.flashback_server import (
    Loaded,
    ServerUndo,
    TableLoad,
    _placed,
    file_format,
)
from ansible_collections.drkit.mysql.plugins.module_utils.flashback_source import (
    EventGroups,
    compact,
    reverse_changes,
    select_statements,
)

ROWS = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "binlog", "rows-mariadb-10.11.000002")
TYPES = ["int(11)", "varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci", "int(11)", "decimal(10,2)"]
POINTS = TableInfo("drk", "points", ["id", "user", "points", "price"], key=[0], key_name="PRIMARY", types=TYPES)
INFOS = {("drk", "points"): POINTS}


def groups(gtids, batch_size=1000, skip=0, first_bytes=64 * 1024):
    chosen, _columns = select_statements([ROWS], Filters(gtids=gtids), None)
    statements = compact(chosen, [ROWS])
    return statements, EventGroups(statements, INFOS, {ROWS: file_format(ROWS)}, batch_size=batch_size, skip=skip,
                                   first_bytes=first_bytes)


def test_groups_hold_the_same_changes_newest_first_as_the_row_walk():
    statements, grouped = groups(["0-1-1729..1730"], first_bytes=1)  # one event per group
    listed = list(grouped)
    assert [g.operation for g in listed][:1] == ["update"] and listed[-1].operation == "insert"
    assert all(g.table_map_offset is not None and g.format.checksum_len == 4 for g in listed)
    decoded = [change for g in listed for change in grouped.changes(g)]
    assert decoded == list(reverse_changes(statements))


def test_skip_leaves_out_the_events_already_done():
    _statements, grouped = groups(["0-1-1729..1730"], first_bytes=1)
    every = [offset for g in grouped for offset in g.offsets]
    _statements, resumed = groups(["0-1-1729..1730"], first_bytes=1, skip=1)
    assert [offset for g in resumed for offset in g.offsets] == every[1:]


def test_group_size_follows_the_bytes_per_change_seen():
    _statements, grouped = groups(["0-1-1730"], batch_size=10, first_bytes=1)
    first = next(iter(grouped))
    grouped.observe(first, 40)
    assert grouped.budget == max(4096, 10 * first.nbytes // 40)


def test_update_fill_pairs_images_and_keeps_only_changes():
    table = TableLoad(POINTS, ["`drkit_flashback`.`load_5_0_0`"], "`drkit_flashback`.`swork_0`",
                      list(POINTS.writable))
    statements, fill = table.plan("update")
    fill = _placed(fill, Loaded(20, "`drkit_flashback`.`load_5_0_0`", 41))
    assert "JOIN `drkit_flashback`.`load_5_0_0` a ON a.`drkit_seq` = b.`drkit_seq` + 1" in fill
    assert "(b.`drkit_seq` - 41) % 2 = 0 AND (" in fill  # before-images: the first of the group, then every other
    assert "NOT (CAST(b.`c2` AS BINARY) <=> CAST(a.`c2` AS BINARY))" in fill
    assert "`kc`" in fill and "b.`c0`" in fill  # the key compared too: a changed key goes through Python
    assert "`b0`" not in fill.split(" SELECT ")[0]  # the key is located by the after-image, never set back
    assert "IF(w.`f2`, w.`b2`, t.`points`)" in statements.write


def test_insert_and_delete_fills_copy_one_image():
    table = TableLoad(POINTS, ["`l`"], "`w`", list(POINTS.writable))
    _statements, undo_delete = table.plan("delete")
    assert undo_delete == "INSERT INTO `w` (`seq`, `b0`, `b1`, `b2`, `b3`) SELECT `drkit_seq`, `c0`, `c1`, `c2`, " \
                          "`c3` FROM @LOAD@ WHERE `drkit_seq` >= @FIRST@"
    _statements, undo_insert = table.plan("insert")
    assert _placed(undo_insert, Loaded(3, "`l`", 7)) == "INSERT INTO `w` (`seq`, `a0`, `a1`, `a2`, `a3`) SELECT " \
        "`drkit_seq`, `c0`, `c1`, `c2`, `c3` FROM `l` WHERE `drkit_seq` >= 7"


def test_operations_rebuilt_from_work_rows_match_the_python_ones():
    _statements, grouped = groups(["0-1-1730"])
    group = next(iter(grouped))
    change = next(iter(grouped.changes(group)))
    expected = next(plan_ops(iter([change]), INFOS))
    _schema, _table, _operation, before, after, gtid = change
    row = dict(seq=1, kc=0)
    for i in POINTS.writable:
        row["a%d" % i], row["b%d" % i] = after[i], before[i]
        row["f%d" % i] = int(before[i] != after[i])
    table = TableLoad(POINTS, ["`l`"], "`w`", list(POINTS.writable))
    op = table.op_from_work("update", row, gtid)
    assert (op.kind, op.locate, op.guard, op.restore, op.gtid) == (
        expected.kind, expected.locate, expected.guard, expected.restore, expected.gtid)


def test_columns_limit_what_is_set_back_and_checked():
    table = TableLoad(POINTS, ["`l`"], "`w`", POINTS.indexes(["points"]))
    statements, fill = table.plan("update")
    assert table.restored == [2] and table.guard == [2] and "`c3`" not in fill
    assert "`price`" not in statements.write


class RefusingConnection(object):
    """A connection whose server answers like MySQL or with a statement-based binlog."""

    def __init__(self, row):
        self.row = row
        self.executed = []

    def cursor(self):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute(self, sql, params=None):
        self.executed.append(sql)

    def fetchone(self):
        return self.row


def test_unavailable_on_mysql_and_on_statement_binlogs_without_touching_anything():
    undo = ServerUndo(RefusingConnection(None), [POINTS])
    assert not undo.setup(file_format(ROWS), "mysql") and "only used on MariaDB" in undo.reason
    conn = RefusingConnection(dict(fmt="MIXED", log_bin=1, id=5))
    undo = ServerUndo(conn, [POINTS])
    assert not undo.setup(file_format(ROWS), "mariadb") and "not ROW" in undo.reason
    assert not any("sql_log_bin" in s or "CREATE" in s for s in conn.executed)


class ScriptedCursor(object):
    """Answers the guarded writes with the row counts given, and the locking read with the misses given."""

    def __init__(self, writes, reads):
        self.writes, self.reads, self.log = list(writes), list(reads), []
        self.rows = []

    def execute(self, sql, params=None):
        if sql.startswith("UPDATE"):
            self.log.append("direct" if "STRAIGHT_JOIN" in sql else "write")
            return self.writes.pop(0)
        if sql.startswith("SELECT w."):
            self.log.append("read")
            self.rows = self.reads.pop(0)
        elif sql.startswith("ROLLBACK TO"):
            self.log.append("rollback")
        return 0

    def fetchall(self):
        return self.rows


def test_write_first_while_clean_read_first_after_a_group_with_conflicts(monkeypatch):
    """A clean group costs one write straight from the load table; one with a row left alone is written again the
    careful way (work table, locking read, write), and so is the next group, until a group is clean again."""
    undo = ServerUndo(None, [POINTS])
    undo.tables[POINTS.name] = TableLoad(POINTS, ["`drkit_flashback`.`load`"], "`drkit_flashback`.`swork_0`",
                                         [1, 2, 3])
    monkeypatch.setattr(undo, "_classified", lambda cursor, group, table, misses, on_conflict=None: sorted(misses))
    monkeypatch.setattr(undo, "_fill", lambda cursor, group, table, loaded: cursor.log.append("fill") or 10)
    group = type("Group", (), dict(info=POINTS, operation="update", gtid="0-1-5"))()
    miss = dict(seq=7, found=1, same=0, already=0)
    ten = Loaded(10, "`drkit_flashback`.`load`", 41)
    cursor = ScriptedCursor(writes=[10, 9, 9, 9, 10, 10], reads=[[miss], [dict(miss, seq=3)], []])
    assert undo.apply(cursor, group, ten, "skip") == (10, [])  # clean: one write
    assert undo.apply(cursor, group, ten, "skip") == (9, [7])  # 9 of 10: rolled back, read, written again
    assert undo.apply(cursor, group, ten, "skip") == (9, [3])  # read first (the group before was not clean)
    assert undo.apply(cursor, group, ten, "skip") == (10, [])  # read first, clean: the next one writes first
    assert undo.apply(cursor, group, ten, "skip") == (10, [])
    assert cursor.log == ["direct", "direct", "rollback", "fill", "read", "write", "fill", "read", "write", "fill",
                          "read", "write", "direct"]
    assert undo.write_retries == 1 and undo.written_first == 2 and undo.fallbacks == 0


def test_direct_write_only_for_updates_that_set_back_every_column():
    every = TableLoad(POINTS, ["`drkit_flashback`.`load`"], "`drkit_flashback`.`swork_0`", [0, 1, 2, 3])
    direct = _placed(every.direct("update"), Loaded(10, "`drkit_flashback`.`load`", 41))
    assert direct.startswith("UPDATE `drkit_flashback`.`load` b STRAIGHT_JOIN `drkit_flashback`.`load` a ON "
                             "a.`drkit_seq` = b.`drkit_seq` + 1 STRAIGHT_JOIN `drk`.`points` t ON t.`id` = a.`c0`")
    assert "SET t.`user` = b.`c1`, t.`points` = b.`c2`, t.`price` = b.`c3`" in direct
    # The key unchanged by the UPDATE, and the row still the after-image in every column the undo sets back.
    assert "AND b.`c0` <=> a.`c0` AND" in direct  # an INT key: equal is identical
    named = TableInfo("drk", "named", ["name", "n"], key=[0], key_name="PRIMARY", types=[TYPES[1], TYPES[0]])
    by_name = TableLoad(named, ["`l`"], "`w`", [0, 1]).direct("update")
    assert "CAST(b.`c0` AS BINARY) <=> CAST(a.`c0` AS BINARY)" in by_name  # 'a' = 'A' under the collation
    assert direct.endswith("t.`user` <=> a.`c1` AND t.`points` <=> a.`c2` AND t.`price` <=> a.`c3`")
    assert every.direct("delete") is None and every.direct("insert") is None
    points_only = TableLoad(POINTS, ["`drkit_flashback`.`load`"], "`drkit_flashback`.`swork_0`", [2])
    assert points_only.direct("update") is None  # a pair may change only price: only the fill can count


def test_with_a_loader_the_next_group_is_loaded_while_this_one_is_written(monkeypatch):
    """Groups come back in order; each is loaded on the second connection into the other load table, and the
    next load is under way while the caller holds a group. A load's error comes out with its group."""
    import threading

    undo = ServerUndo("writer", [POINTS], loader="loader")
    undo.available = True
    undo.tables[POINTS.name] = None
    started, release = [], threading.Event()

    def load(group, conn=None, slot=0):
        started.append((group.n, conn, slot))
        if group.n == 1:
            release.wait(5)  # group 1 loads while group 0 is with the caller
        if group.n == 3:
            raise OSError("binlog gone")
        return Loaded(group.n, "slot%d" % slot, 1)

    monkeypatch.setattr(undo, "load", load)
    grouped = [type("Group", (), dict(info=POINTS, n=n))() for n in range(4)]
    walk = undo.loaded(grouped)
    group, loaded = next(walk)
    assert (group.n, loaded.load) == (0, "slot0")
    for _wait in range(100):
        if len(started) == 2:
            break
        threading.Event().wait(0.01)
    assert started == [(0, "loader", 0), (1, "loader", 1)]  # group 1 under way while group 0 is held
    release.set()
    assert [(g.n, done.load) for g, done in [next(walk), next(walk)]] == [(1, "slot1"), (2, "slot0")]
    try:
        next(walk)
    except OSError as exc:
        assert "binlog gone" in str(exc)
    else:
        raise AssertionError("the load error was swallowed")
