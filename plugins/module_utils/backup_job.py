# -*- coding: utf-8 -*-
# Copyright: drkit.mysql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One backup from start to finish: plan, write into ``<name>.partial``, manifest, verify, rename, retention.

A failed backup leaves nothing behind: everything is written under
``<dest>/<name>.partial`` and renamed to ``<dest>/<name>`` only once the
manifest is written (and verified, when asked), so a directory with the
backup's name is always a finished backup.  Retention then removes older
finished backups of the same prefix, never the new one.

Stdlib only: this file runs on managed hosts with Python 3.8+.
"""

from __future__ import absolute_import, division, print_function

import errno
import os
import shutil
import subprocess
import time

from ansible_collections.drkit.mysql.plugins.module_utils import backup_engines as engines
from ansible_collections.drkit.mysql.plugins.module_utils import manifest as mf
from ansible_collections.drkit.mysql.plugins.module_utils import retention
from ansible_collections.drkit.mysql.plugins.module_utils.connection import placeholders, server_bool, server_int
from ansible_collections.drkit.mysql.plugins.module_utils.option_file import client_options, private_option_file
from ansible_collections.drkit.mysql.plugins.module_utils.pipeline import last_lines
from ansible_collections.drkit.mysql.plugins.module_utils.tools import (
    ToolError,
    choose_compression,
    compression_of,
    find_tool,
    test_command,
    tool_version,
)

__metaclass__ = type

_TOOL_ROLE = {'dump': 'dump', 'mydumper': 'mydumper', 'physical': 'physical'}
# Rows of a big table are cut into files of about this size (uncompressed SQL), so a restore loads one table
# with all its clients/threads instead of leaving the last big table to a single one.
DEFAULT_CHUNK_MB = 32


class JobError(Exception):
    """The backup cannot be made or failed; ``str()`` is the sentence to show."""


# -- facts -----------------------------------------------------------------------

def server_facts(server):
    """What the manifest records about the server, and what the engines need."""
    names = ['server_id', 'server_uuid', 'hostname', 'datadir', 'log_bin', 'gtid_mode',
             server.dialect.executed_gtid_variable]
    variables = server.variables(names)
    return dict(
        flavor=server.dialect.flavor,
        version=server.version,
        server_id=server_int(variables.get('server_id')),
        server_uuid=variables.get('server_uuid') or None,
        hostname=variables.get('hostname'),
        datadir=variables.get('datadir'),
        log_bin=bool(server_bool(variables.get('log_bin'))),
        gtid_mode=str(variables.get('gtid_mode') or '').upper() == 'ON',
        gtid_executed=variables.get(server.dialect.executed_gtid_variable) or None,
        target=server.target,
    )


def select_databases(server, requested):
    """The user databases to back up: all of them, or the requested ones (which must exist)."""
    present = [row['Database'] for row in server.rows('SHOW DATABASES')]
    if not requested:
        return [db for db in present if db.lower() not in engines.SYSTEM_SCHEMAS]
    missing = [db for db in requested if db not in present]
    if missing:
        raise JobError('Nothing was written: database(s) %s do not exist on %s (it has: %s).'
                       % (', '.join(missing), server.target,
                          ', '.join(db for db in present if db.lower() not in engines.SYSTEM_SCHEMAS) or 'none'))
    return list(requested)


def table_info(server, databases):
    """``{db: [dict(name, type, engine, rows, bytes)]}`` from information_schema (estimates)."""
    info = dict((db, []) for db in databases)
    if not databases:
        return info
    sql = ('SELECT TABLE_SCHEMA AS db, TABLE_NAME AS name, TABLE_TYPE AS type, ENGINE AS engine, '  # noqa: S608
           'TABLE_ROWS AS `rows`, COALESCE(DATA_LENGTH, 0) + COALESCE(INDEX_LENGTH, 0) AS bytes '
           'FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (%s) ORDER BY TABLE_SCHEMA, TABLE_NAME'
           % placeholders(len(databases)))
    rows = server.rows(sql, databases)
    for row in rows:
        table_type = 'VIEW' if row['type'] == 'VIEW' else 'TABLE'
        info[row['db']].append(dict(name=row['name'], type=table_type, engine=row['engine'],
                                    rows=server_int(row['rows']), bytes=server_int(row['bytes']) or 0))
    return info


# -- plan ------------------------------------------------------------------------

def plan(params, server, now=None):
    """Everything decided before writing: tool, compression, name, databases, retention. Raises JobError."""
    now = now or mf.utc_now()
    engine = params['engine']
    facts = server_facts(server)
    purpose = 'The %s backup of %s %s' % (engine, facts['flavor'], facts['version'])
    try:
        tool_name, tool_path = find_tool(_TOOL_ROLE[engine], facts['flavor'], purpose)
        compression = choose_compression(params['compression'])
    except ToolError as exc:
        raise JobError('Nothing was written: %s' % exc) from None
    if engine == 'mydumper' and compression != 'none':
        # myloader 0.10 reads gzip only; 'auto' means fast (zlib in mydumper's threads costs ~10x the dump time)
        compression = 'gzip' if params['compression'] == 'gzip' else 'none'
    if engine == 'physical' and params['compression'] == 'auto':
        # A physical backup is there for the fastest restore: the prepared directory is copied back as it is
        # (1.2 GB: backup 5 s and restore 3 s here, against 29 s and 10 s through tar + zstd). zstd when asked.
        compression = 'none'
    if engine == 'physical' and params['databases']:
        raise JobError('Nothing was written: a physical backup copies the whole server; leave out databases '
                       '(or use engine dump/mydumper for chosen databases).')
    databases = select_databases(server, params['databases'])
    if engine != 'physical' and not databases:
        raise JobError('Nothing was written: %s has no user database to back up.' % server.target)
    if engine == 'physical' and not facts['datadir']:
        raise JobError('Nothing was written: the server did not report its datadir.')
    if engine == 'physical' and not os.path.isdir(facts['datadir']):
        raise JobError('Nothing was written: the datadir %s of %s is not on this host; a physical backup runs on '
                       'the database host (delegate the task there).' % (facts['datadir'], server.target))
    dest = params['dest']
    name = mf.backup_name(params['prefix'], now)
    path = os.path.join(dest, name)
    if os.path.exists(path):
        raise JobError('Nothing was written: %s already exists (two backups in the same second?).' % path)
    tables = table_info(server, databases)
    max_age = retention.parse_age(params.get('max_age'))
    existing = retention.scan(dest, params['prefix'])
    # The new backup counts towards keep_last ("keep the N newest, this one included").
    candidates = existing + [dict(name=name, path=path, finished_at=now)]
    expired = retention.select_expired(candidates, now, params.get('keep_last'), max_age, protect={name})
    return dict(
        engine=engine, tool=dict(name=tool_name, path=tool_path), compression=compression,
        name=name, dest=dest, path=path, partial=path + '.partial', databases=databases, tables=tables,
        server=facts, now=now, expired=expired, existing=[item['name'] for item in existing],
        parallel=params['parallel'], verify=params['verify'], chunk_mb=params.get('chunk_mb', DEFAULT_CHUNK_MB),
    )


def plan_summary(job):
    """What check mode reports."""
    return dict(
        path=job['path'], engine=job['engine'], tool=job['tool']['name'], compression=job['compression'],
        databases=job['databases'],
        tables=sum(len([t for t in tables if t['type'] == 'TABLE']) for tables in job['tables'].values()),
        rows_estimate=sum(t['rows'] or 0 for tables in job['tables'].values() for t in tables),
        bytes_estimate=sum(t['bytes'] for tables in job['tables'].values() for t in tables),
        would_remove=[item['name'] for item in job['expired']],
    )


# -- execution -------------------------------------------------------------------

def execute(job, params, server):
    """Write the backup; returns (manifest, removed names). Leaves no partial directory on failure."""
    old_umask = os.umask(0o077)
    partial = job['partial']
    started = mf.utc_now()
    clock = time.monotonic()
    try:
        try:
            if not os.path.isdir(job['dest']):
                engines.makedirs_private(job['dest'])
            if os.path.exists(partial):
                shutil.rmtree(partial)
            os.mkdir(partial, 0o700)
            manifest = _write_backup(job, params, server, partial, started, clock)
            os.rename(partial, job['path'])
        except engines.BackupError as exc:
            raise JobError('The backup failed and nothing was kept: %s' % exc) from None
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise JobError('The backup failed and nothing was kept: no space left on the device holding %s.'
                               % job['dest']) from None
            raise JobError('The backup failed and nothing was kept: %s (%s).'
                           % (exc.strerror or exc, getattr(exc, 'filename', None) or job['dest'])) from None
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    finally:
        os.umask(old_umask)
    removed = []
    for item in job['expired']:
        shutil.rmtree(item['path'])
        removed.append(item['name'])
    job['duration_s'] = round(time.monotonic() - clock, 3)
    return manifest, removed


def _write_backup(job, params, server, partial, started, clock):
    engine = job['engine']
    tool = dict(job['tool'])
    tool['version'] = tool_version(tool['path'])
    compression = job['compression']
    facts = job['server']
    groups = ('client', 'mydumper') if engine == 'mydumper' else ('client',)
    options = client_options(params, protocol_option=engine != 'mydumper', minimal=engine == 'physical',
                             flavor=server.dialect.flavor)
    with private_option_file(options, groups=groups) as cnf:
        if engine == 'dump':
            argv = engines.dump_command(tool['path'], cnf, server.dialect, job['databases'], facts['log_bin'],
                                        facts['gtid_mode'])
            chunk_bytes = (job.get('chunk_mb') or 0) * 1024 * 1024
            coordinates, splitter = engines.run_dump(argv, partial, compression, chunk_bytes)
            databases = engines.dump_databases_entry(job['databases'], splitter, compression, job['tables'])
            layout = dict(layout='per-table', header='_header.sql', footer='_footer.sql')
        elif engine == 'mydumper':
            outdir = os.path.join(partial, engines.MYDUMPER_DIR)
            argv = engines.mydumper_command(tool['path'], cnf, outdir, job['databases'], job['parallel'],
                                            compression != 'none', job.get('chunk_mb'))
            coordinates = engines.run_mydumper(argv, outdir)
            databases = engines.mydumper_databases_entry(job['databases'], engines.MYDUMPER_DIR,
                                                         os.listdir(outdir), job['tables'])
            layout = dict(layout='mydumper', path=engines.MYDUMPER_DIR)
        else:
            coordinates, layout = engines.run_physical(tool['path'], cnf, server.dialect, partial, facts['datadir'],
                                                       job['parallel'], compression)
            databases = [dict(name=db, create_statement=None, objects_files=[], views=[],
                              tables=[dict(name=t['name'], engine=t['engine'], rows_estimate=t['rows'],
                                           data_bytes=t['bytes'], files=[])
                                      for t in job['tables'][db] if t['type'] == 'TABLE'])
                         for db in job['databases']]
    coordinates = dict(coordinates)
    coordinates['gtid_flavor'] = facts['flavor']
    engines.tighten_modes(partial)
    finished = mf.utc_now()
    server_entry = dict((key, facts[key]) for key in ('flavor', 'version', 'server_id', 'server_uuid', 'hostname',
                                                      'datadir', 'target'))
    files = mf.file_entries(partial)
    manifest = mf.build(
        job['name'], engine, tool, compression, server_entry, started, finished, coordinates, databases, files,
        options=dict(parallel=job['parallel'], databases=params['databases'] or 'all', chunk_mb=job.get('chunk_mb')),
        extra=dict(layout=layout, elapsed_s=round(time.monotonic() - clock, 3)),
    )
    mf.write(partial, manifest)
    if job['verify']:
        result = mf.verify_files(partial, manifest)
        tested = test_compression(partial, manifest) if result['ok'] else False
        mf.record_verification(manifest, result, tested, mf.utc_now())
        mf.write(partial, manifest)
        if not result['ok']:
            raise engines.BackupError('verification found %s' % '; '.join(result['problems']))
    return manifest


def test_compression(root, manifest, batch=64):
    """``zstd -t`` / ``gzip -t`` over every compressed file; raises BackupError on a damaged one."""
    groups = {}
    for entry in manifest['files']:
        kind = compression_of(entry['path'])
        if kind != 'none':
            groups.setdefault(kind, []).append(os.path.join(root, entry['path']))
    for kind, paths in groups.items():
        for start in range(0, len(paths), batch):
            chunk = paths[start:start + batch]
            argv = test_command(kind, chunk[0])[:-1] + chunk
            proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
            if proc.returncode != 0:
                raise engines.BackupError('%s -t found a damaged file: %s'
                                          % (kind, last_lines(proc.stdout.decode('utf-8', 'replace'))))
    return True


def result_of(manifest, job, removed):
    """The module's return values."""
    return dict(
        path=job['path'], name=job['name'], size_bytes=manifest['total_bytes'],
        duration_s=job.get('duration_s', manifest['elapsed_s']),
        manifest=mf.summary(manifest), removed=removed, manifest_path=os.path.join(job['path'], mf.MANIFEST_NAME),
    )
