# -*- coding: utf-8 -*-
# Copyright: drkit.mysql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One consistent mariadb-dump/mysqldump stream, split into one file per table.

A single dump process gives one snapshot (``--single-transaction``) and one
consistent binlog/GTID point for every table; several dump processes would
not.  Restoring one table, the essential tables first, several tables in
parallel or a table into another schema needs the tables apart, so the
stream is split while it is written, on the comment lines the dump tools
print before each part:

* the header (session settings, coordinates) up to the first database -> ``_header.sql``
  (mariadb-dump 10.11 prints its GTID position near the end: coordinate comments are collected
  wherever they are);
* ``-- Table structure for table `t``` and ``-- Dumping data for table `t``` (structure, rows and
  triggers of one table) -> ``<db>/<t>.sql``; with ``chunk_bytes``, a table whose rows pass that size
  continues in ``<db>/<t>.00002.sql``, ``.00003``... (INSERT statements only, cut between statements)
  and what follows its rows (ENABLE KEYS, triggers) goes to ``<db>/<t>.post.sql``, so a restore loads
  the chunks of one table in parallel, after its structure and before its triggers;
* views, routines and events (``-- ... view structure for view``, ``-- Dumping routines/events``)
  -> ``<db>/_objects.sql``;
* the footer (restoring session settings, ``-- Dump completed``) -> ``_footer.sql``.

Table sections use unqualified names, so a table file loads into any schema
(``mariadb --database=shop_repair``).  ``CREATE DATABASE`` statements are
kept apart (in the manifest), ``USE`` lines are dropped: the restore chooses
the schema.

A data line never starts with ``-- `` (the tools escape line breaks inside
values as ``\\n``), so the markers cannot be forged by table contents.

Stdlib only: this file runs on managed hosts with Python 3.8+.
"""

from __future__ import absolute_import, division, print_function

import re

__metaclass__ = type

HEADER_FILE = '_header.sql'
FOOTER_FILE = '_footer.sql'
OBJECTS_NAME = '_objects'

_NAME = rb'`((?:[^`]|``)+)`'
_CURRENT_DB_RE = re.compile(rb'^-- Current Database: ' + _NAME + rb'\s*$')
_TABLE_RE = re.compile(rb'^-- (?:Table structure|Dumping data) for table ' + _NAME + rb'\s*$')
_OBJECT_RE = re.compile(rb'^-- (?:(?:Temporary|Final) (?:table|view) structure for view ' + _NAME
                        + rb"|Dumping (?:events|routines) for database '.*')\s*$")
_FOOTER_RE = re.compile(rb'^/\*!40103 SET TIME_ZONE=@OLD_TIME_ZONE \*/;')
_COMPLETED_RE = re.compile(rb'^-- Dump completed')
_CREATE_DB_RE = re.compile(rb'^CREATE DATABASE ')
# Coordinates the tool prints as comments; mariadb-dump 10.11 prints the GTID position at the very end.
_COORDINATE_RE = re.compile(rb'^-- (?:CHANGE (?:MASTER|REPLICATION SOURCE) TO \S+_LOG_FILE|SET GLOBAL gtid_slave_pos)')
_USE_RE = re.compile(rb'^USE `')
# The start of a row statement, at a statement boundary (mariadb-dump: one row per line, mysqldump: one statement).
_INSERT_RE = re.compile(rb'^(?:INSERT|REPLACE)(?: IGNORE)? INTO ')

# Header limit: it is session settings and coordinates; more means this is not a dump header.
MAX_HEADER_BYTES = 4 * 1024 * 1024

_SAFE_CHARS = frozenset('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$-')


class DumpFormatError(Exception):
    """The dump stream is not what mariadb-dump/mysqldump writes."""


def unquote(raw):
    return raw.decode('utf-8').replace('``', '`')


def quote_identifier(name):
    """A MySQL identifier in backquotes."""
    return '`%s`' % name.replace('`', '``')


def file_component(name):
    """A schema or table name as a file name: ``%XX`` for anything outside [A-Za-z0-9_$-]."""
    out = []
    for char in name:
        if char in _SAFE_CHARS:
            out.append(char)
        else:
            out.extend('%%%02X' % byte for byte in char.encode('utf-8'))
    text = ''.join(out)
    return text if not text.startswith(OBJECTS_NAME) else '%5F' + text[1:]


def session_lines(lines):
    """The lines of a header/footer a restore replays: version-conditional ``/*!...*/`` statements.

    Coordinates, comments and MySQL's ``SQL_LOG_BIN``/``GTID_PURGED``
    statements are left out: a restore decides binary logging itself and
    never rewrites the target's GTID state.
    """
    kept = []
    for line in lines:
        stripped = line.lstrip()
        if (stripped.startswith(b'/*!') or stripped.startswith(b'/*M!')) and b'GTID_PURGED' not in line.upper():
            kept.append(line if line.endswith(b'\n') else line + b'\n')
    return kept


class DumpSplitter(object):
    """Feed dump lines (bytes, with their newline); sections go to writers from ``open_section``.

    ``open_section(relpath_without_suffix, append)`` returns an object with
    ``write(bytes)`` and ``close()``.  Afterwards: ``header`` and ``footer``
    (lists of lines), ``create_database`` ({db: statement}), ``tables``
    ([(db, table)] in dump order), ``objects`` (dbs with an objects section),
    ``completed`` (the tool's last line was seen), ``table_files`` ({(db, table): [relpath]} in load
    order) and ``table_chunks`` ({(db, table): [relpath]}: the files among them that load in parallel).
    """

    def __init__(self, open_section, chunk_bytes=None):
        self._open_section = open_section
        self._chunk_bytes = chunk_bytes or None
        self._table = None  # state of the table section being written
        self._table_state = {}
        self._writer = None
        self._key = None
        self._db = None
        self._state = 'header'
        self._header_bytes = 0
        self._opened = set()
        self.header = []
        self.footer = []
        self.create_database = {}
        self.tables = []
        self.objects = []
        self.completed = False
        self.bytes_in = 0
        self.coordinate_lines = []
        self.table_files = {}
        self.table_chunks = {}

    def _switch(self, relpath):
        if relpath == self._key:
            return
        self._close_writer()
        append = relpath in self._opened
        self._opened.add(relpath)
        self._writer = self._open_section(relpath, append)
        self._key = relpath

    def _close_writer(self):
        if self._writer is not None:
            writer, self._writer, self._key = self._writer, None, None
            writer.close()

    def feed(self, line):
        self.bytes_in += len(line)
        if line.startswith(b'-- '):
            if _COMPLETED_RE.match(line):
                self.completed = True
            elif _COORDINATE_RE.match(line):
                self.coordinate_lines.append(line)
        if self._state == 'footer':
            self.footer.append(line)
            return
        if line.startswith(b'-- '):
            if self._marker(line):
                return
        elif _FOOTER_RE.match(line) and self._state != 'header':
            self._close_writer()
            self._state = 'footer'
            self.footer.append(line)
            return
        if self._state == 'header':
            self._header_bytes += len(line)
            if self._header_bytes > MAX_HEADER_BYTES:
                raise DumpFormatError('the dump has no table or database marker in its first %d bytes.'
                                      % MAX_HEADER_BYTES)
            self.header.append(line)
        elif self._state == 'database':
            if _CREATE_DB_RE.match(line):
                self.create_database.setdefault(self._db, line.decode('utf-8').strip())
            elif not _USE_RE.match(line) and line.strip() and self._writer is not None:
                self._writer.write(line)
        elif self._state == 'table':
            self._table_line(line)
        elif self._writer is not None:
            self._writer.write(line)

    def _table_line(self, line):
        """Rows go to the current chunk; a new chunk starts between statements once this one is full."""
        state = self._table
        if not state['boundary'] and line.endswith(b',\n'):  # a row inside a statement: most lines
            state['part_bytes'] += len(line)
            self._writer.write(line)
            return
        stripped = line.rstrip()
        if state['boundary'] and stripped and not line.startswith(b'--'):
            if _INSERT_RE.match(line) and not state['closed']:
                if state['rows'] and self._chunk_bytes and state['part_bytes'] >= self._chunk_bytes:
                    state['part'] += 1
                    state['part_bytes'] = 0
                    self._switch_table(state)
                    self.table_chunks[state['key']].append(self._key)
                state['rows'] = True
            elif state['rows'] and not state['closed']:
                state['closed'] = True  # ENABLE KEYS, triggers: after every chunk
                self._switch_table(state)
        if stripped and not line.startswith(b'--'):
            state['boundary'] = stripped.endswith(b';')
        state['part_bytes'] += len(line)
        self._writer.write(line)

    def _switch_table(self, state):
        db, table = state['key']
        if state['part'] == 1:
            relpath = table_path(db, table)
        elif state['closed']:
            relpath = post_path(db, table)
        else:
            relpath = chunk_path(db, table, state['part'])
        self._switch(relpath)
        files = self.table_files.setdefault(state['key'], [])
        if relpath not in files:
            files.append(relpath)

    def _marker(self, line):
        match = _CURRENT_DB_RE.match(line)
        if match:
            self._db = unquote(match.group(1))
            self._state = 'database'
            # The database block's own statements (beyond CREATE/USE) belong with its objects.
            self._switch(objects_path(self._db))
            if self._db not in self.objects:
                self.objects.append(self._db)
            return True
        match = _TABLE_RE.match(line)
        if match:
            self._require_db(line)
            table = unquote(match.group(1))
            if (self._db, table) not in self.tables:
                self.tables.append((self._db, table))
            self._state = 'table'
            key = (self._db, table)
            if key not in self._table_state:
                self._table_state[key] = dict(key=key, part=1, part_bytes=0, rows=False, closed=False, boundary=True)
                self.table_chunks[key] = []
            self._table = self._table_state[key]
            self._switch_table(self._table)
            self._writer.write(line)
            return True
        match = _OBJECT_RE.match(line)
        if match:
            self._require_db(line)
            self._state = 'objects'
            self._switch(objects_path(self._db))
            if self._db not in self.objects:
                self.objects.append(self._db)
            self._writer.write(line)
            return True
        return False

    def _require_db(self, line):
        if self._db is None:
            raise DumpFormatError('the dump names no database before %r; dump with --databases.'
                                  % line.decode('utf-8', 'replace').strip())

    def close(self):
        self._close_writer()

    def coordinate_text(self):
        """The header and every coordinate comment, wherever the tool printed it, for coordinates.parse_dump_header."""
        return b''.join(self.header + self.coordinate_lines).decode('utf-8', 'replace')


def table_path(db, table):
    return '%s/%s.sql' % (file_component(db), file_component(table))


def chunk_path(db, table, part):
    """The file of a table's rows from its second chunk on (names never hold a dot: see file_component)."""
    return '%s/%s.%05d.sql' % (file_component(db), file_component(table), part)


def post_path(db, table):
    """What follows the rows of a chunked table (ENABLE KEYS, triggers)."""
    return '%s/%s.post.sql' % (file_component(db), file_component(table))


def objects_path(db):
    return '%s/%s.sql' % (file_component(db), OBJECTS_NAME)


def rename_create_database(statement, new_name):
    """``CREATE DATABASE ... `old` ...`` with the schema name replaced (for restoring under another name)."""
    match = re.match(r'^(CREATE DATABASE (?:/\*!32312 IF NOT EXISTS\*/ |IF NOT EXISTS )?)(`(?:[^`]|``)+`)(.*)$',
                     statement.strip())
    if not match:
        return 'CREATE DATABASE IF NOT EXISTS %s' % quote_identifier(new_name)
    rest = match.group(3).rstrip().rstrip(';')
    return 'CREATE DATABASE IF NOT EXISTS %s%s' % (quote_identifier(new_name), rest)
