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


CHUNKED_DUMP = b"""/*!40101 SET NAMES utf8mb4 */;
/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;

--
-- Current Database: `shop`
--

CREATE DATABASE /*!32312 IF NOT EXISTS*/ `shop`;

USE `shop`;

--
-- Table structure for table `big`
--

DROP TABLE IF EXISTS `big`;
CREATE TABLE `big` (
  `id` int NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB;

--
-- Dumping data for table `big`
--

/*!40000 ALTER TABLE `big` DISABLE KEYS */;
INSERT INTO `big` VALUES
(1,'a;'),
(2,'INSERT INTO `big` VALUES');
INSERT INTO `big` VALUES
(3,'c'),
(4,'d');
INSERT INTO `big` VALUES
(5,'e');
INSERT INTO `big` VALUES (6,'f'),(7,'g');
/*!40000 ALTER TABLE `big` ENABLE KEYS */;
DELIMITER ;;
/*!50003 CREATE*/ /*!50003 TRIGGER big_ai AFTER INSERT ON big FOR EACH ROW BEGIN
INSERT INTO log VALUES (NEW.id);
INSERT INTO log VALUES (NEW.id);
END */;;
DELIMITER ;

--
-- Table structure for table `small`
--

CREATE TABLE `small` (`id` int) ENGINE=InnoDB;

--
-- Dumping data for table `small`
--

INSERT INTO `small` VALUES (1);
/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;
-- Dump completed on 2026-11-24 10:00:00
"""


def split_chunked(chunk_bytes):
    memory = Memory()
    splitter = df.DumpSplitter(memory.open, chunk_bytes)
    for line in CHUNKED_DUMP.splitlines(True):
        splitter.feed(line)
    splitter.close()
    return splitter, memory.files


def test_a_big_table_is_cut_between_statements_and_its_triggers_come_after():
    splitter, files = split_chunked(1)  # every statement after the first is a chunk of its own
    assert splitter.table_files[('shop', 'big')] == [
        'shop/big.sql', 'shop/big.00002.sql', 'shop/big.00003.sql', 'shop/big.00004.sql', 'shop/big.post.sql']
    assert splitter.table_chunks[('shop', 'big')] == ['shop/big.00002.sql', 'shop/big.00003.sql', 'shop/big.00004.sql']
    head = files['shop/big.sql']
    # the first rows stay with the structure; a value that looks like a statement start does not cut
    assert b'CREATE TABLE `big`' in head and head.endswith(b"(2,'INSERT INTO `big` VALUES');\n")
    assert files['shop/big.00002.sql'] == b"INSERT INTO `big` VALUES\n(3,'c'),\n(4,'d');\n"
    assert files['shop/big.00004.sql'] == b"INSERT INTO `big` VALUES (6,'f'),(7,'g');\n"
    post = files['shop/big.post.sql']
    assert post.startswith(b'/*!40000 ALTER TABLE `big` ENABLE KEYS */;')
    assert post.count(b'INSERT INTO log') == 2  # the trigger body stays whole, after every chunk
    assert splitter.table_files[('shop', 'small')] == ['shop/small.sql']
    assert splitter.table_chunks[('shop', 'small')] == []


def test_chunks_fill_up_to_the_size():
    splitter, files = split_chunked(40)
    assert splitter.table_chunks[('shop', 'big')] == ['shop/big.00002.sql', 'shop/big.00003.sql']
    assert files['shop/big.00003.sql'].count(b'INSERT INTO') == 2


def test_chunking_off_keeps_one_file_per_table():
    splitter, files = split_chunked(None)
    assert sorted(files) == ['shop/_objects.sql', 'shop/big.sql', 'shop/small.sql']
    assert splitter.table_chunks[('shop', 'big')] == []
    assert files['shop/big.sql'].startswith(b'-- Table structure for table `big`')


@pytest.mark.parametrize('chunk_bytes', [None, 1, 40, 10 ** 6])
def test_every_line_of_a_chunked_dump_lands_once(chunk_bytes):
    """Whatever the chunk size, the files in load order hold each line of the dump once (but CREATE DATABASE/USE)."""
    import collections
    splitter, files = split_chunked(chunk_bytes)
    ordered = [rel for key in splitter.tables for rel in splitter.table_files[key]] + ['shop/_objects.sql']
    assert sorted(ordered) == sorted(files)
    written = b''.join(splitter.header) + b''.join(files[rel] for rel in ordered) + b''.join(splitter.footer)
    expected = [line for line in CHUNKED_DUMP.splitlines(True) if line.strip()
                and not line.startswith((b'CREATE DATABASE', b'USE `', b'-- Current Database'))]
    got = collections.Counter(line for line in written.splitlines(True) if line.strip())
    assert got == collections.Counter(expected)
    table = b''.join(files[rel] for rel in splitter.table_files[('shop', 'big')])
    assert table.index(b'CREATE TABLE') < table.index(b'(7,') < table.index(b'TRIGGER big_ai')
