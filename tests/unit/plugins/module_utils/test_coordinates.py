"""Binlog coordinates and GTID set at the consistent point, as each tool writes them.

MariaDB texts are recorded on this machine (tests/unit/fixtures/backup, see its README);
MySQL texts follow the mysqldump / xtrabackup / mydumper 0.12 sources (no MySQL server here).
"""
import os

import pytest

from ansible_collections.drkit.mysql.plugins.module_utils import coordinates as co

UNIT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(UNIT, 'fixtures', 'backup')


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


def test_recorded_mariadb_dump():
    # mariadb-dump 10.11 prints the file/position in the header and the GTID position near the end
    parsed = co.parse_dump_header(fixture('mariadb-dump-10.11.sql'))
    assert parsed == dict(binlog_file='db-primary-bin.000001', binlog_position=1435020, gtid_set='0-1-2436')


def test_recorded_mydumper_metadata():
    parsed = co.parse_mydumper_metadata(fixture('mydumper-0.10-metadata'))
    assert parsed == dict(binlog_file='db-primary-bin.000001', binlog_position=1435020, gtid_set='0-1-2436')


def test_recorded_mariabackup_binlog_info():
    parsed = co.parse_binlog_info(fixture('xtrabackup_binlog_info-mariabackup-10.11'))
    assert parsed == dict(binlog_file='db-primary-bin.000001', binlog_position=1439206, gtid_set='0-1-2449')


MYSQL80_HEADER = """-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)
--
-- Host: 127.0.0.1    Database: shop
-- ------------------------------------------------------
-- Server version\t8.0.36

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
SET @MYSQLDUMP_TEMP_LOG_BIN = @@SESSION.SQL_LOG_BIN;
SET @@SESSION.SQL_LOG_BIN= 0;

--
-- GTID state at the beginning of the backup
--

/* SET @@GLOBAL.GTID_PURGED=/*!80000 '+'*/ '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,
8a94f357-aab4-11df-86ab-c80aa9429562:1-100'; */

--
-- Position to start replication or point-in-time recovery from
--

-- CHANGE REPLICATION SOURCE TO SOURCE_LOG_FILE='binlog.000002', SOURCE_LOG_POS=157;
"""

MYSQL57_HEADER = """-- MySQL dump 10.13  Distrib 5.7.44, for Linux (x86_64)
SET @@SESSION.SQL_LOG_BIN= 0;
SET @@GLOBAL.GTID_PURGED='3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5';
-- CHANGE MASTER TO MASTER_LOG_FILE='mysql-bin.000003', MASTER_LOG_POS=154;
"""


def test_mysql80_header_with_a_commented_multiline_gtid_set():
    assert co.parse_dump_header(MYSQL80_HEADER) == dict(
        binlog_file='binlog.000002', binlog_position=157,
        gtid_set='3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,8a94f357-aab4-11df-86ab-c80aa9429562:1-100')


def test_mysql57_header():
    assert co.parse_dump_header(MYSQL57_HEADER) == dict(
        binlog_file='mysql-bin.000003', binlog_position=154, gtid_set='3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5')


def test_header_without_coordinates():
    assert co.parse_dump_header('-- MariaDB dump 10.19\n/*!40101 SET NAMES utf8mb4 */;\n') == co.empty()


def test_xtrabackup_binlog_info_multiline():
    text = ('binlog.000002\t157\t3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,\n'
            '8a94f357-aab4-11df-86ab-c80aa9429562:1-100\n')
    assert co.parse_binlog_info(text) == dict(
        binlog_file='binlog.000002', binlog_position=157,
        gtid_set='3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,8a94f357-aab4-11df-86ab-c80aa9429562:1-100')


@pytest.mark.parametrize('text, expected', [
    ('', co.empty()),
    ('mysql-bin.000001\t4\n', dict(binlog_file='mysql-bin.000001', binlog_position=4, gtid_set=None)),
    ('mysql-bin.000001 4 0-1-5', dict(binlog_file='mysql-bin.000001', binlog_position=4, gtid_set='0-1-5')),
])
def test_binlog_info_variants(text, expected):
    assert co.parse_binlog_info(text) == expected


MYDUMPER_012 = """[config]
quote_character = BACKTICK

[master]
# Channel_Name = '' # It can be use to setup replication FOR CHANNEL
# SOURCE_HOST = "127.0.0.1"
File = binlog.000002
Position = 157
Executed_Gtid_Set = 3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5

[`shop`.`users`]
real_table_name=users
"""


def test_mydumper_012_ini_metadata():
    assert co.parse_mydumper_metadata(MYDUMPER_012) == dict(
        binlog_file='binlog.000002', binlog_position=157, gtid_set='3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5')


def test_mydumper_metadata_without_binlog():
    assert co.parse_mydumper_metadata('Started dump at: 2026-11-24 07:40:00\nFinished dump at: x\n') == co.empty()
