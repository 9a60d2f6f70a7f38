# -*- coding: utf-8 -*-
# Copyright: drkit.mysql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The SQL dialect of a server, chosen from its version string.

Replication statements were renamed across releases (MySQL 8.0.22/8.0.23
REPLICA/SOURCE, 8.2 BINARY LOG STATUS, 8.4 removed the old forms) and
MariaDB kept its own syntax.  Picking the dialect from ``SELECT VERSION()``
rather than from a user flag means a playbook cannot send MySQL 8.4 a
statement it removed, or MariaDB a MySQL-only option.

Support policy (``Dialect.supported``): MySQL 5.7 and later, MariaDB 10.6
and later (oldest MariaDB LTS with the statements used here; 10.5 reached
end of life in 2025).  Older servers still get a Dialect, flagged
``supported=False``, so callers can refuse or warn.

Only SQL text comes out of here; values always travel as parameters.
Stdlib only: this file runs on managed hosts with Python 3.8+.
"""

from __future__ import absolute_import, division, print_function

import re
from collections import namedtuple

__metaclass__ = type

MYSQL = 'mysql'
MARIADB = 'mariadb'

MIN_SUPPORTED = {MYSQL: (5, 7, 0), MARIADB: (10, 6, 0)}

# MySQL versions where statement names changed.
_MYSQL_REPLICA_KEYWORDS = (8, 0, 22)       # SHOW REPLICA STATUS, START REPLICA, SHOW REPLICAS
_MYSQL_CHANGE_SOURCE = (8, 0, 23)          # CHANGE REPLICATION SOURCE TO
_MYSQL_BINARY_LOG_STATUS = (8, 2, 0)       # SHOW BINARY LOG STATUS
_MYSQL_PUBLIC_KEY = (8, 0, 4)              # GET_MASTER_PUBLIC_KEY (caching_sha2_password)

# MariaDB announces itself to old clients as "5.5.5-<real version>".
_MARIADB_PREFIX_RE = re.compile(r'^5\.5\.5-(?=\d+\.\d+)')
_VERSION_RE = re.compile(r'(\d+)\.(\d+)(?:\.(\d+))?')

_SSL_KEYS = ('ca', 'cert', 'key')


class DialectError(ValueError):
    """The version string cannot be understood, or a statement argument is invalid."""


def _text(value):
    if isinstance(value, bytes):
        return value.decode('utf-8', 'replace')
    return value


def detect_dialect(version, version_comment=None):
    """Build the Dialect for ``SELECT VERSION()`` output (and ``@@version_comment``).

    MariaDB is recognised by 'MariaDB' in either string, including the
    '5.5.5-10.11.6-MariaDB' form seen through the replication protocol.
    """
    version = _text(version)
    version_comment = _text(version_comment)
    if not isinstance(version, str) or not version.strip():
        raise DialectError('cannot detect the server dialect: the version string is empty.')
    version = version.strip()
    is_mariadb = 'mariadb' in version.lower() or 'mariadb' in (version_comment or '').lower()
    numbers = _MARIADB_PREFIX_RE.sub('', version) if is_mariadb else version
    match = _VERSION_RE.search(numbers)
    if not match:
        raise DialectError('cannot detect the server dialect: %r has no version number.' % version)
    parsed = tuple(int(g or 0) for g in match.groups())
    flavor = MARIADB if is_mariadb else MYSQL
    return Dialect(flavor, parsed, version, parsed >= MIN_SUPPORTED[flavor])


class Dialect(namedtuple('_DialectBase', 'flavor version version_string supported')):
    """Immutable description of one server's SQL dialect.

    ``flavor`` is 'mysql' or 'mariadb', ``version`` a (major, minor, patch)
    tuple, ``version_string`` the raw VERSION() text, ``supported`` whether
    the collection supports this release.
    """

    __slots__ = ()

    @property
    def is_mariadb(self):
        return self.flavor == MARIADB

    def _mysql_at_least(self, version):
        return not self.is_mariadb and self.version >= version

    @property
    def _replica_keywords(self):
        return self._mysql_at_least(_MYSQL_REPLICA_KEYWORDS)

    # -- status statements ----------------------------------------------

    @property
    def show_replica_status(self):
        """Status of the replication threads.

        MySQL 8.4 removed SHOW SLAVE STATUS, so 8.0.22+ gets the new name.
        MariaDB uses SHOW SLAVE STATUS everywhere; it shows the default
        connection only; SHOW ALL SLAVES STATUS lists every multi-source
        connection and adds Gtid_Slave_Pos and counters.
        """
        return 'SHOW REPLICA STATUS' if self._replica_keywords else 'SHOW SLAVE STATUS'

    @property
    def show_binlog_status(self):
        """Current binary log file/position (and Executed_Gtid_Set on MySQL).

        MySQL 8.4 removed SHOW MASTER STATUS (replaced in 8.2).  MariaDB
        10.5.2+ also knows SHOW BINLOG STATUS, but SHOW MASTER STATUS works
        on every MariaDB release.
        """
        return 'SHOW BINARY LOG STATUS' if self._mysql_at_least(_MYSQL_BINARY_LOG_STATUS) else 'SHOW MASTER STATUS'

    @property
    def show_replicas(self):
        """Replicas registered on this source (run on the source)."""
        return 'SHOW REPLICAS' if self._replica_keywords else 'SHOW SLAVE HOSTS'

    # -- GTID variables --------------------------------------------------

    @property
    def executed_gtid_variable(self):
        """Everything this server has executed or binlogged."""
        return 'gtid_current_pos' if self.is_mariadb else 'gtid_executed'

    @property
    def replica_gtid_variable(self):
        """MariaDB: what the replica SQL thread applied (gtid_slave_pos); MySQL has no separate one."""
        return 'gtid_slave_pos' if self.is_mariadb else None

    @property
    def gtid_mode_variables(self):
        """Variables that must be ON for the GTID-based failover this collection does."""
        if self.is_mariadb:
            return ('gtid_strict_mode',)
        return ('gtid_mode', 'enforce_gtid_consistency')

    @property
    def has_super_read_only(self):
        """Only MySQL has super_read_only; MariaDB's read_only spares users holding READ_ONLY ADMIN."""
        return not self.is_mariadb and self.version >= (5, 7, 0)

    # -- replica control -------------------------------------------------

    @property
    def start_replica_sql(self):
        """MariaDB accepts START REPLICA only from 10.5.1; START SLAVE works on all releases."""
        return 'START REPLICA' if self._replica_keywords else 'START SLAVE'

    @property
    def stop_replica_sql(self):
        return 'STOP REPLICA' if self._replica_keywords else 'STOP SLAVE'

    @property
    def reset_replica_all_sql(self):
        return 'RESET REPLICA ALL' if self._replica_keywords else 'RESET SLAVE ALL'

    def change_source_sql(self, host, port, user, password, auto_position=True, ssl=None, connect_retry=None,
                          log_file=None, log_pos=None, get_source_public_key=False):
        """CHANGE MASTER/REPLICATION SOURCE TO as ``(sql, params)`` for ``cursor.execute``.

        ``auto_position`` uses GTIDs (SOURCE_AUTO_POSITION=1 on MySQL,
        MASTER_USE_GTID=slave_pos on MariaDB); without it, ``log_file`` and
        ``log_pos`` may give the coordinates.  ``ssl`` is None (leave TLS
        settings alone) or a dict with optional 'ca', 'cert', 'key' paths and
        'verify_server_cert' bool; any dict turns SSL on.
        ``get_source_public_key`` lets MySQL 8.0.4+ replicas authenticate a
        caching_sha2_password user without TLS; MariaDB and older MySQL lack
        that plugin, so it is ignored there.
        """
        if not isinstance(host, str) or not host:
            raise DialectError('the replication source host must be a non-empty string.')
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            raise DialectError('the replication source port must be an integer from 1 to 65535, got %r.' % (port,))
        if not isinstance(user, str) or not user:
            raise DialectError('the replication user must be a non-empty string.')
        if not isinstance(password, str):
            raise DialectError('the replication password must be a string.')
        if auto_position and (log_file is not None or log_pos is not None):
            raise DialectError('log_file/log_pos cannot be combined with GTID auto-positioning.')
        if (log_file is None) != (log_pos is None):
            raise DialectError('log_file and log_pos must be given together.')

        new_names = self._mysql_at_least(_MYSQL_CHANGE_SOURCE)
        prefix = 'SOURCE' if new_names else 'MASTER'
        statement = 'CHANGE REPLICATION SOURCE TO ' if new_names else 'CHANGE MASTER TO '
        clauses = ['%s_HOST=%%s' % prefix, '%s_PORT=%%s' % prefix, '%s_USER=%%s' % prefix,
                   '%s_PASSWORD=%%s' % prefix]
        params = [host, port, user, password]

        if self.is_mariadb:
            clauses.append('MASTER_USE_GTID=%s' % ('slave_pos' if auto_position else 'no'))
        else:
            clauses.append('%s_AUTO_POSITION=%d' % (prefix, 1 if auto_position else 0))
        if log_file is not None:
            if isinstance(log_pos, bool) or not isinstance(log_pos, int) or log_pos < 4:
                raise DialectError('log_pos must be an integer of at least 4, got %r.' % (log_pos,))
            clauses.extend(['%s_LOG_FILE=%%s' % prefix, '%s_LOG_POS=%%s' % prefix])
            params.extend([log_file, log_pos])
        if connect_retry is not None:
            if isinstance(connect_retry, bool) or not isinstance(connect_retry, int) or connect_retry < 1:
                raise DialectError('connect_retry must be a positive integer, got %r.' % (connect_retry,))
            clauses.append('%s_CONNECT_RETRY=%%s' % prefix)
            params.append(connect_retry)
        if ssl is not None:
            if not isinstance(ssl, dict):
                raise DialectError('ssl must be a dict with ca/cert/key paths.')
            unknown = sorted(set(ssl) - set(_SSL_KEYS + ('verify_server_cert',)))
            if unknown:
                raise DialectError('unknown ssl option(s): %s.' % ', '.join(unknown))
            clauses.append('%s_SSL=1' % prefix)
            for key in _SSL_KEYS:
                if ssl.get(key):
                    clauses.append('%s_SSL_%s=%%s' % (prefix, key.upper()))
                    params.append(ssl[key])
            if ssl.get('verify_server_cert') is not None:
                clauses.append('%s_SSL_VERIFY_SERVER_CERT=%d' % (prefix, 1 if ssl['verify_server_cert'] else 0))
        if get_source_public_key and self._mysql_at_least(_MYSQL_PUBLIC_KEY):
            clauses.append('GET_%s_PUBLIC_KEY=1' % prefix)
        return statement + ', '.join(clauses), tuple(params)

    def read_only_statements(self, enable):
        """Statements that fence (enable) or open (disable) a server for writes.

        MySQL super_read_only=ON implies read_only=ON and also stops SUPER
        users; turning it off leaves read_only on, hence two statements.
        """
        if self.has_super_read_only:
            if enable:
                return ['SET GLOBAL super_read_only = ON']
            return ['SET GLOBAL super_read_only = OFF', 'SET GLOBAL read_only = OFF']
        return ['SET GLOBAL read_only = %s' % ('ON' if enable else 'OFF')]

    # -- processes and tools ---------------------------------------------

    @property
    def binlog_dump_command_names(self):
        """PROCESSLIST Command values of replica dump threads on a source.

        MySQL shows 'Binlog Dump GTID' for auto-positioned replicas; MariaDB
        shows 'Binlog Dump' even for GTID replicas.
        """
        return ('Binlog Dump', 'Binlog Dump GTID')

    @property
    def client_binaries(self):
        """Client tool names, most preferred first (MariaDB 11 drops the mysql* names)."""
        if self.is_mariadb:
            return {
                'dump': ('mariadb-dump', 'mysqldump'),
                'binlog': ('mariadb-binlog', 'mysqlbinlog'),
                'client': ('mariadb', 'mysql'),
                'backup': ('mariabackup', 'mariadb-backup'),
            }
        return {
            'dump': ('mysqldump',),
            'binlog': ('mysqlbinlog',),
            'client': ('mysql',),
            'backup': ('xtrabackup',),
        }
