# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The reverse of decoded row changes: what a flashback writes, and the guard that keeps later changes safe.

One row change becomes one reverse operation (``Op``):

- an UPDATE is undone by an UPDATE that sets the before-image values back, of
  the columns it changed among the chosen ``columns`` or among every column the
  server lets us write (generated columns are never written nor compared). Its guard: the row still equals the
  after-image on the checked columns - with ``columns`` only those, so a later
  change of another column (stock, description) is not a conflict;
- a DELETE is undone by INSERTing the before-image, unless a row with its key
  exists by now;
- an INSERT is undone by DELETEing the row, if it still equals what was
  inserted.

Rows are located by the primary key, else a NOT NULL unique key, else (said so
in the result) by the whole after-image with ``LIMIT 1``. Every comparison is
NULL-safe (``<=>``) and every value a parameter. Nothing here touches a server:
``statement``/``probe``/``forced`` return (SQL, parameters) that the caller runs
or renders into a file.

Stdlib only: this file runs on managed hosts with Python 3.8+.
"""
import datetime
import hashlib
import json
import re

from ansible_collections.drkit.mysql.plugins.module_utils.binlog_rows import MISSING
from ansible_collections.drkit.mysql.plugins.module_utils.binlog_values import json_safe

# What the server says about a table: its columns (generated or not) and its keys.
TABLE_COLUMNS_SQL = ("SELECT COLUMN_NAME, ORDINAL_POSITION, DATA_TYPE, IS_NULLABLE, EXTRA, GENERATION_EXPRESSION, "
                     "COLUMN_TYPE, CHARACTER_SET_NAME, COLLATION_NAME "
                     "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s "
                     "ORDER BY ORDINAL_POSITION")
TABLE_KEYS_SQL = ("SELECT INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME, SUB_PART "
                  "FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s "
                  "ORDER BY INDEX_NAME, SEQ_IN_INDEX")

UTC = datetime.timezone.utc


class FlashbackError(ValueError):
    """A selection or table a flashback refuses; ``str()`` says why and what to do."""


def quote(name):
    """A backquoted identifier, safe inside a %-format template (``%`` doubled)."""
    return ("`%s`" % name.replace("`", "``")).replace("%", "%%")


def _text(value):
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _generated(row):
    expression = _text(row.get("GENERATION_EXPRESSION"))
    extra = (_text(row.get("EXTRA")) or "").upper()
    return bool(expression) or extra in ("VIRTUAL", "PERSISTENT", "STORED") or extra.endswith(" GENERATED") and \
        not extra.startswith("DEFAULT")


class TableInfo(object):
    """One table as a flashback writes it: column names, which are generated, how rows are located."""

    def __init__(self, schema, table, columns, generated=(), json_columns=(), key=None, key_name=None,
                 types=None):
        self.schema = schema
        self.table = table
        self.columns = list(columns)
        self.generated = frozenset(generated)
        self.json_columns = frozenset(json_columns)
        self.key = list(key or [])
        self.key_name = key_name
        self.writable = [i for i in range(len(self.columns)) if i not in self.generated]
        self.quoted = "%s.%s" % (quote(schema), quote(table))
        # Column definitions as the server reports them (type, character set, collation): what a set-based undo
        # needs to give its work table exactly the table's types. None: unknown, rows are undone one by one.
        self.types = list(types) if types is not None else None

    @property
    def name(self):
        return "%s.%s" % (self.schema, self.table)

    @property
    def keyless(self):
        return not self.key

    def indexes(self, names):
        """Column positions of ``names``; FlashbackError names what the table lacks or cannot be written."""
        missing = [n for n in names if n not in self.columns]
        if missing:
            raise FlashbackError("%s has no column %s (its columns: %s)"
                                 % (self.name, ", ".join(missing), ", ".join(self.columns)))
        result = [self.columns.index(n) for n in names]
        generated = [self.columns[i] for i in result if i in self.generated]
        if generated:
            raise FlashbackError("%s: %s is a generated column; the server computes it, a flashback cannot set it"
                                 % (self.name, ", ".join(generated)))
        return result


def table_info(schema, table, binlog_columns, column_rows, key_rows, json_type=False):
    """A TableInfo from the binlog's column names and the server's information_schema rows.

    Refuses a table whose columns differ from the binlog event's (altered since: the images would be written
    into the wrong columns). ``json_type``: the server stores JSON as its own type (MySQL), so comparisons cast.
    """
    name = "%s.%s" % (schema, table)
    if not column_rows:
        raise FlashbackError("%s does not exist on the server (dropped or renamed since?); restore it first "
                             "(playbooks/pitr.yml) and flash back afterwards" % name)
    server_names = [_text(r["COLUMN_NAME"]) for r in column_rows]
    if len(server_names) != len(binlog_columns):
        raise FlashbackError("%s has %d columns now but %d in the binlog: it was altered after the events, so their "
                             "row images no longer fit the table" % (name, len(server_names), len(binlog_columns)))
    renamed = [(b, s) for b, s in zip(binlog_columns, server_names) if not b.startswith("@") and b != s]
    if renamed:
        raise FlashbackError("%s: the binlog's columns differ from the table's now (%s): altered since the events"
                             % (name, ", ".join("%s is %s" % pair for pair in renamed)))
    generated = [i for i, r in enumerate(column_rows) if _generated(r)]
    json_columns = [i for i, r in enumerate(column_rows)
                    if json_type and (_text(r.get("DATA_TYPE")) or "").lower() == "json"]
    nullable = dict((_text(r["COLUMN_NAME"]), _text(r.get("IS_NULLABLE")) == "YES") for r in column_rows)
    key, key_name = choose_key(key_rows, nullable, [server_names[i] for i in generated])
    return TableInfo(schema, table, server_names, generated, json_columns,
                     [server_names.index(c) for c in key], key_name, column_types(column_rows))


_TYPE_RE = re.compile(r"^[a-z][a-z0-9 _]*(\([0-9a-z ,'_.\\-]*\))?( unsigned)?( zerofill)?$")


_CHARACTER_TYPES = ("char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum(", "set(")


def column_types(column_rows):
    """Each column's type as a definition (``varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin``), or None
    when one of them is missing or not a plain type name (then the table is undone row by row)."""
    types = []
    for row in column_rows:
        column_type = (_text(row.get("COLUMN_TYPE")) or "").strip()
        if not column_type or not _TYPE_RE.match(column_type.lower()) and not column_type.lower().startswith(
                ("enum(", "set(")):
            return None
        charset, collation = _text(row.get("CHARACTER_SET_NAME")), _text(row.get("COLLATION_NAME"))
        # Only character types take a character set (MySQL reports utf8mb4_bin for JSON, which takes none).
        if charset and collation and column_type.lower().startswith(_CHARACTER_TYPES):
            if not re.match(r"^\w+$", charset) or not re.match(r"^\w+$", collation):
                return None
            column_type += " CHARACTER SET %s COLLATE %s" % (charset, collation)
        types.append(column_type)
    return types


def choose_key(key_rows, nullable, generated_names=()):
    """(column names, index name) to locate rows: PRIMARY, else the narrowest unique key of NOT NULL columns.

    Keys with a prefix part or a generated column are not used (the prefix does not identify the value; a
    generated column is never compared). ([], None) without one.
    """
    indexes = {}
    for row in key_rows:
        index = _text(row["INDEX_NAME"])
        entry = indexes.setdefault(index, dict(unique=str(row["NON_UNIQUE"]) in ("0", "False"), columns=[],
                                               usable=True))
        column = _text(row["COLUMN_NAME"])
        entry["columns"].append(column)
        if row.get("SUB_PART") is not None or column in generated_names or nullable.get(column, True) \
                or column is None:
            entry["usable"] = False
    if "PRIMARY" in indexes and indexes["PRIMARY"]["usable"]:
        return indexes["PRIMARY"]["columns"], "PRIMARY"
    candidates = sorted((len(e["columns"]), name) for name, e in indexes.items() if e["unique"] and e["usable"])
    if candidates:
        name = candidates[0][1]
        return indexes[name]["columns"], name
    return [], None


def sql_value(value):
    """A decoded binlog value as a statement parameter: UTC TIMESTAMPs as naive datetimes (session time_zone
    is +00:00 while a flashback writes)."""
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


class Op(object):
    """One reverse operation: ``kind`` is the statement a flashback runs (update, insert, delete)."""

    __slots__ = ("kind", "info", "locate", "guard", "restore", "gtid", "undoes")

    def __init__(self, kind, info, locate, guard, restore, gtid=None, undoes=None):
        self.kind = kind
        self.info = info
        self.locate = locate
        self.guard = guard
        self.restore = restore
        self.gtid = gtid
        self.undoes = undoes

    def key(self):
        """The row's key as {column: JSON-safe value} for reports (the whole image for a table without a key)."""
        names = self.info.columns
        return dict((names[i], json_safe(v)) for i, v in (self.locate or self.restore))

    def describe(self):
        return dict(table=self.info.name, operation=self.kind, undoes=self.undoes, key=self.key(), gtid=self.gtid)


def _pairs(image, indexes, info, what):
    values = []
    for i in indexes:
        value = image[i]
        if value is MISSING:
            raise FlashbackError("%s: the %s image lacks column %s (binlog_row_image is not FULL); a flashback needs "
                                 "FULL row images" % (info.name, what, info.columns[i]))
        values.append((i, value))
    return values


def reverse_op(info, operation, before, after, columns=None, gtid=None):
    """The Op that undoes one row change, or None when there is nothing to undo (an UPDATE that did not change
    the chosen columns). ``columns``: positions to restore (UPDATEs only); None means every writable column."""
    if operation == "update":
        chosen = columns if columns is not None else info.writable
        current = _pairs(after, chosen, info, "after")
        # Only what the event changed is set back; unchanged columns are covered by the guard.
        restore = [(i, b) for (i, b), (_j, a) in zip(_pairs(before, chosen, info, "before"), current)
                   if not _same(b, a)]
        if not restore:
            return None
        # (chosen is info.writable without columns: the after-image pairs are read once)
        if columns is not None or chosen is info.writable:
            guard = current
        else:
            guard = _pairs(after, info.writable, info, "after")
        locate = _pairs(after, info.key, info, "after") if info.key else guard
        if not info.keyless:
            keyed = set(info.key)
            guard = [(i, v) for i, v in guard if i not in keyed]
        else:
            guard = []
        return Op("update", info, locate, guard, restore, gtid, "update")
    if columns is not None:
        raise FlashbackError("%s: columns limits the undo of UPDATEs; the selection also holds a%s %s, which "
                             "can only be undone as a whole row (select the UPDATE alone, e.g. by gtids)"
                             % (info.name, "n" if operation == "insert" else "", operation.upper()))
    if operation == "delete":
        restore = _pairs(before, info.writable, info, "before")
        locate = [(i, v) for i, v in restore if i in info.key] if info.key else []
        return Op("insert", info, locate, [], restore, gtid, "delete")
    if operation == "insert":
        locate = _pairs(after, info.key or info.writable, info, "after")
        keyed = set(info.key)
        guard = [] if info.keyless else [(i, v) for i, v in _pairs(after, info.writable, info, "after")
                                         if i not in keyed]
        return Op("delete", info, locate, guard, [], gtid, "insert")
    raise FlashbackError("unknown row operation %r" % operation)


def _same(left, right):
    if isinstance(left, datetime.datetime) and isinstance(right, datetime.datetime):
        return sql_value(left) == sql_value(right)
    return type(left) is type(right) and left == right or (left is None and right is None)


def _condition(info, pairs):
    """``a <=> %s AND b <=> %s`` and the parameters; JSON columns of MySQL compared as JSON."""
    if not pairs:
        return "1", []
    parts = []
    for i, _value in pairs:
        if i in info.json_columns:
            parts.append("%s <=> CAST(%%s AS JSON)" % quote(info.columns[i]))
        else:
            parts.append("%s <=> %%s" % quote(info.columns[i]))
    return " AND ".join(parts), [sql_value(v) for _i, v in pairs]


def _assignments(info, pairs):
    return ", ".join("%s = %%s" % quote(info.columns[i]) for i, _v in pairs), [sql_value(v) for _i, v in pairs]


def statement(op):
    """The guarded reverse statement: it changes the row only while the guard holds (affected rows say so)."""
    info = op.info
    limit = " LIMIT 1" if info.keyless else ""
    if op.kind == "update":
        sets, params = _assignments(info, op.restore)
        where, where_params = _condition(info, op.locate + op.guard)
        return "UPDATE %s SET %s WHERE %s%s" % (info.quoted, sets, where, limit), params + where_params  # noqa: S608 - quoted identifiers, values are parameters
    if op.kind == "delete":
        where, params = _condition(info, op.locate + op.guard)
        return "DELETE FROM %s WHERE %s%s" % (info.quoted, where, limit), params  # noqa: S608 - quoted identifiers, values are parameters
    names = ", ".join(quote(info.columns[i]) for i, _v in op.restore)
    values = [sql_value(v) for _i, v in op.restore]
    marks = ", ".join("%s" for _v in values)
    if info.keyless:
        return "INSERT INTO %s (%s) VALUES (%s)" % (info.quoted, names, marks), values  # noqa: S608 - quoted identifiers, values are parameters
    where, params = _condition(info, op.locate)
    return ("INSERT INTO %s (%s) SELECT %s FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM %s WHERE %s)"  # noqa: S608 - quoted identifiers, values are parameters
            % (info.quoted, names, marks, info.quoted, where), values + params)


def probe(op, lock=True):
    """Why a guarded statement changed nothing: SELECT (guard holds, already reverted) of the located row.

    No row: the row is gone (UPDATE: a conflict; DELETE: already undone) or, for an INSERT, free to insert.
    """
    info = op.info
    if op.kind == "insert":
        same, params = _condition(info, op.restore)
        already, already_params = "0", []
        where, where_params = _condition(info, op.locate)
    else:
        same, params = _condition(info, op.guard)
        already, already_params = _condition(info, op.restore) if op.kind == "update" else ("0", [])
        where, where_params = _condition(info, op.locate)
    return ("SELECT (%s) AS same, (%s) AS already FROM %s WHERE %s LIMIT 1%s"  # noqa: S608 - quoted identifiers, values are parameters
            % (same, already, info.quoted, where, " FOR UPDATE" if lock else ""),
            params + already_params + where_params)


def forced(op):
    """The unguarded statement of ``on_conflict: overwrite``, or None when the row cannot be located."""
    info = op.info
    if info.keyless:
        return None
    where, params = _condition(info, op.locate)
    if op.kind == "update":
        sets, set_params = _assignments(info, op.restore)
        return "UPDATE %s SET %s WHERE %s" % (info.quoted, sets, where), set_params + params  # noqa: S608 - quoted identifiers, values are parameters
    if op.kind == "delete":
        return "DELETE FROM %s WHERE %s" % (info.quoted, where), params  # noqa: S608 - quoted identifiers, values are parameters
    sets, set_params = _assignments(info, op.restore)
    return "UPDATE %s SET %s WHERE %s" % (info.quoted, sets, where), set_params + params  # noqa: S608 - quoted identifiers, values are parameters


def classify(op, found, same, already):
    """What a guarded statement that changed nothing means: (outcome, reason); outcome skipped or conflict."""
    if op.kind == "insert":
        if not found:
            return "conflict", "the row could not be inserted back"
        if same:
            return "skipped", "already there"
        return "conflict", "a row with this key exists with other values"
    if not found:
        if op.kind == "delete":
            return "skipped", "already gone"
        if op.info.keyless:
            return "conflict", "no row equals the after-image any more (table without a key)"
        return "conflict", "the row is gone"
    if op.kind == "update" and already:
        return "skipped", "already reverted"
    return "conflict", "changed since the event"


def settle(op, found, same, already, cursor=None, on_conflict="skip", integrity_errors=()):
    """(outcome, reason) of an operation its guarded write left alone; with ``cursor`` and ``on_conflict:
    overwrite``, a conflict is written over with the unguarded statement (outcome ``overwritten``)."""
    outcome, reason = classify(op, found, same, already)
    if cursor is not None and outcome == "conflict" and on_conflict == "overwrite":
        unguarded = forced(op)
        if unguarded is not None:
            try:
                if cursor.execute(*unguarded):
                    outcome = "overwritten"
            except integrity_errors:
                pass
    return outcome, reason


def plan_ops(changes, infos, columns=None):
    """Reverse operations for ``changes``: (schema, table, operation, before, after, gtid) newest first.

    ``infos`` maps (schema, table) to TableInfo; ``columns`` (names) limits UPDATE undos. A generator: it holds
    one change at a time. Changes with nothing to undo are skipped.
    """
    positions = {}
    for schema, table, operation, before, after, gtid in changes:
        info = infos[(schema, table)]
        chosen = None
        if columns:
            if info.name not in positions:
                positions[info.name] = info.indexes(columns)
            chosen = positions[info.name]
        op = reverse_op(info, operation, before, after, chosen, gtid)
        if op is not None:
            yield op


def run_id(statements, columns, on_conflict):
    """A stable name for one flashback: the statements it undoes, the columns and the conflict rule."""
    digest = hashlib.sha256()
    digest.update(json.dumps([sorted(columns or []), on_conflict]).encode("utf-8"))
    for item in statements:
        digest.update(json.dumps(list(item), sort_keys=True, default=str).encode("utf-8"))
    return digest.hexdigest()
