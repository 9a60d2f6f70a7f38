"""argv of every tool: credentials file first, the right tool options per flavor and version, no password."""
import pytest

from ansible_collections.drkit.mysql.plugins.module_utils import backup_engines as be
from ansible_collections.drkit.mysql.plugins.module_utils import restore_engines as re_
from ansible_collections.drkit.mysql.plugins.module_utils import tools
from ansible_collections.drkit.mysql.plugins.module_utils.flavor import detect_dialect

MARIADB = detect_dialect('10.11.19-MariaDB-0+deb12u1-log')
MYSQL80 = detect_dialect('8.0.36')
MYSQL8016 = detect_dialect('8.0.16')
MYSQL57 = detect_dialect('5.7.44-log')
CNF = '/tmp/drkit-cnf-x/client.cnf'


def test_mariadb_dump_command():
    argv = be.dump_command('/usr/bin/mariadb-dump', CNF, MARIADB, ['shop', 'crm'], log_bin=True)
    assert argv[:2] == ['/usr/bin/mariadb-dump', '--defaults-extra-file=' + CNF]
    for option in ('--single-transaction', '--routines', '--events', '--triggers', '--master-data=2', '--gtid',
                   '--hex-blob', '--quick', '--skip-add-locks'):
        assert option in argv
    assert argv[-3:] == ['--databases', 'shop', 'crm']
    assert not any('password' in arg for arg in argv)


def test_mariadb_dump_without_binlog_has_no_coordinates_options():
    argv = be.dump_command('mariadb-dump', CNF, MARIADB, ['shop'], log_bin=False)
    assert '--master-data=2' not in argv and '--gtid' not in argv


@pytest.mark.parametrize('dialect, log_bin, gtid_mode, expected, absent', [
    (MYSQL80, True, True, ['--source-data=2', '--set-gtid-purged=COMMENTED'], ['--master-data=2', '--gtid']),
    (MYSQL8016, True, True, ['--master-data=2', '--set-gtid-purged=ON'], ['--source-data=2']),
    (MYSQL57, True, False, ['--master-data=2', '--set-gtid-purged=OFF'], ['--source-data=2']),
    (MYSQL80, False, False, ['--set-gtid-purged=OFF'], ['--source-data=2', '--master-data=2']),
])
def test_mysqldump_command(dialect, log_bin, gtid_mode, expected, absent):
    argv = be.dump_command('mysqldump', CNF, dialect, ['shop'], log_bin, gtid_mode)
    assert argv[1] == '--defaults-extra-file=' + CNF
    for option in expected:
        assert option in argv
    for option in absent:
        assert option not in argv


def test_mydumper_command():
    argv = be.mydumper_command('/usr/bin/mydumper', CNF, '/b/x.partial/mydumper', ['shop', 'a.b'], 3, True)
    assert argv[:2] == ['/usr/bin/mydumper', '--defaults-file=' + CNF]
    assert '--threads=3' in argv and '--compress' in argv and '--outputdir=/b/x.partial/mydumper' in argv
    assert '--regex=^(shop|a\\.b)\\.' in argv
    assert {'--triggers', '--events', '--routines'} <= set(argv)
    assert not [option for option in argv if option.startswith('--chunk-filesize')]
    argv = be.mydumper_command('/usr/bin/mydumper', CNF, '/b/m', ['shop'], 2, False, 32)
    assert '--chunk-filesize=32' in argv and '--compress' not in argv


def test_physical_commands():
    argv = be.physical_backup_command('/usr/bin/mariabackup', CNF, MARIADB, '/b/x.partial/data', '/var/lib/mysql/', 2)
    assert argv == ['/usr/bin/mariabackup', '--defaults-extra-file=' + CNF, '--backup',
                    '--target-dir=/b/x.partial/data', '--parallel=2', '--datadir=/var/lib/mysql/']
    assert be.physical_prepare_command('xtrabackup', '/b/d') == ['xtrabackup', '--prepare', '--target-dir=/b/d']


def test_restore_commands():
    assert re_.client_command('/usr/bin/mariadb', CNF, 'shop_repair')[:3] == [
        '/usr/bin/mariadb', '--defaults-extra-file=' + CNF, '--database=shop_repair']
    argv = re_.myloader_command('myloader', CNF, '/s', 4, 'shop', 'shop_repair', binlog=False)
    assert argv[:2] == ['myloader', '--defaults-file=' + CNF]
    assert '--source-db=shop' in argv and '--database=shop_repair' in argv and '--enable-binlog' not in argv
    assert '--enable-binlog' in re_.myloader_command('myloader', CNF, '/s', 4)
    assert re_.copy_back_command('mariabackup', '/u', '/d', True) == [
        'mariabackup', '--no-defaults', '--move-back', '--target-dir=/u', '--datadir=/d']
    assert re_.copy_back_command('mariabackup', '/u', '/d', False, parallel=3)[-1] == '--parallel=3'
    assert re_.copy_back_command('mariabackup', '/u', '/d', False, '/etc/my.cnf')[1:3] == [
        '--defaults-file=/etc/my.cnf', '--copy-back']


@pytest.mark.parametrize('flavor, role, first', [
    ('mariadb', 'dump', 'mariadb-dump'), ('mysql', 'dump', 'mysqldump'), ('mariadb', 'physical', 'mariabackup'),
    ('mysql', 'physical', 'xtrabackup'), ('mysql', 'client', 'mysql'), ('mariadb', 'myloader', 'myloader'),
])
def test_tool_follows_the_flavor(flavor, role, first):
    assert tools.candidates(role, flavor)[0] == first


def test_missing_tool_names_the_debian_package():
    with pytest.raises(tools.ToolError) as error:
        tools.find_tool('physical', 'mysql', 'The physical backup of mysql 8.0.36', which=lambda name: None)
    assert str(error.value) == ('The physical backup of mysql 8.0.36 needs xtrabackup, which is not installed on this '
                                'host (not found in PATH); install the Debian package percona-xtrabackup-80 '
                                '(from the Percona repository).')
    with pytest.raises(tools.ToolError) as error:
        tools.find_tool('physical', 'mariadb', 'x', which=lambda name: None)
    assert 'mariabackup or mariadb-backup' in str(error.value) and 'package mariadb-backup' in str(error.value)


def test_find_tool_takes_the_first_present():
    found = tools.find_tool('dump', 'mariadb', 'x', which=lambda name: '/usr/bin/mysqldump' if name == 'mysqldump'
                            else None)
    assert found == ('mysqldump', '/usr/bin/mysqldump')


def test_compression_choice():
    assert tools.choose_compression('auto', which=lambda name: '/usr/bin/zstd') == 'zstd'
    assert tools.choose_compression('auto', which=lambda name: None) == 'gzip'
    assert tools.choose_compression('none', which=lambda name: None) == 'none'
    with pytest.raises(tools.ToolError) as error:
        tools.choose_compression('zstd', which=lambda name: None)
    assert 'install the Debian package zstd' in str(error.value)


def test_compressor_commands():
    assert tools.compress_command('zstd') == ['zstd', '-q', '-c', '-T1']
    assert tools.compress_command('gzip', level=6) == ['gzip', '-c', '-6']
    assert tools.decompress_command('zstd', '/b/f.zst') == ['zstd', '-q', '-d', '-c', '--', '/b/f.zst']
    assert tools.test_command('gzip', '/b/f.gz') == ['gzip', '-t', '--', '/b/f.gz']
    assert [tools.compression_of(p) for p in ('a.sql.zst', 'a.sql.gz', 'a.sql')] == ['zstd', 'gzip', 'none']


@pytest.mark.parametrize('text, version', [
    ('mariadb-dump from 11.4.2-MariaDB, client 10.19 for debian-linux-gnu (x86_64)', '11.4.2-MariaDB'),
    ('mysqldump  Ver 8.0.36 for Linux on x86_64 (MySQL Community Server - GPL)', '8.0.36'),
    ('mydumper 0.10.0, built against MySQL 10.11.14', '0.10.0'),
    ('*** Zstandard CLI (64-bit) v1.5.4, by Yann Collet ***', '1.5.4'),
    ('', ''),
])
def test_parse_version(text, version):
    assert tools.parse_version(text) == version


@pytest.mark.parametrize('filename, parsed', [
    ('metadata', (None, None, 'metadata')),
    ('shop-schema-create.sql.gz', ('shop', None, 'create')),
    ('shop-schema-post.sql.gz', ('shop', None, 'post')),
    ('shop.users-schema.sql.gz', ('shop', 'users', 'schema')),
    ('shop.users.sql.gz', ('shop', 'users', 'data')),
    ('shop.users.00001.sql.gz', ('shop', 'users', 'data')),
    ('shop.users-schema-triggers.sql', ('shop', 'users', 'triggers')),
    ('shop.v_orders-schema-view.sql.gz', ('shop', 'v_orders', 'view')),
    ('README', (None, None, 'other')),
])
def test_classify_mydumper_file(filename, parsed):
    assert be.classify_mydumper_file(filename) == parsed
