# -*- coding: utf-8 -*-
# Copyright: drkit.mysql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The backup manifest: what a backup directory holds, and the proof that it is intact.

Every backup directory carries ``manifest.json``: the engine and tool that
made it, the server it came from, the binlog coordinates and GTID set at its
consistent point, its databases and tables, and every file with its size
and SHA-256.  A restore verifies the files against it before it touches a
server, so a flipped byte or a missing file stops the restore, not the
database.

Files are hashed in chunks, never read whole.

Stdlib only: this file runs on managed hosts with Python 3.8+.
"""

from __future__ import absolute_import, division, print_function

import datetime
import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor

__metaclass__ = type

MANIFEST_NAME = 'manifest.json'
FORMAT = 'drkit.mysql/backup'
FORMAT_VERSION = 1
CHUNK = 1024 * 1024


class ManifestError(Exception):
    """A manifest is missing, unreadable or does not match the files; ``str()`` is the sentence to show."""


# -- time ----------------------------------------------------------------------

def utc_now():
    """Now, in UTC (with microseconds, for durations; iso() and stamp() show whole seconds)."""
    return datetime.datetime.now(datetime.timezone.utc)


def iso(moment):
    """``2026-11-24T07:40:00Z``."""
    return moment.astimezone(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def stamp(moment):
    """``20261124T074000Z``: the part of a backup's name that sorts by time."""
    return moment.astimezone(datetime.timezone.utc).strftime('%Y%m%dT%H%M%SZ')


def parse_iso(text):
    return datetime.datetime.strptime(text, '%Y-%m-%dT%H:%M:%SZ').replace(tzinfo=datetime.timezone.utc)


def backup_name(prefix, moment):
    return '%s-%s' % (prefix, stamp(moment))


# -- files ---------------------------------------------------------------------

def sha256_file(path, chunk=CHUNK):
    """(size, hex sha256) of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with open(path, 'rb') as handle:
        while True:
            block = handle.read(chunk)
            if not block:
                break
            size += len(block)
            digest.update(block)
    return size, digest.hexdigest()


def list_files(root):
    """Relative paths (``/``-separated, sorted) of the regular files under root, without the manifest."""
    found = []
    for directory, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for filename in filenames:
            full = os.path.join(directory, filename)
            rel = os.path.relpath(full, root).replace(os.sep, '/')
            if rel == MANIFEST_NAME or not os.path.isfile(full) or os.path.islink(full):
                continue
            found.append(rel)
    return sorted(found)


def file_entries(root):
    """``[{path, size, sha256}]`` for every file of a backup directory."""
    entries = []
    for rel in list_files(root):
        size, digest = sha256_file(os.path.join(root, rel))
        entries.append(dict(path=rel, size=size, sha256=digest))
    return entries


# -- building ------------------------------------------------------------------

def build(name, engine, tool, compression, server, started_at, finished_at, coordinates, databases, files,
          options=None, extra=None):
    """The manifest dict. ``started_at``/``finished_at`` are aware datetimes; ``files`` from file_entries()."""
    manifest = dict(
        format=FORMAT,
        format_version=FORMAT_VERSION,
        name=name,
        engine=engine,
        tool=tool,
        compression=compression,
        server=server,
        started_at=iso(started_at),
        finished_at=iso(finished_at),
        duration_s=round((finished_at - started_at).total_seconds(), 3),
        coordinates=coordinates,
        databases=databases,
        files=files,
        file_count=len(files),
        total_bytes=sum(entry['size'] for entry in files),
        options=options or {},
        verification=None,
    )
    if extra:
        manifest.update(extra)
    return manifest


def write(root, manifest):
    """Write ``manifest.json`` (mode 0600) atomically: a reader never sees half a manifest."""
    path = os.path.join(root, MANIFEST_NAME)
    tmp = path + '.tmp'
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as handle:
        json.dump(manifest, handle, indent=2, sort_keys=True)
        handle.write('\n')
        handle.flush()
        os.fsync(handle.fileno())
    os.rename(tmp, path)
    return path


def load(root):
    """The manifest of a backup directory, checked for the fields a restore relies on."""
    path = os.path.join(root, MANIFEST_NAME)
    if not os.path.isdir(root):
        raise ManifestError('%s is not a directory; give the backup directory (the one holding %s).'
                            % (root, MANIFEST_NAME))
    try:
        with open(path) as handle:
            manifest = json.load(handle)
    except (IOError, OSError) as exc:
        raise ManifestError('%s has no readable %s (%s); it is not a finished drkit.mysql backup.'
                            % (root, MANIFEST_NAME, exc.strerror or exc)) from None
    except ValueError as exc:
        raise ManifestError('%s is not valid JSON (%s); the manifest is damaged.' % (path, exc)) from None
    problems = validate_structure(manifest)
    if problems:
        raise ManifestError('%s is not a drkit.mysql backup manifest: %s.' % (path, '; '.join(problems)))
    return manifest


def validate_structure(manifest):
    """What is wrong with a manifest's shape (an empty list when nothing)."""
    if not isinstance(manifest, dict):
        return ['it is not a JSON object']
    problems = []
    if manifest.get('format') != FORMAT:
        problems.append('format is %r, expected %r' % (manifest.get('format'), FORMAT))
    elif manifest.get('format_version') != FORMAT_VERSION:
        problems.append('format_version %r is not supported (this collection reads %d)'
                        % (manifest.get('format_version'), FORMAT_VERSION))
    for key in ('name', 'engine', 'compression'):
        if not isinstance(manifest.get(key), str):
            problems.append('%s is missing' % key)
    files = manifest.get('files')
    if not isinstance(files, list):
        problems.append('files is missing')
    else:
        for entry in files:
            if not isinstance(entry, dict) or not all(k in entry for k in ('path', 'size', 'sha256')):
                problems.append('a file entry lacks path/size/sha256')
                break
            if not safe_relative(entry['path']):
                problems.append('file path %r leaves the backup directory' % entry['path'])
                break
    if not isinstance(manifest.get('databases'), list):
        problems.append('databases is missing')
    return problems


def safe_relative(rel):
    """A manifest path must stay inside the backup directory."""
    if not isinstance(rel, str) or not rel or rel.startswith('/') or '\\' in rel:
        return False
    return all(part not in ('', '.', '..') for part in rel.split('/'))


# -- verification --------------------------------------------------------------

def verify_files(root, manifest, hasher=sha256_file, workers=2):
    """Re-hash every file of the manifest. Returns ``dict(ok, checked, bytes, problems, unexpected)``.

    ``problems`` names each missing, resized or altered file; ``unexpected``
    lists files present but not in the manifest (reported, not fatal).
    Files are hashed by ``workers`` threads (hashlib releases the GIL), so a
    restore's check costs about half the time on two cores.
    """
    problems = []
    checked = 0
    total = 0
    listed = set()
    to_hash = []
    for entry in manifest.get('files', []):
        rel = entry['path']
        listed.add(rel)
        full = os.path.join(root, rel)
        if not os.path.isfile(full):
            problems.append('%s is missing' % rel)
            continue
        actual_size = os.path.getsize(full)
        if actual_size != entry['size']:
            problems.append('%s has %d bytes, the manifest says %d' % (rel, actual_size, entry['size']))
            continue
        to_hash.append(entry)
    if workers > 1 and len(to_hash) > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            hashes = list(pool.map(lambda entry: hasher(os.path.join(root, entry['path'])), to_hash))
    else:
        hashes = [hasher(os.path.join(root, entry['path'])) for entry in to_hash]
    for entry, (size, digest) in zip(to_hash, hashes):
        rel = entry['path']
        checked += 1
        total += size
        if digest != entry['sha256']:
            problems.append('%s has SHA-256 %s..., the manifest says %s...' % (rel, digest[:12], entry['sha256'][:12]))
    unexpected = [rel for rel in list_files(root) if rel not in listed and not rel.endswith('.tmp')]
    return dict(ok=not problems, checked=checked, bytes=total, problems=problems, unexpected=unexpected)


def verification_error(root, result):
    """The sentence for a failed verify_files() result."""
    shown = result['problems'][:5]
    more = len(result['problems']) - len(shown)
    return ('The backup %s is damaged and was not used: %s%s. Restore from another backup.'
            % (root, '; '.join(shown), ' (and %d more)' % more if more > 0 else ''))


def record_verification(manifest, result, compression_tested, moment):
    """The verification block stored in the manifest."""
    manifest['verification'] = dict(
        verified_at=iso(moment),
        ok=bool(result['ok']),
        files_checked=result['checked'],
        bytes_checked=result['bytes'],
        compression_tested=compression_tested,
        problems=list(result['problems']),
    )
    return manifest


# -- reading -------------------------------------------------------------------

def tables_of(manifest):
    """``[(db, table_entry)]`` in manifest order."""
    found = []
    for database in manifest.get('databases', []):
        for table in database.get('tables', []):
            found.append((database['name'], table))
    return found


def summary(manifest):
    """The short form a module returns: no per-file list."""
    databases = manifest.get('databases', [])
    return dict(
        name=manifest.get('name'),
        engine=manifest.get('engine'),
        tool=manifest.get('tool'),
        compression=manifest.get('compression'),
        server=manifest.get('server'),
        started_at=manifest.get('started_at'),
        finished_at=manifest.get('finished_at'),
        duration_s=manifest.get('duration_s'),
        coordinates=manifest.get('coordinates'),
        databases=[db['name'] for db in databases],
        table_count=sum(len(db.get('tables', [])) for db in databases),
        rows_estimate=sum(t.get('rows_estimate') or 0 for db in databases for t in db.get('tables', [])),
        file_count=len(manifest.get('files', [])),
        total_bytes=manifest.get('total_bytes'),
        verification=manifest.get('verification'),
    )
