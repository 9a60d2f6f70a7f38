# -*- coding: utf-8 -*-
# Copyright: drkit.mysql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Point a server at a replication source (or stop/remove replication), with GTIDs.

The decision is made from the live replica status, so a second run with the
same inputs changes nothing:

* already replicating from ``host:port`` as ``user`` with GTID
  auto-positioning and both threads running: nothing to do;
* configured for that source but stopped cleanly: START only;
* anything else (another source, another user, file/position replication,
  an IO thread stuck on an error, e.g. a wrong password): STOP, CHANGE
  MASTER / CHANGE REPLICATION SOURCE with GTID auto-positioning, START.

MariaDB, former primary: a replica asks its source for everything after
``@@gtid_slave_pos`` (MASTER_USE_GTID=slave_pos), but a server that was a
primary recorded its own transactions in ``@@gtid_binlog_pos`` only, and its
gtid_slave_pos is empty or old.  Started as is, it would ask the new source
for transactions it already has and fail on the first one (strict mode:
out-of-order sequence number).  So before START, whenever gtid_binlog_pos
is ahead of gtid_slave_pos, gtid_slave_pos is set to the union of both.
(MASTER_USE_GTID=current_pos would do the same implicitly, but it keeps
following every local write afterwards; slave_pos plus an explicit, planned
and reported correction is what MariaDB recommends.)

Every step is a ``Step`` with the text shown in check mode; SQL values
(host, user, password, GTID positions) only travel as parameters and the
password never appears in a step text.

Stdlib only: this file runs on managed hosts with Python 3.8+.
"""

from __future__ import absolute_import, division, print_function

import re
import time
from collections import namedtuple

from ansible_collections.drkit.mysql.plugins.module_utils.fencing import (
    desired_state,
    fence_statements,
    read_fence_state,
)
from ansible_collections.drkit.mysql.plugins.module_utils.flavor import DialectError
from ansible_collections.drkit.mysql.plugins.module_utils.gtid import (
    GtidError,
    describe_missing,
    parse_gtid_set,
)

__metaclass__ = type

RUNNING = 'running'
STOPPED = 'stopped'
ABSENT = 'absent'
STATES = (RUNNING, STOPPED, ABSENT)

# decide_action() answers
NOTHING = 'none'
START = 'start'
CHANGE = 'change'
STOP = 'stop'
RESET = 'reset'

# Step kinds
SQL = 'sql'
WAIT_IO = 'wait_io'
WAIT_GTID = 'wait_gtid'

# How often the replica status is polled while waiting, and for how long
# threads must stay up after they first report running (MariaDB shows the IO
# thread "Yes" for a moment before the source refuses a GTID it lacks).
POLL_SECONDS = 0.1
SETTLE_SECONDS = 0.5
# MariaDB keeps the previous Last_IO_Error until the IO thread connects, so an
# error identical to the one seen before START only counts after this long.
STALE_ERROR_GRACE = 5.0

_IO_MESSAGE_RE = re.compile(r'message:\s*(.*)$', re.S)

Step = namedtuple('Step', 'kind text sql params')


class ReplicaError(Exception):
    """Replication could not be set up as asked; ``str()`` is the one sentence to show."""


# --------------------------------------------------------------------------
# reading the current state
# --------------------------------------------------------------------------

def default_channel(statuses):
    """The default channel's normalised status, or None on a server that is no replica."""
    statuses = [s for s in (statuses or []) if s]
    for status in statuses:
        if not status.get('channel'):
            return status
    return None


def thread_state(status):
    """'absent', 'running', 'stopped' or 'partial' (one thread running)."""
    if not status:
        return ABSENT
    io = (status.get('io_running') or '').strip().lower()
    sql = bool(status.get('sql_thread_running'))
    io_up = io in ('yes', 'connecting')
    if io_up and sql:
        return RUNNING
    if not io_up and not sql:
        return STOPPED
    return 'partial'


def gtid_mode_text(dialect, status):
    """How the channel positions itself: 'slave_pos', 'current_pos', 'auto_position' or 'no'."""
    if not status:
        return None
    if dialect.is_mariadb:
        using = (status.get('using_gtid') or 'No').strip().lower()
        return using if using in ('slave_pos', 'current_pos') else 'no'
    return 'auto_position' if status.get('auto_position') else 'no'


def describe_source(dialect, status):
    """The part of the replica status a person (and the diff) cares about."""
    if not status:
        return dict(host=None, port=None, user=None, gtid=None, io_running=None, sql_running=None,
                    state=ABSENT, last_io_errno=None, last_io_error=None, last_sql_errno=None, last_sql_error=None)
    return dict(
        host=status.get('source_host'),
        port=status.get('source_port'),
        user=status.get('source_user'),
        gtid=gtid_mode_text(dialect, status),
        io_running=status.get('io_running'),
        sql_running=status.get('sql_running'),
        state=thread_state(status),
        last_io_errno=status.get('last_io_errno') or 0,
        last_io_error=status.get('last_io_error') or '',
        last_sql_errno=status.get('last_sql_errno') or 0,
        last_sql_error=status.get('last_sql_error') or '',
    )


def source_label(host, port):
    return '%s:%s' % (host, port)


def same_source(current, host, port, user=None):
    """Does ``current`` (describe_source) name this host:port (and user, when given)?"""
    if not current or current.get('state') == ABSENT:
        return False
    if (current.get('host') or '').lower() != (host or '').lower() or current.get('port') != port:
        return False
    return user is None or current.get('user') == user


def decide_action(current, state, host=None, port=None, user=None):
    """``(action, reason)`` turning ``current`` (describe_source) into ``state``.

    action is one of NOTHING, START, CHANGE (stop + change + start), STOP,
    RESET (stop + reset all); reason is a short phrase for the plan.
    """
    current_state = (current or {}).get('state', ABSENT)
    if state == ABSENT:
        if current_state == ABSENT:
            return NOTHING, 'not a replica'
        return RESET, 'replication is configured (%s)' % current_state
    if state == STOPPED:
        if current_state in (ABSENT, STOPPED):
            return NOTHING, 'replication is %s' % ('not configured' if current_state == ABSENT else 'stopped')
        return STOP, 'replication is %s' % current_state
    if state != RUNNING:
        raise ValueError('state must be one of %s, got %r.' % (', '.join(STATES), state))
    if current_state == ABSENT:
        return CHANGE, 'not a replica yet'
    if not same_source(current, host, port):
        return CHANGE, 'replicates from %s' % source_label(current.get('host'), current.get('port'))
    if current.get('user') != user:
        return CHANGE, 'replicates as user %s' % current.get('user')
    if current.get('gtid') in (None, 'no'):
        return CHANGE, 'replicates by binlog file/position, not GTID'
    io = (current.get('io_running') or '').strip().lower()
    if current.get('last_io_errno') and io != 'yes':
        return CHANGE, 'the IO thread is failing (error %s)' % current['last_io_errno']
    if current_state == RUNNING:
        return NOTHING, 'already replicates from %s with GTID' % source_label(host, port)
    return START, 'configured for %s but %s' % (source_label(host, port), current_state)


def gtid_slave_pos_fix(binlog_pos, slave_pos):
    """MariaDB: the gtid_slave_pos to set before START, or None when it is already right.

    When this server binlogged transactions its gtid_slave_pos does not
    include (it was a primary, or took local writes), START with
    MASTER_USE_GTID=slave_pos would ask the source for them again.  The
    answer is both positions merged (highest seq_no of each domain).
    """
    binlog = parse_gtid_set(binlog_pos or '', 'mariadb')
    slave = parse_gtid_set(slave_pos or '', 'mariadb')
    if binlog.is_empty() or binlog.is_subset(slave):
        return None
    return str(slave.union(binlog))


def applied_gtid_variable(dialect):
    """The set of transactions a replica applied: gtid_slave_pos (MariaDB) or gtid_executed (MySQL)."""
    return dialect.replica_gtid_variable or dialect.executed_gtid_variable


def wait_gtid_sql(dialect, gtid, timeout):
    """``(sql, params)`` that blocks until ``gtid`` is applied or ``timeout`` seconds pass.

    MariaDB MASTER_GTID_WAIT returns 0 (reached) or -1 (timeout) and follows
    gtid_slave_pos; MySQL WAIT_FOR_EXECUTED_GTID_SET (5.7.5+) returns 0 or 1.
    """
    if dialect.is_mariadb:
        return 'SELECT MASTER_GTID_WAIT(%s, %s) AS reached', (gtid, timeout)
    return 'SELECT WAIT_FOR_EXECUTED_GTID_SET(%s, %s) AS reached', (gtid, timeout)


def wait_reached(value):
    """Both wait functions return 0 when the set is reached; -1/1 on timeout, NULL on bad input."""
    try:
        return int(value) == 0
    except (TypeError, ValueError):
        return False


def normalize_gtid_text(dialect, text):
    """Check ``wait_for_gtid`` and strip whitespace; raises ReplicaError on bad text."""
    cleaned = re.sub(r'\s+', '', text or '')
    try:
        parsed = parse_gtid_set(cleaned, dialect.flavor)
    except GtidError as exc:
        raise ReplicaError('wait_for_gtid %r is not a %s GTID %s: %s'
                           % (text, dialect.flavor, 'position' if dialect.is_mariadb else 'set', exc)) from None
    if dialect.is_mariadb and '..' in cleaned:
        raise ReplicaError('wait_for_gtid %r must be a GTID position (domain-server_id-seq_no, ...), '
                           'not a range.' % text)
    return cleaned, parsed


# --------------------------------------------------------------------------
# messages
# --------------------------------------------------------------------------

def _io_message(error):
    """The server's reason inside MariaDB's 'error connecting to master ... message: X'."""
    match = _IO_MESSAGE_RE.search(error or '')
    text = (match.group(1) if match else (error or '')).strip()
    return re.sub(r'\s+', ' ', text).rstrip('.')


def _io_advice(errno, error):
    lowered = (error or '').lower()
    if errno == 1045 or 'access denied' in lowered:
        return 'check source_user/source_password and that the account has REPLICATION SLAVE on the source'
    if errno == 1236:
        return ('the source no longer has, or never had, a transaction this replica asks for (purged binlogs or '
                'transactions only this server has), so compare GTID sets before repointing')
    if errno in (2003, 2005, 2013) or "can't connect" in lowered or 'connection refused' in lowered:
        return 'check that the source is running and reachable on that host and port'
    return 'see the error log of both servers'


def io_failure_message(target, source, status):
    """One sentence for a failing IO thread; ``status`` is describe_source output."""
    errno = status.get('last_io_errno') or 0
    error = status.get('last_io_error') or ''
    if not errno and not error:
        return ('%s cannot replicate from %s: the IO thread is %s without an error yet; check that the source '
                'is reachable.' % (target, source, status.get('io_running') or 'not running'))
    return ('%s cannot replicate from %s: the IO thread failed with error %s (%s); %s.'
            % (target, source, errno, _io_message(error), _io_advice(errno, error)))


def sql_failure_message(target, source, status):
    errno = status.get('last_sql_errno') or 0
    error = re.sub(r'\s+', ' ', status.get('last_sql_error') or '').strip().rstrip('.')
    return ('%s stopped applying what it fetched from %s: the SQL thread failed with error %s (%s); fix the '
            'cause (often a transaction that exists only on one side) before starting it again.'
            % (target, source, errno, error or 'no message'))


# --------------------------------------------------------------------------
# the plan
# --------------------------------------------------------------------------

def change_statement_name(dialect):
    sql, _params = dialect.change_source_sql('h', 1, 'u', '')
    return sql.split(' TO ', 1)[0]


def change_step(dialect, host, port, user, password, ssl=None):
    sql, params = dialect.change_source_sql(host, port, user, password, auto_position=True, ssl=ssl,
                                            get_source_public_key=ssl is None)
    how = 'GTID slave_pos' if dialect.is_mariadb else 'GTID auto-position'
    text = '%s to %s as %s (%s%s)' % (change_statement_name(dialect), source_label(host, port), user, how,
                                      ', TLS' if ssl else '')
    return Step(SQL, text, sql, params)


def build_plan(dialect, target, action, reason, fence=(), host=None, port=None, user=None, password=None,
               ssl=None, slave_pos_fix=None, slave_pos_before=None, wait_for=None, timeout=60,
               threads_running=False):
    """The ordered steps for ``action`` (see decide_action).

    ``fence`` holds the read_only statements to run first; ``wait_for`` a
    GTID text to wait for (after START when running, before stopping).
    ``threads_running`` tells whether STOP is needed before a CHANGE.
    """
    steps = [Step(SQL, '%s on %s (a replica must not take writes)' % (statement, target), statement, None)
             for statement in fence]
    wait = None
    if wait_for:
        wait = Step(WAIT_GTID, 'wait up to %s s until %s has applied %s' % (timeout, target, wait_for), None,
                    (wait_for, timeout))
    source = source_label(host, port) if host else None
    if action in (STOP, RESET):
        if wait:
            steps.append(wait)
        if threads_running:
            steps.append(Step(SQL, '%s on %s (%s)' % (dialect.stop_replica_sql, target, reason),
                              dialect.stop_replica_sql, None))
        if action == RESET:
            steps.append(Step(SQL, '%s on %s (forget the source)' % (dialect.reset_replica_all_sql, target),
                              dialect.reset_replica_all_sql, None))
        return steps
    if action in (START, CHANGE):
        # CHANGE and gtid_slave_pos both need the threads stopped.
        if threads_running and (action == CHANGE or slave_pos_fix):
            steps.append(Step(SQL, '%s on %s (%s)' % (dialect.stop_replica_sql, target, reason),
                              dialect.stop_replica_sql, None))
        if action == CHANGE:
            steps.append(change_step(dialect, host, port, user, password, ssl))
        if slave_pos_fix:
            steps.append(Step(SQL, "SET GLOBAL gtid_slave_pos = '%s' (gtid_binlog_pos is ahead of gtid_slave_pos "
                                   "'%s': the source must not be asked again for transactions this server "
                                   "already has, e.g. from its time as a primary)"
                              % (slave_pos_fix, slave_pos_before or ''),
                              'SET GLOBAL gtid_slave_pos = %s', (slave_pos_fix,)))
        start_text = '%s on %s' % (dialect.start_replica_sql, target)
        if action == START:
            start_text += ' (%s)' % reason
        steps.append(Step(SQL, start_text, dialect.start_replica_sql, None))
        steps.append(Step(WAIT_IO, 'wait up to %s s for the IO thread to connect to %s' % (timeout, source),
                          None, (source, timeout)))
    if wait:
        steps.append(wait)
    return steps


def plan_diff(dialect, target, before, after, read_only_before=None, read_only_after=None):
    """``diff`` result: source, user, GTID mode and thread state as text."""
    def text(source, read_only):
        if not source or source.get('state') == ABSENT:
            lines = ['source=none', 'state=absent']
        else:
            lines = ['source=%s' % source_label(source.get('host'), source.get('port')),
                     'user=%s' % source.get('user'), 'gtid=%s' % source.get('gtid'),
                     'state=%s' % source.get('state')]
        if read_only is not None:
            lines.append('read_only=%s' % ('ON' if read_only else 'OFF'))
        return '\n'.join(lines) + '\n'
    return dict(before=text(before, read_only_before), after=text(after, read_only_after),
                before_header=target, after_header=target)


def expected_source(dialect, before, action, host=None, port=None, user=None):
    """What describe_source should say once ``action`` has run (the check-mode ``after``)."""
    if action == NOTHING:
        return dict(before)
    if action == RESET:
        return describe_source(dialect, None)
    if action == STOP:
        return dict(before, io_running='No', sql_running='No', state=STOPPED)
    expected = dict(before, io_running='Yes', sql_running='Yes', state=RUNNING, last_io_errno=0, last_io_error='',
                    last_sql_errno=0, last_sql_error='')
    if action == CHANGE:
        expected.update(host=host, port=port, user=user,
                        gtid='slave_pos' if dialect.is_mariadb else 'auto_position')
    return expected


# --------------------------------------------------------------------------
# running it on a server
# --------------------------------------------------------------------------

def current_source(server):
    return describe_source(server.dialect, default_channel(server.replica_status()))


def applied_gtid(server):
    name = applied_gtid_variable(server.dialect)
    return server.variables([name]).get(name, '') or ''


def _error_text(exc):
    args = getattr(exc, 'args', ())
    return str(args[1] if len(args) > 1 else exc).rstrip('.')


def wait_for_io(server, source, timeout, previous_error=None, clock=time.monotonic, sleep=time.sleep):
    """Wait until both threads run and stay up; raise ReplicaError on failure or timeout.

    ``previous_error`` is the (errno, text) shown before START: MariaDB keeps
    showing it until the IO thread connects, so that same error only counts
    once STALE_ERROR_GRACE has passed.
    """
    started = clock()
    deadline = started + timeout
    up_since = None
    while True:
        status = current_source(server)
        io = (status.get('io_running') or '').strip().lower()
        now = clock()
        if status['state'] == ABSENT:
            raise ReplicaError('%s lost its replication configuration while starting it.' % server.target)
        if status.get('last_sql_errno') and not status.get('sql_running') == 'Yes':
            raise ReplicaError(sql_failure_message(server.target, source, status))
        if io == 'yes' and status.get('sql_running') == 'Yes':
            if up_since is None:
                up_since = now
            if now - up_since >= SETTLE_SECONDS:
                return round(now - started, 3)
        else:
            up_since = None
            error = (status.get('last_io_errno') or 0, status.get('last_io_error') or '')
            fresh = error[0] and error != tuple(previous_error or (0, ''))
            stale_too_long = error[0] and now - started >= min(STALE_ERROR_GRACE, timeout)
            if io == 'no' or fresh or stale_too_long:
                raise ReplicaError(io_failure_message(server.target, source, status))
        if now >= deadline:
            raise ReplicaError('%s did not connect to %s within %s s: the IO thread is %s; %s'
                               % (server.target, source, timeout, status.get('io_running'),
                                  'check that the source is reachable and raise timeout if it is slow.'))
        sleep(POLL_SECONDS)


def wait_for_gtid(server, gtid_text, wanted, timeout):
    """Block until ``wanted`` is applied; ReplicaError naming what is missing on timeout."""
    sql, params = wait_gtid_sql(server.dialect, gtid_text, timeout)
    rows = server.rows(sql, params)
    value = list(rows[0].values())[0] if rows else None
    if wait_reached(value):
        return
    applied = parse_gtid_set(applied_gtid(server), server.dialect.flavor)
    if wanted.is_subset(applied):
        return  # reached in the last moment
    raise ReplicaError('%s has not applied %s within %s s: %s (applied %s).'
                       % (server.target, gtid_text, timeout, describe_missing(applied, wanted), applied or 'nothing'))


def _ssl_dict(options):
    ssl = {}
    for key in ('ca', 'cert', 'key'):
        if options.get('source_ssl_' + key):
            ssl[key] = options['source_ssl_' + key]
    return ssl or None


def manage_replica(server, options, check_mode=False):
    """Bring replication of ``server`` to ``options['state']``; returns the module result.

    ``options`` holds the module parameters (source_host, source_port,
    source_user, source_password, source_ssl_*, state, wait_for_gtid,
    timeout, read_only).  Raises ReplicaError with a one-sentence reason.
    """
    dialect = server.dialect
    started = time.monotonic()
    state = options.get('state') or RUNNING
    host, port, user = options.get('source_host'), options.get('source_port') or 3306, options.get('source_user')
    timeout = options.get('timeout') or 60
    before = current_source(server)
    action, reason = decide_action(before, state, host, port, user)

    fence = []
    fence_before = fence_after = None
    if state == RUNNING and options.get('read_only', True):
        fence_before = read_fence_state(server)
        fence = fence_statements(dialect, fence_before, desired_state(dialect, 'fenced'))
        fence_after = dict(fence_before, **desired_state(dialect, 'fenced')) if fence else fence_before

    wait_text = wanted = None
    wait_pending = False
    if options.get('wait_for_gtid'):
        wait_text, wanted = normalize_gtid_text(dialect, options['wait_for_gtid'])
        applied_now = parse_gtid_set(applied_gtid(server), dialect.flavor)
        wait_pending = not wanted.is_subset(applied_now)
        if wait_pending and state != RUNNING and before.get('sql_running') != 'Yes':
            raise ReplicaError('%s cannot apply %s while replication is %s: %s, and nothing would apply it.'
                               % (server.target, wait_text, before['state'], describe_missing(applied_now, wanted)))

    slave_pos_fix = slave_pos_before = None
    if dialect.is_mariadb and action in (START, CHANGE):
        positions = server.variables(['gtid_binlog_pos', 'gtid_slave_pos'])
        slave_pos_before = positions.get('gtid_slave_pos', '')
        slave_pos_fix = gtid_slave_pos_fix(positions.get('gtid_binlog_pos'), slave_pos_before)

    if action == CHANGE and options.get('source_password') is None:
        raise ReplicaError('source_password is needed to point %s at %s (%s).'
                           % (server.target, source_label(host, port), reason))
    try:
        steps = build_plan(dialect, server.target, action, reason, fence=fence, host=host, port=port, user=user,
                           password=options.get('source_password') if action == CHANGE else None,
                           ssl=_ssl_dict(options), slave_pos_fix=slave_pos_fix, slave_pos_before=slave_pos_before,
                           wait_for=wait_text if wait_pending else None, timeout=timeout,
                           threads_running=before['state'] not in (ABSENT, STOPPED))
    except DialectError as exc:
        raise ReplicaError('Cannot point %s at %s: %s' % (server.target, source_label(host, port), exc)) from None

    expected = expected_source(dialect, before, action, host, port, user)

    result = dict(
        target=server.target,
        flavor=dialect.flavor,
        state=state,
        action=action,
        reason=reason,
        plan=[step.text for step in steps],
        changed=any(step.kind == SQL for step in steps),
        source=dict(before=before, after=expected),
        read_only=dict(before=(fence_before or {}).get('read_only'), after=(fence_after or {}).get('read_only')),
    )
    if check_mode:
        result.update(gtid_applied=applied_gtid(server), elapsed_seconds=round(time.monotonic() - started, 4),
                      diff=plan_diff(dialect, server.target, before, expected,
                                     result['read_only']['before'], result['read_only']['after']))
        return result

    timings = {}
    previous_error = (before.get('last_io_errno') or 0, before.get('last_io_error') or '')
    for step in steps:
        if step.kind == SQL:
            if step.sql == dialect.start_replica_sql:
                now = current_source(server)
                previous_error = (now.get('last_io_errno') or 0, now.get('last_io_error') or '')
            params = step.params
            if step.sql == 'SET GLOBAL gtid_slave_pos = %s':
                # The plan read the positions while replication still ran; with the threads stopped they
                # may have moved on, and a stale value would make the SQL thread apply transactions twice
                # (error 1950 in strict mode). Decide again from what is true now.
                positions = server.variables(['gtid_binlog_pos', 'gtid_slave_pos'])
                fresh = gtid_slave_pos_fix(positions.get('gtid_binlog_pos'), positions.get('gtid_slave_pos', ''))
                if fresh is None:
                    continue
                params = (fresh,)
            try:
                server.execute(step.sql, params)
            except Exception as exc:
                raise ReplicaError('%s failed on %s: %s.'
                                   % (step.text.split(' (')[0], server.target, _error_text(exc))) from None
        elif step.kind == WAIT_IO:
            timings['io_connect_seconds'] = wait_for_io(server, step.params[0], step.params[1], previous_error)
        elif step.kind == WAIT_GTID:
            gtid_started = time.monotonic()
            wait_for_gtid(server, wait_text, wanted, timeout)
            timings['gtid_wait_seconds'] = round(time.monotonic() - gtid_started, 3)

    after = current_source(server)
    fence_now = read_fence_state(server) if fence_before is not None else None
    result['source']['after'] = after
    result['read_only']['after'] = (fence_now or {}).get('read_only')
    result.update(gtid_applied=applied_gtid(server), timings=timings,
                  elapsed_seconds=round(time.monotonic() - started, 4),
                  diff=plan_diff(dialect, server.target, before, after, result['read_only']['before'],
                                 result['read_only']['after']))
    return result
