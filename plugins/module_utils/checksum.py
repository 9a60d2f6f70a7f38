# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The SQL and the arithmetic of a chunked table comparison, without a server.

Two servers hold the same table when every chunk (a primary-key range) has the same row count and
the same checksum on both. A chunk's checksum is ``BIT_XOR`` of a per-row hash, so it does not depend
on the order rows are read in, and it is computed by each server on its own data: nothing but a few
numbers per chunk crosses the network, and no replication between the servers is needed.

The row hash covers every column as text (``CONCAT_WS`` of the columns plus one ``ISNULL`` flag per
column, so that NULL and '' differ); text columns are converted to utf8mb4 first, so that the same
value in two character sets hashes the same and columns of different collations can be concatenated.
The same expression reads the same on MySQL and MariaDB.

Chunks are primary-key ranges (or a NOT NULL unique key's): the lower bound is exclusive, the upper
inclusive, written as ``a > ? OR (a = ? AND b > ?)`` rather than row constructors, which older
optimizers do not use for a range scan.
"""
from ansible_collections.drkit.mysql.plugins.module_utils.dump_format import quote_identifier

TEXT_TYPES = frozenset(["char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set"])
INTEGER_TYPES = frozenset(["tinyint", "smallint", "mediumint", "int", "integer", "bigint"])

ALGORITHMS = {
    # 32 bits, like pt-table-checksum's default: fast; a changed chunk hides with probability 2^-32.
    "crc32": "CAST(CRC32(%s) AS UNSIGNED)",
    # 64 bits of MD5: slower, for when 2^-32 is not small enough.
    "md5": "CAST(CONV(LEFT(MD5(%s), 16), 16, 10) AS UNSIGNED)",
}

# Chunk sizing: aim at chunk_time seconds per chunk, never fewer/more rows than this.
MIN_CHUNK_ROWS = 100
MAX_CHUNK_ROWS = 1000000


class ChecksumError(ValueError):
    """The tables cannot be compared as asked."""


def qualified(db, table):
    return "%s.%s" % (quote_identifier(db), quote_identifier(table))


def column_text(name, data_type):
    """One column as the row hash reads it."""
    column = quote_identifier(name)
    if data_type.lower() in TEXT_TYPES:
        return "CONVERT(%s USING utf8mb4)" % column
    return column


def row_hash_sql(columns, algorithm="crc32"):
    """The per-row hash over ``columns`` [(name, data_type)], NULL-safe."""
    if algorithm not in ALGORITHMS:
        raise ChecksumError("unknown algorithm %r (one of %s)" % (algorithm, ", ".join(sorted(ALGORITHMS))))
    values = ", ".join(column_text(name, data_type) for name, data_type in columns)
    nulls = ", ".join("ISNULL(%s)" % quote_identifier(name) for name, _data_type in columns)
    return ALGORITHMS[algorithm] % ("CONCAT_WS('#', %s, CONCAT(%s))" % (values, nulls))


def after_sql(key, prefix="lo"):
    """``key > bound`` for a (composite) key, expanded so that index range scans are used; named parameters."""
    terms = []
    for index, column in enumerate(key):
        equal = ["%s = %%(%s%d)s" % (quote_identifier(key[i]), prefix, i) for i in range(index)]
        greater = "%s > %%(%s%d)s" % (quote_identifier(column), prefix, index)
        terms.append("(%s)" % " AND ".join(equal + [greater]))
    return "(%s)" % " OR ".join(terms)


def at_most_sql(key, prefix="hi"):
    """``key <= bound`` for a (composite) key; named parameters."""
    terms = []
    for index, column in enumerate(key):
        equal = ["%s = %%(%s%d)s" % (quote_identifier(key[i]), prefix, i) for i in range(index)]
        last = index == len(key) - 1
        compare = "%s %s %%(%s%d)s" % (quote_identifier(column), "<=" if last else "<", prefix, index)
        terms.append("(%s)" % " AND ".join(equal + [compare]))
    return "(%s)" % " OR ".join(terms)


def range_where(key, lower, upper):
    """WHERE text and parameters of the chunk (lower, upper]: either bound may be None (open)."""
    clauses, params = [], {}
    if lower is not None:
        clauses.append(after_sql(key, "lo"))
        params.update(("lo%d" % i, value) for i, value in enumerate(lower))
    if upper is not None:
        clauses.append(at_most_sql(key, "hi"))
        params.update(("hi%d" % i, value) for i, value in enumerate(upper))
    return (" AND ".join(clauses) or "1=1"), params


def chunk_checksum_sql(db, table, columns, key, lower, upper, algorithm="crc32"):
    """(sql, params) giving one row: ``cnt`` and ``crc`` (NULL for an empty range) of the chunk."""
    where, params = range_where(key, lower, upper) if key else ("1=1", {})
    sql = "SELECT COUNT(*) AS cnt, BIT_XOR(%s) AS crc FROM %s WHERE %s" % (  # noqa: S608 - quoted identifiers
        row_hash_sql(columns, algorithm), qualified(db, table), where)
    return sql, params


def boundary_sql(db, table, key, lower, rows):
    """(sql, params) of the key ``rows`` rows after ``lower`` (the chunk's inclusive upper bound)."""
    where, params = range_where(key, lower, None)
    order = ", ".join(quote_identifier(column) for column in key)
    sql = "SELECT %s FROM %s WHERE %s ORDER BY %s LIMIT 1 OFFSET %d" % (  # noqa: S608 - quoted identifiers
        order, qualified(db, table), where, order, max(0, int(rows) - 1))
    return sql, params


def row_hashes_sql(db, table, columns, key, lower, upper, algorithm="crc32"):
    """(sql, params) listing every row of a chunk as its key columns plus ``_drkit_hash``."""
    where, params = range_where(key, lower, upper)
    names = ", ".join(quote_identifier(column) for column in key)
    sql = "SELECT %s, %s AS _drkit_hash FROM %s WHERE %s" % (  # noqa: S608 - quoted identifiers
        names, row_hash_sql(columns, algorithm), qualified(db, table), where)
    return sql, params


def choose_key(primary_key, unique_keys, nullable):
    """The columns chunks are ranges of: the primary key, else the shortest unique key without NULLable columns.

    ``unique_keys`` is {index name: [columns]}; ``nullable`` the set of NULLable columns. None when no key
    identifies a row (the table is then compared whole).
    """
    if primary_key:
        return list(primary_key)
    usable = [cols for _name, cols in sorted(unique_keys.items()) if cols and not set(cols) & set(nullable)]
    return min(usable, key=len) if usable else None


def next_chunk_rows(rows, seconds, chunk_time, current):
    """Rows for the next chunk so that it takes about ``chunk_time`` s at the rate just measured.

    The size grows at most 4x per step (a fast empty range says little) and stays within
    MIN_CHUNK_ROWS..MAX_CHUNK_ROWS.
    """
    if rows <= 0 or seconds <= 0:
        wanted = current * 2
    else:
        wanted = int(rows / seconds * chunk_time)
    wanted = min(wanted, current * 4)
    return max(MIN_CHUNK_ROWS, min(MAX_CHUNK_ROWS, wanted))


def compare_row_hashes(source_rows, target_rows, key, limit):
    """Differences between two chunks' rows: [{key: {...}, kind}], at most ``limit``, and the total count.

    ``kind`` is ``changed`` (both have the key, hashes differ), ``missing_on_target`` or ``extra_on_target``.
    """
    def index(rows):
        return dict((tuple(row[column] for column in key), row["_drkit_hash"]) for row in rows)

    source, target = index(source_rows), index(target_rows)
    found = []
    for pk, digest in source.items():
        if pk not in target:
            found.append((pk, "missing_on_target"))
        elif target[pk] != digest:
            found.append((pk, "changed"))
    found.extend((pk, "extra_on_target") for pk in target if pk not in source)
    found.sort(key=lambda item: tuple(str(v) for v in item[0]))
    differences = [dict(key=dict(zip(key, pk)), kind=kind) for pk, kind in found[:limit]]
    return differences, len(found)
