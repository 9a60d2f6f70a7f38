# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The upgrade pre-check against one live server: read the catalog, count bad rows in chunks, judge.

Why chunks: counting invalid JSON or zero dates reads every row of a table. On a production server
that is done as primary-key ranges of ``chunk_rows`` rows (the same range predicates as the table
checksums), each a short statement that holds no long lock and leaves the buffer pool mostly alone;
a table without a primary key is read in one statement, and the result says so.

Everything is read with SELECT/SHOW and bound parameters; nothing is written.
"""
import time

from ansible_collections.drkit.mysql.plugins.module_utils.checksum import boundary_sql, qualified, range_where
from ansible_collections.drkit.mysql.plugins.module_utils.connection import placeholders
from ansible_collections.drkit.mysql.plugins.module_utils.dump_format import quote_identifier as q
from ansible_collections.drkit.mysql.plugins.module_utils.text_table import text_table
from ansible_collections.drkit.mysql.plugins.module_utils.upgrade_config import last_setting, read_option_files
from ansible_collections.drkit.mysql.plugins.module_utils import upgrade_findings as rules
from ansible_collections.drkit.mysql.plugins.module_utils.upgrade_targets import (
    MARIADB_DEFAULT_SQL_MODE,
    is_strict,
    sql_modes,
)

SYSTEM_SCHEMAS = ("information_schema", "performance_schema", "mysql", "sys")
# MySQL 5.7's compiled-in sql_mode: a server running with it has not chosen NO_AUTO_CREATE_USER itself.
MYSQL57_DEFAULT_SQL_MODE = ("ONLY_FULL_GROUP_BY", "STRICT_TRANS_TABLES", "NO_ZERO_IN_DATE", "NO_ZERO_DATE",
                            "ERROR_FOR_DIVISION_BY_ZERO", "NO_AUTO_CREATE_USER", "NO_ENGINE_SUBSTITUTION")

SCHEMATA_SQL = ("SELECT SCHEMA_NAME, DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME "  # noqa: S608
                "FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN (%s) ORDER BY SCHEMA_NAME")
TABLES_SQL = ("SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, ENGINE, TABLE_COLLATION "  # noqa: S608
              "FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (%s) ORDER BY TABLE_SCHEMA, TABLE_NAME")
COLUMNS_SQL = ("SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, COLUMN_DEFAULT, "  # noqa: S608
               "IS_NULLABLE, DATA_TYPE, COLUMN_TYPE, CHARACTER_SET_NAME, COLLATION_NAME, COLUMN_KEY, EXTRA, "
               "COLUMN_COMMENT, GENERATION_EXPRESSION FROM information_schema.COLUMNS WHERE TABLE_SCHEMA IN (%s) "
               "ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION")
PRIMARY_SQL = ("SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME FROM information_schema.STATISTICS "  # noqa: S608
               "WHERE INDEX_NAME = 'PRIMARY' AND TABLE_SCHEMA IN (%s) "
               "ORDER BY TABLE_SCHEMA, TABLE_NAME, SEQ_IN_INDEX")
ROUTINES_SQL = ("SELECT ROUTINE_SCHEMA, ROUTINE_NAME, ROUTINE_TYPE FROM information_schema.ROUTINES "  # noqa: S608
                "WHERE ROUTINE_SCHEMA IN (%s)")
TRIGGERS_SQL = ("SELECT TRIGGER_SCHEMA, TRIGGER_NAME FROM information_schema.TRIGGERS "  # noqa: S608
                "WHERE TRIGGER_SCHEMA IN (%s)")
EVENTS_SQL = ("SELECT EVENT_SCHEMA, EVENT_NAME FROM information_schema.EVENTS "  # noqa: S608
              "WHERE EVENT_SCHEMA IN (%s)")


class ScanError(ValueError):
    """The request names something the server does not have."""


def choose_schemas(all_schemas, databases):
    """The schemas to scan: those asked for (each must exist), else every user schema."""
    present = [name for name in all_schemas if name.lower() not in SYSTEM_SCHEMAS]
    if not databases:
        return sorted(present)
    missing = [name for name in databases if name not in all_schemas]
    if missing:
        raise ScanError("no such database(s) on the server: %s" % ", ".join(missing))
    return list(databases)


def read_catalog(server, schemas):
    """Every catalog row the rules look at, for the chosen schemas."""
    marks = placeholders(len(schemas))
    catalog = dict(schemata=server.rows(SCHEMATA_SQL % marks, schemas), tables=server.rows(TABLES_SQL % marks, schemas),
                   columns=server.rows(COLUMNS_SQL % marks, schemas))
    for name, sql in (("routines", ROUTINES_SQL), ("triggers", TRIGGERS_SQL), ("events", EVENTS_SQL)):
        catalog[name] = server.rows(sql % marks, schemas)
    keys = {}
    for row in server.rows(PRIMARY_SQL % marks, schemas):
        keys.setdefault((row["TABLE_SCHEMA"], row["TABLE_NAME"]), []).append(row["COLUMN_NAME"])
    catalog["primary_keys"] = keys
    return catalog


def count_sql(db, table, expressions, key, lower, upper):
    """(sql, params) counting the rows of one chunk and, per expression, the rows where it is true."""
    where, params = range_where(key, lower, upper) if key else ("1=1", {})
    sums = ", ".join("SUM(%s) AS c%d" % (expression, index) for index, expression in enumerate(expressions))
    sql = "SELECT COUNT(*) AS n, %s FROM %s WHERE %s" % (sums, qualified(db, table), where)  # noqa: S608
    return sql, params


def count_rows(server, db, table, key, expressions, chunk_rows):
    """Rows where each expression holds, read as primary-key chunks: (counts, rows read, chunks, chunked)."""
    totals = [0] * len(expressions)
    rows_read, chunks, lower = 0, 0, None
    while True:
        upper = None
        if key:
            sql, params = boundary_sql(db, table, key, lower, chunk_rows)
            found = server.rows(sql, params)
            upper = tuple(found[0][column] for column in key) if found else None
        sql, params = count_sql(db, table, expressions, key, lower, upper)
        row = server.rows(sql, params)[0]
        chunks += 1
        rows_read += int(row["n"] or 0)
        for index in range(len(expressions)):
            totals[index] += int(row["c%d" % index] or 0)
        if not key or upper is None:
            return totals, rows_read, chunks, bool(key)
        lower = upper


def split_column(name):
    parts = name.split(".")
    if len(parts) != 3 or not all(parts):
        raise ScanError("%r is not a column name of the form db.table.column" % name)
    return tuple(parts)


def _date_columns(catalog):
    base = set((t["TABLE_SCHEMA"], t["TABLE_NAME"]) for t in catalog["tables"] if t["TABLE_TYPE"] == "BASE TABLE")
    by_table = {}
    for column in catalog["columns"]:
        table = (column["TABLE_SCHEMA"], column["TABLE_NAME"])
        if (column["DATA_TYPE"] or "").lower() in rules.DATE_TYPES and table in base:
            by_table.setdefault(table, []).append(column["COLUMN_NAME"])
    return by_table


def scan_rows(server, catalog, json_columns, check_zero_dates, chunk_rows):
    """Invalid JSON and zero-date counts per (db, table, column), and what was read."""
    index = rules.column_index(catalog["columns"])
    wanted = {}
    for name in json_columns:
        key = split_column(name)
        if key not in index:
            raise ScanError("json_columns names %s, which is not a column of the scanned databases" % name)
        if (index[key]["DATA_TYPE"] or "").lower() == "json":
            continue  # MySQL's JSON type holds valid JSON only
        wanted.setdefault(key[:2], []).append(("json", key[2], "JSON_VALID(%s) = 0" % q(key[2])))
    if check_zero_dates:
        for table, names in _date_columns(catalog).items():
            for name in names:
                wanted.setdefault(table, []).append(
                    ("zero", name, "(%s IS NOT NULL AND %s)" % (q(name), rules.zero_date_predicate(name))))
    json_counts, zero_counts, stats = {}, {}, []
    for (db, table), items in sorted(wanted.items()):
        started = time.monotonic()
        counts, rows_read, chunks, chunked = count_rows(
            server, db, table, catalog["primary_keys"].get((db, table)), [item[2] for item in items], chunk_rows)
        for (kind, column, _expression), count in zip(items, counts):
            (json_counts if kind == "json" else zero_counts)[(db, table, column)] = count
        stats.append(dict(table="%s.%s" % (db, table), rows=rows_read, chunks=chunks, chunked=chunked,
                          seconds=round(time.monotonic() - started, 3)))
    return json_counts, zero_counts, stats


def clip(text, width=100):
    return text if len(text) <= width else text[:width - 3] + "..."


def findings_table(findings):
    rows = [[f["severity"].upper(), f["check"], f["object"], clip(f["fix"])] for f in findings]
    return text_table(["SEVERITY", "CHECK", "OBJECT", "FIX"], rows)


def run_check(server, target, databases=(), json_columns=(), config_files=(), chunk_rows=10000, fail_on="error",
              reader=None):
    """The whole pre-check of one server; returns the module's result (without ``changed``)."""
    dialect = server.dialect
    removed = target.removed_variables(dialect)
    removed_modes = target.removed_sql_modes(dialect)
    variables = server.variables(["sql_mode"] + sorted(removed))
    all_schemas = [row["SCHEMA_NAME"] for row in server.rows("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA")]
    schemas = choose_schemas(all_schemas, list(databases or []))
    catalog = read_catalog(server, schemas) if schemas else dict(
        schemata=[], tables=[], columns=[], routines=[], triggers=[], events=[], primary_keys={})
    settings, read, missing = read_option_files(list(config_files or []), reader=reader)
    config_mode = last_setting(settings, "sql_mode")
    current = sql_modes(variables.get("sql_mode"))
    after = rules.target_sql_mode(config_mode["value"] if config_mode else None, target.default_sql_mode)
    forbid_zero = rules.zero_dates_forbidden(after)
    json_counts, zero_counts, stats = scan_rows(server, catalog, json_columns or [], forbid_zero, chunk_rows)
    label = target.label
    words = target.new_reserved_words(dialect)
    index = rules.column_index(catalog["columns"])
    findings = []
    findings += rules.config_findings(settings, removed, removed_modes, label)
    findings += rules.live_variable_findings(variables, removed, removed_modes, label,
                                             (MYSQL57_DEFAULT_SQL_MODE, MARIADB_DEFAULT_SQL_MODE))
    findings += rules.schema_charset_findings(catalog["schemata"])
    findings += rules.table_charset_findings(catalog["tables"], catalog["columns"])
    findings += rules.not_null_findings(catalog["tables"], catalog["columns"], dialect, label, is_strict(current),
                                        is_strict(after))
    findings += rules.zero_date_findings(index, zero_counts, label)
    findings += rules.zero_default_findings(catalog["tables"], catalog["columns"], dialect, label, after)
    findings += rules.json_findings(json_counts, label)
    findings += rules.reserved_word_findings(words, label, catalog["schemata"], catalog["tables"], catalog["columns"],
                                             catalog["routines"], catalog["triggers"], catalog["events"], dialect)
    verdict = rules.summarize(findings, label, fail_on)
    result = dict(
        target=target.name, source=dict(flavor=dialect.flavor, version=dialect.version_string),
        findings=findings, fix_script=rules.fix_script(findings), report=findings_table(findings),
        sql_mode=dict(current=sorted(current), target=sorted(after), added=sorted(after - current),
                      from_config=bool(config_mode)),
        config_files=dict(read=read, missing=missing),
        scanned=dict(schemas=schemas, tables=len(catalog["tables"]), columns=len(catalog["columns"]),
                     row_scans=stats, new_reserved_words=sorted(words)))
    result.update(verdict)
    result["passed"] = verdict["blocking"] == 0
    return result
