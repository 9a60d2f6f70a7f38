# -*- coding: utf-8 -*-
# Copyright: drkit.mysql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Loading a verified backup: per-table files through the client, myloader, or a physical copy-back.

* dump backups: each table file is streamed (decompressed on the fly) into ``mariadb``/``mysql
  --database=<target>`` between the dump's session header and footer; ``parallel`` clients work
  through the tables in the order given, so the essential tables are loaded first, and share the
  chunks of a big table (load_queue);
* mydumper backups: the chosen files are linked into a private staging directory and loaded by
  ``myloader`` (``--source-db``/``--database`` for another schema), with ``parallel`` threads;
* physical backups: into the datadir of a stopped server (``--copy-back``/``--move-back``).

Stdlib only: this file runs on managed hosts with Python 3.8+.
"""

from __future__ import absolute_import, division, print_function

import errno
import hashlib
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time

from ansible_collections.drkit.mysql.plugins.module_utils import deferred_keys, dump_format, load_queue, restore_plan
from ansible_collections.drkit.mysql.plugins.module_utils import manifest as mf
from ansible_collections.drkit.mysql.plugins.module_utils.option_file import defaults_option
from ansible_collections.drkit.mysql.plugins.module_utils.pipeline import (
    PipelineError,
    decompressed_lines,
    last_lines,
    run,
    stream_files_into,
    tail,
)
from ansible_collections.drkit.mysql.plugins.module_utils.tools import compression_of, decompress_command

__metaclass__ = type

CLIENT_MAX_PACKET = 1024 * 1024 * 1024
# Stands for the ALTER TABLE ... ADD KEY of a table whose secondary keys wait for its rows (load_dump_items).
ADD_KEYS = '\0add-keys'

COPY_BLOCK = 1024 * 1024


class RestoreError(Exception):
    """A restore step failed; ``str()`` is the sentence to show."""


# -- dump engine -------------------------------------------------------------------

def client_command(binary, option_file, database):
    """argv of the client loading one table file into ``database``."""
    return [binary, defaults_option(option_file), '--database=%s' % database, '--batch', '--binary-mode',
            '--max-allowed-packet=%d' % CLIENT_MAX_PACKET, '--default-character-set=utf8mb4']


def session_prologue(root, binlog):
    """The dump's session settings (character set, FOREIGN_KEY_CHECKS=0, SQL_MODE...) plus binlog choice."""
    with open(os.path.join(root, dump_format.HEADER_FILE), 'rb') as handle:
        lines = dump_format.session_lines(handle.readlines())
    if not binlog:
        # after the header: mariadb-dump's first line may be the sandbox-mode marker, which must stay first
        lines.append(b'SET SESSION sql_log_bin = 0;\n')
    return b''.join(lines)


def session_epilogue(root):
    with open(os.path.join(root, dump_format.FOOTER_FILE), 'rb') as handle:
        return b''.join(dump_format.session_lines(handle.readlines()))


def load_dump_items(binary, option_file, root, items, parallel, binlog, defer_keys=True):
    """Load table items with ``parallel`` clients, chunks of one table at once. Returns per-item results.

    Items are taken in the order given (see load_queue); each task is one client session: the dump's session
    header, the task's files, the footer.  A table cut into chunks gets its plain secondary keys after its
    rows (deferred_keys), before its triggers, unless ``defer_keys`` is false.  A failed task stops the tasks
    not yet started; running ones finish; then RestoreError is raised.
    """
    prologue = session_prologue(root, binlog)
    epilogue = session_epilogue(root)
    groups = []
    alters = {}
    for index, item in enumerate(items):
        try:
            before, chunks, after = restore_plan.split_files(item)
        except restore_plan.PlanError as exc:
            raise RestoreError(str(exc)) from None
        if defer_keys and chunks and before:
            alters[index] = None   # filled in by the task loading ``before``
            after = [ADD_KEYS] + after
        groups.append((before, chunks, after))
    queue = load_queue.LoadQueue(groups)
    lock = threading.Lock()
    errors = []
    progress = [dict(started=None, ended=None, bytes=0, tasks=0, failed=None, deferred_keys=False) for _item in items]
    holders = {}
    heads = set(alters)   # tables whose first task (structure and first rows) has not started

    def load(task):
        item = items[task['index']]
        record = progress[task['index']]
        started = _now()
        with lock:
            if record['started'] is None:
                record['started'] = started
        with lock:
            head = task['index'] in heads
            heads.discard(task['index'])
        parts = [prologue]
        for position, rel in enumerate(task['files']):
            if rel == ADD_KEYS:
                if alters.get(task['index']):
                    parts.append(alters[task['index']])
            elif position == 0 and head:
                lines, found = deferred_keys.defer_in_stream(decompressed_lines(os.path.join(root, rel),
                                                                                compression_of(rel)))
                holders[task['index']] = found
                parts.append(lines)
            else:
                parts.append((os.path.join(root, rel), compression_of(rel)))
        parts.append(epilogue)
        what = '%s.%s' % (item['source_db'], item['table'])
        if len(task['files']) == 1 and task['files'][0] in (item.get('chunk_files') or ()):
            what += ' (chunk %s)' % os.path.basename(task['files'][0])
        try:
            fed = stream_files_into(client_command(binary, option_file, item['target_db']), parts,
                                    'loading %s into %s' % (what, item['target_db']))
        except PipelineError as exc:
            with lock:
                errors.append(str(exc))
                record['failed'] = str(exc)
            return False
        with lock:
            record['bytes'] += fed
            record['tasks'] += 1
            record['ended'] = _now()
            if task['index'] in holders:
                alters[task['index']] = holders.pop(task['index'])['alter']
                record['deferred_keys'] = bool(alters[task['index']])
        return True

    load_queue.run_workers(queue, parallel, load)
    if errors:
        raise RestoreError('; '.join(errors[:3]))
    results = []
    for item, record in zip(items, progress):
        results.append(dict(item, status='loaded', bytes=record['bytes'], chunks=1 + len(item.get('chunk_files') or []),
                            deferred_keys=record['deferred_keys'],
                            seconds=round(record['ended'] - record['started'], 3)))
    return results


def load_objects(binary, option_file, root, objects, binlog):
    """Views, routines and events of whole databases restored under their own name, after the tables."""
    results = []
    prologue = session_prologue(root, binlog)
    epilogue = session_epilogue(root)
    for obj in objects:
        if not obj['files']:
            continue
        parts = [prologue] + [(os.path.join(root, rel), compression_of(rel)) for rel in obj['files']] + [epilogue]
        try:
            fed = stream_files_into(client_command(binary, option_file, obj['target_db']), parts,
                                    'loading views/routines/events of %s' % obj['source_db'])
        except PipelineError as exc:
            raise RestoreError(str(exc)) from None
        results.append(dict(obj, bytes=fed))
    return results


def _now():
    return time.monotonic()


# -- mydumper engine ---------------------------------------------------------------

def myloader_command(binary, option_file, directory, threads, source_db=None, target_db=None, binlog=True):
    argv = [binary, defaults_option(option_file, extra=False), '--directory=%s' % directory,
            '--threads=%d' % max(1, int(threads)), '--verbose=2']
    if source_db:
        argv.append('--source-db=%s' % source_db)
    if target_db:
        argv.append('--database=%s' % target_db)
    if binlog:
        argv.append('--enable-binlog')
    return argv


def mydumper_data_file(rel):
    """A mydumper file of rows (``db.table.sql``, ``db.table.00001.sql``, ``.gz``), not a schema file."""
    name = os.path.basename(rel)
    return '-schema' not in name and name != 'metadata'


def stage_mydumper(root, manifest_layout_path, files, staging):
    """Symlink the chosen files (and the metadata file) into ``staging`` for myloader."""
    for rel in list(files) + ['%s/metadata' % manifest_layout_path]:
        source = os.path.join(root, rel)
        link = os.path.join(staging, os.path.basename(rel))
        if not os.path.exists(link):
            os.symlink(source, link)


def load_mydumper(binary, option_file, root, layout_path, plan, parallel, binlog):
    """One myloader run per source database, over a staging directory holding only the chosen files."""
    results = []
    by_db = {}
    for item in plan['items']:
        by_db.setdefault(item['source_db'], []).append(item)
    objects = dict((obj['source_db'], obj) for obj in plan['objects'])
    creates = dict((db['source_db'], db) for db in plan['databases'])
    for source_db, items in by_db.items():
        staging = tempfile.mkdtemp(prefix='drkit-myloader-')
        try:
            files = [rel for item in items for rel in item['files']]
            files += creates.get(source_db, {}).get('files', [])
            if source_db in objects:
                files += objects[source_db]['files']
            stage_mydumper(root, layout_path, files, staging)
            target_db = items[0]['target_db']
            started = _now()
            try:
                run(myloader_command(binary, option_file, staging, parallel, source_db,
                                     target_db if target_db != source_db else None, binlog),
                    'myloader into %s' % target_db)
            except PipelineError as exc:
                raise RestoreError(str(exc)) from None
            seconds = round(_now() - started, 3)
            for item in items:
                size = sum(os.path.getsize(os.path.join(root, rel)) for rel in item['files'])
                # myloader loads the tables of a database together and reports no time per table.
                results.append(dict(item, status='loaded', bytes=size, seconds=None, run_seconds=seconds,
                                    chunks=max(1, len([rel for rel in item['files'] if mydumper_data_file(rel)]))))
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return results


# -- physical engine ---------------------------------------------------------------

def datadir_in_use(datadir):
    """Why the datadir looks in use by a running server, or None.

    A running mariadbd/mysqld holds a lock on ``ibdata1`` (InnoDB) and
    ``aria_log_control`` (Aria); its pid file names a live process.
    """
    import fcntl
    for name in ('ibdata1', 'aria_log_control'):
        path = os.path.join(datadir, name)
        if not os.path.exists(path):
            continue
        try:
            fd = os.open(path, os.O_RDWR)
        except OSError:
            continue
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.lockf(fd, fcntl.LOCK_UN)
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EAGAIN):
                return '%s is locked by a running server' % path
        finally:
            os.close(fd)
    try:
        names = os.listdir(datadir)
    except OSError:
        return None
    for name in names:
        if not name.endswith('.pid'):
            continue
        try:
            with open(os.path.join(datadir, name)) as handle:
                pid = int(handle.read().strip() or 0)
            if pid > 0:
                os.kill(pid, 0)
                return '%s names the running process %d' % (os.path.join(datadir, name), pid)
        except (OSError, ValueError):
            continue
    return None


def datadir_entries(datadir):
    try:
        return [name for name in os.listdir(datadir) if name != 'lost+found']
    except OSError:
        return []


def copy_back_command(binary, source_dir, datadir, move, server_config=None, parallel=1):
    """``mariabackup --copy-back``/``--move-back`` into datadir (no connection, so no credentials)."""
    first = '--defaults-file=%s' % server_config if server_config else '--no-defaults'
    argv = [binary, first, '--move-back' if move else '--copy-back', '--target-dir=%s' % source_dir,
            '--datadir=%s' % datadir]
    if parallel and int(parallel) > 1:
        argv.append('--parallel=%d' % int(parallel))
    return argv


class BackupDamaged(RestoreError):
    """Backup files do not match the manifest; nothing was touched but the private staging directory."""


def extract_archive(archive, directory, expected=None):
    """``zstd -dc | tar -xf - -C directory``, fed by one read of the archive that is also hashed.

    Reading once for the hash and the unpacking (the hash in a second thread) costs about the time of the
    unpacking alone.  ``expected`` (a manifest entry) is checked at the end: ArchiveDamaged when it differs.
    The directory is a staging directory, not the target: the target is only touched after the check.
    """
    compression = compression_of(archive)
    blocks = queue.Queue(maxsize=16)
    digest = hashlib.sha256()

    def hash_blocks():
        while True:
            block = blocks.get()
            if block is None:
                return
            digest.update(block)

    hasher = threading.Thread(target=hash_blocks)
    hasher.start()
    size = 0
    broken = False
    with tempfile.TemporaryFile() as zip_err, tempfile.TemporaryFile() as tar_err:
        if compression == 'none':
            feeder = subprocess.Popen(['tar', '-xf', '-', '-C', directory], stdin=subprocess.PIPE, stderr=tar_err)
            procs = [feeder]
        else:
            feeder = subprocess.Popen(decompress_command(compression), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=zip_err)
            try:
                tar = subprocess.Popen(['tar', '-xf', '-', '-C', directory], stdin=feeder.stdout, stderr=tar_err)
            finally:
                feeder.stdout.close()
            procs = [tar, feeder]
        try:
            with open(archive, 'rb') as handle:
                while True:
                    block = handle.read(COPY_BLOCK)
                    if not block:
                        break
                    size += len(block)
                    blocks.put(block)
                    if not broken:
                        try:
                            feeder.stdin.write(block)
                        except BrokenPipeError:
                            broken = True  # the tools failed; keep hashing to say whether the file is damaged
        finally:
            blocks.put(None)
            hasher.join()
            try:
                feeder.stdin.close()
            except BrokenPipeError:
                broken = True
            codes = [proc.wait() for proc in procs]
        if expected is not None and (size != expected['size'] or digest.hexdigest() != expected['sha256']):
            raise BackupDamaged('%s has %d bytes and SHA-256 %s..., the manifest says %d bytes and %s...'
                                % (expected['path'], size, digest.hexdigest()[:12], expected['size'],
                                   expected['sha256'][:12]))
        if any(codes) or broken:
            raise RestoreError('unpacking %s failed: %s' % (archive, last_lines(tail(zip_err) + '\n' + tail(tar_err))))
    return dict(files=1, size=size, sha256=digest.hexdigest())


def chown_tree(path, uid, gid):
    os.chown(path, uid, gid)
    for directory, dirnames, filenames in os.walk(path):
        for name in dirnames + filenames:
            os.lchown(os.path.join(directory, name), uid, gid)


def staging_possible(datadir, server_config):
    """Whether a copy can be staged beside the datadir and renamed in: same file system, no other directories.

    A datadir that is a mount point, or a server config that may send InnoDB files elsewhere, gets the plain
    order instead: check every file, then ``--copy-back`` straight into the datadir.
    """
    if server_config:
        return False
    parent = os.path.dirname(os.path.abspath(datadir))
    if not os.path.isdir(datadir):
        return True
    return os.stat(datadir).st_dev == os.stat(parent).st_dev


def restore_physical(binary, root, layout, datadir, stamp, safety, server_config=None, owner=None,
                     deferred=None, parallel=1):
    """Copy a prepared physical backup into an empty datadir. Returns dict(bytes, safety_copy, streamed).

    The backup's big files are checked while they are copied, not before: ``deferred`` are their manifest
    entries.  An archive is unpacked (and hashed in the same read) into a staging directory beside the
    datadir; a directory is copied there by ``--copy-back`` while other threads hash it.  Only after the
    check is the datadir moved aside (``safety``) and filled, by renames on the same file system.
    BackupDamaged leaves the datadir as it was.
    """
    parent = os.path.dirname(os.path.abspath(datadir))
    safety_copy = None
    staging = None
    streamed = None
    # Absolute paths: mariabackup 10.11 --copy-back --parallel fails on a relative --datadir (aria_log_control
    # copied twice, errno 17).
    root = os.path.abspath(root)
    source = os.path.join(root, layout['path'])
    try:
        if layout['layout'] == 'archive':
            staging = tempfile.mkdtemp(prefix='.drkit-restore-', dir=parent)
            entry = (deferred or [None])[0]
            streamed = extract_archive(source, staging, entry)
        elif deferred:
            staging = tempfile.mkdtemp(prefix='.drkit-restore-', dir=parent)
            streamed = copy_and_check(binary, root, source, staging, deferred, parallel)
        if safety and os.path.isdir(datadir) and datadir_entries(datadir):
            safety_copy = '%s.drkit-safety-%s' % (datadir.rstrip('/'), stamp)
            os.rename(datadir, safety_copy)
        reference = datadir if os.path.isdir(datadir) else (safety_copy or parent)
        stat = os.stat(reference)
        uid, gid = (owner if owner else (stat.st_uid, stat.st_gid))
        if not os.path.isdir(datadir):
            os.mkdir(datadir, 0o700)
        if layout['layout'] == 'archive':
            argv = copy_back_command(binary, staging, datadir, True, server_config)
            try:
                run(argv, os.path.basename(binary) + ' --move-back')
            except PipelineError as exc:
                raise RestoreError(str(exc)) from None
        elif staging:
            for name in os.listdir(staging):
                os.rename(os.path.join(staging, name), os.path.join(datadir, name))
        else:
            try:
                run(copy_back_command(binary, source, datadir, False, server_config, parallel),
                    os.path.basename(binary) + ' --copy-back')
            except PipelineError as exc:
                raise RestoreError(str(exc)) from None
    finally:
        if staging:
            shutil.rmtree(staging, ignore_errors=True)
    chown_tree(datadir, uid, gid)
    total = 0
    for directory, _dirnames, filenames in os.walk(datadir):
        for name in filenames:
            total += os.path.getsize(os.path.join(directory, name))
    return dict(bytes=total, safety_copy=safety_copy, streamed=streamed)


def copy_and_check(binary, root, source, staging, entries, parallel=1):
    """``--copy-back`` of a prepared directory into ``staging`` while ``entries`` are hashed; BackupDamaged if bad."""
    outcome = {}

    def check():
        outcome['result'] = mf.verify_files(root, dict(files=entries))

    checker = threading.Thread(target=check)
    checker.start()
    try:
        run(copy_back_command(binary, source, staging, False, parallel=parallel),
            os.path.basename(binary) + ' --copy-back')
    except PipelineError as exc:
        checker.join()
        raise RestoreError(str(exc)) from None
    finally:
        checker.join()
    result = outcome.get('result')
    if result is None:
        raise RestoreError('checking the backup\'s files failed.')
    if not result['ok']:
        raise BackupDamaged('; '.join(result['problems'][:5]))
    return dict(files=result['checked'], size=result['bytes'])
