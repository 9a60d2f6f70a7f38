# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compare tables between a source server and one or more targets, chunk by chunk, then row by row.

Each table is walked in key ranges sized so that one range takes about ``chunk_time`` seconds on the
source; every server computes the range's count and checksum at the same time (one thread per
server), so a range costs what the slowest server needs and nothing but two numbers travels. Ranges
that differ are checked again after ``recheck_delay`` (a replica may just be behind), then narrowed to
sub-ranges of ``drill_rows`` rows and finally to the differing keys. Tables are compared ``parallel``
at a time, each worker with its own connections. Only SELECTs are run.

Memory stays bounded: a chunk's rows are only fetched when they differ, ``drill_rows`` at a time.
"""
import datetime
import decimal
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.drkit.mysql.plugins.module_utils.checksum import (
    INTEGER_TYPES,
    boundary_sql,
    choose_key,
    chunk_checksum_sql,
    compare_row_hashes,
    next_chunk_rows,
    qualified,
    row_hashes_sql,
)
from ansible_collections.drkit.mysql.plugins.module_utils.dump_format import quote_identifier

FIRST_CHUNK_ROWS = 1000


def jsonable(value):
    """A key value as the module's result can carry it."""
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return "0x" + value.hex()
    if isinstance(value, (decimal.Decimal, datetime.date, datetime.time, datetime.timedelta)):
        return str(value)
    return value


def table_metadata(server, db, table):
    """Columns [(name, data_type)], NULLable columns, primary key, unique keys and the row estimate; None if absent."""
    columns = server.rows(
        "SELECT COLUMN_NAME AS name, DATA_TYPE AS data_type, IS_NULLABLE AS nullable FROM information_schema.COLUMNS "
        "WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s ORDER BY ORDINAL_POSITION", (db, table))
    if not columns:
        return None
    keys = server.rows(
        "SELECT INDEX_NAME AS name, COLUMN_NAME AS col FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = %s "
        "AND TABLE_NAME = %s AND NON_UNIQUE = 0 ORDER BY INDEX_NAME, SEQ_IN_INDEX", (db, table))
    unique = {}
    for row in keys:
        unique.setdefault(row["name"], []).append(row["col"])
    estimate = server.rows("SELECT TABLE_ROWS AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s "
                           "AND TABLE_NAME = %s", (db, table))
    return dict(
        columns=[(c["name"], c["data_type"].lower()) for c in columns],
        nullable=set(c["name"] for c in columns if c["nullable"] == "YES"),
        primary_key=unique.pop("PRIMARY", None),
        unique_keys=unique,
        estimate=int((estimate[0]["n"] if estimate else 0) or 0),
    )


class TableComparison(object):
    """One table between the source (sides[0]) and the targets (sides[1:]); ``sides`` are (name, Server)."""

    def __init__(self, sides, db, table, options, pool):
        self.sides = sides
        self.db, self.table = db, table
        self.options = options
        self.pool = pool
        self.result = dict(table="%s.%s" % (db, table), status="match", method="chunked", key=None, chunks=0,
                           rows=dict((name, 0) for name, _server in sides), differing_chunks=0,
                           differences=[], difference_count=0, seconds=0.0, notes=[])

    # -- helpers ------------------------------------------------------------------------------------
    def on_all(self, sql, params):
        """The same query on every server at once: [rows per side], and the source's seconds."""
        started = time.monotonic()

        def run(side):
            rows = side[1].rows(sql, params)
            return rows, time.monotonic() - started

        outcomes = list(self.pool.map(run, self.sides))
        return [rows for rows, _seconds in outcomes], outcomes[0][1]

    def checksum(self, lower, upper):
        sql, params = chunk_checksum_sql(self.db, self.table, self.columns, self.key, lower, upper,
                                         self.options["algorithm"])
        answers, seconds = self.on_all(sql, params)
        sums = [(int(rows[0]["cnt"]), rows[0]["crc"]) for rows in answers]
        return sums, seconds

    def differs(self, sums):
        return any(s != sums[0] for s in sums[1:])

    # -- the walk ----------------------------------------------------------------------------------
    def run(self):
        started = time.monotonic()
        try:
            self.compare()
        finally:
            self.result["seconds"] = round(time.monotonic() - started, 3)
        return self.result

    def compare(self):
        metas = [table_metadata(server, self.db, self.table) for _name, server in self.sides]
        if metas[0] is None:
            self.result.update(status="missing_on_source")
            return
        missing = [name for (name, _server), meta in zip(self.sides, metas) if meta is None]
        if missing:
            self.result.update(status="missing_on_target",
                               notes=["the table does not exist on %s" % ", ".join(missing)])
            return
        source_columns = metas[0]["columns"]
        different = ["the columns differ on %s: %s vs %s on the source" % (name, meta["columns"], source_columns)
                     for (name, _server), meta in zip(self.sides[1:], metas[1:]) if meta["columns"] != source_columns]
        if different:
            self.result.update(status="schema_differs", notes=different)
            return
        meta = metas[0]
        self.columns = meta["columns"]
        self.key = choose_key(meta["primary_key"], meta["unique_keys"], meta["nullable"])
        self.result["key"] = self.key
        if self.key is None:
            self.whole_table()
            return
        integer = len(self.key) == 1 and dict(self.columns)[self.key[0]] in INTEGER_TYPES
        differing = self.walk_integer() if integer else self.walk_nibbles()
        if differing and self.options["recheck"]:
            for _attempt in range(self.options["recheck"]):
                time.sleep(self.options["recheck_delay"])
                differing = [chunk for chunk in differing if self.differs(self.checksum(*chunk)[0])]
                if not differing:
                    self.result["notes"].append("ranges that differed at first were equal when checked again "
                                                "(a replica catching up)")
                    break
        self.result["differing_chunks"] = len(differing)
        if differing:
            self.result["status"] = "differ"
            for lower, upper in differing:
                self.drill(lower, upper)
            self.result["differences"] = self.result["differences"][:self.options["max_differences"]]

    def whole_table(self):
        """No key identifies a row: one checksum of everything (its time is not bounded)."""
        self.result["method"] = "whole_table"
        self.result["notes"].append("no primary key or NOT NULL unique key: compared as a whole (count and "
                                    "checksum), so differing rows cannot be named")
        differing = []
        self.tally(self.checksum(None, None)[0], None, None, differing)
        if differing:
            self.result.update(status="differ", differing_chunks=1)

    def tally(self, sums, lower, upper, differing):
        """Count a range's rows per server; remember it when it differs."""
        self.result["chunks"] += 1
        for (name, _server), (rows, _crc) in zip(self.sides, sums):
            self.result["rows"][name] += rows
        if self.differs(sums):
            differing.append((lower, upper))

    def walk_integer(self):
        """A single integer key: ranges are computed from the key density just seen, not looked up per chunk."""
        column = quote_identifier(self.key[0])
        bounds = self.sides[0][1].rows("SELECT MIN(%s) AS lo, MAX(%s) AS hi FROM %s" % (  # noqa: S608
            column, column, qualified(self.db, self.table)))[0]
        if bounds["lo"] is None:
            return self.walk_nibbles()  # empty on the source: one open range
        high = int(bounds["hi"])
        # The first range ends FIRST_CHUNK_ROWS rows in (one lookup); later ones follow the density measured.
        sql, params = boundary_sql(self.db, self.table, self.key, None, FIRST_CHUNK_ROWS)
        found = self.sides[0][1].rows(sql, params)
        position = int(found[0][self.key[0]]) if found else high
        step = max(1, position - int(bounds["lo"]) + 1)
        rows, lower, differing = FIRST_CHUNK_ROWS, None, []  # the first range is open below, the last above
        while True:
            upper = None if position >= high else (position,)
            sums, seconds = self.checksum(lower, upper)
            self.tally(sums, lower, upper, differing)
            if upper is None:
                return differing
            rows = next_chunk_rows(sums[0][0], seconds, self.options["chunk_time"], rows)
            density = max(sums[0][0], 1) / float(step)  # rows per key value in the range just read
            step = max(1, min(step * 4, int(rows / density)))
            lower, position = upper, position + step

    def walk_nibbles(self):
        """Any other key: the next range ends at the key ``rows`` rows further, read from the source."""
        differing = []
        rows = FIRST_CHUNK_ROWS
        lower = None
        while True:
            sql, params = boundary_sql(self.db, self.table, self.key, lower, rows)
            found = self.sides[0][1].rows(sql, params)
            upper = tuple(found[0][column] for column in self.key) if found else None
            sums, seconds = self.checksum(lower, upper)
            self.tally(sums, lower, upper, differing)
            if upper is None:
                return differing
            rows = next_chunk_rows(sums[0][0], seconds, self.options["chunk_time"], rows)
            lower = upper

    def drill(self, lower, upper):
        """Narrow a differing range to sub-ranges of drill_rows source rows, then list the differing keys."""
        if len(self.result["differences"]) >= self.options["max_differences"]:
            return
        size = self.options["drill_rows"]
        sums, _seconds = self.checksum(lower, upper)
        if max(rows for rows, _crc in sums) <= size:
            self.list_rows(lower, upper)
            return
        start = lower
        while True:
            sql, params = boundary_sql(self.db, self.table, self.key, start, size)
            found = self.sides[0][1].rows(sql, params)
            end = tuple(found[0][column] for column in self.key) if found else upper
            if end is not None and upper is not None and self.past(end, upper):
                end = upper
            if self.differs(self.checksum(start, end)[0]):
                self.list_rows(start, end)
            if end == upper:
                return
            start = end

    def past(self, value, upper):
        """Whether key ``value`` lies after ``upper``, asked of the source (its collation orders the keys)."""
        sql, params = chunk_checksum_sql(self.db, self.table, self.columns, self.key, upper, value)
        return self.sides[0][1].rows(sql, params)[0]["cnt"] > 0

    def list_rows(self, lower, upper):
        sql, params = row_hashes_sql(self.db, self.table, self.columns, self.key, lower, upper,
                                     self.options["algorithm"])
        answers, _seconds = self.on_all(sql, params)
        limit = self.options["max_differences"]
        for (name, _server), rows in zip(self.sides[1:], answers[1:]):
            differences, total = compare_row_hashes(answers[0], rows, self.key, limit)
            self.result["difference_count"] += total
            for difference in differences:
                difference["target"] = name
                difference["key"] = dict((k, jsonable(v)) for k, v in difference["key"].items())
            self.result["differences"].extend(differences)


def compare_tables(open_sides, tables, options):
    """Compare every (db, table); ``open_sides()`` returns a fresh [(name, Server)] for each worker."""
    def work(batch):
        sides = open_sides()
        try:
            with ThreadPoolExecutor(max_workers=len(sides)) as pool:
                return [TableComparison(sides, db, table, options, pool).run() for db, table in batch]
        finally:
            for _name, server in sides:
                server.close()

    workers = max(1, min(options["parallel"], len(tables)))
    batches = [tables[index::workers] for index in range(workers)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = [result for batch_results in pool.map(work, batches) for result in batch_results]
    order = dict((("%s.%s" % item), index) for index, item in enumerate(tables))
    return sorted(results, key=lambda result: order[result["table"]])
