# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What breaks at an upgrade, and the statement that fixes it, from what the server says about itself.

Pure functions over ``information_schema`` rows, ``SHOW GLOBAL VARIABLES``, option-file settings and
row counts, so that every rule and every fixing statement is unit-tested on recorded MySQL 5.7 output
without a server. A finding is a dict: ``check``, ``severity`` (error/warning), ``object``
(schema.table.column, or file:line), ``message`` (what breaks) and ``fix`` (the exact statement, or
the option-file edit), plus ``note`` where the fix has a side effect to know about.

Fixes are written for the *source* server (they are run before the upgrade), so they only use syntax
the source understands: MySQL 5.7 has no expression defaults and no RENAME COLUMN.
"""
import re

from ansible_collections.drkit.mysql.plugins.module_utils.dump_format import quote_identifier as q
from ansible_collections.drkit.mysql.plugins.module_utils.flavor import MARIADB
from ansible_collections.drkit.mysql.plugins.module_utils.upgrade_targets import is_strict, sql_modes

UTF8MB3 = ("utf8", "utf8mb3")
DATE_TYPES = ("date", "datetime", "timestamp")
NUMERIC_TYPES = ("tinyint", "smallint", "mediumint", "int", "integer", "bigint", "decimal", "numeric", "float",
                 "double", "real", "bit", "year")
STRING_TYPES = ("char", "varchar", "binary", "varbinary", "set")
LOB_TYPES = ("tinytext", "text", "mediumtext", "longtext", "tinyblob", "blob", "mediumblob", "longblob", "json",
             "geometry", "point", "linestring", "polygon", "multipoint", "multilinestring", "multipolygon",
             "geometrycollection")
# The smallest valid value of each date type: what a NOT NULL column's zero dates become.
MIN_DATES = {"date": "1000-01-01", "datetime": "1000-01-01 00:00:00", "timestamp": "1970-01-01 00:00:01"}
SEVERITIES = ("error", "warning")
_ZERO_DATE = re.compile(r"^\d{4}-(00-\d{2}|\d{2}-00)")


def _text(value):
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def literal(value):
    """A SQL string literal (fixes are text for people and clients, so values are escaped, not bound)."""
    return "'%s'" % str(value).replace("\\", "\\\\").replace("'", "''")


def table_name(db, table):
    return "%s.%s" % (q(db), q(table))


def finding(check, severity, obj, message, fix, note=None, **extra):
    item = dict(check=check, severity=severity, object=obj, message=message, fix=fix, note=note)
    item.update(extra)
    return item


def is_utf8mb3(charset):
    return (_text(charset) or "").lower() in UTF8MB3


def utf8mb4_collation(collation):
    """The utf8mb4 collation with the same rules as a utf8mb3 one (utf8_general_ci -> utf8mb4_general_ci)."""
    collation = (_text(collation) or "utf8_general_ci").lower()
    rest = re.sub(r"^utf8(mb3)?_", "", collation)
    if rest == "general_mysql500_ci":
        rest = "general_ci"
    return "utf8mb4_" + rest


def _generated(column):
    extra = (_text(column.get("EXTRA")) or "").upper()
    return bool(_text(column.get("GENERATION_EXPRESSION"))) or "GENERATED" in extra and "DEFAULT_GENERATED" not in \
        extra or extra in ("VIRTUAL", "PERSISTENT", "STORED")


def _on_update(column):
    extra = _text(column.get("EXTRA")) or ""
    match = re.search(r"on update (\S+)", extra, re.I)
    return ("ON UPDATE %s" % match.group(1)) if match else ""


def _fsp(column_type):
    match = re.search(r"\((\d)\)", column_type or "")
    return "(%s)" % match.group(1) if match and match.group(1) != "0" else ""


def default_clause(column, dialect):
    """The DEFAULT clause of a column as information_schema shows it, or ''."""
    value = _text(column.get("COLUMN_DEFAULT"))
    if value is None:
        return ""
    if dialect is not None and dialect.is_mariadb:
        # MariaDB shows the default as an SQL expression ('text', NULL, current_timestamp()).
        return "DEFAULT %s" % value
    extra = (_text(column.get("EXTRA")) or "").upper()
    upper = value.upper()
    if upper.startswith("CURRENT_TIMESTAMP") or upper.startswith("NOW("):
        return "DEFAULT %s" % value
    if "DEFAULT_GENERATED" in extra:
        return "DEFAULT (%s)" % value
    if value.startswith("b'"):
        return "DEFAULT %s" % value
    return "DEFAULT %s" % literal(value)


def column_definition(column, dialect, nullable=None, default=None):
    """The column's definition for MODIFY/CHANGE, rebuilt from information_schema (type, charset, NULL,
    default, ON UPDATE, AUTO_INCREMENT, comment); ``nullable``/``default`` override what is there."""
    parts = [_text(column["COLUMN_TYPE"])]
    charset, collation = _text(column.get("CHARACTER_SET_NAME")), _text(column.get("COLLATION_NAME"))
    if charset and collation and (_text(column.get("DATA_TYPE")) or "").lower() != "json":
        parts.append("CHARACTER SET %s COLLATE %s" % (charset, collation))
    is_nullable = (_text(column.get("IS_NULLABLE")) == "YES") if nullable is None else nullable
    parts.append("NULL" if is_nullable else "NOT NULL")
    clause = default if default is not None else default_clause(column, dialect)
    if clause:
        parts.append(clause)
    if _on_update(column):
        parts.append(_on_update(column))
    if "auto_increment" in (_text(column.get("EXTRA")) or "").lower():
        parts.append("AUTO_INCREMENT")
    if _text(column.get("COLUMN_COMMENT")):
        parts.append("COMMENT %s" % literal(_text(column["COLUMN_COMMENT"])))
    return " ".join(parts)


def _expression_defaults(dialect):
    """Whether the source accepts DEFAULT (expression) and defaults on TEXT/BLOB (MySQL 8.0.13+, MariaDB)."""
    return dialect is None or dialect.is_mariadb or tuple(dialect.version) >= (8, 0, 13)


def _name(column):
    return "%s.%s.%s" % (_text(column["TABLE_SCHEMA"]), _text(column["TABLE_NAME"]), _text(column["COLUMN_NAME"]))


def _alter(column, clause):
    return "ALTER TABLE %s %s;" % (table_name(_text(column["TABLE_SCHEMA"]), _text(column["TABLE_NAME"])), clause)


def default_change(column, dialect):
    """(ALTER clause, note) giving a NOT NULL column the value non-strict mode silently inserted, as its default."""
    data_type = (_text(column.get("DATA_TYPE")) or "").lower()
    name = q(_text(column["COLUMN_NAME"]))

    def modify(**override):
        return "MODIFY %s %s" % (name, column_definition(column, dialect, **override))

    if data_type in NUMERIC_TYPES:
        return "ALTER COLUMN %s SET DEFAULT 0" % name, None
    if data_type in STRING_TYPES:
        return "ALTER COLUMN %s SET DEFAULT ''" % name, None
    if data_type == "enum":
        values = re.findall(r"'((?:[^']|'')*)'", _text(column.get("COLUMN_TYPE")) or "")
        first = values[0].replace("''", "'") if values else ""
        return "ALTER COLUMN %s SET DEFAULT %s" % (name, literal(first)), None
    if data_type == "time":
        return "ALTER COLUMN %s SET DEFAULT '00:00:00'" % name, None
    if data_type in ("datetime", "timestamp"):
        clause = "DEFAULT CURRENT_TIMESTAMP%s" % _fsp(_text(column.get("COLUMN_TYPE")))
        return modify(default=clause), "rows inserted without this column get the time of the insert"
    if data_type == "date" and _expression_defaults(dialect):
        return modify(default="DEFAULT (CURRENT_DATE)"), "rows inserted without this column get the date of the insert"
    if data_type in LOB_TYPES and data_type != "json" and dialect is not None and dialect.is_mariadb:
        return "ALTER COLUMN %s SET DEFAULT ''" % name, None
    if data_type in LOB_TYPES and _expression_defaults(dialect) and not data_type.startswith(("geo", "point")):
        return modify(default="DEFAULT (JSON_ARRAY())" if data_type == "json" else "DEFAULT ('')"), None
    return (modify(nullable=True, default=""),
            "this server cannot give a %s column a default, so the column becomes NULLable: inserts without it store "
            "NULL instead of failing" % data_type.upper())


def default_fix(column, dialect):
    """(statement, note): default_change as a whole ALTER TABLE."""
    clause, note = default_change(column, dialect)
    return _alter(column, clause), note


def schema_charset_findings(schemata):
    found = []
    for row in schemata:
        if is_utf8mb3(row.get("DEFAULT_CHARACTER_SET_NAME")):
            db = _text(row["SCHEMA_NAME"])
            collation = utf8mb4_collation(row.get("DEFAULT_COLLATION_NAME"))
            found.append(finding(
                "utf8mb3", "warning", db,
                "the default character set of schema %s is utf8mb3 (deprecated in MySQL 8.0, cannot store 4-byte "
                "characters such as emoji); new tables get it too" % db,
                "ALTER DATABASE %s CHARACTER SET utf8mb4 COLLATE %s;" % (q(db), collation)))
    return found


def table_charset_findings(tables, columns):
    """One finding per base table with utf8mb3 columns or a utf8mb3 default: CONVERT TO utf8mb4."""
    by_table = {}
    for column in columns:
        by_table.setdefault((_text(column["TABLE_SCHEMA"]), _text(column["TABLE_NAME"])), []).append(column)
    found = []
    for table in tables:
        if (_text(table.get("TABLE_TYPE")) or "") != "BASE TABLE":
            continue
        db, name = _text(table["TABLE_SCHEMA"]), _text(table["TABLE_NAME"])
        cols = by_table.get((db, name), [])
        bad = [c for c in cols if is_utf8mb3(c.get("CHARACTER_SET_NAME"))]
        table_default = _text(table.get("TABLE_COLLATION")) or ""
        default_bad = bool(re.match(r"^utf8(mb3)?_", table_default.lower()))
        if not bad and not default_bad:
            continue
        source = table_default if default_bad else _text(bad[0].get("COLLATION_NAME"))
        others = [_text(c["COLUMN_NAME"]) for c in cols
                  if _text(c.get("CHARACTER_SET_NAME")) and not is_utf8mb3(c.get("CHARACTER_SET_NAME"))
                  and (_text(c.get("CHARACTER_SET_NAME")) or "").lower() not in ("utf8mb4", "binary")]
        note = ("TEXT columns may become MEDIUMTEXT to keep their length in characters; indexes over long "
                "VARCHARs need a DYNAMIC or COMPRESSED row format (3072-byte key prefixes)")
        if others:
            note += "; CONVERT TO also converts the other character columns (%s)" % ", ".join(others)
        what = ("columns %s are utf8mb3" % ", ".join(_text(c["COLUMN_NAME"]) for c in bad)) if bad else \
            "the table default is utf8mb3"
        found.append(finding(
            "utf8mb3", "warning", "%s.%s" % (db, name),
            "%s (deprecated in MySQL 8.0, cannot store 4-byte characters such as emoji)" % what,
            "ALTER TABLE %s CONVERT TO CHARACTER SET utf8mb4 COLLATE %s;" % (table_name(db, name),
                                                                             utf8mb4_collation(source)),
            note=note, columns=[_text(c["COLUMN_NAME"]) for c in bad]))
    return found


def _base_columns(tables, columns):
    base = set((_text(t["TABLE_SCHEMA"]), _text(t["TABLE_NAME"])) for t in tables
               if (_text(t.get("TABLE_TYPE")) or "") == "BASE TABLE")
    return [c for c in columns if (_text(c["TABLE_SCHEMA"]), _text(c["TABLE_NAME"])) in base]


def not_null_findings(tables, columns, dialect, target_label, strict_now, strict_after):
    """NOT NULL columns without a default, when the target's sql_mode is strict and the current one is not."""
    if strict_now or not strict_after:
        return []
    found = []
    for column in _base_columns(tables, columns):
        if _text(column.get("IS_NULLABLE")) != "NO" or _text(column.get("COLUMN_DEFAULT")) is not None:
            continue
        if "auto_increment" in (_text(column.get("EXTRA")) or "").lower() or _generated(column):
            continue
        if _text(column.get("COLUMN_KEY")) == "PRI":
            continue  # an application gives a key it does not generate: a second row without it fails today too
        fix, note = default_fix(column, dialect)
        found.append(finding(
            "not_null_no_default", "error", _name(column),
            "NOT NULL without a default: an INSERT that leaves it out stores an implicit value today (sql_mode is "
            "not strict) but fails on %s, whose sql_mode is strict (Field '%s' doesn't have a default value)"
            % (target_label, _text(column["COLUMN_NAME"])), fix, note=note))
    return found


def zero_dates_forbidden(modes):
    return is_strict(modes) and bool(set(modes) & set(["NO_ZERO_DATE", "NO_ZERO_IN_DATE"]))


def _zero_default(column):
    if (_text(column.get("DATA_TYPE")) or "").lower() not in DATE_TYPES:
        return False
    value = (_text(column.get("COLUMN_DEFAULT")) or "").strip("'")
    return bool(_ZERO_DATE.match(value)) or value.startswith("0000-00-00")


def zero_default_findings(tables, columns, dialect, target_label, target_modes):
    """Date columns whose DEFAULT is a zero date: one ALTER per table fixes all of them (the target refuses
    any ALTER or CREATE of such a table, and so does a strict source for each column left)."""
    if not zero_dates_forbidden(target_modes):
        return []
    by_table = {}
    for column in _base_columns(tables, columns):
        if _zero_default(column):
            by_table.setdefault((_text(column["TABLE_SCHEMA"]), _text(column["TABLE_NAME"])), []).append(column)
    found = []
    for (db, name), cols in sorted(by_table.items()):
        clauses = []
        for column in cols:
            col = q(_text(column["COLUMN_NAME"]))
            if _text(column.get("IS_NULLABLE")) == "YES":
                clauses.append("ALTER COLUMN %s SET DEFAULT NULL" % col)
            else:
                clauses.append(default_change(column, dialect)[0])
        found.append(finding(
            "zero_date_default", "error", "%s.%s" % (db, name),
            "columns %s default to a zero date, which %s refuses under its sql_mode (NO_ZERO_DATE, strict): "
            "CREATE TABLE and every ALTER TABLE of this table fail with 'Invalid default value'"
            % (", ".join(_text(c["COLUMN_NAME"]) for c in cols), target_label),
            "ALTER TABLE %s %s;" % (table_name(db, name), ", ".join(clauses)),
            note="run after the zero_dates fixes of the same table", columns=[_text(c["COLUMN_NAME"]) for c in cols]))
    return found


def zero_date_predicate(column_name):
    """Rows whose value has a zero month or day ('0000-00-00', '2024-00-10'), read as text: comparing with a
    '0000-00-00' literal is itself refused or warned about under some sql_modes, text never is."""
    text = "CAST(%s AS CHAR)" % q(column_name)
    return "(SUBSTRING(%s, 6, 2) = '00' OR SUBSTRING(%s, 9, 2) = '00')" % (text, text)


def zero_date_findings(columns_by_name, counts, target_label):
    """Rows holding zero dates (``counts``: {(db, table, column): rows}); the UPDATE that replaces them."""
    found = []
    for key in sorted(counts):
        rows = counts[key]
        if not rows:
            continue
        db, name, col = key
        column = columns_by_name[key]
        data_type = (_text(column.get("DATA_TYPE")) or "").lower()
        nullable = _text(column.get("IS_NULLABLE")) == "YES"
        value = "NULL" if nullable else literal(MIN_DATES.get(data_type, "1000-01-01"))
        keep = [q(_text(other["COLUMN_NAME"])) for other in columns_by_name.values()
                if (_text(other["TABLE_SCHEMA"]), _text(other["TABLE_NAME"])) == (db, name)
                and _on_update(other) and _text(other["COLUMN_NAME"]) != col]
        assignments = ["%s = %s" % (q(col), value)] + ["%s = %s" % (k, k) for k in keep]
        found.append(finding(
            "zero_dates", "error", "%s.%s.%s" % (db, name, col),
            "%d row(s) hold a zero date or a zero month/day, which %s refuses under its sql_mode (NO_ZERO_DATE, "
            "NO_ZERO_IN_DATE, strict): copying ALTER TABLEs and a dump reloaded into the new server fail on them"
            % (rows, target_label),
            "UPDATE %s SET %s WHERE %s;" % (  # noqa: S608 - a fix to show; quoted identifiers, escaped literals
                table_name(db, name), ", ".join(assignments), zero_date_predicate(col)),
            note=None if nullable else "the column is NOT NULL, so the zero dates become %s; check that the "
                                       "application reads that as 'no date'" % value,
            rows=rows))
    return found


def json_findings(counts, target_label):
    """Rows of TEXT columns meant to become JSON whose value is not valid JSON (``counts``: {(db, t, c): rows})."""
    found = []
    for (db, name, col), rows in sorted(counts.items()):
        if not rows:
            continue
        found.append(finding(
            "invalid_json", "error", "%s.%s.%s" % (db, name, col),
            "%d row(s) are not valid JSON: ALTER TABLE ... MODIFY %s JSON fails on %s until they are fixed"
            % (rows, col, target_label),
            "UPDATE %s SET %s = JSON_QUOTE(%s) WHERE JSON_VALID(%s) = 0;" % (  # noqa: S608 - quoted identifiers
                table_name(db, name), q(col), q(col), q(col)),
            note="keeps each invalid value as a JSON string; correct the rows by hand instead where the text "
                 "should have been an object", rows=rows))
    return found


def _supports_rename_column(dialect):
    if dialect is None:
        return True
    if dialect.is_mariadb:
        return tuple(dialect.version) >= (10, 5, 2)
    return tuple(dialect.version) >= (8, 0, 0)


def reserved_word_findings(words, target_label, schemata, tables, columns, routines=(), triggers=(), events=(),
                           dialect=None):
    """Names that become reserved words: quoting advice, and the statement that renames the object."""
    found = []

    def hit(name):
        return (_text(name) or "").upper() in words

    def advice(word):
        return "%s is a reserved word in %s: every statement that names it without backquotes fails with a " \
               "syntax error (application SQL, views, routines, triggers)" % (word, target_label)

    quote_note = "or keep the name and write it as `%s` in every statement that uses it"
    for row in schemata:
        db = _text(row["SCHEMA_NAME"])
        if hit(db):
            found.append(finding("reserved_word", "warning", db, advice(db.upper()),
                                 "-- schemas cannot be renamed: quote it as %s in every statement" % q(db),
                                 note=quote_note % db))
    for row in tables:
        db, name = _text(row["TABLE_SCHEMA"]), _text(row["TABLE_NAME"])
        if hit(name):
            found.append(finding("reserved_word", "warning", "%s.%s" % (db, name), advice(name.upper()),
                                 "RENAME TABLE %s TO %s;" % (table_name(db, name), table_name(db, name + "_")),
                                 note=quote_note % name))
    for column in columns:
        name = _text(column["COLUMN_NAME"])
        if not hit(name):
            continue
        if _supports_rename_column(dialect):
            fix = _alter(column, "RENAME COLUMN %s TO %s" % (q(name), q(name + "_")))
        else:
            fix = _alter(column, "CHANGE %s %s %s" % (q(name), q(name + "_"), column_definition(column, dialect)))
        found.append(finding("reserved_word", "warning", _name(column), advice(name.upper()), fix,
                             note=quote_note % name))
    for kind, rows, schema_key, name_key in (("routine", routines, "ROUTINE_SCHEMA", "ROUTINE_NAME"),
                                             ("trigger", triggers, "TRIGGER_SCHEMA", "TRIGGER_NAME"),
                                             ("event", events, "EVENT_SCHEMA", "EVENT_NAME")):
        for row in rows:
            db, name = _text(row[schema_key]), _text(row[name_key])
            if hit(name):
                found.append(finding("reserved_word", "warning", "%s.%s" % (db, name), advice(name.upper()),
                                     "-- re-create the %s %s under another name (DROP, then CREATE)"
                                     % (kind, table_name(db, name)), note=quote_note % name))
    return found


def config_findings(settings, removed, removed_modes, target_label):
    """Option-file lines that set a variable or sql_mode value the target no longer knows."""
    found = []
    for item in settings:
        where = "%s:%d" % (item["path"], item["line"])
        entry = removed.get(item["name"])
        if entry is not None:
            severity = "warning" if item["loose"] else entry["severity"]
            why = entry.get("why") or "removed"
            if entry.get("replacement"):
                value = "" if item["value"] is None else " = %s" % item["value"]
                fix = "in %s replace line %d (%s) with: %s%s" % (
                    item["path"], item["line"], item["raw"], entry["replacement"], value)
            else:
                fix = "delete line %d of %s: %s" % (item["line"], item["path"], item["raw"])
            stops = "the server does not start with it" if severity == "error" else "the server warns and ignores it"
            found.append(finding("removed_variable", severity, where,
                                 "[%s] sets %s, which %s no longer has (%s): %s"
                                 % (item["group"], item["name"], target_label, why, stops), fix))
        if item["name"] == "sql_mode" and removed_modes:
            modes = [m for m in re.split(r"[,\s]+", (item["value"] or "").upper()) if m]
            gone = [m for m in modes if m in removed_modes]
            if gone:
                kept = ",".join(m for m in modes if m not in removed_modes)
                found.append(finding("removed_sql_mode", "error", where,
                                     "sql_mode has %s, which %s removed: the server does not start with it"
                                     % (", ".join(gone), target_label),
                                     "in %s replace line %d (%s) with: sql_mode = '%s'"
                                     % (item["path"], item["line"], item["raw"], kept)))
    return found


def _setting(value):
    """A SET GLOBAL value: bare when it is a word or number (numeric variables refuse quoted values)."""
    return value if re.match(r"^[A-Za-z0-9_.]+$", value) else literal(value)


def live_variable_findings(variables, removed, removed_modes, target_label, compiled_default_modes=()):
    """Variables the running server uses (a value other than "off") that the target removed.

    A global sql_mode equal to one of ``compiled_default_modes`` (the source's built-in default) is not reported:
    nothing set it, so the upgraded server simply uses its own default.
    """
    found = []
    for name, entry in sorted(removed.items()):
        if name not in variables or not entry.get("inert"):
            continue
        value = _text(variables[name])
        if str(value).upper() in [v.upper() for v in entry["inert"]]:
            continue
        why = entry.get("why") or ("use %s instead" % entry["replacement"] if entry.get("replacement") else "removed")
        found.append(finding("removed_variable", "warning", "@@GLOBAL.%s" % name,
                             "the server runs with %s = %s, which %s no longer has (%s)"
                             % (name, value, target_label, why),
                             "SET GLOBAL %s = %s;" % (name, _setting(entry["inert"][0])),
                             note="also remove it from the option files"))
    modes = [m for m in re.split(r"[,\s]+", str(_text(variables.get("sql_mode")) or "").upper()) if m]
    gone = [m for m in modes if m in removed_modes]
    if gone and set(modes) not in [set(default) for default in compiled_default_modes]:
        kept = ",".join(m for m in modes if m not in removed_modes)
        found.append(finding("removed_sql_mode", "warning", "@@GLOBAL.sql_mode",
                             "sql_mode has %s, which %s removed: an option file or an application that sets it "
                             "stops the server or fails the statement" % (", ".join(gone), target_label),
                             "SET GLOBAL sql_mode = %s;" % literal(kept),
                             note="and write the same sql_mode in the option files"))
    return found


def target_sql_mode(config_value, target_default):
    """The sql_mode the upgraded server runs with: the option files' one when set, else the target's default."""
    return sql_modes(config_value) if config_value is not None else set(target_default)


def summarize(findings, target_label, fail_on="error"):
    """Counts, the blocking verdict and a one-line summary."""
    errors = sum(1 for f in findings if f["severity"] == "error")
    warnings = sum(1 for f in findings if f["severity"] == "warning")
    blocking = errors if fail_on == "error" else errors + warnings
    by_check = {}
    for item in findings:
        by_check[item["check"]] = by_check.get(item["check"], 0) + 1
    if not findings:
        line = "nothing found that breaks the upgrade to %s" % target_label
    else:
        line = "%d error(s), %d warning(s) for the upgrade to %s: %s" % (
            errors, warnings, target_label, ", ".join("%s %d" % (k, v) for k, v in sorted(by_check.items())))
    return dict(error_count=errors, warning_count=warnings, blocking=blocking, by_check=by_check, summary=line)


def fix_script(findings):
    """Every fix in the order to run them (rows before defaults, SQL before option-file edits)."""
    order = ["zero_dates", "invalid_json", "zero_date_default", "not_null_no_default", "utf8mb3", "reserved_word",
             "removed_sql_mode", "removed_variable"]
    ranked = sorted(findings, key=lambda f: (order.index(f["check"]) if f["check"] in order else len(order)))
    return [f["fix"] for f in ranked]


def column_index(columns):
    return dict(((_text(c["TABLE_SCHEMA"]), _text(c["TABLE_NAME"]), _text(c["COLUMN_NAME"])), c) for c in columns)


def is_mariadb(dialect):
    return dialect is not None and dialect.flavor == MARIADB
