# -*- coding: utf-8 -*-
# Copyright: drkit.mysql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fencing: make a server stop (or resume) taking writes.

A fence is ``read_only=ON`` (plus ``super_read_only=ON`` on MySQL, which
also stops SUPER/CONNECTION_ADMIN accounts).  MariaDB has no
super_read_only: accounts holding READ_ONLY ADMIN (or SUPER before 10.11)
still write through read_only, which is why the fence can also kill the
client sessions that remain (``kill_sessions``).

``SET GLOBAL read_only = ON`` takes the global read lock: it waits for
write statements that are running (not for idle open transactions, whose
COMMIT then fails), and while it waits every new commit waits behind it.
The wait is therefore bounded with the session's ``lock_wait_timeout``;
on a timeout the running statements are either killed (when killing is
allowed) or named in the failure.

The decisions (which statements, which sessions, what to undo) are plain
functions tested without a server; ``apply_fence`` runs them on a
``server.Server``.

Stdlib only: this file runs on managed hosts with Python 3.8+.
"""

from __future__ import absolute_import, division, print_function

import re
import time

from ansible_collections.drkit.mysql.plugins.module_utils.connection import server_bool, server_int

__metaclass__ = type

FENCED = 'fenced'
UNFENCED = 'unfenced'

# kill_sessions values: never, only when the fence changed read_only, on every run.
KILL_NEVER = 'false'
KILL_ON_CHANGE = 'true'
KILL_ALWAYS = 'always'
KILL_CHOICES = (KILL_NEVER, KILL_ON_CHANGE, KILL_ALWAYS)

INFO_MAX = 100

# Threads that belong to the server itself or to replication, never killed.
_SYSTEM_USERS = ('system user', 'event_scheduler')
_SYSTEM_COMMANDS = ('daemon', 'binlog dump', 'binlog dump gtid', 'slave_io', 'slave_sql', 'slave_worker',
                    'register slave')

_LOCK_WAIT_TIMEOUT = 1205
_UNKNOWN_THREAD = 1094

_STRING_LITERAL_RE = re.compile(r"'(?:[^'\\]|\\.|'')*'|\"(?:[^\"\\]|\\.|\"\")*\"")
_WHITESPACE_RE = re.compile(r'\s+')


class FenceError(Exception):
    """Fencing failed; ``str()`` is the one sentence to show."""


# --------------------------------------------------------------------------
# state
# --------------------------------------------------------------------------

def fence_variables(dialect):
    """Variables that make up the fence on this dialect."""
    if dialect.has_super_read_only:
        return ['read_only', 'super_read_only']
    return ['read_only']


def parse_fence_state(dialect, variables):
    """``{'read_only': bool, 'super_read_only': bool or None}`` from SHOW GLOBAL VARIABLES output.

    super_read_only is None where the dialect has none (MariaDB).
    """
    state = dict(read_only=server_bool(variables.get('read_only')), super_read_only=None)
    if dialect.has_super_read_only:
        state['super_read_only'] = server_bool(variables.get('super_read_only'))
    return state


def read_fence_state(server):
    """The live fence state of ``server`` (variables read in a statement of their own)."""
    return parse_fence_state(server.dialect, server.variables(fence_variables(server.dialect)))


def desired_state(dialect, state, super_read_only=True):
    """The fence state ``state`` ('fenced'/'unfenced') stands for on this dialect."""
    if state not in (FENCED, UNFENCED):
        raise ValueError('state must be fenced or unfenced, got %r.' % (state,))
    fenced = state == FENCED
    desired = dict(read_only=fenced, super_read_only=None)
    if dialect.has_super_read_only:
        desired['super_read_only'] = bool(fenced and super_read_only)
    return desired


def fence_statements(dialect, current, desired):
    """The SET GLOBAL statements that turn ``current`` into ``desired``, in order.

    MySQL: super_read_only ON implies read_only ON, so enabling it is one
    statement; read_only cannot go OFF while super_read_only is ON, so
    super_read_only goes OFF first.  Nothing is returned for a variable
    that already has its value.
    """
    statements = []
    if dialect.has_super_read_only:
        if desired['super_read_only'] and not current.get('super_read_only'):
            return ['SET GLOBAL super_read_only = ON']
        if not desired['super_read_only'] and current.get('super_read_only'):
            statements.append('SET GLOBAL super_read_only = OFF')
            current = dict(current, super_read_only=False)
    if desired['read_only'] and not current.get('read_only'):
        statements.append('SET GLOBAL read_only = ON')
    elif not desired['read_only'] and current.get('read_only'):
        statements.append('SET GLOBAL read_only = OFF')
    return statements


def state_name(dialect, fence):
    """'fenced' when the server refuses ordinary writes, else 'unfenced'."""
    return FENCED if fence.get('read_only') else UNFENCED


def undo_args(dialect, before):
    """Module arguments that bring the server back to ``before``.

    Passing them to drkit.mysql.fence restores the fence variables exactly
    (killed sessions cannot be brought back); when nothing changed they name
    the current state, so passing them back is a no-op.
    """
    args = dict(state=state_name(dialect, before))
    if dialect.has_super_read_only and before.get('read_only'):
        args['super_read_only'] = bool(before.get('super_read_only'))
    return args


def describe_fence(dialect, fence):
    """``read_only=ON\\nsuper_read_only=ON\\n`` text for the diff."""
    lines = ['read_only=%s' % ('ON' if fence.get('read_only') else 'OFF')]
    if dialect.has_super_read_only:
        lines.append('super_read_only=%s' % ('ON' if fence.get('super_read_only') else 'OFF'))
    return '\n'.join(lines) + '\n'


def fence_diff(dialect, before, after, target=None):
    """The ``diff`` result: before/after text of the fence variables."""
    diff = dict(before=describe_fence(dialect, before), after=describe_fence(dialect, after))
    if target:
        diff['before_header'] = diff['after_header'] = target
    return diff


# --------------------------------------------------------------------------
# sessions
# --------------------------------------------------------------------------

def _text(value):
    if isinstance(value, bytes):
        return value.decode('utf-8', 'replace')
    return value


def mask_statement(info, limit=INFO_MAX):
    """Statement text safe to report: quoted literals become '?', at most ``limit`` characters.

    Literals carry the data (names, card numbers, passwords in ALTER USER);
    the shape of the statement is what an operator needs.
    """
    info = _text(info)
    if info is None:
        return None
    text = _WHITESPACE_RE.sub(' ', _STRING_LITERAL_RE.sub("'?'", str(info))).strip()
    if len(text) > limit:
        text = text[:limit - 3] + '...'
    return text


def normalize_session(row):
    """A SHOW FULL PROCESSLIST row as ``{id, user, host, db, command, time, state, info}``."""
    lowered = dict((str(_text(k)).lower(), _text(v)) for k, v in row.items())
    return dict(
        id=server_int(lowered.get('id')),
        user=lowered.get('user'),
        host=lowered.get('host'),
        db=lowered.get('db'),
        command=lowered.get('command'),
        time=server_int(lowered.get('time')),
        state=lowered.get('state') or '',
        info=mask_statement(lowered.get('info')),
    )


def is_system_session(session):
    """Replication and server threads: system user, event scheduler, Binlog Dump*, replica threads."""
    user = (session.get('user') or '').strip().lower()
    command = (session.get('command') or '').strip().lower()
    return user in _SYSTEM_USERS or command in _SYSTEM_COMMANDS


def sessions_to_kill(sessions, own_id, keep_users=()):
    """The client sessions a fence kills: everything but replication/system threads,
    this module's own connection and sessions of ``keep_users`` (plain user names)."""
    keep = set(u.strip() for u in (keep_users or ()) if u and u.strip())
    chosen = []
    for session in sessions:
        if session.get('id') is None or session['id'] == own_id:
            continue
        if is_system_session(session):
            continue
        if (session.get('user') or '') in keep:
            continue
        if (session.get('command') or '').strip().lower() == 'killed':
            continue
        chosen.append(session)
    return sorted(chosen, key=lambda s: s['id'])


def running_writers(sessions, own_id, keep_users=()):
    """Killable sessions executing a statement now (what SET GLOBAL read_only waits for)."""
    return [s for s in sessions_to_kill(sessions, own_id, keep_users)
            if (s.get('command') or '').strip().lower() in ('query', 'execute')]


_TRUE_WORDS = ('true', 'yes', 'on', '1', 'y', 't')
_FALSE_WORDS = ('false', 'no', 'off', '0', 'n', 'f', '')


def normalize_kill_sessions(value):
    """The ``kill_sessions`` option as 'false', 'true' or 'always'.

    Accepts booleans and their usual spellings (``yes``, ``on``, ``1``, as a
    ``key=value`` argument gives them) besides ``always``; raises ValueError
    for anything else.
    """
    if value is None or value is False:
        return KILL_NEVER
    if value is True:
        return KILL_ON_CHANGE
    text = str(value).strip().lower()
    if text == KILL_ALWAYS:
        return KILL_ALWAYS
    if text in _TRUE_WORDS:
        return KILL_ON_CHANGE
    if text in _FALSE_WORDS:
        return KILL_NEVER
    raise ValueError('kill_sessions must be true, false or always, got %r.' % (value,))


def should_kill(kill_sessions, state, fence_changed):
    """Whether this run kills sessions: only when fencing, and per ``kill_sessions``."""
    if state != FENCED or kill_sessions in (None, False, KILL_NEVER):
        return False
    if kill_sessions == KILL_ALWAYS:
        return True
    if kill_sessions in (True, KILL_ON_CHANGE):
        return bool(fence_changed)
    raise ValueError('kill_sessions must be one of %s, got %r.' % (', '.join(KILL_CHOICES), kill_sessions))


def describe_sessions(sessions, limit=3):
    """``session 17 (shop_app@127.0.0.1:5544, Query 3 s: INSERT ...)`` for up to ``limit`` sessions."""
    parts = []
    for session in sessions[:limit]:
        detail = '%s %s s' % (session.get('command'), session.get('time'))
        if session.get('info'):
            detail += ': %s' % session['info']
        parts.append('session %s (%s@%s, %s)' % (session['id'], session.get('user'), session.get('host'), detail))
    if len(sessions) > limit:
        parts.append('%d more' % (len(sessions) - limit))
    return ', '.join(parts)


def plan_text(dialect, statements, kill_list, target):
    """Human-readable steps, one string each."""
    plan = ['%s on %s' % (statement, target) for statement in statements]
    for session in kill_list:
        plan.append('KILL CONNECTION %s (%s@%s, %s)'
                    % (session['id'], session.get('user'), session.get('host'), session.get('command')))
    return plan


# --------------------------------------------------------------------------
# running it on a server
# --------------------------------------------------------------------------

def list_sessions(server):
    """Every session of SHOW FULL PROCESSLIST, normalised (info masked)."""
    return [normalize_session(row) for row in server.rows('SHOW FULL PROCESSLIST')]


def own_connection_id(server):
    rows = server.rows('SELECT CONNECTION_ID() AS id')
    return server_int(rows[0]['id']) if rows else None


def _error_code(exc):
    args = getattr(exc, 'args', ())
    return args[0] if args and isinstance(args[0], int) else None


def _error_text(exc):
    args = getattr(exc, 'args', ())
    return str(args[1] if len(args) > 1 else exc).rstrip('.')


def kill_sessions_now(server, sessions):
    """KILL CONNECTION each session; returns the sessions with ``result`` killed/gone."""
    done = []
    for session in sessions:
        entry = dict(session)
        try:
            server.execute('KILL CONNECTION %s', (session['id'],))
            entry['result'] = 'killed'
        except Exception as exc:
            if _error_code(exc) == _UNKNOWN_THREAD:
                entry['result'] = 'gone'  # it ended by itself in between
            else:
                raise FenceError('Killing session %s (%s@%s) on %s failed: %s; the fencing account needs '
                                 'CONNECTION ADMIN (MariaDB 10.5+, MySQL 8.0) or SUPER.'
                                 % (session['id'], session.get('user'), session.get('host'), server.target,
                                    _error_text(exc))) from None
        done.append(entry)
    return done


def _set_fence(server, statements, own_id, keep_users, may_kill, timeout):
    """Run the SET GLOBAL statements, bounded by ``timeout``; returns sessions killed to unblock them."""
    killed = []
    if not statements:
        return killed
    server.execute('SET SESSION lock_wait_timeout = %s', (max(1, int(timeout)),))
    for statement in statements:
        try:
            server.execute(statement)
            continue
        except Exception as exc:
            if _error_code(exc) != _LOCK_WAIT_TIMEOUT:
                raise FenceError('%s on %s failed: %s; the account needs READ_ONLY ADMIN (MariaDB 10.11), '
                                 'SYSTEM_VARIABLES_ADMIN (MySQL 8) or SUPER.'
                                 % (statement, server.target, _error_text(exc))) from None
        blockers = running_writers(list_sessions(server), own_id, keep_users)
        if not may_kill:
            raise FenceError('%s on %s waited %s s for running statements and gave up: %s; let them finish, '
                             'raise timeout, or set kill_sessions.'
                             % (statement, server.target, timeout,
                                describe_sessions(blockers) or 'no client statement is running now'))
        killed.extend(kill_sessions_now(server, blockers))
        try:
            server.execute(statement)
        except Exception as exc:
            raise FenceError('%s on %s failed again after killing %d running statement(s): %s.'
                             % (statement, server.target, len(blockers), _error_text(exc))) from None
    return killed


def apply_fence(server, state, kill_sessions=KILL_NEVER, keep_users=(), super_read_only=True, timeout=10,
                check_mode=False):
    """Fence or unfence ``server``; returns the module result (without ``failed``).

    Raises FenceError with a one-sentence reason.
    """
    dialect = server.dialect
    started = time.monotonic()
    before = read_fence_state(server)
    desired = desired_state(dialect, state, super_read_only)
    statements = fence_statements(dialect, before, desired)
    killing = should_kill(normalize_kill_sessions(kill_sessions), state, bool(statements))
    own_id = own_connection_id(server) if killing or statements else None
    kill_list = sessions_to_kill(list_sessions(server), own_id, keep_users) if killing else []

    result = dict(
        target=server.target,
        flavor=dialect.flavor,
        state=state,
        before=before,
        statements=statements,
        plan=plan_text(dialect, statements, kill_list, server.target),
        undo=undo_args(dialect, before),
        killed=[],
        fence_seconds=0.0,
    )
    if check_mode:
        expected = dict(desired) if statements else dict(before)
        result['gtid_executed'] = str(server.executed_gtid())
        result.update(after=expected, killed=[dict(s, result='would kill') for s in kill_list],
                      changed=bool(statements or kill_list), diff=fence_diff(dialect, before, expected, server.target),
                      elapsed_seconds=round(time.monotonic() - started, 4))
        return result

    fence_started = time.monotonic()
    killed = _set_fence(server, statements, own_id, keep_users, killing, timeout)
    result['fence_seconds'] = round(time.monotonic() - fence_started, 4)
    if killing:
        # Sessions that connected while the fence went up are still on the list;
        # the statements they could run now fail (or, for READ_ONLY ADMIN holders, must not run).
        already = set(s['id'] for s in killed)
        remaining = [s for s in sessions_to_kill(list_sessions(server), own_id, keep_users) if s['id'] not in already]
        killed.extend(kill_sessions_now(server, remaining))
    after = read_fence_state(server)
    if after['read_only'] != desired['read_only'] or (
            dialect.has_super_read_only and after['super_read_only'] != desired['super_read_only']):
        now = describe_fence(dialect, after).strip().replace('\n', ', ')
        raise FenceError('%s has %s right after fencing it to %s; another session changed it back, so find what '
                         'else manages read_only there.' % (server.target, now, state))
    result.update(after=after, killed=killed, changed=bool(statements or killed),
                  diff=fence_diff(dialect, before, after, server.target),
                  elapsed_seconds=round(time.monotonic() - started, 4))
    # Read after the fence and the kills: nothing can commit here any more, so this is the
    # complete set a promoted server must contain.
    result['gtid_executed'] = str(server.executed_gtid())
    return result
