# -*- coding: utf-8 -*-
# Copyright: drkit.mysql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which old backups a retention policy removes.

Only finished backups are candidates: directories named ``<prefix>-<stamp>``
(the same prefix) that hold a readable manifest.  A directory without one
(someone's copy, a half-written ``.partial``) is never touched.

A backup is kept when any given rule keeps it:

* ``keep_last: N`` keeps the N newest;
* ``max_age: 7d`` keeps those that finished less than 7 days ago.

With both, a backup goes only when it is neither among the N newest nor
younger than max_age.  The backup just made is always kept.

Stdlib only: this file runs on managed hosts with Python 3.8+.
"""

from __future__ import absolute_import, division, print_function

import datetime
import json
import os
import re

__metaclass__ = type

_AGE_RE = re.compile(r'^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$', re.IGNORECASE)
_UNITS = {'': 1, 's': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 604800}
_STAMP_RE = re.compile(r'^\d{8}T\d{6}Z$')


class RetentionError(ValueError):
    """A retention option cannot be read."""


def parse_age(text):
    """Seconds of ``30m``, ``12h``, ``7d``, ``2w`` or a plain number of seconds."""
    if text is None:
        return None
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        seconds = float(text)
    else:
        match = _AGE_RE.match(str(text))
        if not match:
            raise RetentionError('max_age %r is not a duration such as 36h, 7d or 2w.' % (text,))
        seconds = float(match.group(1)) * _UNITS[match.group(2).lower()]
    if seconds <= 0:
        raise RetentionError('max_age must be more than zero, got %r.' % (text,))
    return seconds


def is_backup_name(name, prefix):
    """``<prefix>-YYYYmmddTHHMMSSZ``."""
    if not name.startswith(prefix + '-'):
        return False
    return bool(_STAMP_RE.match(name[len(prefix) + 1:]))


def scan(dest, prefix, load_json=None):
    """Finished backups of ``prefix`` under dest: ``[dict(name, path, finished_at)]``, oldest first.

    ``finished_at`` comes from the manifest (an aware datetime).  Directories
    without a readable manifest are skipped.
    """
    if load_json is None:
        load_json = _load_json
    found = []
    try:
        names = os.listdir(dest)
    except OSError:
        return found
    for name in names:
        path = os.path.join(dest, name)
        if not is_backup_name(name, prefix) or not os.path.isdir(path) or os.path.islink(path):
            continue
        manifest = load_json(os.path.join(path, 'manifest.json'))
        if not isinstance(manifest, dict) or not manifest.get('finished_at'):
            continue
        try:
            finished = datetime.datetime.strptime(manifest['finished_at'], '%Y-%m-%dT%H:%M:%SZ')
        except (TypeError, ValueError):
            continue
        found.append(dict(name=name, path=path, finished_at=finished.replace(tzinfo=datetime.timezone.utc)))
    found.sort(key=lambda item: (item['finished_at'], item['name']))
    return found


def _load_json(path):
    try:
        with open(path) as handle:
            return json.load(handle)
    except (IOError, OSError, ValueError):
        return None


def select_expired(backups, now, keep_last=None, max_age=None, protect=()):
    """The backups (from scan()) that the policy removes, oldest first.

    ``max_age`` is in seconds; ``protect`` names backups never removed (the one just made).
    Without any rule nothing is removed.
    """
    if keep_last is None and max_age is None:
        return []
    if keep_last is not None and keep_last < 1:
        raise RetentionError('keep_last must be at least 1 (the backup just made is always kept), got %r.'
                             % (keep_last,))
    ordered = sorted(backups, key=lambda item: (item['finished_at'], item['name']))
    newest = set(item['name'] for item in ordered[-keep_last:]) if keep_last else set()
    expired = []
    for item in ordered:
        if item['name'] in protect:
            continue
        kept_by_count = item['name'] in newest
        kept_by_age = max_age is not None and (now - item['finished_at']).total_seconds() < max_age
        if kept_by_count or kept_by_age:
            continue
        expired.append(item)
    return expired
