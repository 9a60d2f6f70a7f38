"""SHOW REPLICA/SLAVE STATUS from three column vocabularies, normalized and judged.

MariaDB captures are real 10.11 output (tests/unit/fixtures/replica_status/mariadb-10.11.txt);
MySQL ones come from the reference manual (see the headers of the mysql-*.txt fixtures).
"""
import pytest

from ansible_collections.drkit.mysql.plugins.module_utils.flavor import detect_dialect
from ansible_collections.drkit.mysql.plugins.module_utils.replica_status import (
    normalize_replica_status,
    relay_log_applied,
)

MARIADB = detect_dialect('10.11.19-MariaDB-0+deb12u1-log', 'Debian 12')
MYSQL_80 = detect_dialect('8.0.21')
MYSQL_84 = detect_dialect('8.4.3')

U_OLD = '3e11fa47-71ca-11e1-9e33-c80aa9429562'
U_NEW = '73f86016-978b-11ee-ade5-8d2a2a562feb'

CANONICAL_KEYS = {
    'source_host', 'source_port', 'source_user', 'io_running', 'sql_running', 'io_thread_running',
    'sql_thread_running', 'seconds_behind', 'last_io_errno', 'last_io_error', 'last_sql_errno', 'last_sql_error',
    'source_log_file', 'read_source_log_pos', 'relay_source_log_file', 'exec_source_log_pos', 'retrieved_gtid_set',
    'executed_gtid_set', 'auto_position', 'sql_delay', 'sql_state', 'channel',
}


def _status(capture, filename, name, dialect):
    rows = capture(filename, name).rows
    assert len(rows) == 1
    return normalize_replica_status(rows[0], dialect)


def _var(capture, name, variable):
    return capture('mariadb-10.11.txt', name).rows[0][variable]


# -- the \G reader itself -------------------------------------------------------------------

def test_vertical_reader_handles_continuations_and_null(vertical):
    rows = vertical('*************************** 1. row ***************************\n'
                    '  Executed_Gtid_Set: a:1-5,\n'
                    'b:1-3\n'
                    '      Last_IO_Error: message: Access denied\n'
                    'SQL_Remaining_Delay: NULL\n'
                    '    Replicate_Do_DB: \n'
                    '*************************** 2. row ***************************\n'
                    '       Channel_Name: second\n')
    assert rows == [
        {'Executed_Gtid_Set': 'a:1-5,\nb:1-3', 'Last_IO_Error': 'message: Access denied',
         'SQL_Remaining_Delay': None, 'Replicate_Do_DB': ''},
        {'Channel_Name': 'second'},
    ]


def test_mariadb_fixture_has_every_capture(captures):
    names = list(captures('mariadb-10.11.txt'))
    assert names == ['healthy', 'healthy-gtid', 'healthy-primary-gtid', 'healthy-all-slaves', 'sql-error',
                     'sql-error-gtid', 'sql-error-primary-gtid', 'delayed', 'delayed-gtid', 'io-error',
                     'io-error-gtid', 'errant', 'errant-gtid', 'errant-primary-gtid', 'not-a-replica']
    healthy = captures('mariadb-10.11.txt')['healthy']
    assert healthy.command == "mariadb --socket=/tmp/gtidfix/s2.sock -e 'SHOW SLAVE STATUS\\G'"
    assert len(healthy.rows[0]) == 54


# -- MariaDB 10.11 (recorded) -------------------------------------------------------------------

def test_mariadb_healthy(capture):
    status = _status(capture, 'mariadb-10.11.txt', 'healthy', MARIADB)
    assert CANONICAL_KEYS <= set(status)
    assert status['flavor'] == 'mariadb'
    assert status['source_host'] == '127.0.0.1'
    assert status['source_port'] == 3490
    assert status['source_user'] == 'repl'
    assert status['source_server_id'] == 1
    assert status['source_uuid'] is None
    assert status['io_state'] == 'Waiting for master to send event'
    assert (status['io_running'], status['sql_running']) == ('Yes', 'Yes')
    assert status['io_thread_running'] is True and status['sql_thread_running'] is True
    assert status['seconds_behind'] == 0
    assert (status['last_io_errno'], status['last_io_error']) == (0, '')
    assert (status['last_sql_errno'], status['last_sql_error']) == (0, '')
    assert (status['source_log_file'], status['read_source_log_pos']) == ('mysql-bin.000001', 1905)
    assert (status['relay_source_log_file'], status['exec_source_log_pos']) == ('mysql-bin.000001', 1905)
    assert status['relay_log_file'] == 'p2-relay-bin.000002'
    assert status['retrieved_gtid_set'] == '1-1-1,0-1-7'       # Gtid_IO_Pos, unsorted as printed
    assert status['executed_gtid_set'] is None                  # SHOW SLAVE STATUS has no Gtid_Slave_Pos
    assert status['using_gtid'] == 'Slave_Pos'
    assert status['auto_position'] is True
    assert status['sql_delay'] == 0 and status['sql_remaining_delay'] is None
    assert status['sql_state'] == 'Slave has read all relay log; waiting for more updates'
    assert status['channel'] == ''
    assert status['connect_retry'] == 10

    slave_pos = _var(capture, 'healthy-gtid', '@@gtid_slave_pos')
    assert slave_pos == '0-1-7,1-1-1'
    applied, reason = relay_log_applied(status, slave_pos)
    assert applied is True
    assert reason == ('relay log fully applied: all fetched GTIDs are executed and executed coordinates match '
                      'read ones (mysql-bin.000001:1905).')
    applied, reason = relay_log_applied(status)
    assert applied is True
    assert 'GTIDs not compared' in reason


def test_mariadb_all_slaves_status_adds_gtid_slave_pos(capture):
    status = _status(capture, 'mariadb-10.11.txt', 'healthy-all-slaves', MARIADB)
    assert status['executed_gtid_set'] == '0-1-7,1-1-1'
    assert status['retrieved_gtid_set'] == '1-1-1,0-1-7'
    assert status['channel'] == ''                               # Connection_name of the default connection
    assert status['sql_state'] == 'Slave has read all relay log; waiting for more updates'
    assert relay_log_applied(status)[0] is True


def test_mariadb_sql_error_duplicate_key(capture):
    status = _status(capture, 'mariadb-10.11.txt', 'sql-error', MARIADB)
    assert status['last_sql_errno'] == 1062
    assert status['last_sql_error'].startswith(
        "Could not execute Write_rows_v1 event on table drtest.t; Duplicate entry '5' for key 'PRIMARY'")
    assert (status['io_running'], status['sql_running']) == ('Yes', 'No')
    assert status['io_thread_running'] is True and status['sql_thread_running'] is False
    assert status['seconds_behind'] is None
    assert status['sql_state'] == ''
    assert status['retrieved_gtid_set'] == '1-1-1,0-1-9'
    assert (status['read_source_log_pos'], status['exec_source_log_pos']) == (2365, 1905)

    slave_pos = _var(capture, 'sql-error-gtid', '@@gtid_slave_pos')
    applied, reason = relay_log_applied(status, slave_pos)
    assert applied is False
    assert reason == ('relay log not fully applied: executed set is missing 2 transactions in domain 0 (seq 8-9) '
                      'fetched by the IO thread.')
    applied, reason = relay_log_applied(status)
    assert applied is False
    assert reason == ('relay log not fully applied: IO thread read up to mysql-bin.000001:2365 but SQL thread '
                      'executed up to mysql-bin.000001:1905.')


def test_mariadb_delayed_replica_is_lagging(capture):
    status = _status(capture, 'mariadb-10.11.txt', 'delayed', MARIADB)
    assert status['sql_delay'] == 3600
    assert status['sql_remaining_delay'] == 3597
    assert status['seconds_behind'] == 3
    assert status['sql_state'] == 'Waiting until MASTER_DELAY seconds after master executed event'
    assert status['sql_thread_running'] is True
    applied, reason = relay_log_applied(status, _var(capture, 'delayed-gtid', '@@gtid_slave_pos'))
    assert applied is False
    assert 'missing 2 transactions in domain 0 (seq 10-11)' in reason


def test_mariadb_io_thread_connecting(capture):
    status = _status(capture, 'mariadb-10.11.txt', 'io-error', MARIADB)
    assert status['io_running'] == 'Connecting'
    assert status['io_thread_running'] is False
    assert status['io_state'] == 'Connecting to master'
    assert status['last_io_errno'] == 1045
    assert status['last_io_error'].startswith("error connecting to master 'repl@127.0.0.1:3490'")
    assert status['seconds_behind'] is None
    # nothing fetched is left unapplied, even though the IO thread is down
    assert relay_log_applied(status, _var(capture, 'io-error-gtid', '@@gtid_slave_pos'))[0] is True


def test_mariadb_errant_write_is_caught_with_gtid_slave_pos_not_current_pos(capture):
    status = _status(capture, 'mariadb-10.11.txt', 'errant', MARIADB)
    assert status['last_sql_errno'] == 1950
    assert 'out-of-order sequence number' in status['last_sql_error']
    assert status['retrieved_gtid_set'] == '1-1-1,0-1-12'
    slave_pos = _var(capture, 'errant-gtid', '@@gtid_slave_pos')
    current_pos = _var(capture, 'errant-gtid', '@@gtid_current_pos')
    assert (slave_pos, current_pos) == ('0-1-11,1-1-1', '0-2-12,1-1-1')
    applied, reason = relay_log_applied(status, slave_pos)
    assert applied is False and 'missing 1 transaction in domain 0 (seq 12)' in reason
    # gtid_current_pos counts the local write 0-2-12 as "seq 12": the server_id tells them apart
    applied, reason = relay_log_applied(status, current_pos)
    assert applied is False
    assert reason == ('relay log not fully applied: domain 0 has the same seq_no from another server '
                      '(fetched 0-1-12,1-1-1, executed 0-2-12,1-1-1).')


def test_mariadb_not_a_replica(capture):
    assert capture('mariadb-10.11.txt', 'not-a-replica').rows == []
    assert normalize_replica_status({}, MARIADB) is None
    assert normalize_replica_status(None, MARIADB) is None
    assert relay_log_applied(None) == (False, 'not a replica: the replica status is empty.')


def test_mariadb_pymysql_row():
    # DictCursor row from the same 10.11 replica via PyMySQL: ints and None instead of text.
    row = {
        'Slave_IO_State': '', 'Master_Host': '127.0.0.1', 'Master_User': 'repl', 'Master_Port': 3490,
        'Connect_Retry': 10, 'Master_Log_File': 'mysql-bin.000001', 'Read_Master_Log_Pos': 3062,
        'Relay_Log_File': 'p2-relay-bin.000002', 'Relay_Log_Pos': 1209, 'Relay_Master_Log_File': 'mysql-bin.000001',
        'Slave_IO_Running': 'No', 'Slave_SQL_Running': 'No', 'Last_Errno': 0, 'Last_Error': '',
        'Exec_Master_Log_Pos': 2829, 'Seconds_Behind_Master': None, 'Last_IO_Errno': 0, 'Last_IO_Error': '',
        'Last_SQL_Errno': 0, 'Last_SQL_Error': '', 'Master_Server_Id': 1, 'Using_Gtid': 'Slave_Pos',
        'Gtid_IO_Pos': '1-1-1,0-1-12', 'SQL_Delay': 0, 'SQL_Remaining_Delay': None, 'Slave_SQL_Running_State': '',
    }
    status = normalize_replica_status(row)          # no dialect: Using_Gtid says MariaDB
    assert status['flavor'] == 'mariadb'
    assert status['source_port'] == 3490 and status['seconds_behind'] is None
    assert status['io_thread_running'] is False and status['sql_thread_running'] is False
    assert status['auto_position'] is True
    assert relay_log_applied(status, '0-1-11,1-1-1')[0] is False


# -- MySQL (reference manual) ---------------------------------------------------------------------

def test_mysql_80_master_column_names(capture):
    status = _status(capture, 'mysql-8.0.txt', 'healthy', MYSQL_80)
    assert CANONICAL_KEYS <= set(status)
    assert status['flavor'] == 'mysql'
    assert (status['source_host'], status['source_port'], status['source_user']) == ('localhost', 13000, 'repl')
    assert status['source_uuid'] == U_OLD
    assert status['source_server_id'] == 1
    assert (status['io_running'], status['sql_running']) == ('Yes', 'Yes')
    assert status['io_thread_running'] and status['sql_thread_running']
    assert status['seconds_behind'] == 0
    assert (status['source_log_file'], status['read_source_log_pos']) == ('source-bin.000002', 1307)
    assert (status['relay_source_log_file'], status['exec_source_log_pos']) == ('source-bin.000002', 1307)
    assert status['retrieved_gtid_set'] == U_OLD + ':1-5'
    assert status['executed_gtid_set'] == U_OLD + ':1-5'
    assert status['auto_position'] is True
    assert status['sql_state'] == 'Reading event from the relay log'
    assert status['channel'] == ''                       # "Channel_name" spelling
    assert status['sql_remaining_delay'] is None
    assert status['using_gtid'] is None
    applied, reason = relay_log_applied(status)
    assert applied is True
    assert reason == ('relay log fully applied: all fetched GTIDs are executed and executed coordinates match '
                      'read ones (source-bin.000002:1307).')


def test_mysql_84_source_column_names(capture):
    status = _status(capture, 'mysql-8.4.txt', 'healthy', MYSQL_84)
    assert (status['source_host'], status['source_port'], status['source_user']) == ('127.0.0.1', 13000, 'root')
    assert status['io_state'] == 'Waiting for source to send event'
    assert status['io_thread_running'] and status['sql_thread_running']
    assert (status['last_io_errno'], status['last_sql_errno']) == (0, 0)
    assert (status['source_log_file'], status['read_source_log_pos']) == ('master-bin.000001', 927)
    assert (status['relay_source_log_file'], status['exec_source_log_pos']) == ('master-bin.000001', 927)
    assert status['retrieved_gtid_set'] == U_NEW + ':1-3'
    assert status['executed_gtid_set'] == U_NEW + ':1-3'
    assert status['auto_position'] is True
    assert status['sql_state'] == 'Replica has read all relay log; waiting for more updates'
    assert status['channel'] == ''
    assert status['source_uuid'] == U_NEW
    assert relay_log_applied(status)[0] is True


def test_mysql_84_lagging_replica(capture):
    status = _status(capture, 'mysql-8.4.txt', 'lagging', MYSQL_84)
    assert status['seconds_behind'] == 42
    assert status['retrieved_gtid_set'] == U_NEW + ':1-10'
    # the client's continuation line is joined, whitespace dropped
    assert status['executed_gtid_set'] == U_OLD + ':1-5,' + U_NEW + ':1-7'
    applied, reason = relay_log_applied(status)
    assert applied is False
    assert reason == ('relay log not fully applied: executed set is missing 3 transactions: %s:8-10 '
                      'fetched by the IO thread.' % U_NEW)
    # a fresher gtid_executed from the server passes the GTID check; coordinates still lag
    applied, reason = relay_log_applied(status, U_OLD + ':1-5,\n' + U_NEW + ':1-10')
    assert applied is False
    assert reason == ('relay log not fully applied: IO thread read up to master-bin.000001:2757 but SQL thread '
                      'executed up to master-bin.000001:2147.')


# -- robustness -------------------------------------------------------------------------------------

def test_columns_are_picked_by_presence_not_by_dialect(capture):
    # an old-style row judged with the 8.4 dialect still normalizes
    status = normalize_replica_status(capture('mysql-8.0.txt', 'healthy').rows[0], MYSQL_84)
    assert status['source_host'] == 'localhost' and status['read_source_log_pos'] == 1307
    # no dialect: Source_* columns, no MariaDB columns -> mysql
    status = normalize_replica_status(capture('mysql-8.4.txt', 'healthy').rows[0])
    assert status['flavor'] == 'mysql' and status['retrieved_gtid_set'] == U_NEW + ':1-3'


def test_missing_columns_give_none():
    status = normalize_replica_status({'Slave_IO_Running': 'Yes', 'Slave_SQL_Running': 'No'}, MYSQL_80)
    assert status['io_thread_running'] is True and status['sql_thread_running'] is False
    for key in ('source_host', 'source_port', 'seconds_behind', 'last_sql_errno', 'retrieved_gtid_set',
                'executed_gtid_set', 'auto_position', 'sql_state', 'source_log_file'):
        assert status[key] is None, key
    assert status['channel'] == ''
    assert relay_log_applied(status) == (
        False, 'cannot tell whether the relay log is applied: no GTID sets and no source coordinates.')


@pytest.mark.parametrize('using_gtid, expected', [('Slave_Pos', True), ('Current_Pos', True), ('No', False)])
def test_mariadb_auto_position(using_gtid, expected):
    status = normalize_replica_status({'Using_Gtid': using_gtid, 'Gtid_IO_Pos': ''}, MARIADB)
    assert status['auto_position'] is expected


def test_gtid_only_channel_skips_invalid_coordinates():
    # MySQL GTID_ONLY channels report file INVALID and position 0 after a restart.
    row = {'Source_Log_File': 'INVALID', 'Read_Source_Log_Pos': 0, 'Relay_Source_Log_File': 'INVALID',
           'Exec_Source_Log_Pos': 0, 'Retrieved_Gtid_Set': U_NEW + ':1-3', 'Executed_Gtid_Set': U_NEW + ':1-3',
           'Auto_Position': 1, 'Replica_IO_Running': 'Yes', 'Replica_SQL_Running': 'Yes'}
    applied, reason = relay_log_applied(normalize_replica_status(row, MYSQL_84))
    assert applied is True
    assert reason == 'relay log fully applied: all fetched GTIDs are executed.'


def test_bad_gtid_text_is_reported_not_raised():
    status = normalize_replica_status({'Retrieved_Gtid_Set': 'nonsense', 'Executed_Gtid_Set': ''}, MYSQL_84)
    applied, reason = relay_log_applied(status)
    assert applied is False
    assert reason.startswith("cannot compare GTID sets: invalid MySQL GTID set: 'nonsense'")


def test_fresh_replica_that_fetched_nothing_has_nothing_to_apply():
    # live 10.11 replica right after CHANGE MASTER, before START SLAVE: Gtid_IO_Pos '' and no coordinates
    row = {'Master_Log_File': '', 'Read_Master_Log_Pos': 4, 'Relay_Master_Log_File': '', 'Exec_Master_Log_Pos': 4,
           'Slave_IO_Running': 'No', 'Slave_SQL_Running': 'No', 'Using_Gtid': 'Slave_Pos', 'Gtid_IO_Pos': ''}
    status = normalize_replica_status(row, MARIADB)
    assert relay_log_applied(status, '') == (True, 'relay log fully applied: the IO thread has fetched no GTIDs.')
    # without the server's gtid_slave_pos there is nothing to compare: refuse to guess
    assert relay_log_applied(status)[0] is False
