# -*- coding: utf-8 -*-
# Copyright: drkit.mysql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One shape for SHOW REPLICA/SLAVE STATUS, whatever the server.

The same facts hide behind three column vocabularies: MySQL before 8.0.22
(Master_*/Slave_*), MySQL 8.0.22+ (Source_*/Replica_*) and MariaDB
(Master_*/Slave_* plus Using_Gtid, Gtid_IO_Pos...).  Roles and modules
read the canonical keys produced here instead of guessing column names.

Columns are looked up by presence (case-insensitively: MySQL 5.7 says
Channel_name, 8.4 Channel_Name); a missing column gives None, never a
KeyError.  Values may be strings (mysql client output) or ints (PyMySQL).

Stdlib only: this file runs on managed hosts with Python 3.8+.
"""

from __future__ import absolute_import, division, print_function

import re

from ansible_collections.drkit.mysql.plugins.module_utils.gtid import (
    GtidError,
    describe_missing,
    parse_gtid_set,
)

__metaclass__ = type

MYSQL = 'mysql'
MARIADB = 'mariadb'

# canonical key -> candidate columns, newest name first.
_COLUMNS = {
    'io_state': ('Replica_IO_State', 'Slave_IO_State'),
    'source_host': ('Source_Host', 'Master_Host'),
    'source_port': ('Source_Port', 'Master_Port'),
    'source_user': ('Source_User', 'Master_User'),
    'source_server_id': ('Source_Server_Id', 'Master_Server_Id'),
    'source_uuid': ('Source_UUID', 'Master_UUID'),
    'connect_retry': ('Connect_Retry',),
    'io_running': ('Replica_IO_Running', 'Slave_IO_Running'),
    'sql_running': ('Replica_SQL_Running', 'Slave_SQL_Running'),
    'seconds_behind': ('Seconds_Behind_Source', 'Seconds_Behind_Master'),
    'last_io_errno': ('Last_IO_Errno',),
    'last_io_error': ('Last_IO_Error',),
    'last_sql_errno': ('Last_SQL_Errno',),
    'last_sql_error': ('Last_SQL_Error',),
    'source_log_file': ('Source_Log_File', 'Master_Log_File'),
    'read_source_log_pos': ('Read_Source_Log_Pos', 'Read_Master_Log_Pos'),
    'relay_log_file': ('Relay_Log_File',),
    'relay_log_pos': ('Relay_Log_Pos',),
    'relay_source_log_file': ('Relay_Source_Log_File', 'Relay_Master_Log_File'),
    'exec_source_log_pos': ('Exec_Source_Log_Pos', 'Exec_Master_Log_Pos'),
    'sql_delay': ('SQL_Delay',),
    'sql_remaining_delay': ('SQL_Remaining_Delay',),
    'sql_state': ('Replica_SQL_Running_State', 'Slave_SQL_Running_State', 'Slave_SQL_State'),
    'channel': ('Channel_Name', 'Connection_name'),
    'using_gtid': ('Using_Gtid',),
}

_INT_KEYS = ('source_port', 'source_server_id', 'connect_retry', 'seconds_behind', 'last_io_errno',
             'last_sql_errno', 'read_source_log_pos', 'relay_log_pos', 'exec_source_log_pos', 'sql_delay',
             'sql_remaining_delay')

# MySQL GTID_ONLY channels report this file name after a restart.
_INVALID_FILE = 'INVALID'
_WHITESPACE_RE = re.compile(r'\s+')


def _text(value):
    if isinstance(value, bytes):
        return value.decode('utf-8', 'replace')
    return value


def _as_int(value):
    value = _text(value)
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    value = str(value).strip()
    if value == '' or value.upper() == 'NULL':
        return None
    try:
        return int(value)
    except ValueError:
        return None


def _as_str(value):
    value = _text(value)
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _gtid_text(value):
    """GTID text without the newlines/spaces servers insert after commas."""
    value = _as_str(value)
    if value is None:
        return None
    return _WHITESPACE_RE.sub('', value)


def normalize_replica_status(row, dialect=None):
    """Map one SHOW REPLICA/SLAVE STATUS row onto the canonical keys.

    Returns None when ``row`` is empty or None: the server is not a replica
    (SHOW SLAVE STATUS then returns no row at all).  ``dialect`` (a
    flavor.Dialect) decides how GTID columns are read; without it the
    MariaDB-only columns give the answer.
    """
    if not row:
        return None
    lowered = dict((str(_text(k)).lower(), v) for k, v in row.items())

    def pick(*names):
        for name in names:
            if name.lower() in lowered:
                return lowered[name.lower()]
        return None

    def present(name):
        return name.lower() in lowered

    status = {}
    for key, names in _COLUMNS.items():
        value = pick(*names)
        status[key] = _as_int(value) if key in _INT_KEYS else _as_str(value)

    if dialect is not None:
        is_mariadb = bool(dialect.is_mariadb)
    else:
        is_mariadb = present('Using_Gtid') or present('Gtid_IO_Pos')
    status['flavor'] = MARIADB if is_mariadb else MYSQL

    for key in ('io_running', 'sql_running'):
        if status[key] is not None:
            status[key] = status[key].strip()
    status['io_thread_running'] = status['io_running'] == 'Yes'
    status['sql_thread_running'] = status['sql_running'] == 'Yes'
    status['channel'] = status['channel'] or ''

    if is_mariadb:
        status['retrieved_gtid_set'] = _gtid_text(pick('Gtid_IO_Pos', 'Retrieved_Gtid_Set'))
        # Only SHOW ALL SLAVES STATUS has Gtid_Slave_Pos; SHOW SLAVE STATUS does not.
        status['executed_gtid_set'] = _gtid_text(pick('Gtid_Slave_Pos'))
        using = status['using_gtid']
        status['auto_position'] = None if using is None else using.strip().lower() in ('slave_pos', 'current_pos')
    else:
        status['retrieved_gtid_set'] = _gtid_text(pick('Retrieved_Gtid_Set'))
        status['executed_gtid_set'] = _gtid_text(pick('Executed_Gtid_Set'))
        auto = _as_int(pick('Auto_Position'))
        status['auto_position'] = None if auto is None else auto == 1
    return status


def _coordinates(status, file_key, pos_key):
    return '%s:%s' % (status.get(file_key), status.get(pos_key))


def relay_log_applied(status, executed_gtid=None):
    """Tell whether the SQL thread executed everything the IO thread fetched.

    Returns ``(applied, reason)``; ``reason`` is one sentence.  ``status``
    comes from normalize_replica_status.  ``executed_gtid`` is what the
    server applied: @@gtid_executed on MySQL, @@gtid_slave_pos on MariaDB
    (not gtid_current_pos, which also counts local writes).  Without it
    status['executed_gtid_set'] is used when the server reported one.

    Both checks must pass: retrieved GTIDs within the executed set, and the
    executed source coordinates equal to the read ones.  When neither can
    be made, the answer is False: a failover tool should not guess.
    """
    if not status:
        return False, 'not a replica: the replica status is empty.'
    flavor = status.get('flavor')
    checked = []

    retrieved = status.get('retrieved_gtid_set')
    executed = executed_gtid if executed_gtid is not None else status.get('executed_gtid_set')
    if retrieved is not None and executed is not None:
        try:
            retrieved_set = parse_gtid_set(retrieved, flavor)
            executed_set = parse_gtid_set(executed, flavor)
        except GtidError as exc:
            return False, 'cannot compare GTID sets: %s' % exc
        if not retrieved_set.is_subset(executed_set):
            return False, 'relay log not fully applied: executed set is %s fetched by the IO thread.' % (
                describe_missing(executed_set, retrieved_set))
        diverged = retrieved_set.diverged_domains(executed_set)
        if diverged:
            domains = ', '.join(str(d) for d in diverged)
            return False, ('relay log not fully applied: domain %s has the same seq_no from another server '
                           '(fetched %s, executed %s).' % (domains, retrieved_set, executed_set))
        checked.append('GTID')

    read_file, exec_file = status.get('source_log_file'), status.get('relay_source_log_file')
    read_pos, exec_pos = status.get('read_source_log_pos'), status.get('exec_source_log_pos')
    if read_file and exec_file and _INVALID_FILE not in (read_file, exec_file) \
            and read_pos is not None and exec_pos is not None:
        if read_file != exec_file or read_pos != exec_pos:
            return False, 'relay log not fully applied: IO thread read up to %s but SQL thread executed up to %s.' % (
                _coordinates(status, 'source_log_file', 'read_source_log_pos'),
                _coordinates(status, 'relay_source_log_file', 'exec_source_log_pos'))
        checked.append('coordinates')

    if not checked:
        return False, 'cannot tell whether the relay log is applied: no GTID sets and no source coordinates.'
    if 'GTID' in checked:
        detail = 'all fetched GTIDs are executed' if retrieved_set else 'the IO thread has fetched no GTIDs'
        if 'coordinates' in checked:
            detail += ' and executed coordinates match read ones (%s)' % _coordinates(
                status, 'relay_source_log_file', 'exec_source_log_pos')
    else:
        detail = 'executed coordinates match read ones (%s); GTIDs not compared' % _coordinates(
            status, 'relay_source_log_file', 'exec_source_log_pos')
    return True, 'relay log fully applied: %s.' % detail
