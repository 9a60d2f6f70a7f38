# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which tables a task means: ``db.table`` names and ``db.*`` patterns, checked against the server."""
from ansible_collections.drkit.mysql.plugins.module_utils.connection import placeholders


class TableSelectionError(ValueError):
    """A name is malformed or names nothing on the server."""


def split_name(name):
    """``db.table`` as (db, table); the table may be ``*``."""
    db, dot, table = name.strip().partition(".")
    if not dot or not db or not table:
        raise TableSelectionError("%r is not a table name of the form db.table (or db.*)" % name)
    return db, table


def select_tables(wanted, exclude, base_tables):
    """(db, table) pairs in the order asked, ``db.*`` expanded from ``base_tables``; every name must exist."""
    present = set(base_tables)
    skipped = set(split_name(name) for name in exclude)
    chosen, unknown = [], []
    for name in wanted:
        db, table = split_name(name)
        if table == "*":
            found = sorted(pair for pair in present if pair[0] == db)
            if not found:
                unknown.append(name)
        else:
            found = [(db, table)] if (db, table) in present else []
            if not found:
                unknown.append(name)
        chosen.extend(pair for pair in found if pair not in skipped and pair not in chosen)
    if unknown:
        raise TableSelectionError("no such table(s) on the source: %s" % ", ".join(unknown))
    return chosen


def expand_tables(server, wanted, exclude=()):
    """select_tables against the base tables (no views) of the databases named."""
    databases = sorted(set(split_name(name)[0] for name in wanted))
    rows = server.rows("SELECT TABLE_SCHEMA AS db, TABLE_NAME AS name FROM information_schema.TABLES "  # noqa: S608
                       "WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA IN (%s)" % placeholders(len(databases)),
                       databases)
    return select_tables(wanted, exclude, [(row["db"], row["name"]) for row in rows])
