# -*- coding: utf-8 -*-
# Copyright: drkit.mysql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A server's accounts and grants as one JSON document, and the directory of versioned snapshots.

``read_server`` asks the server (``SHOW GRANTS`` and ``SHOW CREATE USER`` per account, ``SHOW PRIVILEGES``)
and keeps what ``grant_syntax`` parses out of it. No password hash or authentication string is kept: the
redacted texts say where one was, and ``auth_fingerprint`` is an HMAC-SHA256 of the secrets under a key kept
beside the snapshots (``.fingerprint-key``, 0600), so a password change is visible while a snapshot that
leaks alone (pasted into a ticket, printed in a log) gives nothing to brute-force.

The directory (0700) holds ``grants-<UTC stamp>.json`` files (0600), written whole then renamed, and
``latest.json``, a symlink to the newest. A snapshot equal to the latest one (apart from its time) is not
written again, so a daily snapshot of an unchanged server changes nothing. ``keep_last`` prunes the oldest.

Stdlib only: this file runs on managed hosts with Python 3.8+.
"""

from __future__ import absolute_import, division, print_function

import datetime
import hashlib
import hmac
import json
import os
import re

from ansible_collections.drkit.mysql.plugins.module_utils.grant_syntax import (
    account_key,
    parse_create_user,
    parse_show_grants,
    redact,
    secrets,
)

__metaclass__ = type

FORMAT = 'drkit.mysql.grants/1'
LATEST = 'latest.json'
PUBLIC = 'PUBLIC'
KEY_FILE = '.fingerprint-key'
_FILE_RE = re.compile(r'^grants-(\d{8}T\d{6}Z)(?:-(\d+))?\.json$')
# Accounts the server itself owns: never snapshotted, compared or restored unless asked for by name.
DEFAULT_EXCLUDE = ['root@localhost', 'mariadb.sys@localhost', 'mysql.sys@localhost', 'mysql.session@localhost',
                   'mysql.infoschema@localhost']


class SnapshotError(ValueError):
    """The snapshot directory or file cannot be used; says what to do."""


def matches(key, user, patterns):
    """Whether an account (``user@host`` key) is named by one of ``patterns``: ``user@host`` or ``user``."""
    for pattern in patterns or ():
        if pattern == key or ('@' not in pattern and pattern == user):
            return True
    return False


def list_accounts(server):
    """[(user, host or None, is_role)] of the server, sorted."""
    if server.dialect.is_mariadb:
        rows = server.rows("SELECT User AS user, Host AS host, is_role FROM mysql.user")
        found = [(row['user'], None if row['is_role'] == 'Y' else row['host'], row['is_role'] == 'Y')
                 for row in rows]
        # MariaDB 10.11+: PUBLIC (every account) has a row only once something was granted to it; it is
        # always listed, so a grant to PUBLIC shows as a gained privilege, never as an account to drop.
        if server.dialect.version >= (10, 11, 0) and (PUBLIC, None, True) not in found:
            found.append((PUBLIC, None, True))
    else:
        rows = server.rows("SELECT User AS user, Host AS host FROM mysql.user")
        try:
            roles = set((row['user'], row['host']) for row in server.rows(
                "SELECT DISTINCT FROM_USER AS user, FROM_HOST AS host FROM mysql.role_edges"))
        except Exception:  # no SELECT on mysql.role_edges: roles are then listed as plain accounts
            roles = set()
        found = [(row['user'], row['host'], (row['user'], row['host']) in roles) for row in rows]
    return sorted(found, key=lambda item: (item[0], item[1] or ''))


def known_privileges(server):
    """Upper-case names of every privilege the server knows (SHOW PRIVILEGES, dynamic ones included)."""
    return sorted(set(str(row['Privilege']).upper() for row in server.rows('SHOW PRIVILEGES')))


def _first_value(rows):
    return list(rows[0].values())[0] if rows else None


def read_account(server, user, host, is_role, key=None):
    """One account: its grants and attributes; ``key`` (bytes) makes ``auth_fingerprint``."""
    if host is None:
        grant_rows = server.rows('SHOW GRANTS FOR %s', [user])  # PUBLIC without a row: no line, no error
        create = None
    else:
        grant_rows = server.rows('SHOW GRANTS FOR %s@%s', [user, host])
        create = _first_value(server.rows('SHOW CREATE USER %s@%s', [user, host])) if not is_role or \
            not server.dialect.is_mariadb else None
    lines = [_first_value([row]) for row in grant_rows]
    parsed = parse_show_grants(lines)
    attributes = parse_create_user(create)
    default_roles = parsed.pop('default_roles')
    if attributes.get('default_roles') is not None:
        default_roles = attributes['default_roles']
    attributes.pop('default_roles', None)
    found = secrets(create) + [s for line in lines for s in secrets(line)]
    attributes['auth_fingerprint'] = fingerprint(found, key) if key and found else None
    account = dict(user=user, host=host, is_role=bool(is_role),
                   default_roles=default_roles or [], attributes=attributes,
                   show_grants=[redact(line) for line in lines])
    account.update(parsed)
    return account


def fingerprint(found, key):
    """HMAC-SHA256 (hex, 32 characters) of an account's secret strings under ``key``."""
    digest = hmac.new(key, '\0'.join(found).encode('utf-8'), hashlib.sha256).hexdigest()
    return 'hmac-sha256:' + digest[:32]


def read_server(server, exclude=(), key=None, only=None):
    """Every account not excluded, as the snapshot document (``taken_at`` not set)."""
    if not server.dialect.is_mariadb:
        try:
            server.execute('SET SESSION print_identified_with_as_hex = ON')
        except Exception:  # before MySQL 8.0.17: the hash is printed as text and redacted all the same
            pass
    accounts = {}
    for user, host, is_role in list_accounts(server):
        name = account_key(user, host)
        if matches(name, user, exclude) and not matches(name, user, only):
            continue
        if only and not matches(name, user, only):
            continue
        accounts[name] = read_account(server, user, host, is_role, key)
    return dict(format=FORMAT, server=dict(flavor=server.dialect.flavor, version=server.version),
                known_privileges=known_privileges(server), excluded=sorted(exclude or []), accounts=accounts)


# -- the directory -------------------------------------------------------------------------------------


def comparable(document):
    """The document without what changes at every run (its time and its file name)."""
    return dict((k, v) for k, v in document.items() if k not in ('taken_at', 'file'))


def snapshot_files(directory):
    """Snapshot file names of ``directory``, oldest first."""
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    found = []
    for name in names:
        match = _FILE_RE.match(name)
        if match and os.path.isfile(os.path.join(directory, name)):
            found.append((match.group(1), int(match.group(2) or 0), name))
    return [name for _stamp, _n, name in sorted(found)]


def resolve(path):
    """The snapshot file ``path`` means: the file itself, or a directory's ``latest.json`` target (else its
    newest file). None when there is none."""
    if os.path.isdir(path):
        latest = os.path.join(path, LATEST)
        if os.path.isfile(latest):
            return os.path.realpath(latest)
        files = snapshot_files(path)
        return os.path.join(path, files[-1]) if files else None
    return path if os.path.isfile(path) else None


def load(path):
    """Read a snapshot file; raises SnapshotError when it is not one."""
    try:
        with open(path) as handle:
            document = json.load(handle)
    except (IOError, OSError, ValueError) as exc:
        raise SnapshotError('%s is not a readable grants snapshot (%s).' % (path, exc)) from None
    if not isinstance(document, dict) or document.get('format') != FORMAT:
        raise SnapshotError('%s is not a grants snapshot of this collection (format %r, expected %s).'
                            % (path, document.get('format') if isinstance(document, dict) else None, FORMAT))
    document['file'] = path
    return document


def fingerprint_key(directory, create=False):
    """The HMAC key of a snapshot directory (created 0600 when asked); None when there is none."""
    path = os.path.join(directory, KEY_FILE)
    try:
        with open(path, 'rb') as handle:
            return handle.read().strip() or None
    except (IOError, OSError):
        if not create:
            return None
    key = os.urandom(32).hex().encode('ascii')
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, 'wb') as handle:
        handle.write(key + b'\n')
    return key


def ensure_directory(directory):
    """Create the snapshot directory 0700 (parents too); tighten an existing one to 0700."""
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o700)
    if os.stat(directory).st_mode & 0o077:
        os.chmod(directory, 0o700)


def new_file_name(directory, now):
    stamp = now.strftime('%Y%m%dT%H%M%SZ')
    name = 'grants-%s.json' % stamp
    counter = 1
    while os.path.lexists(os.path.join(directory, name)):
        counter += 1
        name = 'grants-%s-%d.json' % (stamp, counter)
    return name


def write(directory, document, now=None):
    """Write ``document`` as a new versioned file (0600, atomic) and point ``latest.json`` at it."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    document = dict(comparable(document), taken_at=now.strftime('%Y-%m-%dT%H:%M:%SZ'))
    name = new_file_name(directory, now)
    final = os.path.join(directory, name)
    temp = os.path.join(directory, '.%s.tmp-%d' % (name, os.getpid()))
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, 'w') as handle:
        json.dump(document, handle, indent=1, sort_keys=True)
        handle.write('\n')
        handle.flush()
        os.fsync(handle.fileno())
    os.rename(temp, final)
    link_temp = os.path.join(directory, '.%s.tmp-%d' % (LATEST, os.getpid()))
    if os.path.lexists(link_temp):
        os.unlink(link_temp)
    os.symlink(name, link_temp)
    os.rename(link_temp, os.path.join(directory, LATEST))
    return final, document


def prune(directory, keep_last, protect=()):
    """Remove the oldest snapshot files beyond ``keep_last`` (never ``protect`` nor the latest); their names."""
    if not keep_last or keep_last < 1:
        return []
    files = snapshot_files(directory)
    latest = os.path.realpath(os.path.join(directory, LATEST))
    removed = []
    for name in files[:-keep_last] if len(files) > keep_last else []:
        path = os.path.join(directory, name)
        if name in protect or os.path.realpath(path) == latest:
            continue
        os.unlink(path)
        removed.append(name)
    return removed
