"""Set-based undo: work-table DDL, the chunk statements, chunking by key, and the outcomes of a chunk."""
import datetime

from ansible_collections.drkit.mysql.plugins.module_utils.flashback_apply import Chunker, Tally, apply_ops, predict_ops
from ansible_collections.drkit.mysql.plugins.module_utils.flashback_plan import TableInfo, column_types, reverse_op
from ansible_collections.drkit.mysql.plugins.module_utils.flashback_set import (
    SAVEPOINT,
    SetApplier,
    Statements,
    eligible,
    restored_columns,
    row_key,
    work_name,
    work_table_ddl,
)

TYPES = ["int(11)", "varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci", "int(11)",
         "datetime(6)", "int(11)"]
POINTS = TableInfo("shop", "user_points", ["user_id", "name", "points", "updated_at", "total"], generated=[4],
                   key=[0], key_name="PRIMARY", types=TYPES)
WORK = work_name(0)


def update(user, before_points, after_points, name="u", gtid="0-1-9"):
    stamp = datetime.datetime(2026, 11, 24, 9, 14, 0, 123456)
    return reverse_op(POINTS, "update", [user, name, before_points, stamp, 0], [user, name, after_points, stamp, 0],
                      gtid=gtid)


def test_column_types_carry_character_set_and_collation_and_refuse_odd_types():
    rows = [dict(COLUMN_TYPE="int(10) unsigned"),
            dict(COLUMN_TYPE="varchar(20)", CHARACTER_SET_NAME="utf8mb4", COLLATION_NAME="utf8mb4_bin"),
            dict(COLUMN_TYPE="enum('a%','b''c')", CHARACTER_SET_NAME="latin1", COLLATION_NAME="latin1_swedish_ci"),
            dict(COLUMN_TYPE="decimal(20,6)"), dict(COLUMN_TYPE="json"), dict(COLUMN_TYPE="datetime(6)")]
    assert column_types(rows) == ["int(10) unsigned", "varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
                                  "enum('a%','b''c') CHARACTER SET latin1 COLLATE latin1_swedish_ci",
                                  "decimal(20,6)", "json", "datetime(6)"]
    assert column_types([dict(COLUMN_TYPE="int; DROP TABLE x")]) is None
    # MySQL 8 (information_schema.COLUMNS as it answers): no display widths, JSON with a collation it takes none of.
    mysql8 = [dict(COLUMN_TYPE="int unsigned", CHARACTER_SET_NAME=None, COLLATION_NAME=None),
              dict(COLUMN_TYPE="json", CHARACTER_SET_NAME="utf8mb4", COLLATION_NAME="utf8mb4_bin"),
              dict(COLUMN_TYPE="varchar(64)", CHARACTER_SET_NAME="utf8mb4", COLLATION_NAME="utf8mb4_0900_ai_ci"),
              dict(COLUMN_TYPE="timestamp(6)"), dict(COLUMN_TYPE="longtext", CHARACTER_SET_NAME="utf8mb4",
                                                     COLLATION_NAME="utf8mb4_0900_ai_ci")]
    assert column_types(mysql8) == ["int unsigned", "json",
                                    "varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_ai_ci", "timestamp(6)",
                                    "longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_ai_ci"]
    assert column_types([dict(COLUMN_TYPE=None)]) is None


def test_work_table_has_the_table_types_for_writable_columns_only():
    ddl = work_table_ddl(POINTS, WORK)
    assert ddl.startswith("CREATE TEMPORARY TABLE `drkit_flashback`.`work_0` (`seq` INT UNSIGNED NOT NULL PRIMARY KEY, "
                          "`a0` int(11) NULL, `b0` int(11) NULL, `f0` TINYINT NULL, "
                          "`a1` varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NULL")
    assert "`a4`" not in ddl and ddl.endswith(") ENGINE=InnoDB")
    # A '%' in an ENUM value survives the %-formatting of an execute with parameters ().
    info = TableInfo("s", "t", ["id", "e"], key=[0], types=["int", "enum('50%')"])
    assert (work_table_ddl(info, WORK) % ()).count("enum('50%')") == 2


def test_update_chunk_statements_are_guarded_null_safe_and_set_back_only_what_changed():
    stamp = datetime.datetime(2026, 11, 24, 9, 14, 0, 123456)
    op = update(7, 10, 0)
    plan = Statements(op, WORK, *restored_columns([op]))
    # Only points was changed by the event: it alone is loaded as a before-image and set back, without a flag.
    assert plan.load == ("INSERT INTO `drkit_flashback`.`work_0` (`seq`, `a0`, `a1`, `a2`, `a3`, `b2`) "
                         "VALUES (%s, %s, %s, %s, %s, %s)")
    assert plan.row(3, op) == [3, 7, "u", 0, stamp, 10]
    guard = "t.`name` <=> w.`a1` AND t.`points` <=> w.`a2` AND t.`updated_at` <=> w.`a3`"
    assert plan.write == ("UPDATE `shop`.`user_points` t JOIN `drkit_flashback`.`work_0` w ON t.`user_id` = w.`a0` "
                          "SET t.`points` = w.`b2` WHERE " + guard)
    # The read returns only what the write will not change: gone or changed since.
    assert plan.read == ("SELECT w.`seq` AS seq, (t.`user_id` IS NOT NULL) AS found, (%s) AS same, "
                         "(t.`points` <=> w.`b2`) AS already FROM `drkit_flashback`.`work_0` w "
                         "LEFT JOIN `shop`.`user_points` t ON t.`user_id` = w.`a0` WHERE t.`user_id` IS NULL OR "
                         "NOT (%s) ORDER BY w.`seq`" % (guard, guard))
    # Two changes setting back different columns: the one not set back by both goes through a flag.
    renamed = update(8, 10, 0, name="v")
    renamed.restore.append((1, "old"))
    restored, every = restored_columns([op, renamed])
    assert (restored, every) == ((1, 2), (2,))
    plan = Statements(op, WORK, restored, every)
    assert plan.write.startswith("UPDATE `shop`.`user_points` t JOIN `drkit_flashback`.`work_0` w ON "
                                 "t.`user_id` = w.`a0` SET t.`name` = IF(w.`f1`, w.`b1`, t.`name`), "
                                 "t.`points` = w.`b2` WHERE ")
    assert "((w.`f1` = 0 OR t.`name` <=> w.`b1`) AND t.`points` <=> w.`b2`) AS already" in plan.read
    assert plan.row(0, op) == [0, 7, "u", 0, stamp, None, 10, 0]
    assert plan.row(1, renamed) == [1, 8, "v", 0, stamp, "old", 10, 1]
    # columns: [points] - only points is guarded and set back.
    only = reverse_op(POINTS, "update", [7, "u", 10, stamp, 0], [7, "x", 0, stamp, 0], columns=[2])
    plan = Statements(only, WORK, *restored_columns([only]))
    assert plan.write.endswith("SET t.`points` = w.`b2` WHERE t.`points` <=> w.`a2`")
    assert plan.row(0, only) == [0, 7, 0, 10]


def test_delete_and_insert_chunk_statements():
    stamp = datetime.datetime(2026, 11, 24, 9, 14, 0)
    undo_insert = reverse_op(POINTS, "insert", None, [9, "n", None, stamp, 0])
    plan = Statements(undo_insert, WORK)
    table = "`shop`.`user_points`"
    assert plan.write == ("DELETE {0} FROM {0} JOIN `drkit_flashback`.`work_0` w ON {0}.`user_id` = w.`a0` WHERE "
                          "{0}.`name` <=> w.`a1` AND {0}.`points` <=> w.`a2` AND {0}.`updated_at` <=> w.`a3`"
                          .format(table))
    assert plan.row(0, undo_insert) == [0, 9, "n", None, stamp] and "AS already" in plan.read
    assert "WHERE t.`user_id` IS NULL OR NOT (t.`name` <=> w.`a1`" in plan.read
    undo_delete = reverse_op(POINTS, "delete", [9, "n", 5, stamp, 10], None)
    plan = Statements(undo_delete, WORK)
    assert plan.write == ("INSERT INTO `shop`.`user_points` (`user_id`, `name`, `points`, `updated_at`) SELECT "
                          "w.`b0`, w.`b1`, w.`b2`, w.`b3` FROM `drkit_flashback`.`work_0` w LEFT JOIN "
                          "`shop`.`user_points` t ON t.`user_id` = w.`b0` WHERE t.`user_id` IS NULL ORDER BY w.`seq`")
    assert plan.row(4, undo_delete) == [4, 9, "n", 5, stamp]
    # A row with the key exists (same values: already there; others: a conflict): only those come back.
    assert "t.`user_id` <=> w.`b0` AND t.`name` <=> w.`b1`" in plan.read
    assert plan.read.endswith("WHERE t.`user_id` IS NOT NULL ORDER BY w.`seq`")


def test_eligible_needs_a_key_types_and_an_unchanged_key():
    assert eligible(update(1, 2, 0))
    moved = reverse_op(POINTS, "update", [1, "u", 2, None, 0], [1001, "u", 2, None, 0])
    assert not eligible(moved)
    nokey = TableInfo("shop", "log", ["at", "msg"], types=["int", "text"])
    assert not eligible(reverse_op(nokey, "delete", [1, "x"], None))
    untyped = TableInfo("shop", "user_points", ["user_id", "points"], key=[0])
    assert not eligible(reverse_op(untyped, "update", [1, 2], [1, 0]))


class Accepting(object):
    """A SetApplier stand-in: accepts what ``eligible`` accepts and records the chunks it gets."""

    def __init__(self, outcome=("reverted", None), refuse=False):
        self.chunks = []
        self.outcome = outcome
        self.refuse = refuse

    def accepts(self, op):
        return eligible(op)

    def apply(self, cursor, ops, on_conflict):
        self.chunks.append([op.locate[0][1] for op in ops])
        return None if self.refuse else [self.outcome] * len(ops)

    predict = apply


def test_chunker_splits_at_a_key_seen_twice_in_any_case_or_accent_and_at_other_shapes():
    names = TableInfo("s", "names", ["name", "n"], key=[0], types=["varchar(9)", "int"])
    ops = [reverse_op(names, "update", [k, 1], [k, 0]) for k in ("a", "b", "B ", "c", "é", "e")]
    chunker = Chunker(Accepting(), pipeline=200, set_chunk=100)
    closed = [chunker.add(op) for op in ops] + [chunker.take()]
    chunks = [[op.locate[0][1] for op in c[1]] for c in closed if c]
    assert chunks == [["a", "b"], ["B ", "c", "é"], ["e"]]
    assert row_key(ops[1]) == row_key(ops[2])
    # A DELETE undo (an INSERT) of the same table starts a new chunk; a keyless row goes row by row.
    mixed = [update(1, 2, 0), reverse_op(POINTS, "delete", [2, "u", 1, None, 0], None), update(3, 2, 0)]
    chunker = Chunker(Accepting(), pipeline=200)
    closed = [c for c in [chunker.add(op) for op in mixed] + [chunker.take()] if c]
    assert [(mode, len(ops)) for mode, ops in closed] == [("set", 1), ("set", 1), ("set", 1)]


class Cursor(object):
    def __init__(self):
        self.executed = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute(self, sql, params=None):
        self.executed.append((sql, params))
        return 1

    def fetchone(self):
        return None


class Conn(object):
    def __init__(self):
        self.cursor_ = Cursor()
        self.commits = 0

    def cursor(self):
        return self.cursor_

    def begin(self):
        pass

    def commit(self):
        self.commits += 1

    def rollback(self):
        pass

    def escape(self, value):
        return str(value)


def test_apply_ops_sends_chunks_of_distinct_keys_in_order_and_counts_the_paths():
    # Newest first: user 3 was changed twice; its older change must be undone after the newer one.
    ops = [update(n, 10, 0) for n in range(1, 21)] + [update(3, 20, 10)] + [update(n, 10, 0) for n in range(21, 31)]
    setter = Accepting()
    paths = {}
    tally = Tally()
    apply_ops(Conn(), iter(ops), "r", "", tally, batch_size=1000, setter=setter, paths=paths)
    assert setter.chunks == [list(range(1, 21)), [3] + list(range(21, 31))]
    assert paths == dict(set=31, row=0) and tally.counts["reverted"] == 31
    # Batches still bound the transactions: a chunk never spans a commit.
    # The newer change of user 3 is committed with the first batch, so the second needs no split; the last 7
    # operations are too few for a set and go row by row.
    setter = Accepting()
    conn = Conn()
    paths = {}
    apply_ops(conn, iter(ops), "r", "", Tally(), batch_size=12, setter=setter, paths=paths)
    assert [len(c) for c in setter.chunks] == [12, 12] and conn.commits == 3 and paths == dict(set=24, row=7)


def test_a_refused_chunk_and_small_chunks_go_row_by_row():
    setter = Accepting(refuse=True)
    paths = {}
    conn = Conn()
    tally = Tally()
    apply_ops(conn, iter([update(n, 10, 0) for n in range(1, 11)] + [update(1, 3, 10)]), "r", "", tally,
              batch_size=1000, setter=setter, paths=paths)
    assert setter.chunks == [list(range(1, 11))]  # the 1-row chunk never reaches the setter
    assert paths == dict(set=0, row=11) and tally.counts["reverted"] == 11
    updates = [sql for sql, _p in conn.cursor_.executed if sql.startswith("UPDATE `shop`")]
    assert len(updates) == 11


class ChunkCursor(Cursor):
    """Answers the chunk's SELECT with ``states`` and its write with ``affected`` rows."""

    def __init__(self, states, affected, gone=()):
        Cursor.__init__(self)
        self.states = states
        self.affected = affected
        self.gone = set(gone)

    def executemany(self, sql, rows):
        self.executed.append((sql, rows))

    def execute(self, sql, params=None):
        self.executed.append((sql, params))
        if sql.startswith("SELECT @@SESSION"):
            self.row = dict(fmt="ROW", log_bin=1)
        if sql.startswith(("UPDATE `shop`.`user_points` t", "DELETE `shop`", "INSERT INTO `shop`.`user_points` (")):
            if isinstance(self.affected, Exception):
                raise self.affected
            return self.affected
        if sql.startswith("UPDATE `shop`.`user_points` SET"):  # on_conflict: overwrite, by key
            return 0 if params[-1] in self.gone else 1
        return 0

    def fetchone(self):
        return self.row

    def fetchall(self):
        return self.states


class ChunkConn(Conn):
    def __init__(self, cursor):
        Conn.__init__(self)
        self.cursor_ = cursor


def state(seq, found=1, same=1, already=0):
    return dict(seq=seq, found=found, same=same, already=already)


def test_set_applier_classifies_a_chunk_like_row_by_row():
    states = [state(1, same=0, already=1), state(2, same=0), state(3, found=0)]  # what the write will not change
    cursor = ChunkCursor(states, affected=1, gone=[4])
    setter = SetApplier(ChunkConn(cursor), [POINTS])
    assert setter.available and setter.works == {"shop.user_points": WORK}
    ops = [update(n, 10, 0) for n in range(1, 5)]
    assert setter.apply(cursor, ops, "skip") == [("reverted", None), ("skipped", "already reverted"),
                                                 ("conflict", "changed since the event"),
                                                 ("conflict", "the row is gone")]
    sent = [sql.split(" ")[0] for sql, _p in cursor.executed]
    assert sent[-5:] == ["DELETE", "INSERT", "SELECT", "SAVEPOINT", "UPDATE"]
    assert any(sql.endswith("FOR UPDATE") for sql, _p in cursor.executed)
    # overwrite: the changed row is written over (unguarded, by key); the gone one stays a conflict.
    result = setter.apply(cursor, ops, "overwrite")
    assert result[2] == ("overwritten", "changed since the event") and result[3][0] == "conflict"


def test_set_applier_rolls_the_chunk_back_when_the_write_is_not_what_the_read_predicted():
    # Both rows were to be written, but one changed in between: the guarded write changed only the other.
    cursor = ChunkCursor([], affected=1)
    setter = SetApplier(ChunkConn(cursor), [POINTS])
    assert setter.apply(cursor, [update(1, 10, 0), update(2, 10, 0)], "skip") is None
    assert cursor.executed[-1][0] == "ROLLBACK TO SAVEPOINT %s" % SAVEPOINT and setter.fallbacks == 1

    class Duplicate(Exception):
        pass

    cursor = ChunkCursor([], affected=Duplicate(1062, "Duplicate entry"))
    setter = SetApplier(ChunkConn(cursor), [POINTS], integrity_errors=(Duplicate,))
    assert setter.apply(cursor, [reverse_op(POINTS, "delete", [1, "u", 1, None, 0], None)], "skip") is None
    assert cursor.executed[-1][0].startswith("ROLLBACK TO SAVEPOINT")


def test_set_applier_is_off_without_row_binlog_or_work_tables():
    cursor = ChunkCursor([], 0)
    cursor.execute = lambda sql, params=None: setattr(cursor, "row", dict(fmt="MIXED", log_bin=1))
    setter = SetApplier(ChunkConn(cursor), [POINTS])
    assert not setter.available and setter.reason == "binlog_format is MIXED, not ROW"

    class Denied(Exception):
        pass

    def deny(sql, params=None):
        if sql.startswith("CREATE TEMPORARY"):
            raise Denied(1044, "Access denied for user 'x' to database 'drkit_flashback'")
        cursor.row = dict(fmt="ROW", log_bin=1)

    cursor.execute = deny
    setter = SetApplier(ChunkConn(cursor), [POINTS], server_errors=(Denied,))
    assert not setter.available and "Access denied" in setter.reason

    # One table refused (too wide, say), another accepted: only the refused one goes row by row.
    def wide(sql, params=None):
        if sql.startswith("CREATE TEMPORARY") and "`a2`" in sql:
            raise Denied(1118, "Row size too large")
        cursor.row = dict(fmt="ROW", log_bin=1)

    cursor.execute = wide
    narrow = TableInfo("shop", "a_narrow", ["id", "v"], key=[0], types=["int", "int"])
    setter = SetApplier(ChunkConn(cursor), [POINTS, narrow], server_errors=(Denied,))
    assert setter.available and list(setter.works) == ["shop.a_narrow"]
    assert setter.reason == "no work table for shop.user_points (Row size too large)"
    assert not setter.accepts(update(1, 2, 0))
    assert SetApplier(ChunkConn(cursor), [TableInfo("s", "log", ["a"])]).reason.startswith("no table with a key")


def test_check_mode_judges_a_chunk_with_one_read_without_locking():
    states = [state(1, same=0, already=1), state(2, found=0)]
    cursor = ChunkCursor(states, affected=0)
    conn = ChunkConn(cursor)
    setter = SetApplier(conn, [POINTS])
    tally, sample, paths = Tally(), [], {}
    predict_ops(conn, iter([update(n, 10, 0) for n in range(1, 11)]), tally, sample, 2, setter, paths)
    assert tally.counts == dict(reverted=8, skipped=1, conflicts=1, overwritten=0) and paths == dict(set=10)
    assert len(sample) == 2 and not any("FOR UPDATE" in sql for sql, _p in cursor.executed)
    assert not any(sql.startswith(("SAVEPOINT", "UPDATE `shop`")) for sql, _p in cursor.executed)


def test_fast_literals_render_what_pymysql_renders():
    import decimal

    import pymysql

    from ansible_collections.drkit.mysql.plugins.module_utils.flashback_set import fast_literal

    conn = pymysql.connections.Connection(defer_connect=True, charset="utf8mb4")
    conn.server_status = 0
    render = fast_literal(conn)
    values = [None, 0, -5, 2 ** 64 - 1, "it's 100% \\ \"é😀\n", decimal.Decimal("-12.5000"), decimal.Decimal("1E+3"),
              datetime.datetime(2026, 11, 24, 9, 14, 0, 123456), b"\x00'\xff", 1.5, datetime.date(2026, 1, 2)]
    assert [render(v) for v in values][:4] == ["NULL", "0", "-5", "18446744073709551615"]
    for value in values:
        if isinstance(value, datetime.datetime):
            assert render(value) == "'2026-11-24 09:14:00.123456'" == conn.escape(value)
        elif isinstance(value, decimal.Decimal):
            assert decimal.Decimal(render(value)) == value and "E" not in render(value)
        else:
            assert render(value) == conn.escape(value), value
    assert render(datetime.datetime(2026, 1, 1)) == "'2026-01-01 00:00:00.000000'"
