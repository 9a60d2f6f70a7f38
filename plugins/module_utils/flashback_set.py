# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Set-based undo: a chunk of reverse operations of one table as a few statements instead of one per row.

Per chunk (up to a few thousand operations of one table and kind, every row key distinct), inside the
caller's transaction:

1. the operations' images go into a session work table (``CREATE TEMPORARY TABLE`` with the table's own column
   types, character sets and collations, so values compare exactly as in the table) with multi-row INSERTs;
2. one ``SELECT ... FROM work LEFT JOIN table ... FOR UPDATE`` reads, for every operation, whether its row exists,
   whether it still equals the after-image on the checked columns (NULL-safe ``<=>``) and whether it is already
   reverted - and locks those rows;
3. one guarded statement writes them all: ``UPDATE table JOIN work ... SET c = IF(flag, before, c) WHERE guard``,
   ``DELETE table FROM table JOIN work ... WHERE guard`` or ``INSERT INTO table SELECT ... FROM work LEFT JOIN
   table ... WHERE the key is free``. The guard is the same as the per-row statement's, so a row changed since the
   event is never written; the rows the SELECT found changed, gone or taken are classified exactly as the per-row
   path classifies them (conflicts listed, left alone unless ``on_conflict: overwrite``).

When the write does not change exactly the rows step 2 predicted (another session slipped a row into a free key
under READ COMMITTED), or the server refuses it (a unique secondary key or a foreign key that only the newest-first
order of the individual rows satisfies), the chunk is rolled back to a savepoint and done row by row.

Temporary tables are not written to a ROW-format binlog (MySQL and MariaDB); the binlog gets the row events of
the real table only, so replicas apply the same rows. The path is only used when the session's binlog_format is
ROW (or the binlog is off) and the work tables could be created (the account needs CREATE TEMPORARY TABLES on the
``drkit_flashback`` schema).

Stdlib only: this file runs on managed hosts with Python 3.8+.
"""
import datetime
import decimal
import unicodedata

from ansible_collections.drkit.mysql.plugins.module_utils.flashback_plan import quote, settle, sql_value

WORK_SCHEMA = "drkit_flashback"
SAVEPOINT = "drkit_flashback_chunk"
LOAD_BYTES = 1 << 20  # SQL text per work-table INSERT (max_allowed_packet is 16 MB or more by default)


def work_name(index):
    return "%s.%s" % (quote(WORK_SCHEMA), quote("work_%d" % index))


def work_table_ddl(info, name, extra=()):
    """CREATE TEMPORARY TABLE of the work table of ``info``: seq, and per writable column ``a<i>`` (after-image),
    ``b<i>`` (before-image), ``f<i>`` (1: the UPDATE sets this column back), all NULLable, the table's types;
    then ``extra`` column or key definitions."""
    parts = ["`seq` INT UNSIGNED NOT NULL PRIMARY KEY"]
    for i in info.writable:
        column_type = info.types[i].replace("%", "%%")
        parts.append("`a%d` %s NULL" % (i, column_type))
        parts.append("`b%d` %s NULL" % (i, column_type))
        parts.append("`f%d` TINYINT NULL" % i)
    parts.extend(extra)
    return "CREATE TEMPORARY TABLE %s (%s) ENGINE=InnoDB" % (name, ", ".join(parts))


def eligible(op):
    """Whether ``op`` can be undone set-based: a table with a key and known column types, and (UPDATE) a key
    the event did not change."""
    info = op.info
    if info.keyless or info.types is None:
        return False
    if op.kind == "update":
        keyed = set(info.key)
        return not any(i in keyed for i, _v in op.restore)
    return True


def _normal(value):
    """A key value as the server may compare it: strings without case, accents or trailing spaces (a collation
    may call 'abc', 'ABC ' and 'àbc' the same key). Only used to find keys seen twice: over-matching costs a
    chunk split, never a wrong result."""
    if isinstance(value, bytes):
        return value.rstrip(b" \x00")
    if isinstance(value, str):
        text = unicodedata.normalize("NFKD", value)
        return "".join(c for c in text if not unicodedata.combining(c)).casefold().rstrip()
    return value


def row_key(op):
    """The identity of the row ``op`` writes: (table, normalised key values)."""
    pairs = op.locate if op.kind != "insert" else [(i, v) for i, v in op.restore if i in op.info.key]
    if len(pairs) == 1 and isinstance(pairs[0][1], int) and not isinstance(pairs[0][1], bool):  # the usual int key
        return (op.info.name, pairs[0][1])
    return (op.info.name, tuple(_normal(sql_value(v)) for _i, v in sorted(pairs)))


def chunk_shape(op):
    """Operations share a chunk only when they have the same table, kind and guarded columns (the guard of one
    table and kind is the same for every change of one flashback: the table's writable columns, or ``columns``)."""
    return (op.info.name, op.kind, len(op.guard))


def fast_literal(conn):
    """A function rendering one value as an SQL literal: the common types directly, the others (bytes, floats,
    dates, times...) with the connection's own ``escape``. Strings are escaped by the connection (it knows
    NO_BACKSLASH_ESCAPES)."""
    literal = conn.escape
    escape_string = getattr(conn, "escape_string", None)
    datetime_type, decimal_type = datetime.datetime, decimal.Decimal

    def render(value):
        kind = type(value)
        if value is None:
            return "NULL"
        if kind is int:
            return str(value)
        if kind is str and escape_string is not None:
            return "'%s'" % escape_string(value)
        if kind is datetime_type and value.tzinfo is None:
            return "'%04d-%02d-%02d %02d:%02d:%02d.%06d'" % (
                value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond)
        if kind is decimal_type and value.is_finite():
            return format(value, "f")
        return literal(value)
    return render


def guarded_write(cursor, write, expected, integrity_errors=()):
    """Run a chunk's guarded write after a savepoint; True when it changed exactly ``expected`` rows, else (a row
    changed in between, a key taken, a refusal by the server) it is rolled back to the savepoint and False."""
    cursor.execute("SAVEPOINT %s" % SAVEPOINT, ())
    try:
        affected = cursor.execute(write, ()) if expected else 0
    except integrity_errors:
        affected = None
    if affected != expected:
        cursor.execute("ROLLBACK TO SAVEPOINT %s" % SAVEPOINT, ())
        return False
    return True


def restored_columns(ops):
    """(columns some UPDATE of the chunk sets back, columns every one of them sets back), positions in order."""
    some, every = set(), None
    for op in ops:
        positions = set(i for i, _v in op.restore)
        some |= positions
        every = positions if every is None else every & positions
    return tuple(sorted(some)), tuple(sorted(every or ()))


class Statements(object):
    """The SQL of one chunk shape: load the work table, read (and lock) the rows the write will not change, write.

    For UPDATEs only the columns the chunk's changes set back are loaded and written; a column set back by every
    row of the chunk is assigned directly, one set back by some rows only through ``IF(flag, before, column)``.
    """

    def __init__(self, op, work, restored=(), every=()):
        info = self.info = op.info
        self.kind = op.kind
        self.work = work
        self.guard = [i for i, _v in op.guard]
        self.restored = list(restored)
        self.flagged = [i for i in restored if i not in every]
        if op.kind == "insert":
            self.load_columns = ["b%d" % i for i in info.writable]
            image, same = "b", list(info.writable)
        else:
            self.load_columns = ["a%d" % i for i in info.key] + ["a%d" % i for i in self.guard]
            if op.kind == "update":
                self.load_columns += ["b%d" % i for i in self.restored] + ["f%d" % i for i in self.flagged]
            image, same = "a", self.guard

        def join_and_same(ref):
            join = " AND ".join("%s.%s = w.`%s%d`" % (ref, quote(info.columns[i]), image, i) for i in info.key)
            same_sql = " AND ".join("%s.%s <=> w.`%s%d`" % (ref, quote(info.columns[i]), image, i)
                                    for i in same) or "1"
            return join, same_sql

        join, same_sql = join_and_same("t")
        already_sql = "0"
        if op.kind == "update":
            already_sql = " AND ".join(("(w.`f{1}` = 0 OR t.{0} <=> w.`b{1}`)" if i in self.flagged else
                                        "t.{0} <=> w.`b{1}`").format(quote(info.columns[i]), i)
                                       for i in self.restored) or "1"
        found = "t.%s IS NOT NULL" % quote(info.columns[info.key[0]])
        self.load_prefix = "INSERT INTO %s (`seq`, %s) VALUES " % (  # noqa: S608 - quoted identifiers
            work, ", ".join("`%s`" % c for c in self.load_columns))
        self.load = self.load_prefix + "(%s)" % ", ".join(["%s"] * (len(self.load_columns) + 1))
        self.clear = "DELETE FROM %s" % work  # noqa: S608 - quoted identifiers
        # Only the operations the write will not do come back: gone, changed since, or (INSERT) key taken.
        kept = "%s IS NULL OR NOT (%s)" % (found.replace(" IS NOT NULL", ""), same_sql) if op.kind != "insert" \
            else found
        self.read = ("SELECT w.`seq` AS seq, (%s) AS found, (%s) AS same, (%s) AS already "  # noqa: S608 - quoted identifiers
                     "FROM %s w LEFT JOIN %s t ON %s WHERE %s ORDER BY w.`seq`"
                     % (found, same_sql, already_sql, work, info.quoted, join, kept))
        if op.kind == "update":
            sets = ", ".join(("t.{0} = IF(w.`f{1}`, w.`b{1}`, t.{0})" if i in self.flagged else
                              "t.{0} = w.`b{1}`").format(quote(info.columns[i]), i) for i in self.restored)
            self.write = "UPDATE %s t JOIN %s w ON %s SET %s WHERE %s" % (  # noqa: S608 - quoted identifiers
                info.quoted, work, join, sets, same_sql)
        elif op.kind == "delete":
            # The table by its name, not an alias: MariaDB answers "No database selected" to DELETE t FROM db.x t.
            full_join, full_same = join_and_same(info.quoted)
            self.write = "DELETE %s FROM %s JOIN %s w ON %s WHERE %s" % (  # noqa: S608 - quoted identifiers
                info.quoted, info.quoted, work, full_join, full_same)
        else:
            names = ", ".join(quote(info.columns[i]) for i in info.writable)
            values = ", ".join("w.`b%d`" % i for i in info.writable)
            self.write = ("INSERT INTO %s (%s) SELECT %s FROM %s w LEFT JOIN %s t ON %s WHERE %s IS NULL "  # noqa: S608 - quoted identifiers
                          "ORDER BY w.`seq`" % (info.quoted, names, values, work, info.quoted, join,
                                                "t.%s" % quote(info.columns[info.key[0]])))

    def row(self, seq, op):
        """The work-table row of ``op`` (parameters of ``load``)."""
        if self.kind == "insert":
            return [seq] + [sql_value(v) for _i, v in op.restore]
        values = [seq] + [sql_value(v) for _i, v in op.locate] + [sql_value(v) for _i, v in op.guard]
        if self.kind == "update":
            restore = dict(op.restore)
            values += [sql_value(restore[i]) if i in restore else None for i in self.restored]
            values += [1 if i in restore else 0 for i in self.flagged]
        return values


class SetApplier(object):
    """Work tables of one session and the chunk runs. ``available`` is False (and ``reason`` says why) when the
    server cannot take the set-based path; the caller then undoes every row one by one."""

    def __init__(self, conn, infos, integrity_errors=(), server_errors=(Exception,)):
        self.conn = conn
        self.integrity_errors = integrity_errors
        self.available = False
        self.reason = None
        self.works = {}
        self.statements = {}
        self.fallbacks = 0
        self.render = fast_literal(conn)
        candidates = [info for info in infos if not info.keyless and info.types is not None]
        if not candidates:
            self.reason = "no table with a key and known column types"
            return
        try:
            with conn.cursor() as cursor:
                cursor.execute("SELECT @@SESSION.binlog_format AS fmt, @@GLOBAL.log_bin AS log_bin")
                row = cursor.fetchone()
                if str(row["log_bin"]) in ("1", "ON") and str(row["fmt"]).upper() != "ROW":
                    self.reason = "binlog_format is %s, not ROW" % row["fmt"]
                    return
                cursor.execute("CREATE DATABASE IF NOT EXISTS %s" % quote(WORK_SCHEMA))
                refused = []
                for index, info in enumerate(sorted(candidates, key=lambda i: i.name)):
                    name = work_name(index)
                    try:
                        cursor.execute(work_table_ddl(info, name), ())
                    except server_errors as exc:  # e.g. a very wide table: its rows go one by one
                        refused.append("%s (%s)" % (info.name, exc.args[-1] if exc.args else exc))
                        continue
                    self.works[info.name] = name
        except server_errors as exc:
            self.reason = "the work tables could not be created (%s)" % (exc.args[-1] if exc.args else exc)
            self.works = {}
            return
        if refused:
            self.reason = "no work table for %s" % "; ".join(refused)
        self.available = bool(self.works)
        if not self.works:
            self.reason = "the work tables could not be created: %s" % "; ".join(refused)

    def accepts(self, op):
        return self.available and op.info.name in self.works and eligible(op)

    def _statements(self, ops):
        op = ops[0]
        restored, every = restored_columns(ops) if op.kind == "update" else ((), ())
        shape = (chunk_shape(op), restored, every)
        if shape not in self.statements:
            if len(self.statements) >= 64:  # bounded: chunks restoring ever other column sets rebuild their SQL
                self.statements.clear()
            self.statements[shape] = Statements(op, self.works[op.info.name], restored, every)
        return self.statements[shape]

    def _load(self, cursor, ops):
        """The chunk's rows into the work table: multi-row INSERTs of up to LOAD_BYTES each, rendered here (no
        %-formatting: the statements are sent as they are)."""
        plan = self._statements(ops)
        cursor.execute(plan.clear, ())
        render = self.render
        parts, size = [], 0
        for seq, op in enumerate(ops):
            text = "(%s)" % ",".join([render(v) for v in plan.row(seq, op)])
            if parts and size + len(text) > LOAD_BYTES:
                cursor.execute(plan.load_prefix + ",".join(parts))
                parts, size = [], 0
            parts.append(text)
            size += len(text) + 1
        if parts:
            cursor.execute(plan.load_prefix + ",".join(parts))
        return plan

    def _outcomes(self, ops, misses, cursor=None, on_conflict="skip"):
        results = []
        for seq, op in enumerate(ops):
            state = misses.get(seq)
            if state is None:
                results.append(("reverted", None))
                continue
            results.append(settle(op, bool(state["found"]), bool(state["same"]), bool(state["already"]), cursor,
                                  on_conflict, self.integrity_errors))
        return results

    def apply(self, cursor, ops, on_conflict):
        """[(outcome, reason)] of a chunk applied set-based, or None when it must be done row by row (nothing of it
        is then left changed).

        The rows the write will not change are read first and locked (``FOR UPDATE``, as the per-row probe); the
        write must then change exactly the others, else (a row changed in between, a key taken, a refusal by the
        server) it is rolled back to the savepoint.
        """
        plan = self._load(cursor, ops)
        cursor.execute(plan.read + " FOR UPDATE", ())
        misses = dict((int(row["seq"]), row) for row in cursor.fetchall())
        if not guarded_write(cursor, plan.write, len(ops) - len(misses), self.integrity_errors):
            self.fallbacks += 1
            return None
        return self._outcomes(ops, misses, cursor, on_conflict)

    def predict(self, cursor, ops):
        """[(outcome, reason)] check mode expects for a chunk, from one read (no lock, nothing written but the
        session's work table)."""
        plan = self._load(cursor, ops)
        cursor.execute(plan.read, ())
        return self._outcomes(ops, dict((int(row["seq"]), row) for row in cursor.fetchall()))
