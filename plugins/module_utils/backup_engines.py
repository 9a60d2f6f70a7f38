# -*- coding: utf-8 -*-
# Copyright: drkit.mysql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The three ways to take a backup, each ending in files plus the coordinates of its consistent point.

* ``dump``: one mariadb-dump/mysqldump process (``--single-transaction``, one snapshot for every
  table) split into one compressed file per table (see dump_format);
* ``mydumper``: parallel threads sharing one snapshot; its ``metadata`` file gives the coordinates;
  big tables are cut into files of ``chunk_mb``; files are uncompressed unless gzip is asked for
  (``-c``: myloader 0.10 reads gzip only, and zlib inside mydumper's threads made the dump 10x slower);
* ``physical``: mariabackup (MariaDB) or xtrabackup (MySQL) ``--backup`` then ``--prepare``, so the
  copy is ready for ``--copy-back``; the prepared directory is archived as ``data.tar.zst``
  (``data.tar.gz``) unless compression is ``none``.  It must run on the database host.

The ``*_command`` functions only build argv lists (unit-tested for both
flavors); ``run_*`` execute them.  Credentials travel in the option file
whose path is always the tool's first argument.

Stdlib only: this file runs on managed hosts with Python 3.8+.
"""

from __future__ import absolute_import, division, print_function

import os
import re
import shutil
import subprocess
import tempfile

from ansible_collections.drkit.mysql.plugins.module_utils import coordinates as coords
from ansible_collections.drkit.mysql.plugins.module_utils import dump_format
from ansible_collections.drkit.mysql.plugins.module_utils.option_file import defaults_option
from ansible_collections.drkit.mysql.plugins.module_utils.pipeline import (
    CompressedWriter,
    PipelineError,
    last_lines,
    open_private,
    run,
    tail,
)
from ansible_collections.drkit.mysql.plugins.module_utils.tools import SUFFIXES, compress_command

__metaclass__ = type

ENGINES = ('dump', 'mydumper', 'physical')
SYSTEM_SCHEMAS = ('information_schema', 'performance_schema', 'mysql', 'sys')
PHYSICAL_DIR = 'data'
ARCHIVE_BASE = 'data.tar'
MYDUMPER_DIR = 'mydumper'


class BackupError(Exception):
    """A backup could not be made; ``str()`` is the sentence to show."""


# -- command building (pure) ---------------------------------------------------

def dump_command(binary, option_file, dialect, databases, log_bin, gtid_mode=False):
    """argv of mariadb-dump/mysqldump for a consistent dump of ``databases`` with coordinates."""
    argv = [binary, defaults_option(option_file), '--single-transaction', '--quick', '--routines', '--events',
            '--triggers', '--hex-blob', '--default-character-set=utf8mb4', '--add-drop-table', '--tz-utc',
            # No LOCK TABLES around each table's rows: with tables loaded in parallel, MariaDB refuses an INSERT
            # under LOCK TABLES when a table referencing it by foreign key appears meanwhile (error 1100).
            '--skip-add-locks']
    if dialect.is_mariadb:
        if log_bin:
            argv.extend(['--master-data=2', '--gtid'])
    else:
        if log_bin:
            argv.append('--source-data=2' if dialect.version >= (8, 0, 26) else '--master-data=2')
        if gtid_mode:
            argv.append('--set-gtid-purged=COMMENTED' if dialect.version >= (8, 0, 17) else '--set-gtid-purged=ON')
        else:
            argv.append('--set-gtid-purged=OFF')
    argv.append('--databases')
    argv.extend(databases)
    return argv


def mydumper_command(binary, option_file, outdir, databases, threads, compress, chunk_mb=None):
    """argv of mydumper for ``databases`` (a regex selects them: 0.10's -B takes only one).

    ``chunk_mb`` (``--chunk-filesize``) cuts each table's rows into files of about that size, so myloader's
    threads share a big table instead of one thread loading it alone (0.10's ``--rows`` does not split).
    """
    regex = '^(%s)\\.' % '|'.join(re.escape(db) for db in databases)
    argv = [binary, defaults_option(option_file, extra=False), '--outputdir=%s' % outdir,
            '--threads=%d' % max(1, int(threads)), '--triggers', '--events', '--routines',
            '--regex=%s' % regex, '--verbose=2']
    if compress:
        argv.append('--compress')
    if chunk_mb:
        argv.append('--chunk-filesize=%d' % int(chunk_mb))
    return argv


def physical_backup_command(binary, option_file, dialect, target_dir, datadir, parallel):
    """argv of ``mariabackup --backup`` / ``xtrabackup --backup``."""
    argv = [binary, defaults_option(option_file), '--backup', '--target-dir=%s' % target_dir,
            '--parallel=%d' % max(1, int(parallel))]
    if datadir:
        argv.append('--datadir=%s' % datadir)
    return argv


def physical_prepare_command(binary, target_dir):
    """argv of ``--prepare`` (no connection, so no option file; ``backup-my.cnf`` of the copy is used)."""
    return [binary, '--prepare', '--target-dir=%s' % target_dir]


# -- helpers -------------------------------------------------------------------

def makedirs_private(path):
    os.makedirs(path, mode=0o700, exist_ok=True)
    os.chmod(path, 0o700)


def tighten_modes(root):
    """Directories 0700, files 0600, whatever the tool created."""
    for directory, _dirnames, filenames in os.walk(root):
        os.chmod(directory, 0o700)
        for filename in filenames:
            full = os.path.join(directory, filename)
            if not os.path.islink(full):
                os.chmod(full, 0o600)


def _enospc_hint(text, dest):
    if 'No space left' in text or 'Errcode: 28' in text or 'errno 28' in text.lower():
        return 'no space left on the device holding %s' % dest
    return None


# -- dump ----------------------------------------------------------------------

def run_dump(argv, workdir, compression, chunk_bytes=None):
    """Run the dump, splitting it into files under workdir (big tables into chunks). Returns (coordinates, splitter)."""
    suffix = SUFFIXES[compression]

    def open_section(relpath, append):
        full = os.path.join(workdir, relpath + suffix)
        makedirs_private(os.path.dirname(full))
        return CompressedWriter(full, compression, append=append)

    splitter = dump_format.DumpSplitter(open_section, chunk_bytes)
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err)
        try:
            for line in proc.stdout:
                splitter.feed(line)
            splitter.close()
        except (PipelineError, dump_format.DumpFormatError) as exc:
            proc.kill()
            proc.wait()
            hint = _enospc_hint(str(exc), workdir)
            raise BackupError('%s: %s' % (os.path.basename(argv[0]), hint or str(exc))) from None
        finally:
            proc.stdout.close()
        code = proc.wait()
        if code != 0:
            raise BackupError('%s exited with %d: %s' % (os.path.basename(argv[0]), code, last_lines(tail(err))))
    if not splitter.completed:
        raise BackupError('%s stopped before the end of the dump (no "-- Dump completed" line).'
                          % os.path.basename(argv[0]))
    for name, lines in ((dump_format.HEADER_FILE, splitter.header), (dump_format.FOOTER_FILE, splitter.footer)):
        fd = open_private(os.path.join(workdir, name))
        with os.fdopen(fd, 'wb') as handle:
            handle.writelines(lines)
    return coords.parse_dump_header(splitter.coordinate_text()), splitter


def dump_databases_entry(databases, splitter, compression, table_info):
    """The manifest's ``databases`` for a dump: each table with its files (in load order), chunks and estimate.

    ``chunk_files`` are the files of ``files`` that may load in parallel, after the files before them and
    before the files after them; a restore that ignores it and loads ``files`` in order is also right.
    """
    suffix = SUFFIXES[compression]
    dumped = set(splitter.tables)
    result = []
    for db in databases:
        tables = []
        for info in table_info.get(db, []):
            if info['type'] == 'VIEW':
                continue
            entry = dict(name=info['name'], engine=info['engine'], rows_estimate=info['rows'],
                         data_bytes=info['bytes'], files=[])
            key = (db, info['name'])
            if key in dumped:
                entry['files'] = [rel + suffix for rel in splitter.table_files.get(key, [])] or [
                    dump_format.table_path(db, info['name']) + suffix]
                entry['chunk_files'] = [rel + suffix for rel in splitter.table_chunks.get(key, [])]
            tables.append(entry)
        views = [info['name'] for info in table_info.get(db, []) if info['type'] == 'VIEW']
        result.append(dict(
            name=db,
            create_statement=splitter.create_database.get(db),
            objects_files=[dump_format.objects_path(db) + suffix] if db in splitter.objects else [],
            views=views,
            tables=tables,
        ))
    return result


# -- mydumper ------------------------------------------------------------------

_MYDUMPER_FILE_RE = re.compile(r'^(?P<db>[^.]+)\.(?P<table>.+?)(?P<kind>-schema-triggers|-schema-view|-schema|'
                               r'\.\d+)?\.sql(?:\.gz)?$')


def classify_mydumper_file(filename):
    """(db, table_or_None, kind) of a mydumper output file name.

    kind: 'create' (db-schema-create), 'post' (db-schema-post: routines/events),
    'schema', 'data', 'triggers', 'view', 'metadata' or 'other'.
    """
    if filename == 'metadata':
        return None, None, 'metadata'
    match = re.match(r'^(?P<db>.+)-schema-(?P<what>create|post)\.sql(?:\.gz)?$', filename)
    if match and '.' not in match.group('db'):
        return match.group('db'), None, 'create' if match.group('what') == 'create' else 'post'
    match = _MYDUMPER_FILE_RE.match(filename)
    if not match:
        return None, None, 'other'
    kind = {'-schema': 'schema', '-schema-triggers': 'triggers', '-schema-view': 'view', None: 'data'}.get(
        match.group('kind'), 'data')
    return match.group('db'), match.group('table'), kind


def mydumper_databases_entry(databases, relroot, filenames, table_info):
    """The manifest's ``databases`` for a mydumper backup: each table with its files."""
    by_table = {}
    per_db = {}
    for filename in sorted(filenames):
        db, table, kind = classify_mydumper_file(filename)
        rel = '%s/%s' % (relroot, filename)
        if db is None:
            continue
        if table is None:
            per_db.setdefault(db, {}).setdefault(kind, []).append(rel)
        elif kind == 'view':
            per_db.setdefault(db, {}).setdefault('view', []).append(rel)
        else:
            by_table.setdefault((db, table), []).append(rel)
    result = []
    for db in databases:
        tables = []
        views = []
        for info in table_info.get(db, []):
            if info['type'] == 'VIEW':
                views.append(info['name'])
                continue
            tables.append(dict(name=info['name'], engine=info['engine'], rows_estimate=info['rows'],
                               data_bytes=info['bytes'], files=by_table.get((db, info['name']), [])))
        extra = per_db.get(db, {})
        view_files = [rel for (vdb, vtable), rels in by_table.items() if vdb == db and vtable in views for rel in rels]
        result.append(dict(name=db, create_statement=None, create_files=extra.get('create', []),
                           objects_files=extra.get('post', []) + extra.get('view', []) + sorted(view_files),
                           views=views, tables=tables))
    return result


def run_mydumper(argv, outdir):
    """Run mydumper; returns the coordinates from its metadata file."""
    try:
        run(argv, 'mydumper')
    except PipelineError as exc:
        raise BackupError(_enospc_hint(str(exc), outdir) or str(exc)) from None
    metadata = os.path.join(outdir, 'metadata')
    if not os.path.exists(metadata):
        raise BackupError('mydumper finished without writing its metadata file in %s.' % outdir)
    with open(metadata) as handle:
        text = handle.read()
    if 'Finished dump at' not in text and '[config]' not in text and '[master]' not in text:
        raise BackupError('mydumper\'s metadata file has no "Finished dump at" line: the dump is incomplete.')
    return coords.parse_mydumper_metadata(text)


# -- physical ------------------------------------------------------------------

def run_physical(binary, option_file, dialect, workdir, datadir, parallel, compression):
    """mariabackup/xtrabackup --backup and --prepare, then archive. Returns (coordinates, layout dict)."""
    target = os.path.join(workdir, PHYSICAL_DIR)
    tool = os.path.basename(binary)
    try:
        run(physical_backup_command(binary, option_file, dialect, target, datadir, parallel), '%s --backup' % tool)
        run(physical_prepare_command(binary, target), '%s --prepare' % tool)
    except PipelineError as exc:
        raise BackupError(_enospc_hint(str(exc), workdir) or str(exc)) from None
    coordinates = coords.empty()
    info_files = {}
    for name in coords.BINLOG_INFO_FILES + ('mariadb_backup_info', 'xtrabackup_info', 'backup-my.cnf'):
        path = os.path.join(target, name)
        if os.path.exists(path):
            with open(path) as handle:
                info_files[name] = handle.read()
    for name in coords.BINLOG_INFO_FILES:
        if name in info_files:
            coordinates = coords.parse_binlog_info(info_files[name])
            break
    layout = dict(layout='directory', path=PHYSICAL_DIR, info=info_files.get('mariadb_backup_info')
                  or info_files.get('xtrabackup_info'))
    if compression != 'none':
        archive = ARCHIVE_BASE + SUFFIXES[compression]
        archive_directory(target, os.path.join(workdir, archive), compression)
        shutil.rmtree(target, ignore_errors=True)
        # The coordinates stay readable without unpacking the archive.
        for name in coords.BINLOG_INFO_FILES:
            if name in info_files:
                fd = open_private(os.path.join(workdir, name))
                with os.fdopen(fd, 'w') as handle:
                    handle.write(info_files[name])
        layout = dict(layout='archive', path=archive, info=layout['info'])
    return coordinates, layout


def archive_command(source_dir):
    return ['tar', '-C', source_dir, '-cf', '-', '.']


def archive_directory(source_dir, archive_path, compression):
    """``tar -cf - . | zstd > archive``: two processes joined by a pipe, nothing through Python."""
    fd = open_private(archive_path)
    with tempfile.TemporaryFile() as tar_err, tempfile.TemporaryFile() as zip_err:
        tar = subprocess.Popen(archive_command(source_dir), stdout=subprocess.PIPE, stderr=tar_err)
        try:
            zipper = subprocess.Popen(compress_command(compression), stdin=tar.stdout, stdout=fd, stderr=zip_err)
        finally:
            os.close(fd)
            tar.stdout.close()
        zip_code = zipper.wait()
        tar_code = tar.wait()
        if zip_code != 0 or tar_code != 0:
            text = tail(zip_err) + ' ' + tail(tar_err)
            raise BackupError('archiving the prepared copy failed: %s'
                              % (_enospc_hint(text, os.path.dirname(archive_path)) or last_lines(text)))
