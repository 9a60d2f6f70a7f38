# -*- coding: utf-8 -*-
# Copyright: drkit.mysql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a logical restore loads, where, in which order, and what it would replace.

Pure decisions over a manifest (no server, no files), unit-tested:

* selection: the whole backup, chosen databases, or chosen tables (``db.table``, in the order given:
  the essential tables first);
* renaming: ``rename: {shop: shop_repair}`` or ``target_database`` for a one-database selection;
* views, routines and events (the ``objects`` files) are loaded only when a whole database is restored
  under its own name: their definitions name the original schema, so under another name they would
  read (or alter) the original;
* conflicts: target tables that already exist; ``mode: replace`` moves them into a safety schema first.

Stdlib only: this file runs on managed hosts with Python 3.8+.
"""

from __future__ import absolute_import, division, print_function

import hashlib

from ansible_collections.drkit.mysql.plugins.module_utils.manifest import tables_of

__metaclass__ = type

MAX_IDENTIFIER = 64
SAFETY_PREFIX = 'drkit_safety_'


class PlanError(ValueError):
    """The restore request does not fit the backup; ``str()`` is the sentence to show."""


def parse_table_name(text):
    """``db.table`` (or ```my.db`.`t```) -> (db, table)."""
    text = (text or '').strip()
    if text.startswith('`'):
        parts = []
        rest = text
        while rest:
            if not rest.startswith('`'):
                raise PlanError('%r is not db.table.' % text)
            end = 1
            name = []
            while True:
                pos = rest.find('`', end)
                if pos < 0:
                    raise PlanError('%r has an unclosed backquote.' % text)
                name.append(rest[end:pos])
                if rest[pos + 1:pos + 2] == '`':
                    name.append('`')
                    end = pos + 2
                    continue
                break
            parts.append(''.join(name))
            rest = rest[pos + 1:]
            if rest.startswith('.'):
                rest = rest[1:]
        if len(parts) != 2:
            raise PlanError('%r is not db.table.' % text)
        return parts[0], parts[1]
    db, sep, table = text.partition('.')
    if not sep or not db or not table:
        raise PlanError('%r is not db.table (a table must be named with its database).' % text)
    return db, table


def _available(manifest):
    available = {}
    for db, table in tables_of(manifest):
        available[(db, table['name'])] = table
    return available


def select(manifest, databases=None, tables=None, rename=None, target_database=None):
    """The load plan: ``dict(items, objects, databases, skipped_objects)``. Raises PlanError.

    ``items`` are ``dict(source_db, table, target_db, files, rows_estimate, data_bytes)`` in load order.
    """
    databases = list(databases or [])
    tables = list(tables or [])
    rename = dict(rename or {})
    db_entries = dict((db['name'], db) for db in manifest.get('databases', []))
    available = _available(manifest)

    unknown_dbs = [db for db in databases if db not in db_entries]
    if unknown_dbs:
        raise PlanError('database(s) %s are not in the backup (it has: %s).'
                        % (', '.join(unknown_dbs), ', '.join(db_entries) or 'none'))
    chosen = []
    if tables:
        seen = set()
        missing = []
        for text in tables:
            key = parse_table_name(text)
            if key in seen:
                continue
            seen.add(key)
            if databases and key[0] not in databases:
                raise PlanError('table %s.%s is outside the chosen databases (%s).'
                                % (key[0], key[1], ', '.join(databases)))
            if key not in available:
                missing.append('%s.%s' % key)
                continue
            chosen.append(key)
        if missing:
            raise PlanError('table(s) %s are not in the backup.' % ', '.join(missing))
        whole = False
    else:
        wanted = databases or list(db_entries)
        chosen = [(db, table['name']) for db, table in tables_of(manifest) if db in wanted]
        whole = True
    source_dbs = []
    for db, _table in chosen:
        if db not in source_dbs:
            source_dbs.append(db)
    if whole:
        for db in databases or list(db_entries):
            if db not in source_dbs:
                source_dbs.append(db)  # a database with views/routines only

    if target_database:
        if rename:
            raise PlanError('give either target_database or rename, not both.')
        if len(source_dbs) != 1:
            raise PlanError('target_database needs exactly one source database; the selection has %d (%s). '
                            'Use rename to map each.' % (len(source_dbs), ', '.join(source_dbs)))
        rename = {source_dbs[0]: target_database}
    stray = [db for db in rename if db not in source_dbs]
    if stray:
        raise PlanError('rename names database(s) %s that this restore does not load (it loads: %s).'
                        % (', '.join(stray), ', '.join(source_dbs)))
    for source, target in rename.items():
        if not isinstance(target, str) or not target or len(target) > MAX_IDENTIFIER:
            raise PlanError('rename target for %s must be a schema name of 1 to 64 characters.' % source)
    targets = [rename.get(db, db) for db in source_dbs]
    duplicates = sorted(set(t for t in targets if targets.count(t) > 1))
    if duplicates:
        raise PlanError('several source databases would be restored into %s.' % ', '.join(duplicates))

    items = []
    for db, table in chosen:
        entry = available[(db, table)]
        if not entry.get('files'):
            raise PlanError('the backup has no data file for %s.%s (the dump did not include it).' % (db, table))
        items.append(dict(source_db=db, table=table, target_db=rename.get(db, db), files=list(entry['files']),
                          chunk_files=list(entry.get('chunk_files') or []),
                          rows_estimate=entry.get('rows_estimate'), data_bytes=entry.get('data_bytes')))
    objects = []
    skipped = []
    for db in source_dbs:
        entry = db_entries[db]
        files = list(entry.get('objects_files') or [])
        target = rename.get(db, db)
        if not files and not entry.get('views'):
            continue
        if whole and target == db:
            objects.append(dict(source_db=db, target_db=target, files=files, views=list(entry.get('views') or [])))
        else:
            reason = ('restored under another name (%s)' % target) if target != db else 'only chosen tables restored'
            skipped.append(dict(source_db=db, files=files, views=list(entry.get('views') or []), reason=reason))
    created = [dict(source_db=db, target_db=rename.get(db, db), statement=db_entries[db].get('create_statement'),
                    files=list(db_entries[db].get('create_files') or [])) for db in source_dbs]
    return dict(items=items, objects=objects, databases=created, skipped_objects=skipped, whole=whole,
                rename=rename)


def load_order(items, keep_order):
    """Items in the order the loaders take them: as given (the essential tables first), or largest first.

    With a whole database to load and no order asked for, the biggest tables start first so that no big
    table is left to load alone at the end; ties keep the backup's order.
    """
    if keep_order:
        return list(items)
    return sorted(items, key=lambda item: -(item.get('data_bytes') or 0))


def split_files(item):
    """``(before, chunks, after)`` of an item's files: chunks load in parallel, after ``before``, before ``after``.

    A backup without ``chunk_files`` (one file per table, or written before chunking) is all ``before``.
    """
    files = list(item['files'])
    chunks = set(item.get('chunk_files') or [])
    if not chunks:
        return files, [], []
    positions = [index for index, rel in enumerate(files) if rel in chunks]
    first, last = positions[0], positions[-1]
    if positions != list(range(first, last + 1)):
        raise PlanError('the chunk files of %s.%s are not consecutive in its file list.'
                        % (item['source_db'], item['table']))
    return files[:first], files[first:last + 1], files[last + 1:]


def files_used(manifest, plan, extra=()):
    """The manifest entries a restore reads (verified before anything is touched)."""
    wanted = set(extra)
    for item in plan['items']:
        wanted.update(item['files'])
    for obj in plan['objects']:
        wanted.update(obj['files'])
    for db in plan['databases']:
        wanted.update(db['files'])
    return [entry for entry in manifest['files'] if entry['path'] in wanted]


def conflicts(plan, existing):
    """Target tables (``(db, table)``) that already exist; ``existing`` is a set of such pairs."""
    return [(item['target_db'], item['table']) for item in plan['items']
            if (item['target_db'], item['table']) in existing]


def referenced_from_outside(references, replaced):
    """Replaced tables that foreign keys of other (not replaced) tables point at.

    ``references`` are ``(child_db, child_table, parent_db, parent_table)`` tuples.
    """
    replaced = set(replaced)
    return set((pdb, ptable) for cdb, ctable, pdb, ptable in references
               if (pdb, ptable) in replaced and (cdb, ctable) not in replaced)


def safety_table_name(db, table):
    """``<db>__<table>``, shortened with a hash when over 64 characters."""
    name = '%s__%s' % (db, table)
    if len(name) <= MAX_IDENTIFIER:
        return name
    digest = hashlib.sha256(name.encode('utf-8')).hexdigest()[:8]
    return name[:MAX_IDENTIFIER - 9] + '_' + digest


def safety_plan(conflicting, stamp, copy=()):
    """Where each replaced table goes: ``dict(schema, moves=[dict(db, table, to, method)])``.

    ``method`` is ``rename`` (instant, RENAME TABLE) or ``copy`` for the tables in ``copy``: those
    referenced by foreign keys of tables that stay.  A renamed parent would take those foreign keys
    along into the safety schema; a copied one leaves them pointing at the restored table.
    """
    schema = SAFETY_PREFIX + stamp.lower()
    copy = set(copy)
    moves = [dict(db=db, table=table, to=safety_table_name(db, table),
                  method='copy' if (db, table) in copy else 'rename') for db, table in conflicting]
    names = [move['to'] for move in moves]
    if len(set(names)) != len(names):
        raise PlanError('two replaced tables would get the same safety name in %s.' % schema)
    return dict(schema=schema, moves=moves)
