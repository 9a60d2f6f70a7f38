"""Applying reverse operations against a scripted cursor: outcomes, batches, resume, check mode, SQL file."""
import os
import stat

from ansible_collections.drkit.mysql.plugins.module_utils.flashback_apply import (
    Tally,
    apply_ops,
    apply_one,
    predict_ops,
    write_sql,
)
from ansible_collections.drkit.mysql.plugins.module_utils.flashback_plan import TableInfo, reverse_op

INFO = TableInfo("shop", "user_points", ["user_id", "points"], key=[0], key_name="PRIMARY")


class Duplicate(Exception):
    pass


class Cursor(object):
    """Answers a guarded statement with ``changed[user_id]`` rows and a probe with ``probes[user_id]``."""

    def __init__(self, changed=None, probes=None):
        self.changed = changed or {}
        self.probes = probes or {}
        self.executed = []
        self.row = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute(self, sql, params=None):
        self.executed.append((sql, params))
        if sql.startswith("SELECT (") and params:
            self.row = self.probes.get(params[-1])
            return 1 if self.row else 0
        if sql.startswith(("UPDATE `shop`", "DELETE FROM `shop`", "INSERT INTO `shop`")):
            user = params[1] if sql.startswith("UPDATE") else params[0]
            if sql.startswith("UPDATE") and len(params) == 2:  # on_conflict: overwrite, no guard
                return 1
            answer = self.changed.get(user, 1)
            if isinstance(answer, Exception):
                raise answer
            return answer
        return 0

    def fetchone(self):
        return self.row


class Conn(object):
    def __init__(self, cursor):
        self._cursor = cursor
        self.commits = 0
        self.rollbacks = 0

    def cursor(self):
        return self._cursor

    def begin(self):
        pass

    def commit(self):
        self.commits += 1

    def rollback(self):
        self.rollbacks += 1

    def escape(self, value):
        return "NULL" if value is None else "'%s'" % value if isinstance(value, str) else str(value)


def update(user, before, after):
    return reverse_op(INFO, "update", [user, before], [user, after], gtid="0-1-%d" % user)


def test_outcomes_of_one_row():
    cursor = Cursor(changed={2: 0, 3: 0, 4: 0, 5: Duplicate(1062, "Duplicate entry")},
                    probes={2: dict(same=0, already=1), 3: dict(same=0, already=0)})
    assert apply_one(cursor, update(1, 10, 0), "skip") == ("reverted", None)
    assert apply_one(cursor, update(2, 10, 0), "skip") == ("skipped", "already reverted")
    assert apply_one(cursor, update(3, 10, 0), "skip") == ("conflict", "changed since the event")
    assert apply_one(cursor, update(4, 10, 0), "skip") == ("conflict", "the row is gone")
    assert apply_one(cursor, update(3, 10, 0), "overwrite") == ("overwritten", "changed since the event")
    assert cursor.executed[-1][0] == "UPDATE `shop`.`user_points` SET `points` = %s WHERE `user_id` <=> %s"
    insert_back = reverse_op(INFO, "delete", [5, 7], None)
    assert apply_one(cursor, insert_back, "skip", (Duplicate,))[0] == "conflict"
    # The probe locks the row it reads.
    assert any(sql.endswith("FOR UPDATE") for sql, _params in cursor.executed)


def test_batches_commit_with_their_progress_and_a_rerun_resumes():
    ops = [update(n, 10, 0) for n in range(1, 8)]
    cursor = Cursor(changed={3: 0}, probes={3: dict(same=0, already=0)})
    conn = Conn(cursor)
    tally = Tally(max_listed=5)
    batches = apply_ops(conn, iter(ops), "r" * 64, "gtids=0-1-1", tally, batch_size=3)
    assert batches == 3 and conn.commits == 3  # 3 + 3 + 1 rows
    assert tally.done == 7 and tally.counts == dict(reverted=6, conflicts=1, skipped=0, overwritten=0)
    assert tally.conflict_list[0]["key"] == dict(user_id=3) and tally.by_table["shop.user_points"]["conflicts"] == 1
    saved = [params for sql, params in cursor.executed if sql.startswith("INSERT INTO drkit_flashback.progress")]
    assert [p[2] for p in saved] == [3, 6, 7] and [p[-1] for p in saved] == [0, 0, 1]
    assert ("SET SESSION time_zone = '+00:00'", None) in cursor.executed
    # A run that stopped after 6 operations starts again at the 7th.
    cursor = Cursor()
    resumed = Tally(start=dict(done=6, reverted=6))
    apply_ops(Conn(cursor), iter(ops), "r" * 64, "", resumed, batch_size=3)
    touched = [params[1] for sql, params in cursor.executed if sql.startswith("UPDATE `shop`")]
    assert touched == [7] and resumed.counts["reverted"] == 7


def test_a_failing_batch_is_rolled_back():
    cursor = Cursor(changed={2: RuntimeError("deadlock")})
    conn = Conn(cursor)
    try:
        apply_ops(conn, iter([update(1, 1, 0), update(2, 1, 0)]), "r", "", Tally(), batch_size=10)
    except RuntimeError:
        pass
    assert conn.rollbacks == 1 and conn.commits == 0


def test_check_mode_predicts_from_reads_only():
    cursor = Cursor(probes={1: dict(same=1, already=0), 2: dict(same=0, already=1), 3: dict(same=0, already=0)})
    tally, sample = Tally(), []
    predict_ops(Conn(cursor), iter([update(1, 5, 0), update(2, 5, 0), update(3, 5, 0), update(4, 5, 0)]), tally,
                sample, sample_size=2)
    assert tally.counts == dict(reverted=1, skipped=1, conflicts=2, overwritten=0)
    assert sample == ["UPDATE `shop`.`user_points` SET `points` = 5 WHERE `user_id` <=> 1 AND `points` <=> 0",
                      "UPDATE `shop`.`user_points` SET `points` = 5 WHERE `user_id` <=> 2 AND `points` <=> 0"]
    assert all(sql.startswith(("SELECT", "SET SESSION")) and "FOR UPDATE" not in sql for sql, _p in cursor.executed)


def test_sql_file_is_private_batched_and_rewritten_only_when_it_differs(tmp_path):
    dest = str(tmp_path / "undo.sql")
    ops = [update(1, 10, 0), update(2, 20, 0), reverse_op(INFO, "delete", [3, "x"], None)]
    count, changed = write_sql(Conn(Cursor()), iter(ops), dest, ["flashback test", ""], batch_size=2)
    assert (count, changed) == (3, True)
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    text = open(dest).read()
    assert text.startswith("-- flashback test\n--\nSET NAMES utf8mb4;\nSET time_zone = '+00:00';\nSTART TRANSACTION;")
    assert "-- undo of transaction 0-1-1\nUPDATE `shop`.`user_points` SET `points` = 10 WHERE `user_id` <=> 1 AND " \
           "`points` <=> 0;\n" in text
    assert text.count("COMMIT;") == 2 and text.endswith("WHERE `user_id` <=> 3);\nCOMMIT;\n")
    assert write_sql(Conn(Cursor()), iter(ops), dest, ["flashback test", ""], batch_size=2) == (3, False)
    assert os.listdir(str(tmp_path)) == ["undo.sql"]


class MultiCursor(Cursor):
    """A multi-statement connection: one execute runs several statements, nextset() walks their results; a
    statement raising ends the round trip."""

    def execute(self, sql, params=None):
        if params is not None or ";\n" not in sql and not sql.startswith(("UPDATE `shop`", "INSERT INTO `shop`")):
            return Cursor.execute(self, sql, params)
        self.executed.append((sql, None))
        self.results = []
        for text in sql.split(";\n"):
            user = int(text.split("`user_id` <=> ")[1].split()[0].rstrip(")"))
            answer = self.changed.get(user, 1)
            if isinstance(answer, Exception):
                self.results.append(answer)
                break
            self.results.append(answer)
        return self._next()

    def _next(self):
        if not self.results:
            return None
        answer = self.results.pop(0)
        if isinstance(answer, Exception):
            self.results = []
            raise answer
        self.rowcount = answer
        return True

    def nextset(self):
        return self._next()


def test_pipelined_round_trips_resolve_what_changed_nothing():
    cursor = MultiCursor(changed={3: 0, 5: Duplicate(1062, "Duplicate entry '5'")}, probes={3: dict(same=0, already=1)})
    conn = Conn(cursor)
    tally = Tally()
    ops = [update(n, 10, 0) for n in range(1, 7)]
    apply_ops(conn, iter(ops), "r", "", tally, batch_size=4, integrity_errors=(Duplicate,), pipeline=3)
    assert tally.counts == dict(reverted=4, skipped=1, conflicts=1, overwritten=0)
    assert tally.conflict_list[0]["key"] == dict(user_id=5) and "Duplicate entry" in tally.conflict_list[0]["reason"]
    sent = [sql.count(";\n") + 1 for sql, params in cursor.executed if params is None and sql.startswith("UPDATE")]
    # 3 + 1 (batch of 4 ends), then 2 of which the first fails and the other is sent again.
    assert sent == [3, 1, 2, 1] and conn.commits == 2
