# -*- coding: utf-8 -*-
# Copyright: drkit.mysql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Binlog coordinates and GTID set at a backup's consistent point, read from what the tool wrote.

Each tool records the point where its snapshot was taken, in its own words:

* mariadb-dump ``--master-data=2 --gtid``: ``-- CHANGE MASTER TO MASTER_LOG_FILE='f', MASTER_LOG_POS=n;``
  in the dump header and ``-- SET GLOBAL gtid_slave_pos='0-1-42';`` (10.11 prints it near the end of the dump);
* mysqldump ``--source-data=2`` (8.0.26+, ``--master-data=2`` before) writes ``CHANGE REPLICATION SOURCE
  TO SOURCE_LOG_FILE=...`` and ``SET @@GLOBAL.GTID_PURGED=/*!80000 '+'*/ 'uuid:1-5,...';`` (the set may
  span lines, and is commented with ``--set-gtid-purged=COMMENTED``);
* mydumper: its ``metadata`` file (``SHOW MASTER STATUS:`` block in 0.10, an INI ``[master]``
  section in 0.12+);
* mariabackup/xtrabackup: ``mariadb_backup_binlog_info`` / ``xtrabackup_binlog_info``
  (``file<TAB>position<TAB>gtid``).

Every parser returns ``dict(binlog_file, binlog_position, gtid_set)``; a value
the tool did not write is None (for example with binary logging off).

Stdlib only: this file runs on managed hosts with Python 3.8+.
"""

from __future__ import absolute_import, division, print_function

import re

__metaclass__ = type

_CHANGE_RE = re.compile(
    r"CHANGE\s+(?:MASTER|REPLICATION\s+SOURCE)\s+TO\s+(?:MASTER|SOURCE)_LOG_FILE\s*=\s*'([^']+)'\s*,\s*"
    r"(?:MASTER|SOURCE)_LOG_POS\s*=\s*(\d+)", re.IGNORECASE)
_MARIADB_GTID_RE = re.compile(r"SET\s+GLOBAL\s+gtid_slave_pos\s*=\s*'([^']*)'", re.IGNORECASE)
_MYSQL_GTID_RE = re.compile(r"GTID_PURGED\s*=\s*(?:/\*!80000\s*'\+'\s*\*/\s*)?'([^']*)'", re.IGNORECASE)


def empty():
    return dict(binlog_file=None, binlog_position=None, gtid_set=None)


def clean_gtid(text):
    """A GTID set as one line: the line breaks and comment markers tools put in removed."""
    if text is None:
        return None
    parts = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith('--'):
            line = line[2:].strip()
        parts.append(line)
    joined = ''.join(parts).replace(' ', '')
    return joined or None


def parse_dump_header(text):
    """Coordinates from a mariadb-dump/mysqldump header plus its coordinate comments (see DumpSplitter)."""
    result = empty()
    change = _CHANGE_RE.search(text)
    if change:
        result['binlog_file'] = change.group(1)
        result['binlog_position'] = int(change.group(2))
    gtid = _MARIADB_GTID_RE.search(text) or _MYSQL_GTID_RE.search(text)
    if gtid:
        result['gtid_set'] = clean_gtid(gtid.group(1))
    return result


def _ini_sections(text):
    sections = {}
    current = None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith('[') and stripped.endswith(']'):
            current = sections.setdefault(stripped[1:-1].strip(), {})
        elif current is not None and '=' in stripped and not stripped.startswith('#'):
            key, value = stripped.split('=', 1)
            value = value.split(' #', 1)[0].strip().strip("'\"")
            current[key.strip().lower()] = value
    return sections


def parse_mydumper_metadata(text):
    """Coordinates from mydumper's ``metadata`` file (0.10 block format or 0.12+ INI format)."""
    result = empty()
    if re.search(r'^\s*\[master\]\s*$', text, re.MULTILINE):
        master = _ini_sections(text).get('master', {})
        if master.get('file'):
            result['binlog_file'] = master['file']
        if master.get('position', '').isdigit():
            result['binlog_position'] = int(master['position'])
        result['gtid_set'] = clean_gtid(master.get('executed_gtid_set') or master.get('gtid'))
        return result
    block = re.search(r'SHOW MASTER STATUS:\s*\n(.*?)(?:\n\s*\n|\Z)', text, re.DOTALL)
    if not block:
        return result
    body = block.group(1)
    log = re.search(r'^\s*Log:\s*(\S+)\s*$', body, re.MULTILINE)
    pos = re.search(r'^\s*Pos:\s*(\d+)\s*$', body, re.MULTILINE)
    gtid = re.search(r'^\s*GTID:\s*(.*?)\s*\Z', body, re.MULTILINE | re.DOTALL)
    if log:
        result['binlog_file'] = log.group(1)
    if pos:
        result['binlog_position'] = int(pos.group(1))
    if gtid:
        result['gtid_set'] = clean_gtid(gtid.group(1))
    return result


def parse_binlog_info(text):
    """Coordinates from ``mariadb_backup_binlog_info`` / ``xtrabackup_binlog_info``."""
    result = empty()
    text = (text or '').strip()
    if not text:
        return result
    fields = text.split('\t', 2)
    if len(fields) == 1:
        fields = text.split(None, 2)
    result['binlog_file'] = fields[0].strip() or None
    if len(fields) > 1 and fields[1].strip().isdigit():
        result['binlog_position'] = int(fields[1].strip())
    if len(fields) > 2:
        result['gtid_set'] = clean_gtid(fields[2])
    return result


# Names of the coordinate files, newest first (mariabackup 10.8+ renamed its file).
BINLOG_INFO_FILES = ('mariadb_backup_binlog_info', 'xtrabackup_binlog_info')
