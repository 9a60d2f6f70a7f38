# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run reverse operations on the primary: in batches, one transaction each, resumable; or predict; or write SQL.

Chunks of operations of one table run set-based where the server allows it (``flashback_set``: a work table,
one locking read and one guarded statement per chunk). The rest - tables without a key, UPDATEs that changed the
key, chunks the server refuses as a whole, servers without the set-based path - run row by row:
per row the guarded statement runs first (it changes the row only while it
still equals the after-image); when it changes nothing, the row is read
``FOR UPDATE`` to say why: already reverted, gone, or changed since (a
conflict, left alone unless ``on_conflict: overwrite``). Each batch commits
together with its progress row in ``drkit_flashback.progress``, so a run that
stops half-way resumes after the last committed batch, and a run that finished
is recognised and changes nothing.
"""
import os
import tempfile

from ansible_collections.drkit.mysql.plugins.module_utils.flashback_plan import classify, probe, settle, statement
from ansible_collections.drkit.mysql.plugins.module_utils.flashback_set import chunk_shape, row_key

PROGRESS_SCHEMA = "drkit_flashback"
PROGRESS_DDL = (
    "CREATE DATABASE IF NOT EXISTS drkit_flashback",
    "CREATE TABLE IF NOT EXISTS drkit_flashback.progress ("
    " run_id CHAR(64) NOT NULL PRIMARY KEY,"
    " selection VARCHAR(1000) NOT NULL,"
    " done BIGINT UNSIGNED NOT NULL DEFAULT 0,"
    " reverted BIGINT UNSIGNED NOT NULL DEFAULT 0,"
    " conflicts BIGINT UNSIGNED NOT NULL DEFAULT 0,"
    " skipped BIGINT UNSIGNED NOT NULL DEFAULT 0,"
    " overwritten BIGINT UNSIGNED NOT NULL DEFAULT 0,"
    " finished TINYINT NOT NULL DEFAULT 0,"
    " started_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),"
    " updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)"
    ") ENGINE=InnoDB",
    # Server-path runs (flashback_server) also count the rows events done: they resume by events, not rows.
    "CREATE TABLE IF NOT EXISTS drkit_flashback.progress_events ("
    " run_id CHAR(64) NOT NULL PRIMARY KEY,"
    " events BIGINT UNSIGNED NOT NULL DEFAULT 0"
    ") ENGINE=InnoDB",
)
PROGRESS_READ = ("SELECT done, reverted, conflicts, skipped, overwritten, finished, updated_at "
                 "FROM drkit_flashback.progress WHERE run_id = %s")
PROGRESS_WRITE = (
    "INSERT INTO drkit_flashback.progress (run_id, selection, done, reverted, conflicts, skipped, overwritten, "
    "finished) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON DUPLICATE KEY UPDATE done = VALUES(done), "
    "reverted = VALUES(reverted), conflicts = VALUES(conflicts), skipped = VALUES(skipped), "
    "overwritten = VALUES(overwritten), finished = VALUES(finished), updated_at = CURRENT_TIMESTAMP(6)")
PROGRESS_EVENTS_READ = "SELECT events FROM drkit_flashback.progress_events WHERE run_id = %s"
PROGRESS_EVENTS_WRITE = ("INSERT INTO drkit_flashback.progress_events (run_id, events) VALUES (%s, %s) "
                         "ON DUPLICATE KEY UPDATE events = VALUES(events)")
PROGRESS_TABLE_EXISTS = ("SELECT COUNT(*) AS n FROM information_schema.TABLES "
                         "WHERE TABLE_SCHEMA = 'drkit_flashback' AND TABLE_NAME = 'progress'")
COUNTERS = ("reverted", "conflicts", "skipped", "overwritten")


class Tally(object):
    """Counts and the first conflicts (capped) of one run."""

    def __init__(self, max_listed=100, start=None):
        start = start or {}
        self.done = int(start.get("done") or 0)
        self.counts = dict((name, int(start.get(name) or 0)) for name in COUNTERS)
        self.max_listed = max_listed
        self.conflict_list = []
        self.by_table = {}

    def add_count(self, table, outcome, count):
        """Count ``count`` operations of ``table`` with one outcome and nothing to list (a set-based chunk)."""
        if not count:
            return
        self.done += count
        names = dict(reverted=("reverted",), skipped=("skipped",))[outcome]
        counters = self.by_table.setdefault(table, dict(reverted=0, conflicts=0, skipped=0, overwritten=0))
        for name in names:
            self.counts[name] += count
            counters[name] += count

    def add(self, op, outcome, reason=None):
        """Count one outcome: reverted, skipped, conflict or overwritten (a conflict written over)."""
        self.done += 1
        names = dict(reverted=("reverted",), skipped=("skipped",), conflict=("conflicts",),
                     overwritten=("conflicts", "overwritten"))[outcome]
        table = self.by_table.setdefault(op.info.name, dict(reverted=0, conflicts=0, skipped=0, overwritten=0))
        for name in names:
            self.counts[name] += 1
            table[name] += 1
        if outcome in ("conflict", "overwritten") and len(self.conflict_list) < self.max_listed:
            entry = op.describe()
            entry.update(reason=reason, resolution="overwritten" if outcome == "overwritten" else "left as it is")
            self.conflict_list.append(entry)


def _execute(cursor, sql_and_params):
    sql, params = sql_and_params
    return cursor.execute(sql, params)


def apply_one(cursor, op, on_conflict, integrity_errors=()):
    """(outcome, reason) of one reverse operation inside the caller's transaction."""
    try:
        if _execute(cursor, statement(op)):
            return "reverted", None
    except integrity_errors as exc:
        return "conflict", "refused by the server: %s" % (exc.args[1] if len(exc.args) > 1 else exc)
    return resolve(cursor, op, on_conflict, integrity_errors)


def resolve(cursor, op, on_conflict, integrity_errors=()):
    """Why a guarded statement changed nothing (the row read FOR UPDATE), and the overwrite when asked."""
    _execute(cursor, probe(op, lock=True))
    row = cursor.fetchone()
    return settle(op, row is not None, bool(row and row["same"]), bool(row and row["already"]), cursor, on_conflict,
                  integrity_errors)


def pipelined(cursor, texts, integrity_errors=()):
    """Run statements (SQL text) several per round trip (a multi-statement connection); affected rows of each.

    A statement the server refuses with an integrity error ends its round trip (the server runs none after it):
    its entry is the exception, and the rest are sent again.
    """
    counts = []
    while len(counts) < len(texts):
        try:
            cursor.execute(";\n".join(texts[len(counts):]))
            counts.append(cursor.rowcount)
            while cursor.nextset():
                counts.append(cursor.rowcount)
        except integrity_errors as exc:
            counts.append(exc)
    return counts


def apply_chunk(cursor, conn, ops, on_conflict, integrity_errors=()):
    """[(outcome, reason)] of ops sent in one round trip; the few that changed nothing are resolved one by one
    afterwards (a row changed again later in the same chunk is then judged on its newer state)."""
    counts = pipelined(cursor, [render(conn, statement(op)) for op in ops], integrity_errors)
    results = []
    for op, count in zip(ops, counts):
        if isinstance(count, Exception):
            results.append(("conflict", "refused by the server: %s"
                            % (count.args[1] if len(count.args) > 1 else count)))
        elif count:
            results.append(("reverted", None))
        else:
            results.append(resolve(cursor, op, on_conflict, integrity_errors))
    return results


def predict_one(cursor, op):
    """What apply_one would do, from reads only (check mode)."""
    if op.kind == "insert" and op.info.keyless:
        return "reverted", None
    _execute(cursor, probe(op, lock=False))
    row = cursor.fetchone()
    if op.kind == "insert":
        if row is None:
            return "reverted", None
    elif row is not None and row["same"]:
        return "reverted", None
    return classify(op, row is not None, bool(row and row["same"]), bool(row and row["already"]))


def read_progress(cursor, run):
    """The progress row of ``run`` or None (also when the table does not exist yet)."""
    cursor.execute(PROGRESS_TABLE_EXISTS)
    if not int(cursor.fetchone()["n"]):
        return None
    cursor.execute(PROGRESS_READ, (run,))
    return cursor.fetchone()


def _save(cursor, run, selection, tally, finished):
    c = tally.counts
    cursor.execute(PROGRESS_WRITE, (run, selection[:1000], tally.done, c["reverted"], c["conflicts"], c["skipped"],
                                    c["overwritten"], 1 if finished else 0))


SET_CHUNK = 2000  # operations per set-based chunk (one work-table load, one read, one write)
SET_MIN = 8  # fewer than this are cheaper row by row


class Chunker(object):
    """Groups operations, in order, into chunks: set-based ones (same table, kind and guarded columns, no row key
    twice - a row touched by several events is undone newest first, each in a later chunk) and row-by-row ones."""

    def __init__(self, setter, pipeline, set_chunk=SET_CHUNK):
        self.setter = setter
        self.pipeline = max(1, pipeline)
        self.set_chunk = set_chunk
        self.ops = []
        self.mode = None
        self.shape = None
        self.keys = set()

    def add(self, op):
        """Adds ``op``; returns the chunk it closed first ((mode, ops)) or None."""
        closed = None
        if self.setter is not None and self.setter.accepts(op):
            shape, key = chunk_shape(op), row_key(op)
            if self.mode != "set" or shape != self.shape or key in self.keys or len(self.ops) >= self.set_chunk:
                closed = self.take()
                self.mode, self.shape = "set", shape
            self.keys.add(key)
        else:
            if self.mode != "row" or len(self.ops) >= self.pipeline:
                closed = self.take()
                self.mode = "row"
        self.ops.append(op)
        return closed

    def take(self):
        """The pending chunk ((mode, ops), or None) and start a new one."""
        if not self.ops:
            return None
        chunk = (self.mode, self.ops)
        self.ops, self.mode, self.shape, self.keys = [], None, None, set()
        return chunk


def _row_chunks(ops, pipeline):
    for start in range(0, len(ops), pipeline):
        yield ops[start:start + pipeline]


class OpRunner(object):
    """Runs reverse operations inside the caller's transaction: set-based chunks where ``setter`` takes them, the
    rest row by row (``pipeline`` statements per round trip); outcomes go to ``tally``, counts to ``paths``."""

    def __init__(self, cursor, conn, tally, on_conflict="skip", integrity_errors=(), pipeline=1, setter=None,
                 paths=None):
        self.cursor = cursor
        self.conn = conn
        self.tally = tally
        self.on_conflict = on_conflict
        self.integrity_errors = integrity_errors
        self.pipeline = max(1, pipeline)
        self.setter = setter
        self.paths = paths if paths is not None else {}
        self.paths.setdefault("set", 0)
        self.paths.setdefault("row", 0)
        self.chunker = Chunker(setter, pipeline)

    def add(self, op):
        self._flush(self.chunker.add(op))

    def finish(self):
        """Run what is pending (before a commit)."""
        self._flush(self.chunker.take())

    def _by_row(self, chunk):
        for part in _row_chunks(chunk, self.pipeline):
            if self.pipeline > 1:
                outcomes = apply_chunk(self.cursor, self.conn, part, self.on_conflict, self.integrity_errors)
            else:
                outcomes = [apply_one(self.cursor, op, self.on_conflict, self.integrity_errors) for op in part]
            self.paths["row"] += len(part)
            for op, (outcome, reason) in zip(part, outcomes):
                self.tally.add(op, outcome, reason)

    def _flush(self, chunk):
        if chunk is None:
            return
        mode, chunk_ops = chunk
        if mode == "set" and len(chunk_ops) >= SET_MIN:
            outcomes = self.setter.apply(self.cursor, chunk_ops, self.on_conflict)
            if outcomes is not None:
                self.paths["set"] += len(chunk_ops)
                for op, (outcome, reason) in zip(chunk_ops, outcomes):
                    self.tally.add(op, outcome, reason)
                return
        self._by_row(chunk_ops)


def _prepare(cursor):
    for statement_text in PROGRESS_DDL:
        cursor.execute(statement_text)
    cursor.execute("SET SESSION time_zone = '+00:00'")


def apply_ops(conn, ops, run, selection, tally, batch_size=1000, on_conflict="skip", integrity_errors=(),
              pipeline=1, setter=None, paths=None):
    """Apply ``ops`` in batches (one transaction each, progress saved with it), skipping the ``tally.done``
    operations an earlier run committed; ``pipeline`` statements per round trip (needs a multi-statement
    connection when above 1). ``setter`` (flashback_set.SetApplier): chunks of operations run set-based where it
    accepts them. ``paths`` (dict) counts the operations done set-based and row by row. Returns the number of
    batches committed by this call."""
    skip = tally.done
    batches = 0
    with conn.cursor() as cursor:
        _prepare(cursor)
        runner = OpRunner(cursor, conn, tally, on_conflict, integrity_errors, pipeline, setter, paths)
        in_batch = 0
        conn.begin()
        try:
            for index, op in enumerate(ops):
                if index < skip:
                    continue
                runner.add(op)
                in_batch += 1
                if in_batch >= batch_size:
                    runner.finish()
                    _save(cursor, run, selection, tally, False)
                    conn.commit()
                    batches += 1
                    in_batch = 0
                    conn.begin()
            runner.finish()
            _save(cursor, run, selection, tally, True)
            conn.commit()
            batches += 1
        except BaseException:
            conn.rollback()
            raise
    return batches


def read_events_done(cursor, run):
    """How many rows events (newest first) a server-path run committed, or None: not a server-path run."""
    cursor.execute(PROGRESS_TABLE_EXISTS.replace("'progress'", "'progress_events'"))
    if not int(cursor.fetchone()["n"]):
        return None
    cursor.execute(PROGRESS_EVENTS_READ, (run,))
    row = cursor.fetchone()
    return int(row["events"]) if row else None


def apply_groups(conn, groups, undo, plan, run, selection, tally, on_conflict="skip", integrity_errors=(),
                 pipeline=1, setter=None, paths=None):
    """The server path's apply (``flashback_server``): one transaction per group of rows events (``groups``,
    flashback_source.EventGroups, newest first), saved with the progress row and the count of events done, so a
    run stopped half-way resumes after its last committed group. A group the server path does not take is
    decoded in Python (``plan``: changes -> Ops) and run like ``apply_ops`` runs operations. Returns the number
    of groups committed."""
    paths = paths if paths is not None else {}
    paths.setdefault("server", 0)
    events_done = groups.skip
    committed = 0
    with conn.cursor() as cursor:
        _prepare(cursor)
        runner = OpRunner(cursor, conn, tally, on_conflict, integrity_errors, pipeline, setter, paths)
        for group, loaded in undo.loaded(groups):
            conn.begin()
            try:
                done = undo.apply(cursor, group, loaded, on_conflict) if loaded is not None else None
                if done is None:
                    for op in plan(groups.changes(group)):
                        runner.add(op)
                    runner.finish()
                else:
                    reverted, others = done
                    tally.add_count(group.info.name, "reverted", reverted)
                    for op, outcome, reason in others:
                        tally.add(op, outcome, reason)
                    paths["server"] += reverted + len(others)
                    groups.observe(group, reverted + len(others))
                events_done += len(group.offsets)
                _commit_progress(cursor, conn, run, selection, tally, False, events_done)
                committed += 1
            except BaseException:
                conn.rollback()
                raise
        conn.begin()
        _commit_progress(cursor, conn, run, selection, tally, True, events_done)
    return committed


def _commit_progress(cursor, conn, run, selection, tally, finished, events_done):
    """The progress row, the events done and COMMIT in one round trip."""
    c = tally.counts
    progress = (run, selection[:1000], tally.done, c["reverted"], c["conflicts"], c["skipped"], c["overwritten"],
                1 if finished else 0)
    texts = [render(conn, (PROGRESS_WRITE, progress)), render(conn, (PROGRESS_EVENTS_WRITE, (run, events_done))),
             "COMMIT"]
    cursor.execute(";\n".join(texts))
    while cursor.nextset():
        pass


def predict_groups(conn, groups, undo, plan, tally, sample=None, sample_size=20, setter=None, paths=None):
    """Check mode of the server path: each group loaded (binlog off) and judged with one read; groups it does
    not take are judged as ``predict_ops`` judges operations. The sample statements come from the first group,
    decoded in Python."""
    paths = paths if paths is not None else {}
    paths.setdefault("server", 0)
    with conn.cursor() as cursor:
        cursor.execute("SET SESSION time_zone = '+00:00'")
        for group, loaded in undo.loaded(groups):
            if sample is not None and len(sample) < sample_size:
                for op in plan(groups.changes(group)):
                    if len(sample) >= sample_size:
                        break
                    sample.append(render(conn, statement(op)))
            judged = undo.predict(cursor, group, loaded) if loaded is not None else None
            if judged is None:
                predict_ops(conn, plan(groups.changes(group)), tally, setter=setter, paths=paths)
                continue
            reverted, others = judged
            tally.add_count(group.info.name, "reverted", reverted)
            for op, outcome, reason in others:
                tally.add(op, outcome, reason)
            paths["server"] += reverted + len(others)
            groups.observe(group, reverted + len(others))


def predict_ops(conn, ops, tally, sample=None, sample_size=20, setter=None, paths=None):
    """Check mode: the outcome each operation would have now, and the first statements as SQL text. With
    ``setter``, chunks of operations are judged with one read each; as row by row, every operation is judged on
    the rows as they are now."""
    with conn.cursor() as cursor:
        cursor.execute("SET SESSION time_zone = '+00:00'")
        chunker = Chunker(setter, 1 if setter is None else SET_CHUNK)

        def flush(chunk):
            if chunk is None:
                return
            mode, chunk_ops = chunk
            if mode == "set" and len(chunk_ops) >= SET_MIN:
                outcomes = setter.predict(cursor, chunk_ops)
                mode = "set"
            else:
                outcomes = [predict_one(cursor, op) for op in chunk_ops]
                mode = "row"
            if paths is not None:
                paths[mode] = paths.get(mode, 0) + len(chunk_ops)
            for op, (outcome, reason) in zip(chunk_ops, outcomes):
                tally.add(op, outcome, reason)

        for op in ops:
            if sample is not None and len(sample) < sample_size:
                sample.append(render(conn, statement(op)))
            flush(chunker.add(op))
        flush(chunker.take())


def render(conn, sql_and_params):
    """A statement with its parameters as literals (the server connection's escaping rules)."""
    sql, params = sql_and_params
    return sql % tuple(conn.escape(value) for value in params)


def write_sql(conn, ops, dest, header, batch_size=1000):
    """Write the guarded reverse statements to ``dest`` (0600, replaced atomically). Returns (statements, changed);
    unchanged content leaves the file as it was."""
    directory = os.path.dirname(os.path.abspath(dest))
    fd, tmp = tempfile.mkstemp(prefix=".flashback-", dir=directory)
    count = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as out:
            for line in header:
                out.write("-- %s\n" % line if line else "--\n")
            out.write("SET NAMES utf8mb4;\nSET time_zone = '+00:00';\nSTART TRANSACTION;\n")
            gtid = None
            for op in ops:
                if op.gtid != gtid:
                    gtid = op.gtid
                    out.write("-- undo of transaction %s\n" % (gtid or "(no GTID)"))
                out.write(render(conn, statement(op)) + ";\n")
                count += 1
                if count % batch_size == 0:
                    out.write("COMMIT;\nSTART TRANSACTION;\n")
            out.write("COMMIT;\n")
        os.chmod(tmp, 0o600)
        if os.path.exists(dest) and _same_file(tmp, dest):
            os.unlink(tmp)
            os.chmod(dest, 0o600)
            return count, False
        os.rename(tmp, dest)
        return count, True
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _same_file(left, right):
    if os.path.getsize(left) != os.path.getsize(right):
        return False
    with open(left, "rb") as a, open(right, "rb") as b:
        while True:
            x, y = a.read(1 << 20), b.read(1 << 20)
            if x != y:
                return False
            if not x:
                return True
