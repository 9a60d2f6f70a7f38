# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Set-based undo with row images the server decodes (MariaDB): no row image is decoded in Python.

``flashback_set`` fills its work table with values Python decoded and rendered: most of its time on a 200k-row
UPDATE. Here the server does that part. Per group of rows events of one statement (newest first, about ``batch_size``
changes):

1. *Load*, outside any transaction and with the session's binlog off (``sql_log_bin = 0``: nothing of it
   reaches the binlog or the replicas): the load table is emptied and the group's events, re-addressed to it
   (``binlog_rewrite``), are replayed with one ``BINLOG`` statement. With a second connection (``loader``) this
   is done for the next group while the first connection writes this one.
2. *Undo*, in the batch's transaction with the binlog on. An UPDATE is written first straight from the load
   table's image pairs (2k-1 before, 2k after; ``TableLoad.direct``): when that changes a row for every pair the
   group is done. Otherwise (and for DELETE/INSERT undos, and with ``columns``) the careful way: one
   ``INSERT ... SELECT`` fills the work table of ``flashback_set`` (only the changes that set back a chosen
   column; a row key seen twice or a key changed by an UPDATE sends the group to Python), then that module's own
   locking read and guarded write (the same statements, so the same guard and conflict rules); the rows the read
   found changed, gone or taken are read back from the work table and classified like every other conflict.

A group the server path cannot take (a key changed by the UPDATE, a row twice, an event it cannot re-address,
a write that does not change exactly the predicted rows) goes back to the Python decoder, in the same
transaction; ``ServerUndo.fallbacks`` counts them.

Requirements, checked once before anything is changed (otherwise every group takes the Python path and
``reason`` says why): MariaDB (MySQL's BINLOG statement is not tested here), ROW binlog, the BINLOG REPLAY and
BINLOG ADMIN privileges (or SUPER) for ``BINLOG`` and ``sql_log_bin``, CREATE and DROP on ``drkit_flashback``
(the load tables are base tables: ``BINLOG`` does not see the session's temporary tables; they are named after
the connection and dropped at the end, and ones left by a killed run are dropped by the next), CREATE
TEMPORARY TABLES.

Stdlib only: this file runs on managed hosts with Python 3.8+.
"""
import collections
import re
import threading

from ansible_collections.drkit.mysql.plugins.module_utils.binlog_rewrite import (
    Format,
    RewriteError,
    load_statement,
    read_event,
    retarget_table_map,
    rows_as_write,
)
from ansible_collections.drkit.mysql.plugins.module_utils.flashback_plan import Op, quote, settle
from ansible_collections.drkit.mysql.plugins.module_utils.flashback_set import (
    WORK_SCHEMA,
    Statements,
    guarded_write,
    work_table_ddl,
)

LOAD_TABLE_ID = 0xFFFF01  # the id our Table_map gives the load table; it only lives inside one BINLOG statement
UNDO_KIND = dict(update="update", delete="insert", insert="delete")  # binlog operation -> reverse statement
MISSES_READ = 1000  # work-table rows read back per statement for the rows the write left alone
HEAP_BYTES = 256 << 20  # per MEMORY scratch table; a group that does not fit goes through Python
# Types whose equality is their identity (no collation, no -0.0): a key of these needs no binary compare.
_EXACT_TYPE = re.compile(r"^((tiny|small|medium|big)?int|decimal|date|datetime|timestamp|time|year)\b", re.I)
_LOAD_NAME = re.compile(r"^load_(\d+)_\d+(?:_\d+)?$")


def memory_engine(types):
    """MEMORY for a group's scratch tables (no redo, no undo: 3-5x cheaper per row than InnoDB) unless a column is
    a BLOB/TEXT-like type, which MEMORY cannot hold."""
    blob = re.compile(r"^(tiny|medium|long)?(blob|text)\b|^(json|geometry|point|linestring|polygon|multi\w+|"
                      r"geometrycollection)\b", re.I)
    return "InnoDB" if any(blob.match(t) for t in types) else "MEMORY"


def _binary_differs(left, right):
    return "NOT (CAST(%s AS BINARY) <=> CAST(%s AS BINARY))" % (left, right)


Loaded = collections.namedtuple("Loaded", "changes load first")
Loaded.__doc__ = """A group's images in a load table: how many reverse operations they hold (an UPDATE's pairs),
the load table (quoted) and the number of the first image."""


class TableLoad(object):
    """One table's load tables (two: one is filled while the other is written from), work table and statements
    (per binlog operation; ``@LOAD@`` and ``@FIRST@`` stand for the load table and the group's first image)."""

    def __init__(self, info, loads, work, chosen):
        self.info = info
        self.loads = list(loads)
        self.work = work
        key = set(info.key)
        self.restored = [i for i in chosen if i not in key]
        self.guard = [i for i in chosen if i not in key]
        self.next_seq = dict((name, 1) for name in self.loads)
        self._plans = {}
        self._directs = {}

    def template(self, operation):
        """A value-less Op of the reverse kind: what ``flashback_set.Statements`` builds its SQL from."""
        info, kind = self.info, UNDO_KIND[operation]
        if kind == "insert":
            return Op(kind, info, [(i, None) for i in info.key], [], [(i, None) for i in info.writable])
        guard = self.guard if kind == "update" else [i for i in info.writable if i not in set(info.key)]
        restore = [(i, None) for i in self.restored] if kind == "update" else []
        return Op(kind, info, [(i, None) for i in info.key], [(i, None) for i in guard], restore)

    def plan(self, operation):
        """(Statements, fill SQL) of ``operation``'s groups."""
        if operation not in self._plans:
            template = self.template(operation)
            statements = Statements(template, self.work, tuple(self.restored) if operation == "update" else ())
            self._plans[operation] = (statements, self._fill(operation, template))
        return self._plans[operation]

    def _fill(self, operation, template):
        info, load, work = self.info, "@LOAD@", self.work
        if operation == "update":
            names = ["`seq`"] + ["`a%d`" % i for i in info.key] + ["`a%d`" % i for i, _v in template.guard]
            values = ["b.`drkit_seq`"] + ["a.`c%d`" % i for i in info.key] + \
                ["a.`c%d`" % i for i, _v in template.guard]
            names += ["`b%d`" % i for i in self.restored] + ["`f%d`" % i for i in self.restored] + ["`kc`"]
            differs = [_binary_differs("b.`c%d`" % i, "a.`c%d`" % i) for i in self.restored]
            # A changed key (or images paired wrongly) shows here: such a group goes through Python.
            key_differs = " OR ".join(_binary_differs("b.`c%d`" % i, "a.`c%d`" % i) for i in info.key)
            values += ["b.`c%d`" % i for i in self.restored] + differs + ["(%s)" % key_differs]
            # STRAIGHT_JOIN: from the before-images to their after-images by number (the load table's hash key).
            return ("INSERT INTO %s (%s) SELECT %s FROM %s b STRAIGHT_JOIN %s a ON a.`drkit_seq` = b.`drkit_seq` + 1 "  # noqa: S608 - quoted identifiers
                    "WHERE b.`drkit_seq` >= @FIRST@ AND (b.`drkit_seq` - @FIRST@) %% 2 = 0 AND (%s)"
                    % (work, ", ".join(names), ", ".join(values), load, load,
                       " OR ".join(differs + ["(%s)" % key_differs])))
        image = "b" if UNDO_KIND[operation] == "insert" else "a"
        positions = info.writable if image == "b" else list(info.key) + [i for i, _v in template.guard]
        return "INSERT INTO %s (`seq`, %s) SELECT `drkit_seq`, %s FROM %s WHERE `drkit_seq` >= @FIRST@" % (  # noqa: S608 - quoted identifiers
            work, ", ".join("`%s%d`" % (image, i) for i in positions), ", ".join("`c%d`" % i for i in positions),
            load)

    def direct(self, operation):
        """``_direct`` of ``operation``, built once (it is asked for every group)."""
        if operation not in self._directs:
            self._directs[operation] = self._direct(operation)
        return self._directs[operation]

    def _direct(self, operation):
        """The guarded UPDATE straight from the load table's image pairs (no work table), or None when the
        careful way is the only one: not an UPDATE, or ``columns`` leaves a column out (then a pair may change
        nothing the undo sets back, and only the fill knows how many changes there are).

        Every pair must change its row for the write to count as done: a key changed by the UPDATE, a row twice
        in the group (a multi-table UPDATE changes a row once), a row changed since or already back all leave a
        pair unchanged, and the group then goes the careful way (fill, check, read, write)."""
        info = self.info
        keyed = set(info.key)
        if operation != "update" or set(self.restored) != set(i for i in info.writable if i not in keyed):
            return None
        join = " AND ".join("t.%s = a.`c%d`" % (quote(info.columns[i]), i) for i in info.key)
        same_key = " AND ".join(("b.`c{0}` <=> a.`c{0}`" if _EXACT_TYPE.match(info.types[i]) else
                                 "CAST(b.`c{0}` AS BINARY) <=> CAST(a.`c{0}` AS BINARY)").format(i) for i in info.key)
        guard = " AND ".join("t.%s <=> a.`c%d`" % (quote(info.columns[i]), i) for i in self.guard) or "1"
        sets = ", ".join("t.%s = b.`c%d`" % (quote(info.columns[i]), i) for i in self.restored)
        return ("UPDATE %s b STRAIGHT_JOIN %s a ON a.`drkit_seq` = b.`drkit_seq` + 1 STRAIGHT_JOIN %s t ON %s "  # noqa: S608 - quoted identifiers
                "SET %s WHERE b.`drkit_seq` >= @FIRST@ AND MOD(b.`drkit_seq` - @FIRST@, 2) = 0 AND %s AND %s"
                % ("@LOAD@", "@LOAD@", info.quoted, join, sets, same_key, guard))

    def check(self, operation):
        """How many work rows, how many distinct row keys, whether an UPDATE changed a key."""
        image = "b" if UNDO_KIND[operation] == "insert" else "a"
        return "SELECT COUNT(*) AS n, COUNT(DISTINCT %s) AS distinct_keys, %s AS changed_key FROM %s" % (  # noqa: S608 - quoted identifiers
            ", ".join("`%s%d`" % (image, i) for i in self.info.key), "MAX(`kc`)" if operation == "update" else "0",
            self.work)

    def op_from_work(self, operation, row, gtid):
        """The Op of one work-table row (a row the write left alone: its values for the report or an overwrite)."""
        info, kind = self.info, UNDO_KIND[operation]
        if kind == "insert":
            restore = [(i, row["b%d" % i]) for i in info.writable]
            return Op(kind, info, [(i, row["b%d" % i]) for i in info.key], [], restore, gtid, operation)
        locate = [(i, row["a%d" % i]) for i in info.key]
        if kind == "update":
            guard = [(i, row["a%d" % i]) for i in self.guard]
            restore = [(i, row["b%d" % i]) for i in self.restored if row["f%d" % i]]
            return Op(kind, info, locate, guard, restore, gtid, operation)
        keyed = set(info.key)
        guard = [(i, row["a%d" % i]) for i in info.writable if i not in keyed]
        return Op(kind, info, locate, guard, [], gtid, operation)


class ServerUndo(object):
    """The server path of one flashback session. ``available`` False (``reason`` says why): every group goes
    through Python.

    With ``loader`` (a second connection to the same server), ``loaded`` loads the next group on it while the
    caller writes the current one: the two run on two of the server's cores, and the BINLOG load (a fifth of a
    run) leaves the path the writes wait on. The loader's session keeps its binlog off; the writes stay on one
    connection, in order, so progress, resuming and conflicts are as without it."""

    def __init__(self, conn, infos, columns=None, integrity_errors=(), server_errors=(Exception,), loader=None):
        self.conn = conn
        self.loader = loader
        self.integrity_errors = integrity_errors
        self.server_errors = server_errors
        self.available = False
        self.reason = None
        self.tables = {}
        self.load_errors = []
        self.write_first = True  # the previous group had no row the write leaves alone
        self.write_retries = 0  # writes rolled back because a row was left alone: that group read first
        self.written_first = 0  # groups done by the write straight from the load table alone
        self._refused_loads = 0  # counted by the loading thread
        self._refused_writes = 0  # counted by the writing one
        self._format_sent = {}  # connection id -> the Format whose description that session has
        self._pending = None  # the loader's thread and result box
        self._infos = [i for i in infos if not i.keyless and i.types is not None]
        self._columns = columns
        self._connection_id = None

    @property
    def fallbacks(self):
        """Groups given back to the Python decoder."""
        return self._refused_loads + self._refused_writes

    # ------------------------------------------------------------------ session

    def setup(self, first_format, flavor):
        """Check what the path needs and create the tables; True when it is available."""
        if flavor != "mariadb":
            self.reason = "server-side decoding is only used on MariaDB"
            return False
        if not self._infos:
            self.reason = "no table with a key and known column types"
            return False
        with self.conn.cursor() as cursor:
            cursor.execute("SELECT @@SESSION.binlog_format AS fmt, @@GLOBAL.log_bin AS log_bin, "
                           "CONNECTION_ID() AS id")
            row = cursor.fetchone()
            self._connection_id = int(row["id"])
            if str(row["log_bin"]) in ("1", "ON") and str(row["fmt"]).upper() != "ROW":
                self.reason = "binlog_format is %s, not ROW" % row["fmt"]
                return False
            try:
                cursor.execute("SET SESSION sql_log_bin = 0")
            except self.server_errors as exc:
                self.reason = "the account may not set sql_log_bin (BINLOG ADMIN or SUPER): %s" % _message(exc)
                return False
            try:
                cursor.execute("SET SESSION max_heap_table_size = %d" % HEAP_BYTES)
                cursor.execute("CREATE DATABASE IF NOT EXISTS %s" % quote(WORK_SCHEMA))
                self._drop_stale(cursor)
                refused = []
                for index, info in enumerate(sorted(self._infos, key=lambda i: i.name)):
                    try:
                        self._create(cursor, index, info)
                    except self.server_errors as exc:  # e.g. a key the work table cannot index: Python path
                        refused.append("%s (%s)" % (info.name, _message(exc)))
                if refused:
                    self.reason = "no load table for %s" % "; ".join(refused)
                self._send_format(self.conn, cursor, first_format)
            except self.server_errors as exc:
                self.reason = "the load tables or the BINLOG statement were refused (CREATE and DROP on %s, BINLOG " \
                    "REPLAY): %s" % (WORK_SCHEMA, _message(exc))
                self.close()
                return False
            finally:
                cursor.execute("SET SESSION sql_log_bin = 1")
        self.available = bool(self.tables)
        if self.available and self.loader is not None:
            self._prepare_loader(first_format)
        return self.available

    def _prepare_loader(self, first_format):
        """The loader's session: binlog off for good, the format description sent. When it cannot be set up, the
        one connection loads and writes in turn (as without a loader)."""
        try:
            with self.loader.cursor() as cursor:
                cursor.execute("SET SESSION sql_log_bin = 0")
                self._send_format(self.loader, cursor, first_format)
        except self.server_errors as exc:
            self.load_errors.append("the second connection cannot load (%s): loading and writing take turns"
                                    % _message(exc))
            self.loader = None

    def _create(self, cursor, index, info):
        chosen = info.indexes(self._columns) if self._columns else list(info.writable)
        buffers = 2 if self.loader is not None else 1
        loads = ["%s.%s" % (quote(WORK_SCHEMA), quote("load_%d_%d_%d" % (self._connection_id, index, n)))
                 for n in range(buffers)]
        work = "%s.%s" % (quote(WORK_SCHEMA), quote("swork_%d" % index))
        parts = ["`c%d` %s NULL" % (i, column_type.replace("%", "%%")) for i, column_type in enumerate(info.types)]
        parts.append("`drkit_seq` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY")
        engine = memory_engine(info.types)
        for load in loads:
            cursor.execute("DROP TABLE IF EXISTS %s" % load)
            cursor.execute("CREATE TABLE %s (%s) ENGINE=%s" % (load, ", ".join(parts), engine), ())
        # No index on the row key: the optimizer would be tempted to scan the table and look rows up in the work
        # table; a key seen twice is found by counting instead.
        cursor.execute("DROP TEMPORARY TABLE IF EXISTS %s" % work)
        cursor.execute(work_table_ddl(info, work, ["`kc` TINYINT NULL"]).replace("ENGINE=InnoDB", "ENGINE=" + engine),
                       ())
        self.tables[info.name] = TableLoad(info, loads, work, chosen)

    def _drop_stale(self, cursor):
        """Load tables of connections that are gone (a run killed half-way)."""
        cursor.execute("SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s "
                       "AND TABLE_NAME LIKE 'load\\_%%'", (WORK_SCHEMA,))
        names = [_text(r["name"]) for r in cursor.fetchall()]
        if not names:
            return
        cursor.execute("SELECT ID AS id FROM information_schema.PROCESSLIST")
        live = set(int(r["id"]) for r in cursor.fetchall())
        for name in names:
            match = _LOAD_NAME.match(name)
            if match and int(match.group(1)) not in live:
                cursor.execute("DROP TABLE IF EXISTS %s.%s" % (quote(WORK_SCHEMA), quote(name)))

    def _send_format(self, conn, cursor, fmt):
        if self._format_sent.get(id(conn)) is not fmt:
            cursor.execute(load_statement([fmt.description]))
            cursor.execute("SET @@SESSION.timestamp = DEFAULT")
            self._format_sent[id(conn)] = fmt

    def close(self):
        """Wait for a load under way, then drop the load tables (not written to the binlog) and the work
        tables."""
        try:
            self._collect()
        except BaseException:  # pylint: disable=broad-except
            pass  # the error that stopped the run is the one to report
        if not self.tables:
            return
        with self.conn.cursor() as cursor:
            cursor.execute("SET SESSION sql_log_bin = 0")
            try:
                for table in self.tables.values():
                    for load in table.loads:
                        cursor.execute("DROP TABLE IF EXISTS %s" % load)
                    cursor.execute("DROP TEMPORARY TABLE IF EXISTS %s" % table.work)
            finally:
                cursor.execute("SET SESSION sql_log_bin = 1")
        self.tables = {}

    # ------------------------------------------------------------------ groups

    def accepts(self, group):
        return self.available and group.info.name in self.tables

    def loaded(self, groups):
        """(group, Loaded or None: through Python) for each of ``groups``, in order. With a loader, the next
        group is loaded (into the other load table) while the caller works on this one."""
        if self.loader is None:
            for group in groups:
                yield group, (self.load(group) if self.accepts(group) else None)
            return
        following = iter(groups)
        group, slot = next(following, None), 0
        self._start(group, slot)
        while group is not None:
            loaded = self._collect()
            group, current, slot = next(following, None), group, slot ^ 1
            self._start(group, slot)  # its load table is the one the group before this one was written from
            yield current, loaded

    def _start(self, group, slot):
        if group is None or not self.accepts(group):
            self._pending = None if group is None else (None, [None])
            return
        box = [None]

        def work():
            try:
                box[0] = self.load(group, self.loader, slot)
            except BaseException as exc:  # handed to the writing thread
                box[0] = exc

        thread = threading.Thread(target=work, name="drkit-flashback-loader")
        thread.daemon = True
        thread.start()
        self._pending = (thread, box)

    def _collect(self):
        """The result of the load under way (None when there is none); its error is raised here."""
        pending, self._pending = self._pending, None
        if pending is None:
            return None
        thread, box = pending
        if thread is not None:
            thread.join()
        if isinstance(box[0], BaseException):
            raise box[0]
        return box[0]

    def load(self, group, conn=None, slot=0):
        """Load ``group``'s images into load table ``slot`` on ``conn`` (default: the writing connection;
        outside any transaction, binlog off). A Loaded, or None when the group must go through Python (counted
        in ``fallbacks``)."""
        loaded = self._load(group, conn or self.conn, slot)
        if loaded is None:
            self._refused_loads += 1
        return loaded

    def _load(self, group, conn, slot):
        """``load`` itself.

        The load table is emptied with DELETE (a TRUNCATE per group costs more than the rest of it), which keeps
        its numbering going: each group's images are the numbers from the first one it added, checked to be
        contiguous. A server error while loading (a MEMORY table full, say) sends the group to Python."""
        table = self.tables[group.info.name]
        load = table.loads[slot]
        events = self._events(group, load)
        if events is None:
            return None
        toggles = conn is self.conn  # the loader's session has its binlog off for good
        # A BINLOG statement must travel alone (with other statements in one packet the server drops the results
        # after it); the rest goes several statements per round trip.
        prepare = ["SET SESSION sql_log_bin = 0"] if toggles else []
        prepare.append("DELETE FROM %s" % load)  # noqa: S608 - quoted identifiers
        loads = [load_statement(events)]
        if self._format_sent.get(id(conn)) is not group.format:
            loads.insert(0, load_statement([group.format.description]))
        # BINLOG leaves the session's clock at the event's time: the undo's own writes must carry today's.
        numbers = ["SET @@SESSION.timestamp = DEFAULT",
                   "SELECT MIN(`drkit_seq`) AS first, MAX(`drkit_seq`) AS last, COUNT(*) AS n FROM %s "  # noqa: S608 - quoted identifiers
                   "WHERE `drkit_seq` >= %d" % (load, table.next_seq[load])]
        if toggles:
            numbers.append("SET SESSION sql_log_bin = 1")
        binlog_off = toggles
        with conn.cursor() as cursor:
            try:
                _results(cursor, prepare)
                for text in loads:
                    cursor.execute(text)
                row = _results(cursor, numbers)[1][1][0]
                binlog_off = False
                self._format_sent[id(conn)] = group.format
                if not row["n"]:
                    return Loaded(0, load, None)
                first, last, count = int(row["first"]), int(row["last"]), int(row["n"])
                table.next_seq[load] = last + 1
                if last - first + 1 != count or group.operation == "update" and count % 2:
                    return None  # not numbered one after the other: the images cannot be paired safely
            except self.server_errors as exc:
                self.load_errors.append(_message(exc))
                self._format_sent.pop(id(conn), None)
                return None
            finally:
                if binlog_off:
                    cursor.execute("SET SESSION sql_log_bin = 1")
        return Loaded(count // 2 if group.operation == "update" else count, load, first)

    def _fill(self, cursor, group, table, loaded):
        """Fill the work table from the loaded images (a temporary table: with ROW binlogs its writes are not
        logged, also inside the batch's transaction). The number of reverse operations, or None when the group
        must go through Python: a key changed by an UPDATE (located by the old key) or a row twice."""
        _statements, fill = table.plan(group.operation)
        try:
            results = _results(cursor, ["DELETE FROM %s" % table.work,  # noqa: S608 - quoted identifiers
                                        _placed(fill, loaded), table.check(group.operation)])
        except self.server_errors as exc:  # a MEMORY work table full, say
            self.load_errors.append(_message(exc))
            self._refused_writes += 1
            return None
        changes, row = results[1][0], results[2][1][0]
        if int(row["changed_key"] or 0) or int(row["n"]) != int(row["distinct_keys"]):
            self._refused_writes += 1
            return None
        return changes

    def _events(self, group, load):
        """The group's events re-addressed to the load table, or None (one could not be)."""
        fmt = group.format
        if group.table_map_offset is None:
            return None
        try:
            with open(group.path, "rb") as handle:
                events = [retarget_table_map(read_event(handle, group.table_map_offset), fmt, LOAD_TABLE_ID,
                                             WORK_SCHEMA, load.split(".")[1].strip("`"))]
                last = len(group.offsets) - 1
                for index, offset in enumerate(group.offsets):
                    events.append(rows_as_write(read_event(handle, offset), fmt, LOAD_TABLE_ID, index == last))
        except RewriteError:
            return None
        return events

    def _misses(self, cursor, statements, lock):
        cursor.execute(statements.read + (" FOR UPDATE" if lock else ""), ())
        return dict((int(row["seq"]), row) for row in cursor.fetchall())

    def _classified(self, cursor, group, table, misses, on_conflict=None):
        """[(op, outcome, reason)] of the rows the write left alone; conflicts overwritten when asked."""
        results = []
        seqs = sorted(misses)
        for start in range(0, len(seqs), MISSES_READ):
            part = seqs[start:start + MISSES_READ]
            cursor.execute("SELECT * FROM %s WHERE `seq` IN (%s) ORDER BY `seq`"  # noqa: S608 - quoted identifiers
                           % (table.work, ", ".join(["%s"] * len(part))), part)
            for row in cursor.fetchall():
                state = misses[int(row["seq"])]
                op = table.op_from_work(group.operation, row, group.gtid)
                outcome, reason = settle(op, bool(state["found"]), bool(state["same"]), bool(state["already"]),
                                         cursor, on_conflict, self.integrity_errors)
                results.append((op, outcome, reason))
        return results

    def apply(self, cursor, group, loaded, on_conflict):
        """(reverted, [(op, outcome, reason)] of the others) for the ``loaded`` group inside the caller's
        transaction, or None when it must be done through Python (nothing of it is then left changed).

        Write first: while the groups before were clean, an UPDATE's pairs are written straight from the load
        table (``TableLoad.direct``), and when the write changes a row for every pair nothing was left to read or
        classify: no work table, no locking read (together they cost as much as the write). When it changes fewer
        it is rolled back to its savepoint and the group goes the careful way: the work table filled and checked,
        the locking read of the rows the write will leave alone, then the write. After a group with such rows the
        next ones go the careful way until one is clean again, so conflicts spread over every group cost at most
        one extra write each."""
        if not loaded.changes:
            return 0, []
        table = self.tables[group.info.name]
        direct = table.direct(group.operation)
        if self.write_first and direct is not None:
            if guarded_write(cursor, _placed(direct, loaded), loaded.changes, self.integrity_errors):
                self.written_first += 1
                return loaded.changes, []
            self.write_retries += 1
        operations = self._fill(cursor, group, table, loaded)
        if operations is None:
            return None
        statements, _fill = table.plan(group.operation)
        misses = self._misses(cursor, statements, lock=True)
        self.write_first = not misses
        expected = operations - len(misses)
        if not guarded_write(cursor, statements.write, expected, self.integrity_errors):
            self._refused_writes += 1
            return None
        return expected, self._classified(cursor, group, table, misses, on_conflict)

    def predict(self, cursor, group, loaded):
        """(reverted, [(op, outcome, reason)]) check mode expects for the ``loaded`` group: one read, no lock;
        None when the group must be judged through Python."""
        if not loaded.changes:
            return 0, []
        table = self.tables[group.info.name]
        operations = self._fill(cursor, group, table, loaded)
        if operations is None:
            return None
        statements, _fill = table.plan(group.operation)
        misses = self._misses(cursor, statements, lock=False)
        return operations - len(misses), self._classified(cursor, group, table, misses)


def _placed(sql, loaded):
    """``sql`` with the load table and first image of ``loaded`` in place."""
    return sql.replace("@LOAD@", loaded.load).replace("@FIRST@", str(loaded.first))


def _results(cursor, texts):
    """Run statements in one round trip; [(affected rows, rows or None)] of each. The text is sent as it is (no
    parameters). A statement the server refuses raises, and the ones after it do not run."""
    cursor.execute(";\n".join(texts))
    results = []
    while True:
        rows = cursor.fetchall() if cursor.description else None
        results.append((cursor.rowcount, rows))
        if not cursor.nextset():
            return results


def _message(exc):
    return exc.args[-1] if exc.args else str(exc)


def _text(value):
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def file_format(path):
    """The Format of a binlog file (its format description event)."""
    with open(path, "rb") as handle:
        return Format(read_event(handle, 4))
