"""The dialect comes from VERSION(): every statement rename is a version boundary tested here."""
import pytest

from ansible_collections.drkit.mysql.plugins.module_utils.flavor import (
    Dialect,
    DialectError,
    detect_dialect,
)


# -- detection -----------------------------------------------------------------

@pytest.mark.parametrize('version, comment, flavor, parsed, supported', [
    ('8.0.36', 'MySQL Community Server - GPL', 'mysql', (8, 0, 36), True),
    ('8.4.3', None, 'mysql', (8, 4, 3), True),
    ('9.1.0', None, 'mysql', (9, 1, 0), True),
    ('5.7.44-log', None, 'mysql', (5, 7, 44), True),
    ('5.7.44-48-log', 'Percona Server (GPL), Release 48', 'mysql', (5, 7, 44), True),
    ('5.6.51', None, 'mysql', (5, 6, 51), False),
    ('8.0', None, 'mysql', (8, 0, 0), True),
    ('10.11.19-MariaDB-0+deb12u1-log', 'Debian 12', 'mariadb', (10, 11, 19), True),  # recorded on this host
    ('11.4.2-MariaDB', None, 'mariadb', (11, 4, 2), True),
    ('5.5.5-10.11.6-MariaDB', None, 'mariadb', (10, 11, 6), True),
    ('5.5.5-10.5.23-MariaDB-log', None, 'mariadb', (10, 5, 23), False),
    ('10.6.0-MariaDB', None, 'mariadb', (10, 6, 0), True),
    ('10.3.39', 'mariadb.org binary distribution', 'mariadb', (10, 3, 39), False),
    (b'10.11.6-MariaDB', None, 'mariadb', (10, 11, 6), True),
])
def test_detect_dialect(version, comment, flavor, parsed, supported):
    dialect = detect_dialect(version, comment)
    assert dialect.flavor == flavor
    assert dialect.is_mariadb == (flavor == 'mariadb')
    assert dialect.version == parsed
    assert dialect.supported is supported


@pytest.mark.parametrize('version', ['', '   ', None, 'MariaDB'])
def test_detect_dialect_rejects_unreadable_versions(version):
    with pytest.raises(DialectError):
        detect_dialect(version)


def test_dialect_is_immutable():
    dialect = detect_dialect('8.0.36')
    with pytest.raises(AttributeError):
        dialect.flavor = 'mariadb'
    with pytest.raises(AttributeError):
        dialect.anything = 1
    assert dialect == detect_dialect('8.0.36')
    assert dialect.version_string == '8.0.36'
    assert isinstance(dialect, Dialect)


# -- statements by version ------------------------------------------------------------

@pytest.mark.parametrize('version, status, replicas, start, stop, reset', [
    ('5.7.44', 'SHOW SLAVE STATUS', 'SHOW SLAVE HOSTS', 'START SLAVE', 'STOP SLAVE', 'RESET SLAVE ALL'),
    ('8.0.21', 'SHOW SLAVE STATUS', 'SHOW SLAVE HOSTS', 'START SLAVE', 'STOP SLAVE', 'RESET SLAVE ALL'),
    ('8.0.22', 'SHOW REPLICA STATUS', 'SHOW REPLICAS', 'START REPLICA', 'STOP REPLICA', 'RESET REPLICA ALL'),
    ('8.4.3', 'SHOW REPLICA STATUS', 'SHOW REPLICAS', 'START REPLICA', 'STOP REPLICA', 'RESET REPLICA ALL'),
    ('10.6.0-MariaDB', 'SHOW SLAVE STATUS', 'SHOW SLAVE HOSTS', 'START SLAVE', 'STOP SLAVE', 'RESET SLAVE ALL'),
    ('11.4.2-MariaDB', 'SHOW SLAVE STATUS', 'SHOW SLAVE HOSTS', 'START SLAVE', 'STOP SLAVE', 'RESET SLAVE ALL'),
])
def test_replica_keywords(version, status, replicas, start, stop, reset):
    dialect = detect_dialect(version)
    assert dialect.show_replica_status == status
    assert dialect.show_replicas == replicas
    assert dialect.start_replica_sql == start
    assert dialect.stop_replica_sql == stop
    assert dialect.reset_replica_all_sql == reset


@pytest.mark.parametrize('version, expected', [
    ('5.7.44', 'SHOW MASTER STATUS'),
    ('8.0.40', 'SHOW MASTER STATUS'),
    ('8.1.0', 'SHOW MASTER STATUS'),
    ('8.2.0', 'SHOW BINARY LOG STATUS'),
    ('8.4.3', 'SHOW BINARY LOG STATUS'),
    ('10.11.19-MariaDB-0+deb12u1-log', 'SHOW MASTER STATUS'),
    ('11.4.2-MariaDB', 'SHOW MASTER STATUS'),
])
def test_show_binlog_status(version, expected):
    assert detect_dialect(version).show_binlog_status == expected


def test_gtid_variables():
    mysql = detect_dialect('8.0.36')
    assert mysql.executed_gtid_variable == 'gtid_executed'
    assert mysql.replica_gtid_variable is None
    assert mysql.gtid_mode_variables == ('gtid_mode', 'enforce_gtid_consistency')
    mariadb = detect_dialect('10.11.6-MariaDB')
    assert mariadb.executed_gtid_variable == 'gtid_current_pos'
    assert mariadb.replica_gtid_variable == 'gtid_slave_pos'
    assert mariadb.gtid_mode_variables == ('gtid_strict_mode',)


@pytest.mark.parametrize('version, has_sro, on, off', [
    ('5.7.8', True, ['SET GLOBAL super_read_only = ON'],
     ['SET GLOBAL super_read_only = OFF', 'SET GLOBAL read_only = OFF']),
    ('8.4.3', True, ['SET GLOBAL super_read_only = ON'],
     ['SET GLOBAL super_read_only = OFF', 'SET GLOBAL read_only = OFF']),
    ('5.6.51', False, ['SET GLOBAL read_only = ON'], ['SET GLOBAL read_only = OFF']),
    ('10.11.6-MariaDB', False, ['SET GLOBAL read_only = ON'], ['SET GLOBAL read_only = OFF']),
])
def test_read_only_statements(version, has_sro, on, off):
    dialect = detect_dialect(version)
    assert dialect.has_super_read_only is has_sro
    assert dialect.read_only_statements(True) == on
    assert dialect.read_only_statements(False) == off


def test_binlog_dump_commands_and_client_binaries():
    mysql = detect_dialect('8.0.36')
    mariadb = detect_dialect('10.11.6-MariaDB')
    assert 'Binlog Dump' in mariadb.binlog_dump_command_names        # what 10.11 showed for a GTID replica
    assert set(mysql.binlog_dump_command_names) == {'Binlog Dump', 'Binlog Dump GTID'}
    assert mariadb.client_binaries == {
        'dump': ('mariadb-dump', 'mysqldump'),
        'binlog': ('mariadb-binlog', 'mysqlbinlog'),
        'client': ('mariadb', 'mysql'),
        'backup': ('mariabackup', 'mariadb-backup'),
    }
    assert mysql.client_binaries == {
        'dump': ('mysqldump',), 'binlog': ('mysqlbinlog',), 'client': ('mysql',), 'backup': ('xtrabackup',),
    }
    mysql.client_binaries['dump'] = ('oops',)
    assert mysql.client_binaries['dump'] == ('mysqldump',)


# -- CHANGE MASTER / CHANGE REPLICATION SOURCE ----------------------------------------------------

def test_change_source_mysql_8_0_23_and_later():
    for version in ('8.0.23', '8.4.3'):
        sql, params = detect_dialect(version).change_source_sql('db1.example', 3306, 'repl', "pa'ss")
        assert sql == ('CHANGE REPLICATION SOURCE TO SOURCE_HOST=%s, SOURCE_PORT=%s, SOURCE_USER=%s, '
                       'SOURCE_PASSWORD=%s, SOURCE_AUTO_POSITION=1')
        assert params == ('db1.example', 3306, 'repl', "pa'ss")


def test_change_source_mysql_8_0_22_still_uses_change_master():
    # SHOW REPLICA STATUS arrived in 8.0.22, CHANGE REPLICATION SOURCE only in 8.0.23.
    sql, params = detect_dialect('8.0.22').change_source_sql('db1', 3306, 'repl', 'pw')
    assert sql == ('CHANGE MASTER TO MASTER_HOST=%s, MASTER_PORT=%s, MASTER_USER=%s, MASTER_PASSWORD=%s, '
                   'MASTER_AUTO_POSITION=1')
    assert params == ('db1', 3306, 'repl', 'pw')
    assert isinstance(params[1], int)


def test_change_source_mariadb():
    sql, params = detect_dialect('10.11.19-MariaDB-0+deb12u1-log').change_source_sql(
        '127.0.0.1', 3490, 'repl', 'replpw', connect_retry=10)
    assert sql == ('CHANGE MASTER TO MASTER_HOST=%s, MASTER_PORT=%s, MASTER_USER=%s, MASTER_PASSWORD=%s, '
                   'MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=%s')
    assert params == ('127.0.0.1', 3490, 'repl', 'replpw', 10)


def test_change_source_ssl():
    ssl = {'ca': '/etc/mysql/ca.pem', 'cert': '/etc/mysql/client.pem', 'key': '/etc/mysql/client.key',
           'verify_server_cert': True}
    sql, params = detect_dialect('8.4.3').change_source_sql('db1', 3306, 'repl', 'pw', ssl=ssl)
    assert sql.endswith('SOURCE_AUTO_POSITION=1, SOURCE_SSL=1, SOURCE_SSL_CA=%s, SOURCE_SSL_CERT=%s, '
                        'SOURCE_SSL_KEY=%s, SOURCE_SSL_VERIFY_SERVER_CERT=1')
    assert params[4:] == ('/etc/mysql/ca.pem', '/etc/mysql/client.pem', '/etc/mysql/client.key')
    sql, params = detect_dialect('10.6.16-MariaDB').change_source_sql('db1', 3306, 'repl', 'pw',
                                                                      ssl={'ca': '/ca.pem'})
    assert sql.endswith('MASTER_USE_GTID=slave_pos, MASTER_SSL=1, MASTER_SSL_CA=%s')
    assert params[4:] == ('/ca.pem',)
    sql, _params = detect_dialect('5.7.44').change_source_sql('db1', 3306, 'repl', 'pw', ssl={})
    assert sql.endswith('MASTER_AUTO_POSITION=1, MASTER_SSL=1')


def test_change_source_file_position_and_public_key():
    sql, params = detect_dialect('8.4.3').change_source_sql(
        'db1', 3306, 'repl', 'pw', auto_position=False, log_file='binlog.000042', log_pos=157,
        get_source_public_key=True)
    assert sql.endswith('SOURCE_AUTO_POSITION=0, SOURCE_LOG_FILE=%s, SOURCE_LOG_POS=%s, GET_SOURCE_PUBLIC_KEY=1')
    assert params[4:] == ('binlog.000042', 157)
    sql, _params = detect_dialect('8.0.22').change_source_sql('db1', 3306, 'repl', 'pw', get_source_public_key=True)
    assert sql.endswith('GET_MASTER_PUBLIC_KEY=1')
    for version in ('5.7.44', '10.11.6-MariaDB'):
        sql, _params = detect_dialect(version).change_source_sql('db1', 3306, 'repl', 'pw', get_source_public_key=True)
        assert 'PUBLIC_KEY' not in sql
    sql, _params = detect_dialect('10.11.6-MariaDB').change_source_sql('db1', 3306, 'repl', 'pw', auto_position=False)
    assert sql.endswith('MASTER_USE_GTID=no')


def test_change_source_never_interpolates_values():
    hostile = "x'; DROP TABLE mysql.user; --"
    sql, params = detect_dialect('8.4.3').change_source_sql(hostile, 3306, hostile, hostile,
                                                            ssl={'ca': hostile}, connect_retry=5)
    assert hostile not in sql
    assert params.count(hostile) == 4


@pytest.mark.parametrize('kwargs, fragment', [
    (dict(host=''), 'host'),
    (dict(port='3306'), 'port'),
    (dict(port=0), 'port'),
    (dict(port=70000), 'port'),
    (dict(port=True), 'port'),
    (dict(user=''), 'user'),
    (dict(password=None), 'password'),
    (dict(connect_retry=0), 'connect_retry'),
    (dict(ssl={'ca': '/ca', 'capath': '/x'}), 'capath'),
    (dict(ssl='yes'), 'ssl'),
    (dict(log_file='binlog.000001', log_pos=4), 'auto-positioning'),
    (dict(auto_position=False, log_file='binlog.000001'), 'together'),
    (dict(auto_position=False, log_file='binlog.000001', log_pos=2), 'log_pos'),
])
def test_change_source_rejects_bad_arguments(kwargs, fragment):
    args = dict(host='db1', port=3306, user='repl', password='pw')
    args.update(kwargs)
    with pytest.raises(DialectError, match=fragment):
        detect_dialect('8.4.3').change_source_sql(**args)
