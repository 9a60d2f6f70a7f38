"""Splitting one recorded mariadb-dump stream into per-table files (fixture: tests/unit/fixtures/backup)."""
import os

import pytest

from ansible_collections.drkit.mysql.plugins.module_utils import dump_format as df

UNIT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(UNIT, 'fixtures', 'backup')


class Memory(object):
    """In-memory section writers: {relpath: bytes}, counting how often each was opened."""

    def __init__(self):
        self.files = {}
        self.opened = []

    def open(self, relpath, append):
        assert append == (relpath in self.files)
        self.opened.append(relpath)
        self.files.setdefault(relpath, b'')
        memory = self

        class Writer(object):
            closed = False

            def write(self, data):
                assert not self.closed
                memory.files[relpath] += data

            def close(self):
                self.closed = True

        return Writer()


def split(data):
    memory = Memory()
    splitter = df.DumpSplitter(memory.open)
    for line in data.splitlines(True):
        splitter.feed(line)
    splitter.close()
    return splitter, memory.files


@pytest.fixture(scope='module')
def recorded():
    with open(os.path.join(FIXTURES, 'mariadb-dump-10.11.sql'), 'rb') as handle:
        data = handle.read()
    splitter, files = split(data)
    return data, splitter, files


def test_every_table_gets_its_own_file(recorded):
    data, splitter, files = recorded
    assert splitter.completed
    assert splitter.tables == [('drkit_fx', 'log'), ('drkit_fx', 'odd name`x'), ('drkit_fx', 't')]
    assert sorted(files) == ['drkit_fx/%s.sql' % name for name in ('_objects', 'log', 'odd%20name%60x', 't')]
    assert splitter.objects == ['drkit_fx']


def test_every_statement_line_lands_in_exactly_one_place(recorded):
    data, splitter, files = recorded
    assert splitter.bytes_in == len(data)
    places = [b''.join(splitter.header), b''.join(splitter.footer)] + list(files.values())
    for line in data.splitlines(True):
        if line.startswith(b'INSERT INTO') or line.startswith(b'CREATE TABLE'):
            assert sum(place.count(line) for place in places) == 1, line


def test_table_sections_hold_structure_rows_and_triggers_with_unqualified_names(recorded):
    files = recorded[2]
    table = files['drkit_fx/t.sql'].decode()
    assert 'CREATE TABLE `t`' in table and 'INSERT INTO `t` VALUES' in table
    assert 'TRIGGER t_ai AFTER INSERT ON t FOR EACH ROW' in table  # as written, unqualified
    assert '`drkit_fx`' not in table.split('TRIGGER')[0]
    # a value that looks like a marker stays inside its INSERT line
    assert "-- Table structure for table `x`\\n-- a fake marker" in table
    assert 'drkit_fx/x.sql' not in files


def test_objects_hold_view_routine_and_event(recorded):
    objects = recorded[2]['drkit_fx/_objects.sql'].decode()
    assert 'VIEW `v`' in objects
    assert 'PROCEDURE `p`' in objects
    assert 'EVENT `e`' in objects
    assert 'USE `drkit_fx`' not in objects


def test_create_database_is_kept_apart(recorded):
    splitter = recorded[1]
    statement = splitter.create_database['drkit_fx']
    assert statement.startswith('CREATE DATABASE /*!32312 IF NOT EXISTS*/ `drkit_fx`')
    renamed = df.rename_create_database(statement, 'fx_repair')
    assert renamed.startswith('CREATE DATABASE IF NOT EXISTS `fx_repair` /*!40100 DEFAULT CHARACTER SET utf8mb4')
    assert not renamed.endswith(';')


def test_coordinates_are_collected_wherever_they_are(recorded):
    text = recorded[1].coordinate_text()
    assert "-- CHANGE MASTER TO MASTER_LOG_FILE='db-primary-bin.000001', MASTER_LOG_POS=1435020;" in text
    assert "-- SET GLOBAL gtid_slave_pos='0-1-2436';" in text
    assert recorded[1].coordinate_lines == [  # the GTID line comes after the views, near the end
        b"-- CHANGE MASTER TO MASTER_LOG_FILE='db-primary-bin.000001', MASTER_LOG_POS=1435020;\n",
        b"-- SET GLOBAL gtid_slave_pos='0-1-2436';\n"]


def test_header_and_footer_session_lines(recorded):
    splitter = recorded[1]
    header = b''.join(df.session_lines(splitter.header)).decode()
    assert '/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;' in header
    assert "/*!40103 SET TIME_ZONE='+00:00' */;" in header
    assert 'CHANGE MASTER' not in header and 'gtid_slave_pos' not in header
    footer = b''.join(df.session_lines(splitter.footer)).decode()
    assert '/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;' in footer
    assert 'Dump completed' not in footer


def test_session_lines_drop_mysql_gtid_and_log_bin_statements():
    lines = [b"SET @@SESSION.SQL_LOG_BIN= 0;\n", b"/*!40101 SET NAMES utf8mb4 */;\n",
             b"/*!80000 SET @@GLOBAL.GTID_PURGED='x:1-5' */;\n", b"/*M!100616 SET NOTE_VERBOSITY=0 */;\n", b"-- c\n"]
    assert df.session_lines(lines) == [b"/*!40101 SET NAMES utf8mb4 */;\n", b"/*M!100616 SET NOTE_VERBOSITY=0 */;\n"]


def test_a_cut_dump_is_not_completed(recorded):
    data = recorded[0]
    cut = data[:data.index(b'-- Dumping data for table `t`')]
    splitter, files = split(cut)
    assert not splitter.completed


def test_a_table_before_any_database_is_refused():
    with pytest.raises(df.DumpFormatError) as error:
        split(b'-- MariaDB dump\n--\n-- Table structure for table `t`\n--\n')
    assert 'dump with --databases' in str(error.value)


@pytest.mark.parametrize('name, component', [('users', 'users'), ('odd name`x', 'odd%20name%60x'),
                                             ('_objects', '%5Fobjects'), ('caf\u00e9', 'caf%C3%A9'),
                                             ('a/b', 'a%2Fb'), ('..', '%2E%2E')])
def test_file_component(name, component):
    assert df.file_component(name) == component


def test_quote_identifier():
    assert df.quote_identifier('odd`name') == '`odd``name`'
