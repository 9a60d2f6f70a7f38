"""Fencing decisions: which statements, which sessions die, what undoes it - MySQL and MariaDB."""
import pytest

from ansible_collections.drkit.mysql.plugins.module_utils import fencing
from ansible_collections.drkit.mysql.plugins.module_utils.fencing import (
    FenceError,
    apply_fence,
    desired_state,
    fence_diff,
    fence_statements,
    mask_statement,
    normalize_kill_sessions,
    normalize_session,
    parse_fence_state,
    plan_text,
    running_writers,
    sessions_to_kill,
    should_kill,
    undo_args,
)
from ansible_collections.drkit.mysql.plugins.module_utils.flavor import detect_dialect

MYSQL = detect_dialect('8.4.3')
MYSQL57 = detect_dialect('5.7.44-log')
MARIADB = detect_dialect('10.11.19-MariaDB')


def state(read_only, super_read_only=None):
    return dict(read_only=read_only, super_read_only=super_read_only)


# -- state and statements --------------------------------------------------------

def test_parse_fence_state_mariadb_has_no_super_read_only():
    assert parse_fence_state(MARIADB, {'read_only': 'ON'}) == state(True, None)
    assert parse_fence_state(MARIADB, {'read_only': 'OFF', 'super_read_only': 'ON'}) == state(False, None)


def test_parse_fence_state_mysql():
    assert parse_fence_state(MYSQL, {'read_only': 'ON', 'super_read_only': 'OFF'}) == state(True, False)
    assert parse_fence_state(MYSQL57, {'read_only': '1', 'super_read_only': '1'}) == state(True, True)


@pytest.mark.parametrize('dialect, wanted, super_ro, expected', [
    (MARIADB, 'fenced', True, state(True, None)),
    (MARIADB, 'unfenced', True, state(False, None)),
    (MYSQL, 'fenced', True, state(True, True)),
    (MYSQL, 'fenced', False, state(True, False)),
    (MYSQL, 'unfenced', True, state(False, False)),
])
def test_desired_state(dialect, wanted, super_ro, expected):
    assert desired_state(dialect, wanted, super_ro) == expected


def test_desired_state_rejects_unknown():
    with pytest.raises(ValueError):
        desired_state(MARIADB, 'frozen')


@pytest.mark.parametrize('dialect, current, wanted, super_ro, statements', [
    # MariaDB: read_only only
    (MARIADB, state(False), 'fenced', True, ['SET GLOBAL read_only = ON']),
    (MARIADB, state(True), 'fenced', True, []),
    (MARIADB, state(True), 'unfenced', True, ['SET GLOBAL read_only = OFF']),
    (MARIADB, state(False), 'unfenced', True, []),
    # MySQL: super_read_only ON implies read_only ON: one statement
    (MYSQL, state(False, False), 'fenced', True, ['SET GLOBAL super_read_only = ON']),
    (MYSQL, state(True, False), 'fenced', True, ['SET GLOBAL super_read_only = ON']),
    (MYSQL, state(True, True), 'fenced', True, []),
    # read_only cannot go OFF while super_read_only is ON
    (MYSQL, state(True, True), 'unfenced', True, ['SET GLOBAL super_read_only = OFF', 'SET GLOBAL read_only = OFF']),
    (MYSQL, state(True, False), 'unfenced', True, ['SET GLOBAL read_only = OFF']),
    (MYSQL, state(False, False), 'unfenced', True, []),
    # fence with read_only alone
    (MYSQL, state(False, False), 'fenced', False, ['SET GLOBAL read_only = ON']),
    (MYSQL, state(True, True), 'fenced', False, ['SET GLOBAL super_read_only = OFF']),
    (MYSQL57, state(False, False), 'fenced', True, ['SET GLOBAL super_read_only = ON']),
])
def test_fence_statements(dialect, current, wanted, super_ro, statements):
    assert fence_statements(dialect, current, desired_state(dialect, wanted, super_ro)) == statements


def test_fence_statements_match_the_dialect_for_a_full_switch():
    """From fully open to fully fenced and back, the statements are the dialect's own."""
    for dialect in (MARIADB, MYSQL):
        open_state = desired_state(dialect, 'unfenced')
        fenced_state = desired_state(dialect, 'fenced')
        assert fence_statements(dialect, open_state, fenced_state) == dialect.read_only_statements(True)
        assert fence_statements(dialect, fenced_state, open_state) == dialect.read_only_statements(False)


@pytest.mark.parametrize('dialect, before, undo', [
    (MARIADB, state(False), {'state': 'unfenced'}),
    (MARIADB, state(True), {'state': 'fenced'}),
    (MYSQL, state(False, False), {'state': 'unfenced'}),
    (MYSQL, state(True, True), {'state': 'fenced', 'super_read_only': True}),
    (MYSQL, state(True, False), {'state': 'fenced', 'super_read_only': False}),
])
def test_undo_args_restore_the_before_state(dialect, before, undo):
    assert undo_args(dialect, before) == undo
    # passing undo back gives statements that lead exactly to `before`
    target = desired_state(dialect, undo['state'], undo.get('super_read_only', True))
    assert target == before


def test_fence_diff_text():
    assert fence_diff(MARIADB, state(False), state(True)) == {'before': 'read_only=OFF\n', 'after': 'read_only=ON\n'}
    diff = fence_diff(MYSQL, state(False, False), state(True, True), '127.0.0.1:3306')
    assert diff['before'] == 'read_only=OFF\nsuper_read_only=OFF\n'
    assert diff['after'] == 'read_only=ON\nsuper_read_only=ON\n'
    assert diff['before_header'] == '127.0.0.1:3306'


# -- sessions --------------------------------------------------------------------

def row(id_, user, command, info=None, host='127.0.0.1:50000', db='shop', time_=0, state_=''):
    """A SHOW FULL PROCESSLIST row as PyMySQL's DictCursor gives it (MariaDB adds Progress)."""
    return {'Id': id_, 'User': user, 'Host': host, 'db': db, 'Command': command, 'Time': time_,
            'State': state_, 'Info': info, 'Progress': '0.000'}


PROCESSLIST = [
    row(6, 'drkit_repl', 'Binlog Dump', host='127.0.0.1:58316', db=None, time_=900,
        state_='Master has sent all binlog to slave; waiting for more updates'),
    row(7, 'repl8', 'Binlog Dump GTID', db=None),
    row(2, 'system user', 'Slave_SQL', db=None),
    row(3, 'system user', 'Connect', db=None),
    row(5, 'event_scheduler', 'Daemon', host='localhost', db=None),
    row(12, 'shop_app', 'Query', "INSERT INTO app_writes (writer, seq) VALUES ('app1', 42)", time_=3,
        state_='Commit'),
    row(9, 'shop_app', 'Sleep'),
    row(15, 'monitor', 'Sleep'),
    row(20, 'drkit_admin', 'Query', 'SHOW FULL PROCESSLIST'),
    row(21, 'drkit_admin', 'Sleep'),
    row(22, 'shop_app', 'Killed'),
]


def sessions():
    return [normalize_session(r) for r in PROCESSLIST]


def test_normalize_session_masks_literals():
    session = normalize_session(PROCESSLIST[5])
    assert session == {'id': 12, 'user': 'shop_app', 'host': '127.0.0.1:50000', 'db': 'shop', 'command': 'Query',
                       'time': 3, 'state': 'Commit', 'info': "INSERT INTO app_writes (writer, seq) VALUES ('?', 42)"}


def test_normalize_session_reads_bytes_and_lowercase_keys():
    session = normalize_session({'ID': b'7', 'USER': b'x', 'HOST': 'h', 'DB': None, 'COMMAND': 'Sleep',
                                 'TIME': '4', 'STATE': None, 'INFO': None})
    assert session['id'] == 7 and session['user'] == 'x' and session['time'] == 4 and session['state'] == ''


@pytest.mark.parametrize('info, expected', [
    (None, None),
    ("ALTER USER 'bob'@'%' IDENTIFIED BY 's3cret'", "ALTER USER '?'@'?' IDENTIFIED BY '?'"),
    ('UPDATE t SET name = "O\\"Brien" WHERE id = 1', "UPDATE t SET name = '?' WHERE id = 1"),
    ("SELECT 'it''s'", "SELECT '?'"),
    ('SELECT\n  1\n  FROM dual', 'SELECT 1 FROM dual'),
])
def test_mask_statement(info, expected):
    assert mask_statement(info) == expected


def test_mask_statement_truncates_to_100_characters():
    text = mask_statement('SELECT ' + ', '.join('column_%d' % i for i in range(50)))
    assert len(text) == 100 and text.endswith('...')


def test_sessions_to_kill_spares_replication_own_connection_and_kept_users():
    chosen = sessions_to_kill(sessions(), own_id=20, keep_users=['monitor'])
    assert [s['id'] for s in chosen] == [9, 12, 21]
    assert {s['user'] for s in chosen} == {'shop_app', 'drkit_admin'}


def test_sessions_to_kill_without_keep_users():
    assert [s['id'] for s in sessions_to_kill(sessions(), own_id=20)] == [9, 12, 15, 21]
    assert [s['id'] for s in sessions_to_kill(sessions(), own_id=20, keep_users=None)] == [9, 12, 15, 21]


def test_running_writers_are_only_executing_sessions():
    assert [s['id'] for s in running_writers(sessions(), own_id=20)] == [12]


@pytest.mark.parametrize('kill, wanted, changed, expected', [
    ('false', 'fenced', True, False),
    ('true', 'fenced', True, True),
    ('true', 'fenced', False, False),   # idempotent: an existing fence kills nothing
    ('always', 'fenced', False, True),
    ('always', 'unfenced', True, False),
    (True, 'fenced', True, True),
    (False, 'fenced', True, False),
    (None, 'fenced', True, False),
])
def test_should_kill(kill, wanted, changed, expected):
    assert should_kill(kill, wanted, changed) is expected


@pytest.mark.parametrize('value, expected', [
    (False, 'false'), (None, 'false'), ('no', 'false'), ('False', 'false'), ('off', 'false'), (0, 'false'),
    (True, 'true'), ('yes', 'true'), ('True', 'true'), ('on', 'true'), ('1', 'true'), (1, 'true'),
    ('always', 'always'), ('ALWAYS', 'always'),
])
def test_normalize_kill_sessions(value, expected):
    assert normalize_kill_sessions(value) == expected


def test_normalize_kill_sessions_rejects_other_words():
    with pytest.raises(ValueError) as error:
        normalize_kill_sessions('sometimes')
    assert str(error.value) == "kill_sessions must be true, false or always, got 'sometimes'."


def test_should_kill_rejects_unknown_values():
    with pytest.raises(ValueError):
        should_kill('sometimes', 'fenced', True)


def test_plan_text():
    kill = sessions_to_kill(sessions(), own_id=20, keep_users=['monitor', 'drkit_admin'])
    assert plan_text(MARIADB, ['SET GLOBAL read_only = ON'], kill, '127.0.0.1:3310') == [
        'SET GLOBAL read_only = ON on 127.0.0.1:3310',
        'KILL CONNECTION 9 (shop_app@127.0.0.1:50000, Sleep)',
        'KILL CONNECTION 12 (shop_app@127.0.0.1:50000, Query)',
    ]


# -- apply_fence on a fake server ----------------------------------------------------

class ServerError(Exception):
    pass


class FakeServer(object):
    """Just enough of server.Server: variables, processlist, KILL, SET GLOBAL, error injection."""

    def __init__(self, dialect, variables, processlist=(), own_id=20, lock_timeouts=0):
        self.dialect = dialect
        self.target = '127.0.0.1:3310'
        self.vars = dict(variables)
        self.processlist = list(processlist)
        self.own_id = own_id
        self.lock_timeouts = lock_timeouts
        self.executed = []

    def variables(self, names):
        return dict((n, self.vars[n]) for n in names if n in self.vars)

    def executed_gtid(self):
        return self.vars.get('gtid_current_pos', '0-1-42')

    def rows(self, sql, params=None):
        if sql == 'SHOW FULL PROCESSLIST':
            return list(self.processlist)
        if sql.startswith('SELECT CONNECTION_ID()'):
            return [{'id': self.own_id}]
        raise AssertionError('unexpected query %s' % sql)

    def execute(self, sql, params=None):
        self.executed.append((sql, params))
        if sql.startswith('KILL CONNECTION'):
            before = len(self.processlist)
            self.processlist = [r for r in self.processlist if r['Id'] != params[0]]
            if len(self.processlist) == before:
                raise ServerError(1094, 'Unknown thread id: %s' % params[0])
            return
        if sql.startswith('SET GLOBAL'):
            if self.lock_timeouts and any(r['Command'] == 'Query' and r['Id'] != self.own_id
                                          for r in self.processlist):
                self.lock_timeouts -= 1
                raise ServerError(1205, 'Lock wait timeout exceeded; try restarting transaction')
            name, value = sql[len('SET GLOBAL '):].split(' = ')
            self.vars[name] = value
            if name == 'super_read_only' and value == 'ON':
                self.vars['read_only'] = 'ON'


def set_globals(server):
    return [entry[0] for entry in server.executed if entry[0].startswith('SET GLOBAL')]


def test_fence_mariadb_writable_primary():
    server = FakeServer(MARIADB, {'read_only': 'OFF', 'gtid_current_pos': '0-1-77'}, PROCESSLIST)
    result = apply_fence(server, 'fenced')
    assert result['changed'] is True and result['gtid_executed'] == '0-1-77'
    assert result['before'] == state(False) and result['after'] == state(True)
    assert set_globals(server) == ['SET GLOBAL read_only = ON']
    assert ('SET SESSION lock_wait_timeout = %s', (10,)) in server.executed
    assert result['killed'] == [] and result['undo'] == {'state': 'unfenced'}
    assert result['diff']['before'] == 'read_only=OFF\n' and result['diff']['after'] == 'read_only=ON\n'


def test_fence_is_idempotent_and_kills_nothing_on_the_second_run():
    server = FakeServer(MARIADB, {'read_only': 'ON'}, PROCESSLIST)
    result = apply_fence(server, 'fenced', kill_sessions='true')
    assert result['changed'] is False and result['killed'] == [] and server.executed == []
    assert result['undo'] == {'state': 'fenced'}


def test_fence_kill_always_kills_on_an_existing_fence():
    server = FakeServer(MARIADB, {'read_only': 'ON'}, PROCESSLIST)
    result = apply_fence(server, 'fenced', kill_sessions='always', keep_users=['monitor'])
    assert result['changed'] is True
    assert [(k['id'], k['result']) for k in result['killed']] == [(9, 'killed'), (12, 'killed'), (21, 'killed')]
    # replication threads survive
    assert {r['Id'] for r in server.processlist} >= {2, 3, 5, 6, 7}


def test_fence_kills_after_read_only_is_on():
    server = FakeServer(MARIADB, {'read_only': 'OFF'}, PROCESSLIST)
    result = apply_fence(server, 'fenced', kill_sessions='true', keep_users=['monitor'])
    statements = [entry[0] for entry in server.executed if not entry[0].startswith('SET SESSION')]
    assert statements[0] == 'SET GLOBAL read_only = ON'
    assert statements[1:] == ['KILL CONNECTION %s'] * 3
    assert [k['id'] for k in result['killed']] == [9, 12, 21]
    killed = result['killed'][1]
    assert set(killed) == {'id', 'user', 'host', 'db', 'command', 'time', 'state', 'info', 'result'}


def test_fence_check_mode_changes_nothing_and_lists_the_sessions():
    server = FakeServer(MYSQL, {'read_only': 'OFF', 'super_read_only': 'OFF'}, PROCESSLIST)
    result = apply_fence(server, 'fenced', kill_sessions='true', keep_users=['monitor'], check_mode=True)
    assert server.executed == []
    assert result['changed'] is True
    assert result['after'] == state(True, True)
    assert result['statements'] == ['SET GLOBAL super_read_only = ON']
    expected = [(9, 'would kill'), (12, 'would kill'), (21, 'would kill')]
    assert [(k['id'], k['result']) for k in result['killed']] == expected
    assert result['plan'][0] == 'SET GLOBAL super_read_only = ON on 127.0.0.1:3310'
    assert result['diff']['after'] == 'read_only=ON\nsuper_read_only=ON\n'


def test_unfence_mysql_turns_super_read_only_off_first():
    server = FakeServer(MYSQL, {'read_only': 'ON', 'super_read_only': 'ON'}, PROCESSLIST)
    result = apply_fence(server, 'unfenced', kill_sessions='always')
    assert set_globals(server) == ['SET GLOBAL super_read_only = OFF', 'SET GLOBAL read_only = OFF']
    assert result['killed'] == []  # kill_sessions is ignored when opening
    assert result['after'] == state(False, False)
    assert result['undo'] == {'state': 'fenced', 'super_read_only': True}


def test_lock_wait_timeout_without_kill_names_the_running_statement():
    server = FakeServer(MARIADB, {'read_only': 'OFF'}, PROCESSLIST, lock_timeouts=1)
    with pytest.raises(FenceError) as error:
        apply_fence(server, 'fenced', timeout=2)
    message = str(error.value)
    assert message.startswith('SET GLOBAL read_only = ON on 127.0.0.1:3310 waited 2 s for running statements')
    assert 'session 12 (shop_app@127.0.0.1:50000, Query 3 s: INSERT INTO app_writes' in message
    assert "'app1'" not in message and 'kill_sessions' in message
    assert server.vars['read_only'] == 'OFF'


def test_lock_wait_timeout_with_kill_kills_the_blocker_and_retries():
    server = FakeServer(MARIADB, {'read_only': 'OFF'}, PROCESSLIST, lock_timeouts=1)
    result = apply_fence(server, 'fenced', kill_sessions='true', keep_users=['monitor'])
    assert server.vars['read_only'] == 'ON'
    assert [k['id'] for k in result['killed']] == [12, 9, 21]
    assert set_globals(server) == ['SET GLOBAL read_only = ON', 'SET GLOBAL read_only = ON']


def test_a_session_that_ended_before_the_kill_is_gone_not_an_error():
    server = FakeServer(MARIADB, {'read_only': 'ON'}, PROCESSLIST)
    result = fencing.kill_sessions_now(server, [dict(id=999, user='x', host='h')])
    assert result == [dict(id=999, user='x', host='h', result='gone')]


def test_kill_without_privilege_is_one_sentence():
    server = FakeServer(MARIADB, {'read_only': 'ON'}, PROCESSLIST)

    def refuse(sql, params=None):
        raise ServerError(1095, 'You are not owner of thread 12')
    server.execute = refuse
    with pytest.raises(FenceError) as error:
        fencing.kill_sessions_now(server, [dict(id=12, user='shop_app', host='h')])
    assert 'CONNECTION ADMIN' in str(error.value) and '\n' not in str(error.value)


def test_set_global_without_privilege_names_it():
    server = FakeServer(MARIADB, {'read_only': 'OFF'})

    def refuse(sql, params=None):
        if sql.startswith('SET GLOBAL'):
            raise ServerError(1227, 'Access denied; you need (at least one of) the READ_ONLY ADMIN privilege(s)')
    server.execute = refuse
    with pytest.raises(FenceError) as error:
        apply_fence(server, 'fenced')
    assert str(error.value).startswith('SET GLOBAL read_only = ON on 127.0.0.1:3310 failed: Access denied')
