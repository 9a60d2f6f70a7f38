"""Replica decisions: when to CHANGE, START or do nothing, the plan text, the waits - MySQL and MariaDB."""
import pytest

from ansible_collections.drkit.mysql.plugins.module_utils import replication
from ansible_collections.drkit.mysql.plugins.module_utils.flavor import detect_dialect
from ansible_collections.drkit.mysql.plugins.module_utils.gtid import parse_gtid_set
from ansible_collections.drkit.mysql.plugins.module_utils.replica_status import normalize_replica_status
from ansible_collections.drkit.mysql.plugins.module_utils.replication import (
    ReplicaError,
    build_plan,
    decide_action,
    describe_source,
    gtid_slave_pos_fix,
    io_failure_message,
    manage_replica,
    normalize_gtid_text,
    plan_diff,
    wait_for_io,
    wait_gtid_sql,
    wait_reached,
)

MYSQL = detect_dialect('8.4.3')
MYSQL80 = detect_dialect('8.0.20')
MARIADB = detect_dialect('10.11.19-MariaDB')
PASSWORD = 'lab-repl-secret'
ACCESS_DENIED = ("error connecting to master 'drkit_repl@127.0.0.1:3312' - retry-time: 1  maximum-retries: 100000  "
                 "message: Access denied for user 'drkit_repl'@'127.0.0.1' (using password: YES)")


def mariadb_row(host='127.0.0.1', port=3310, user='drkit_repl', io='Yes', sql='Yes', using='Slave_Pos',
                io_errno=0, io_error='', sql_errno=0, sql_error=''):
    """The SHOW SLAVE STATUS columns that matter, as MariaDB 10.11 names them."""
    return {'Master_Host': host, 'Master_Port': port, 'Master_User': user, 'Slave_IO_Running': io,
            'Slave_SQL_Running': sql, 'Using_Gtid': using, 'Last_IO_Errno': io_errno, 'Last_IO_Error': io_error,
            'Last_SQL_Errno': sql_errno, 'Last_SQL_Error': sql_error, 'Gtid_IO_Pos': '0-1-100',
            'Connection_name': ''}


def mysql_row(host='10.0.0.1', port=3306, user='repl', io='Yes', sql='Yes', auto=1, channel=''):
    return {'Source_Host': host, 'Source_Port': port, 'Source_User': user, 'Replica_IO_Running': io,
            'Replica_SQL_Running': sql, 'Auto_Position': auto, 'Last_IO_Errno': 0, 'Last_IO_Error': '',
            'Last_SQL_Errno': 0, 'Last_SQL_Error': '', 'Channel_Name': channel}


def source(dialect, row):
    return describe_source(dialect, normalize_replica_status(row, dialect))


# -- reading the status -------------------------------------------------------------

def test_describe_source_mariadb():
    described = source(MARIADB, mariadb_row())
    assert described['host'] == '127.0.0.1' and described['port'] == 3310 and described['user'] == 'drkit_repl'
    assert described['gtid'] == 'slave_pos' and described['state'] == 'running'


def test_describe_source_mysql_and_absent():
    described = source(MYSQL, mysql_row(auto=0, io='No', sql='No'))
    assert described['gtid'] == 'no' and described['state'] == 'stopped'
    assert describe_source(MYSQL, None)['state'] == 'absent'


def test_default_channel_skips_named_channels():
    rows = [normalize_replica_status(mysql_row(channel='reporting'), MYSQL),
            normalize_replica_status(mysql_row(host='10.0.0.9'), MYSQL)]
    assert replication.default_channel(rows)['source_host'] == '10.0.0.9'
    assert replication.default_channel(rows[:1]) is None
    assert replication.default_channel([]) is None


@pytest.mark.parametrize('io, sql, expected', [
    ('Yes', 'Yes', 'running'), ('Connecting', 'Yes', 'running'), ('No', 'No', 'stopped'),
    ('No', 'Yes', 'partial'), ('Yes', 'No', 'partial'),
])
def test_thread_state(io, sql, expected):
    assert source(MARIADB, mariadb_row(io=io, sql=sql))['state'] == expected


# -- what to do -----------------------------------------------------------------------

@pytest.mark.parametrize('row, expected', [
    (mariadb_row(port=3312), 'none'),
    (mariadb_row(port=3312, using='Current_Pos'), 'none'),
    (mariadb_row(port=3312, io='No', sql='No'), 'start'),
    (mariadb_row(port=3312, io='No', sql='Yes'), 'start'),
    (mariadb_row(port=3310), 'change'),                                   # another source
    (mariadb_row(host='10.0.0.5', port=3312), 'change'),
    (mariadb_row(port=3312, user='old_repl'), 'change'),                  # another account
    (mariadb_row(port=3312, using='No'), 'change'),                       # file/position replication
    (mariadb_row(port=3312, io='Connecting', io_errno=1045, io_error=ACCESS_DENIED), 'change'),  # wrong password
    (mariadb_row(port=3312, io='No', sql='No', io_errno=1045, io_error=ACCESS_DENIED), 'change'),
    (None, 'change'),                                                     # never was a replica
])
def test_decide_action_running(row, expected):
    current = source(MARIADB, row) if row else describe_source(MARIADB, None)
    action, reason = decide_action(current, 'running', '127.0.0.1', 3312, 'drkit_repl')
    assert action == expected, reason
    assert reason


def test_decide_action_reasons():
    assert decide_action(source(MARIADB, mariadb_row()), 'running', '127.0.0.1', 3312, 'drkit_repl') == (
        'change', 'replicates from 127.0.0.1:3310')
    assert decide_action(describe_source(MARIADB, None), 'running', '127.0.0.1', 3312, 'drkit_repl') == (
        'change', 'not a replica yet')


def test_decide_action_mysql_auto_position():
    current = source(MYSQL, mysql_row())
    assert decide_action(current, 'running', '10.0.0.1', 3306, 'repl')[0] == 'none'
    assert decide_action(source(MYSQL, mysql_row(auto=0)), 'running', '10.0.0.1', 3306, 'repl')[0] == 'change'
    assert decide_action(current, 'running', '10.0.0.1', 3307, 'repl')[0] == 'change'


def test_host_comparison_ignores_case_only():
    current = source(MARIADB, mariadb_row(host='DB-DR.example.com', port=3306))
    assert decide_action(current, 'running', 'db-dr.example.com', 3306, 'drkit_repl')[0] == 'none'


@pytest.mark.parametrize('row, wanted, expected', [
    (mariadb_row(), 'stopped', 'stop'),
    (mariadb_row(io='No', sql='No'), 'stopped', 'none'),
    (None, 'stopped', 'none'),
    (mariadb_row(), 'absent', 'reset'),
    (mariadb_row(io='No', sql='No'), 'absent', 'reset'),
    (None, 'absent', 'none'),
])
def test_decide_action_stopped_and_absent(row, wanted, expected):
    current = source(MARIADB, row) if row else describe_source(MARIADB, None)
    assert decide_action(current, wanted)[0] == expected


# -- former primary on MariaDB ----------------------------------------------------------

@pytest.mark.parametrize('binlog_pos, slave_pos, expected', [
    ('0-1-100', '', '0-1-100'),             # a primary that never replicated
    ('0-1-100', '0-1-40', '0-1-100'),       # a primary that was a replica until seq 40
    ('0-1-100', '0-1-100', None),           # an ordinary replica with log_slave_updates
    ('0-3-120', '0-1-100', '0-3-120'),      # a former replica that became primary (server 3) and wrote 20
    ('0-1-90', '0-1-100', None),            # log_slave_updates off: slave_pos is ahead, nothing to fix
    ('', '0-1-100', None),                  # binary log off
    ('0-1-100,1-1-7', '0-1-100', '0-1-100,1-1-7'),  # a second domain only the binlog knows
])
def test_gtid_slave_pos_fix(binlog_pos, slave_pos, expected):
    assert gtid_slave_pos_fix(binlog_pos, slave_pos) == expected


# -- waits ------------------------------------------------------------------------------

def test_wait_gtid_sql_per_dialect():
    assert wait_gtid_sql(MARIADB, '0-1-100', 60) == ('SELECT MASTER_GTID_WAIT(%s, %s) AS reached', ('0-1-100', 60))
    uuid_set = '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5'
    assert wait_gtid_sql(MYSQL, uuid_set, 5) == ('SELECT WAIT_FOR_EXECUTED_GTID_SET(%s, %s) AS reached',
                                                 (uuid_set, 5))


@pytest.mark.parametrize('value, reached', [(0, True), ('0', True), (-1, False), (1, False), (None, False)])
def test_wait_reached(value, reached):
    assert wait_reached(value) is reached


def test_normalize_gtid_text():
    text, parsed = normalize_gtid_text(MARIADB, ' 0-1-100,\n 1-2-5 ')
    assert text == '0-1-100,1-2-5' and parsed.count() == 105
    with pytest.raises(ReplicaError) as error:
        normalize_gtid_text(MARIADB, '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5')
    assert 'is not a mariadb GTID position' in str(error.value)
    with pytest.raises(ReplicaError):
        normalize_gtid_text(MARIADB, '0-?-101..150')
    with pytest.raises(ReplicaError):
        normalize_gtid_text(MYSQL, '0-1-100')


# -- messages ------------------------------------------------------------------------------

def test_io_failure_message_wrong_password():
    status = source(MARIADB, mariadb_row(port=3312, io='Connecting', io_errno=1045, io_error=ACCESS_DENIED))
    message = io_failure_message('127.0.0.1:3311', '127.0.0.1:3312', status)
    assert message == ("127.0.0.1:3311 cannot replicate from 127.0.0.1:3312: the IO thread failed with error 1045 "
                       "(Access denied for user 'drkit_repl'@'127.0.0.1' (using password: YES)); check "
                       "source_user/source_password and that the account has REPLICATION SLAVE on the source.")
    assert '\n' not in message and 'retry-time' not in message


def test_io_failure_message_missing_gtid():
    error = ("Got fatal error 1236 from master when reading data from binary log: 'Error: connecting slave "
             "requested to start from GTID 0-1-500, which is not in the master's binlog'")
    status = source(MARIADB, mariadb_row(io='No', io_errno=1236, io_error=error))
    message = io_failure_message('a:1', 'b:2', status)
    assert 'error 1236' in message and 'compare GTID sets' in message


# -- the plan ----------------------------------------------------------------------------

def plan_for(dialect, current, **extra):
    action, reason = decide_action(current, 'running', '127.0.0.1', 3312, 'drkit_repl')
    return build_plan(dialect, '127.0.0.1:3311', action, reason, host='127.0.0.1', port=3312, user='drkit_repl',
                      password=PASSWORD, threads_running=current['state'] not in ('absent', 'stopped'), **extra)


def test_plan_repoint_mariadb():
    steps = plan_for(MARIADB, source(MARIADB, mariadb_row()))
    assert [s.text for s in steps] == [
        'STOP SLAVE on 127.0.0.1:3311 (replicates from 127.0.0.1:3310)',
        'CHANGE MASTER to 127.0.0.1:3312 as drkit_repl (GTID slave_pos)',
        'START SLAVE on 127.0.0.1:3311',
        'wait up to 60 s for the IO thread to connect to 127.0.0.1:3312',
    ]
    change = steps[1]
    assert change.sql.startswith('CHANGE MASTER TO MASTER_HOST=%s, MASTER_PORT=%s, MASTER_USER=%s')
    assert 'MASTER_USE_GTID=slave_pos' in change.sql
    assert change.params == ('127.0.0.1', 3312, 'drkit_repl', PASSWORD)
    assert all(PASSWORD not in s.text for s in steps)
    assert all(PASSWORD not in (s.sql or '') for s in steps)


def test_plan_repoint_mysql_84():
    steps = plan_for(MYSQL, source(MYSQL, mysql_row()), fence=['SET GLOBAL super_read_only = ON'])
    assert [s.text for s in steps] == [
        'SET GLOBAL super_read_only = ON on 127.0.0.1:3311 (a replica must not take writes)',
        'STOP REPLICA on 127.0.0.1:3311 (replicates from 10.0.0.1:3306)',
        'CHANGE REPLICATION SOURCE to 127.0.0.1:3312 as drkit_repl (GTID auto-position)',
        'START REPLICA on 127.0.0.1:3311',
        'wait up to 60 s for the IO thread to connect to 127.0.0.1:3312',
    ]
    assert 'SOURCE_AUTO_POSITION=1' in steps[2].sql and 'GET_SOURCE_PUBLIC_KEY=1' in steps[2].sql


def test_plan_mysql_80_old_names_and_tls():
    steps = plan_for(MYSQL80, describe_source(MYSQL80, None), ssl={'ca': '/etc/ca.pem'})
    assert steps[0].text == 'CHANGE MASTER to 127.0.0.1:3312 as drkit_repl (GTID auto-position, TLS)'
    assert 'MASTER_SSL=1' in steps[0].sql and 'MASTER_SSL_CA=%s' in steps[0].sql
    assert 'GET_MASTER_PUBLIC_KEY' not in steps[0].sql  # TLS given: no public key request
    assert steps[1].sql == 'START SLAVE'


def test_plan_former_primary_sets_gtid_slave_pos_before_start():
    steps = plan_for(MARIADB, describe_source(MARIADB, None), slave_pos_fix='0-1-100', slave_pos_before='')
    assert [s.text for s in steps][:2] == [
        'CHANGE MASTER to 127.0.0.1:3312 as drkit_repl (GTID slave_pos)',
        "SET GLOBAL gtid_slave_pos = '0-1-100' (gtid_binlog_pos is ahead of gtid_slave_pos '': the source must "
        "not be asked again for transactions this server already has, e.g. from its time as a primary)",
    ]
    assert steps[1].sql == 'SET GLOBAL gtid_slave_pos = %s' and steps[1].params == ('0-1-100',)
    assert steps[2].sql == 'START SLAVE'


def test_plan_start_only_needs_no_password():
    current = source(MARIADB, mariadb_row(port=3312, io='No', sql='No'))
    action, reason = decide_action(current, 'running', '127.0.0.1', 3312, 'drkit_repl')
    steps = build_plan(MARIADB, 't', action, reason, host='127.0.0.1', port=3312)
    assert [s.sql for s in steps] == ['START SLAVE', None]


def test_plan_start_of_a_partial_replica_with_fix_stops_first():
    current = source(MARIADB, mariadb_row(port=3312, io='No', sql='Yes'))
    action, reason = decide_action(current, 'running', '127.0.0.1', 3312, 'drkit_repl')
    steps = build_plan(MARIADB, 't', action, reason, host='127.0.0.1', port=3312, slave_pos_fix='0-1-9',
                       threads_running=True)
    assert [s.sql for s in steps] == ['STOP SLAVE', 'SET GLOBAL gtid_slave_pos = %s', 'START SLAVE', None]


def test_plan_absent_waits_then_stops_then_resets():
    steps = build_plan(MYSQL, 't', 'reset', 'replication is configured (running)', wait_for='uuid:1-5',
                       timeout=30, threads_running=True)
    assert [s.kind for s in steps] == ['wait_gtid', 'sql', 'sql']
    assert [s.sql for s in steps[1:]] == ['STOP REPLICA', 'RESET REPLICA ALL']
    assert steps[0].text == 'wait up to 30 s until t has applied uuid:1-5'


def test_plan_nothing_to_do_is_empty():
    assert build_plan(MARIADB, 't', 'none', 'already') == []


def test_plan_diff():
    before = source(MARIADB, mariadb_row())
    after = source(MARIADB, mariadb_row(port=3312))
    diff = plan_diff(MARIADB, 't', before, after, True, True)
    assert diff['before'] == 'source=127.0.0.1:3310\nuser=drkit_repl\ngtid=slave_pos\nstate=running\nread_only=ON\n'
    assert diff['after'].startswith('source=127.0.0.1:3312\n')
    assert plan_diff(MARIADB, 't', describe_source(MARIADB, None), after)['before'] == 'source=none\nstate=absent\n'


# -- running it on a fake server -------------------------------------------------------------

class FakeClock(object):
    def __init__(self):
        self.now = 0.0

    def time(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


class FakeReplica(object):
    """A MariaDB replica: status rows scripted per poll, variables, statements recorded."""

    def __init__(self, dialect=MARIADB, rows=None, variables=None, wait_result=0):
        self.dialect = dialect
        self.target = '127.0.0.1:3311'
        self.script = list(rows or [])
        self.vars = {'read_only': 'ON', 'gtid_binlog_pos': '0-1-100', 'gtid_slave_pos': '0-1-100',
                     'gtid_current_pos': '0-1-100', 'gtid_executed': ''}
        self.vars.update(variables or {})
        self.wait_result = wait_result
        self.executed = []

    def replica_status(self):
        row = self.script[0] if len(self.script) == 1 else self.script.pop(0)
        return [normalize_replica_status(row, self.dialect)] if row else []

    def variables(self, names):
        return dict((n, self.vars[n]) for n in names if n in self.vars)

    def rows(self, sql, params=None):
        self.executed.append((sql, params))
        return [{'reached': self.wait_result}]

    def execute(self, sql, params=None):
        self.executed.append((sql, params))
        if sql.startswith('SET GLOBAL read_only'):
            self.vars['read_only'] = 'ON'


def options(**extra):
    opts = dict(state='running', source_host='127.0.0.1', source_port=3312, source_user='drkit_repl',
                source_password=PASSWORD, timeout=60, read_only=True, wait_for_gtid=None)
    opts.update(extra)
    return opts


def test_manage_replica_check_mode_changes_nothing():
    server = FakeReplica(rows=[mariadb_row()], variables={'read_only': 'OFF'})
    result = manage_replica(server, options(), check_mode=True)
    assert server.executed == []
    assert result['changed'] is True and result['action'] == 'change'
    assert result['plan'][0] == 'SET GLOBAL read_only = ON on 127.0.0.1:3311 (a replica must not take writes)'
    assert result['plan'][2] == 'CHANGE MASTER to 127.0.0.1:3312 as drkit_repl (GTID slave_pos)'
    assert result['source']['after']['port'] == 3312 and result['read_only'] == {'before': False, 'after': True}
    assert PASSWORD not in repr(result)


def test_manage_replica_nothing_to_do():
    server = FakeReplica(rows=[mariadb_row(port=3312)])
    result = manage_replica(server, options(source_password=None))
    assert result['changed'] is False and result['plan'] == [] and server.executed == []
    assert result['gtid_applied'] == '0-1-100'


def test_manage_replica_former_primary_runs_the_fix(monkeypatch):
    monkeypatch.setattr(replication, 'SETTLE_SECONDS', 0)
    server = FakeReplica(rows=[None, None, mariadb_row(port=3312)],
                         variables={'gtid_binlog_pos': '0-1-250', 'gtid_slave_pos': ''})
    result = manage_replica(server, options())
    statements = [entry[0] for entry in server.executed]
    assert statements[0].startswith('CHANGE MASTER TO')
    assert server.executed[1] == ('SET GLOBAL gtid_slave_pos = %s', ('0-1-250',))
    assert statements[2] == 'START SLAVE'
    assert result['changed'] is True and result['source']['after']['port'] == 3312


class MovingReplica(FakeReplica):
    """Its binlog moves on between the plan and STOP SLAVE (writes relayed through it meanwhile)."""

    def execute(self, sql, params=None):
        super(MovingReplica, self).execute(sql, params)
        if sql == 'STOP SLAVE':
            self.vars.update(gtid_binlog_pos='0-3-260', gtid_slave_pos='0-3-258')


def test_manage_replica_decides_the_slave_pos_fix_again_after_stop(monkeypatch):
    monkeypatch.setattr(replication, 'SETTLE_SECONDS', 0)
    server = MovingReplica(rows=[mariadb_row(), mariadb_row(), mariadb_row(port=3312)],
                           variables={'gtid_binlog_pos': '0-3-255', 'gtid_slave_pos': '0-3-250'})
    manage_replica(server, options())
    fixes = [entry for entry in server.executed if entry[0] == 'SET GLOBAL gtid_slave_pos = %s']
    # The plan saw 0-3-255; the value set is the one true once the threads stopped.
    assert fixes == [('SET GLOBAL gtid_slave_pos = %s', ('0-3-260',))]


def test_manage_replica_needs_the_password_to_change():
    server = FakeReplica(rows=[mariadb_row()])
    with pytest.raises(ReplicaError) as error:
        manage_replica(server, options(source_password=None))
    assert str(error.value) == ('source_password is needed to point 127.0.0.1:3311 at 127.0.0.1:3312 '
                                '(replicates from 127.0.0.1:3310).')


def test_manage_replica_wait_timeout_names_what_is_missing():
    server = FakeReplica(rows=[mariadb_row(port=3312)], variables={'gtid_slave_pos': '0-1-100'}, wait_result=-1)
    with pytest.raises(ReplicaError) as error:
        manage_replica(server, options(wait_for_gtid='0-1-120', timeout=2))
    assert str(error.value) == ('127.0.0.1:3311 has not applied 0-1-120 within 2 s: missing 20 transactions in '
                                'domain 0 (seq 101-120) (applied 0-1-100).')
    assert server.executed == [('SELECT MASTER_GTID_WAIT(%s, %s) AS reached', ('0-1-120', 2))]


def test_manage_replica_wait_already_applied_does_not_wait():
    server = FakeReplica(rows=[mariadb_row(port=3312)])
    result = manage_replica(server, options(wait_for_gtid='0-1-90'))
    assert server.executed == [] and result['changed'] is False


def test_manage_replica_refuses_to_wait_on_a_stopped_replica():
    server = FakeReplica(rows=[mariadb_row(io='No', sql='No')])
    with pytest.raises(ReplicaError) as error:
        manage_replica(server, options(state='absent', wait_for_gtid='0-1-120'))
    assert 'while replication is stopped' in str(error.value)


def test_wait_for_io_fails_fast_on_a_fresh_error():
    clock = FakeClock()
    server = FakeReplica(rows=[mariadb_row(io='Connecting'),
                               mariadb_row(io='Connecting', io_errno=1045, io_error=ACCESS_DENIED)])
    with pytest.raises(ReplicaError) as error:
        wait_for_io(server, '127.0.0.1:3312', 60, (0, ''), clock=clock.time, sleep=clock.sleep)
    assert 'error 1045' in str(error.value) and clock.now < 1


def test_wait_for_io_gives_a_stale_error_time_to_clear():
    """MariaDB shows the previous Last_IO_Error until the IO thread connects."""
    clock = FakeClock()
    stale = mariadb_row(io='Connecting', io_errno=1045, io_error=ACCESS_DENIED)
    server = FakeReplica(rows=[stale, stale, stale, mariadb_row()])
    seconds = wait_for_io(server, 'src', 60, (1045, ACCESS_DENIED), clock=clock.time, sleep=clock.sleep)
    assert seconds >= replication.SETTLE_SECONDS
    clock = FakeClock()
    server = FakeReplica(rows=[stale])
    with pytest.raises(ReplicaError):
        wait_for_io(server, 'src', 60, (1045, ACCESS_DENIED), clock=clock.time, sleep=clock.sleep)
    assert replication.STALE_ERROR_GRACE <= clock.now < replication.STALE_ERROR_GRACE + 1


def test_wait_for_io_catches_the_error_right_after_yes():
    """The IO thread shows Yes for ~0.1 s before the source refuses a GTID it lacks."""
    clock = FakeClock()
    error = "Got fatal error 1236 from master when reading data from binary log: 'GTID 0-1-9 not in binlog'"
    server = FakeReplica(rows=[mariadb_row(), mariadb_row(), mariadb_row(io='No', io_errno=1236, io_error=error)])
    with pytest.raises(ReplicaError) as error_info:
        wait_for_io(server, 'src', 60, (0, ''), clock=clock.time, sleep=clock.sleep)
    assert 'error 1236' in str(error_info.value)


def test_wait_for_io_reports_a_failing_sql_thread():
    clock = FakeClock()
    server = FakeReplica(rows=[mariadb_row(sql='No', sql_errno=1950, sql_error='out-of-order sequence number')])
    with pytest.raises(ReplicaError) as error:
        wait_for_io(server, 'src', 60, (0, ''), clock=clock.time, sleep=clock.sleep)
    assert 'the SQL thread failed with error 1950 (out-of-order sequence number)' in str(error.value)


def test_wait_for_io_times_out():
    clock = FakeClock()
    server = FakeReplica(rows=[mariadb_row(io='Connecting')])
    with pytest.raises(ReplicaError) as error:
        wait_for_io(server, 'src', 3, (0, ''), clock=clock.time, sleep=clock.sleep)
    assert str(error.value).startswith('127.0.0.1:3311 did not connect to src within 3 s')


def test_applied_gtid_variable():
    assert replication.applied_gtid_variable(MARIADB) == 'gtid_slave_pos'
    assert replication.applied_gtid_variable(MYSQL) == 'gtid_executed'
    assert parse_gtid_set('0-1-5', 'mariadb').count() == 5
