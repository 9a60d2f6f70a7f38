# -*- coding: utf-8 -*-
# Copyright: drkit.mysql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One restore from start to finish: manifest, hashes, target checks, safety copy, load, report.

Order matters: the backup is verified (every file this restore reads,
against the manifest) and the target is checked (tables that exist, a
running server on a datadir) before the first change; a failed load puts
back what it replaced.

Stdlib only: this file runs on managed hosts with Python 3.8+.
"""

from __future__ import absolute_import, division, print_function

import os
import time

from ansible_collections.drkit.mysql.plugins.module_utils import manifest as mf
from ansible_collections.drkit.mysql.plugins.module_utils import restore_engines as engines
from ansible_collections.drkit.mysql.plugins.module_utils import restore_plan
from ansible_collections.drkit.mysql.plugins.module_utils.connection import placeholders
from ansible_collections.drkit.mysql.plugins.module_utils.dump_format import (
    FOOTER_FILE,
    HEADER_FILE,
    quote_identifier,
    rename_create_database,
)
from ansible_collections.drkit.mysql.plugins.module_utils.option_file import client_options, private_option_file
from ansible_collections.drkit.mysql.plugins.module_utils.tools import ToolError, find_tool

__metaclass__ = type


class RestoreFailure(Exception):
    """The restore was refused or failed; ``str()`` is the sentence to show."""


def load_manifest(src):
    """The backup's manifest; raises RestoreFailure before anything is touched."""
    try:
        manifest = mf.load(src)
    except mf.ManifestError as exc:
        raise RestoreFailure('Nothing was changed: %s' % exc) from None
    return manifest


def verify(src, manifest, entries):
    result = mf.verify_files(src, dict(files=entries))
    if not result['ok']:
        raise RestoreFailure('Nothing was changed: %s' % mf.verification_error(src, result))
    return dict(files_checked=result['checked'], bytes_checked=result['bytes'])


# -- logical -----------------------------------------------------------------------

def plan_logical(src, manifest, params):
    try:
        plan = restore_plan.select(manifest, params['databases'], params['tables'], params['rename'],
                                   params['target_database'])
    except restore_plan.PlanError as exc:
        raise RestoreFailure('Nothing was changed: %s' % exc) from None
    extra = (HEADER_FILE, FOOTER_FILE) if manifest['engine'] == 'dump' else (
        '%s/metadata' % manifest.get('layout', {}).get('path', 'mydumper'),)
    entries = restore_plan.files_used(manifest, plan, extra)
    plan['verified'] = verify(src, manifest, entries)
    return plan


def existing_tables(server, schemas):
    if not schemas:
        return set()
    sql = ('SELECT TABLE_SCHEMA AS db, TABLE_NAME AS name FROM information_schema.TABLES '  # noqa: S608
           'WHERE TABLE_SCHEMA IN (%s)' % placeholders(len(schemas)))
    rows = server.rows(sql, list(schemas))
    return set((row['db'], row['name']) for row in rows)


def existing_schemas(server):
    return set(row['Database'] for row in server.rows('SHOW DATABASES'))


def check_target(server, plan, mode, stamp):
    """Conflicts on the target; refuses them unless mode is replace. Adds ``conflicts``/``safety`` to plan."""
    targets = sorted(set(item['target_db'] for item in plan['items']))
    conflicting = restore_plan.conflicts(plan, existing_tables(server, targets))
    plan['conflicts'] = ['%s.%s' % pair for pair in conflicting]
    plan['existing_schemas'] = existing_schemas(server)
    if conflicting and mode != 'replace':
        shown = plan['conflicts'][:10]
        raise RestoreFailure(
            'Nothing was changed: %d table(s) to restore already exist on %s (%s%s). Restore into another schema '
            '(rename or target_database), or set mode=replace to move them into a safety schema first.'
            % (len(conflicting), server.target, ', '.join(shown), ', ...' if len(conflicting) > len(shown) else ''))
    if conflicting:
        copy = restore_plan.referenced_from_outside(foreign_keys_to(server, conflicting), conflicting)
        triggers = triggers_on(server, conflicting)
        # RENAME TABLE cannot move a table with triggers to another schema: those are copied too.
        copy.update(table for table in conflicting if table in triggers)
        plan['safety'] = restore_plan.safety_plan(conflicting, stamp, copy)
        plan['triggers'] = triggers
    else:
        plan['safety'] = None
    return plan


def foreign_keys_to(server, tables):
    """``(child_db, child_table, parent_db, parent_table)`` of the foreign keys pointing at ``tables``."""
    schemas = sorted(set(db for db, _table in tables))
    sql = ('SELECT CONSTRAINT_SCHEMA AS cdb, TABLE_NAME AS ctable, UNIQUE_CONSTRAINT_SCHEMA AS pdb, '  # noqa: S608
           'REFERENCED_TABLE_NAME AS ptable FROM information_schema.REFERENTIAL_CONSTRAINTS '
           'WHERE UNIQUE_CONSTRAINT_SCHEMA IN (%s)' % placeholders(len(schemas)))
    return [(row['cdb'], row['ctable'], row['pdb'], row['ptable']) for row in server.rows(sql, schemas)]


def triggers_on(server, tables):
    """``{(db, table): [trigger names]}`` for the given tables."""
    schemas = sorted(set(db for db, _table in tables))
    sql = ('SELECT EVENT_OBJECT_SCHEMA AS db, EVENT_OBJECT_TABLE AS tbl, TRIGGER_NAME AS name '  # noqa: S608
           'FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA IN (%s) ORDER BY ACTION_ORDER'
           % placeholders(len(schemas)))
    wanted = set(tables)
    found = {}
    for row in server.rows(sql, schemas):
        key = (row['db'], row['tbl'])
        if key in wanted:
            found.setdefault(key, []).append(row['name'])
    return found


def plan_view(plan, manifest):
    """What check mode and the result show."""
    return dict(
        engine=manifest['engine'],
        loads=[dict(source='%s.%s' % (item['source_db'], item['table']),
                    target='%s.%s' % (item['target_db'], item['table']),
                    rows_estimate=item['rows_estimate']) for item in plan['items']],
        objects=[dict(source_db=obj['source_db'], target_db=obj['target_db'], views=obj['views'])
                 for obj in plan['objects']],
        skipped_objects=plan['skipped_objects'],
        databases=[db['target_db'] for db in plan['databases']],
        replaces=plan.get('conflicts', []),
        safety_schema=plan['safety']['schema'] if plan.get('safety') else None,
        safety_moves=[dict(table='%s.%s' % (move['db'], move['table']), to=move['to'], method=move['method'])
                      for move in plan['safety']['moves']] if plan.get('safety') else [],
        verified=plan.get('verified'),
    )


def _names(move, schema):
    live = '%s.%s' % (quote_identifier(move['db']), quote_identifier(move['table']))
    safe = '%s.%s' % (quote_identifier(schema), quote_identifier(move['to']))
    return live, safe


def _save_tables(server, moves, schema, saved, triggers=None):
    """Save the tables a replace overwrites; ``saved`` collects what is done, for an undo.

    Renames go in one atomic RENAME TABLE.  A copied table keeps its definition
    and its triggers' for an undo, and is then dropped (foreign key checks off,
    so the foreign keys pointing at it wait for the restored table).
    """
    triggers = triggers or {}
    renames = [move for move in moves if move['method'] == 'rename']
    if renames:
        server.execute('RENAME TABLE ' + ', '.join('%s TO %s' % _names(move, schema) for move in renames))
        saved.extend(renames)
    for move in moves:
        if move['method'] != 'copy':
            continue
        live, safe = _names(move, schema)
        move['create'] = server.rows('SHOW CREATE TABLE %s' % live)[0]['Create Table']
        move['triggers'] = [
            server.rows('SHOW CREATE TRIGGER %s.%s' % (quote_identifier(move['db']), quote_identifier(name)))[0]
            ['SQL Original Statement'] for name in triggers.get((move['db'], move['table']), [])]
        server.execute('CREATE TABLE %s LIKE %s' % (safe, live))
        server.execute('INSERT INTO %s SELECT * FROM %s' % (safe, live))  # noqa: S608 - quoted identifiers
        server.execute('SET SESSION foreign_key_checks = 0')
        server.execute('DROP TABLE %s' % live)
        saved.append(move)


def _put_back(server, moves, schema):
    """Undo of _save_tables, after the restored tables were dropped."""
    renames = [move for move in moves if move['method'] == 'rename']
    if renames:
        server.execute('RENAME TABLE ' + ', '.join('%s TO %s' % tuple(reversed(_names(move, schema)))
                                                   for move in renames))
    for move in moves:
        if move['method'] != 'copy' or not move.get('create'):
            continue
        live, safe = _names(move, schema)
        server.execute('USE %s' % quote_identifier(move['db']))
        server.execute(move['create'])
        server.execute('INSERT INTO %s SELECT * FROM %s' % (live, safe))  # noqa: S608 - quoted identifiers
        for statement in move.get('triggers') or []:
            server.execute(statement)


def execute_logical(src, manifest, plan, params, server):
    """Create schemas, move replaced tables aside, load, count. Undoes its changes when a load fails."""
    flavor = server.dialect.flavor
    role = 'client' if manifest['engine'] == 'dump' else 'myloader'
    try:
        tool_name, tool_path = find_tool(role, flavor, 'Restoring a %s backup' % manifest['engine'])
    except ToolError as exc:
        raise RestoreFailure('Nothing was changed: %s' % exc) from None
    created_schemas = []
    moved = []
    safety = plan.get('safety')
    started = time.monotonic()
    binlog = params['binlog']
    try:
        for db in plan['databases']:
            if db['target_db'] in plan['existing_schemas']:
                continue
            statement = db.get('statement')
            sql = (rename_create_database(statement, db['target_db']) if statement
                   else 'CREATE DATABASE IF NOT EXISTS %s' % quote_identifier(db['target_db']))
            server.execute(sql)
            created_schemas.append(db['target_db'])
        if safety:
            server.execute('CREATE DATABASE IF NOT EXISTS %s' % quote_identifier(safety['schema']))
            _save_tables(server, safety['moves'], safety['schema'], moved, plan.get('triggers'))
        protocol = role == 'client'
        groups = ('client',) if protocol else ('client', 'myloader')
        options = client_options(params, protocol_option=protocol, flavor=flavor)
        with private_option_file(options, groups=groups) as cnf:
            if manifest['engine'] == 'dump':
                items = restore_plan.load_order(plan['items'], keep_order=not plan['whole'])
                loaded = engines.load_dump_items(tool_path, cnf, src, items, params['parallel'], binlog,
                                                 defer_keys=params.get('defer_indexes', True))
                objects = engines.load_objects(tool_path, cnf, src, plan['objects'], binlog)
            else:
                loaded = engines.load_mydumper(tool_path, cnf, src, manifest['layout']['path'], plan,
                                               params['parallel'], binlog)
                objects = [dict(obj, bytes=None) for obj in plan['objects']]
    except Exception as exc:  # any failure is undone, then reported
        undone = _undo(server, plan, moved, safety, created_schemas)
        raise RestoreFailure('The restore failed and was undone (%s): %s' % (undone, exc)) from None
    for item in loaded:
        sql = 'SELECT COUNT(*) AS n FROM %s.%s' % (  # noqa: S608 - quoted identifiers
            quote_identifier(item['target_db']), quote_identifier(item['table']))
        item['rows'] = server.rows(sql)[0]['n']
    return dict(tool=dict(name=tool_name, path=tool_path), loaded=loaded, objects=objects,
                seconds=round(time.monotonic() - started, 3))


def _undo(server, plan, moved, safety, created_schemas):
    done = []
    try:
        server.execute('SET SESSION foreign_key_checks = 0')
        targets = set((item['target_db'], item['table']) for item in plan['items'])
        # Tables that existed before and were not saved are the user's: never dropped.
        saved = set((move['db'], move['table']) for move in moved)
        kept = set((move['db'], move['table']) for move in (safety or {}).get('moves', [])) - saved
        present = existing_tables(server, sorted(set(db for db, _table in targets)))
        for db, table in sorted((targets & present) - kept):
            server.execute('DROP TABLE IF EXISTS %s.%s' % (quote_identifier(db), quote_identifier(table)))
        done.append('loaded tables dropped')
        if moved:
            _put_back(server, moved, safety['schema'])
            server.execute('DROP DATABASE IF EXISTS %s' % quote_identifier(safety['schema']))
            done.append('replaced tables moved back')
        for schema in created_schemas:
            if not existing_tables(server, [schema]):
                server.execute('DROP DATABASE IF EXISTS %s' % quote_identifier(schema))
        if created_schemas:
            done.append('created schemas removed')
    except Exception as exc:  # report what could not be undone rather than hide the first error
        done.append('undo stopped: %s' % exc)
    return ', '.join(done) or 'nothing to undo'


def result_logical(plan, manifest, outcome, src):
    loaded = outcome['loaded']
    return dict(
        src=src,
        engine=manifest['engine'],
        tool=outcome['tool'],
        tables=[dict(source='%s.%s' % (item['source_db'], item['table']),
                     target='%s.%s' % (item['target_db'], item['table']), rows=item.get('rows'),
                     bytes=item['bytes'], seconds=item['seconds'], chunks=item.get('chunks', 1),
                     deferred_keys=item.get('deferred_keys', False),
                     **({'run_seconds': item['run_seconds']} if 'run_seconds' in item else {})) for item in loaded],
        rows=sum(item.get('rows') or 0 for item in loaded),
        bytes=sum(item['bytes'] or 0 for item in loaded),
        duration_s=outcome['seconds'],
        objects=[dict(source_db=obj['source_db'], target_db=obj['target_db'], views=obj['views'])
                 for obj in outcome['objects']],
        skipped_objects=plan['skipped_objects'],
        replaced=plan.get('conflicts', []),
        safety_schema=plan['safety']['schema'] if plan.get('safety') else None,
        verified=plan['verified'],
        coordinates=manifest.get('coordinates'),
    )


# -- physical ----------------------------------------------------------------------

def plan_physical(src, manifest, params, stamp, check_mode=False):
    datadir = params.get('datadir')
    if not datadir:
        raise RestoreFailure('Nothing was changed: a physical backup restores a whole server into a datadir; '
                             'give datadir (of a stopped server).')
    if params['databases'] or params['tables'] or params['rename'] or params['target_database']:
        raise RestoreFailure('Nothing was changed: a physical backup restores the whole server only; restore chosen '
                             'databases or tables from a dump or mydumper backup.')
    layout = manifest.get('layout') or {}
    if layout.get('layout') not in ('archive', 'directory'):
        raise RestoreFailure('Nothing was changed: the manifest does not describe the physical copy\'s layout.')
    flavor = (manifest.get('server') or {}).get('flavor', 'mariadb')
    try:
        tool_name, tool_path = find_tool('physical', flavor, 'Restoring a physical backup')
    except ToolError as exc:
        raise RestoreFailure('Nothing was changed: %s' % exc) from None
    datadir = os.path.abspath(datadir)
    # The big files are hashed while they are unpacked or copied into a staging directory beside the datadir
    # (restore_engines.restore_physical); the datadir is only touched after that check. Check mode, which
    # copies nothing, hashes everything here.
    deferred = []
    if not check_mode and (layout.get('layout') == 'archive'
                           or engines.staging_possible(datadir, params.get('server_config'))):
        prefix = layout.get('path', '') + ('' if layout.get('layout') == 'archive' else '/')
        deferred = [entry for entry in manifest['files']
                    if entry['path'] == layout.get('path') or entry['path'].startswith(prefix)]
    verified = verify(src, manifest, [entry for entry in manifest['files'] if entry not in deferred])
    missing = [entry['path'] for entry in deferred if not os.path.isfile(os.path.join(src, entry['path']))]
    if missing:
        raise RestoreFailure('Nothing was changed: %s' % mf.verification_error(
            src, dict(problems=['%s is missing' % rel for rel in missing])))
    if deferred:
        verified['checked_while_copying'] = len(deferred)
    in_use = engines.datadir_in_use(datadir) if os.path.isdir(datadir) else None
    if in_use:
        raise RestoreFailure('Nothing was changed: the server using %s is running (%s); stop it first.'
                             % (datadir, in_use))
    entries = engines.datadir_entries(datadir)
    if entries and params['mode'] != 'replace':
        raise RestoreFailure('Nothing was changed: the datadir %s is not empty (%d entries, e.g. %s); set '
                             'mode=replace to move it aside to %s.drkit-safety-%s first.'
                             % (datadir, len(entries), ', '.join(sorted(entries)[:3]), datadir, stamp))
    return dict(datadir=datadir, layout=layout, tool=dict(name=tool_name, path=tool_path), verified=verified,
                deferred=deferred,
                replaces=bool(entries), safety_copy=('%s.drkit-safety-%s' % (datadir, stamp)) if entries else None)


def execute_physical(src, plan, params, stamp, owner=None):
    started = time.monotonic()
    try:
        outcome = engines.restore_physical(plan['tool']['path'], src, plan['layout'], plan['datadir'], stamp,
                                           safety=plan['replaces'], server_config=params.get('server_config'),
                                           owner=owner, deferred=plan.get('deferred'),
                                           parallel=params.get('parallel', 1))
    except engines.BackupDamaged as exc:
        damaged = mf.verification_error(src, dict(problems=[str(exc)]))
        raise RestoreFailure('Nothing was changed: %s' % damaged) from None
    except (engines.RestoreError, OSError) as exc:
        previous = plan['safety_copy'] or 'nothing (it was empty)'
        raise RestoreFailure('The physical restore into %s failed: %s. The datadir may be incomplete; the previous '
                             'content is in %s.' % (plan['datadir'], exc, previous)) from None
    outcome['seconds'] = round(time.monotonic() - started, 3)
    if outcome.get('streamed'):
        plan['verified']['files_checked'] += outcome['streamed']['files']
        plan['verified']['bytes_checked'] += outcome['streamed']['size']
    return outcome
