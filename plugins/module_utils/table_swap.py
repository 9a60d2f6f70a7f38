# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Repaired tables in a side schema: what is there, a record of how they were made, and the swap into place.

A point-in-time recovery restores tables into a side schema and replays binlogs into them; this is the last
step and the memory of the earlier ones:

- ``read_state``: which tables exist live and in the side schema, their rows, and the record
  (``<side>.drkit_pitr``: the backup, the stop point, what was applied, whether it was swapped), so a re-run
  knows what is done;
- ``swap_statements``: the plan. A table no other table references by foreign key is swapped with one atomic
  ``RENAME TABLE live TO side.<t>__damaged, side.<t> TO live`` (a dropped table is just renamed into place);
  a table that foreign keys point at is copied instead (saved into the side schema, then its rows replaced
  in one transaction), because a renamed parent takes those foreign keys along.

Stdlib only: this file runs on managed hosts with Python 3.8+.
"""
import json

from ansible_collections.drkit.mysql.plugins.module_utils.dump_format import quote_identifier as q
from ansible_collections.drkit.mysql.plugins.module_utils.restore_job import foreign_keys_to
from ansible_collections.drkit.mysql.plugins.module_utils.restore_plan import referenced_from_outside

RECORD_TABLE = "drkit_pitr"
DAMAGED_SUFFIX = "__damaged"


class SwapError(ValueError):
    """The swap cannot be done as asked; nothing was changed."""


def existing_tables(server, schemas):
    if not schemas:
        return set()
    marks = ", ".join(["%s"] * len(schemas))
    rows = server.rows("SELECT TABLE_SCHEMA AS db, TABLE_NAME AS tbl FROM information_schema.TABLES "  # noqa: S608
                       "WHERE TABLE_SCHEMA IN (%s)" % marks, list(schemas))
    return set((row["db"], row["tbl"]) for row in rows)


def count_rows(server, db, table):
    return int(server.rows("SELECT COUNT(*) AS n FROM %s.%s" % (q(db), q(table)))[0]["n"])  # noqa: S608


def read_record(server, side, present):
    if (side, RECORD_TABLE) not in present:
        return None
    rows = server.rows("SELECT name, value FROM %s.%s" % (q(side), q(RECORD_TABLE)))  # noqa: S608
    return dict((row["name"], json.loads(row["value"])) for row in rows)


def read_state(server, side, tables):
    """What exists: ``side_exists``, ``record`` (dict or None) and per table live/side existence and rows."""
    schemas = sorted(set([side] + [db for db, _t in tables]))
    present = existing_tables(server, schemas)
    side_exists = bool(server.rows("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s",
                                   [side]))
    items = []
    for db, table in tables:
        live = (db, table) in present
        repaired = (side, table) in present
        damaged = (side, table + DAMAGED_SUFFIX) in present
        items.append(dict(table="%s.%s" % (db, table), db=db, name=table, live_exists=live, side_exists=repaired,
                          damaged_copy="%s.%s%s" % (side, table, DAMAGED_SUFFIX) if damaged else None,
                          live_rows=count_rows(server, db, table) if live else None,
                          side_rows=count_rows(server, side, table) if repaired else None))
    return dict(side_schema=side, side_exists=side_exists, record=read_record(server, side, present), tables=items)


def write_record(server, side, values):
    """Store ``values`` ({name: JSON-able}) in the side schema's record table (one row per name)."""
    server.execute("CREATE TABLE IF NOT EXISTS %s.%s (name VARCHAR(64) NOT NULL PRIMARY KEY, value LONGTEXT NOT NULL)"
                   " ENGINE=InnoDB" % (q(side), q(RECORD_TABLE)))
    for name in sorted(values):
        server.execute("REPLACE INTO %s.%s (name, value) VALUES (%%s, %%s)" % (q(side), q(RECORD_TABLE)),  # noqa: S608
                       [name, json.dumps(values[name], sort_keys=True)])


def swap_statements(state, referenced):
    """The statements that put the side schema's tables in place. ``referenced``: {(db, table)} that other
    tables' foreign keys point at. Returns [(description, [statements], in_one_transaction)]."""
    side = state["side_schema"]
    steps = []
    renames = []
    for item in state["tables"]:
        db, table = item["db"], item["name"]
        if not item["side_exists"]:
            raise SwapError("%s.%s does not exist: nothing to put in place of %s" % (side, table, item["table"]))
        if item["damaged_copy"]:
            raise SwapError("%s already exists (an earlier swap?): rename or drop it first" % item["damaged_copy"])
        damaged = table + DAMAGED_SUFFIX
        if not item["live_exists"]:
            renames.append("%s.%s TO %s.%s" % (q(side), q(table), q(db), q(table)))
        elif (db, table) not in referenced:
            renames.append("%s.%s TO %s.%s" % (q(db), q(table), q(side), q(damaged)))
            renames.append("%s.%s TO %s.%s" % (q(side), q(table), q(db), q(table)))
        else:
            steps.append(("save %s as %s.%s (copy: foreign keys point at it)" % (item["table"], side, damaged), [
                "CREATE TABLE %s.%s LIKE %s.%s" % (q(side), q(damaged), q(db), q(table)),
                "INSERT INTO %s.%s SELECT * FROM %s.%s" % (q(side), q(damaged), q(db), q(table)),  # noqa: S608
            ], False))
            description = "replace the rows of %s with those of %s.%s in one transaction" % (item["table"], side, table)
            steps.append((description, [
                "SET SESSION foreign_key_checks = 0",
                "START TRANSACTION",
                "DELETE FROM %s.%s" % (q(db), q(table)),  # noqa: S608
                "INSERT INTO %s.%s SELECT * FROM %s.%s" % (q(db), q(table), q(side), q(table)),  # noqa: S608
                "COMMIT",
                "SET SESSION foreign_key_checks = 1",
            ], True))
    if renames:
        steps.insert(0, ("swap atomically", ["RENAME TABLE " + ", ".join(renames)], False))
    return steps


def referenced_tables(server, tables):
    """The live tables of ``tables`` that other tables' foreign keys point at."""
    if not tables:
        return set()
    return referenced_from_outside(foreign_keys_to(server, tables), tables)


def run_steps(server, steps):
    for _description, statements, _transaction in steps:
        for statement in statements:
            server.execute(statement)
