# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What changes at an upgrade target: new reserved words, removed variables and sql_mode values, default sql_mode.

Why a table and not the target server itself: the point of the check is to run *before* the target
exists, on the server that is about to be upgraded. Every entry comes from the vendors' manuals:

- MySQL reserved words: "Keywords and Reserved Words in MySQL 8.0" (MySQL Server Version Reference,
  dev.mysql.com/doc/mysqld-version-reference/en/keywords-8-0.html and refman/8.0/en/keywords.html, the
  "added in 8.0.x (reserved)" / "became reserved in 8.0.x" entries; ARRAY, MEMBER, ADMIN, PERSIST and
  PERSIST_ONLY were reserved in early 8.0 releases only and are left out). MySQL 8.4 added MANUAL, PARALLEL,
  QUALIFY and TABLESAMPLE (8.4 keyword list; bugs.mysql.com 114874 notes that INFORMATION_SCHEMA.KEYWORDS
  wrongly marks them non-reserved, which is why the list is kept here).
- MariaDB reserved words: the MariaDB reference "Reserved Words" (OFFSET reserved from 10.6, ROW_NUMBER
  from 10.7; EXCEPT and INTERSECT from 10.3.0); listed are those not reserved in MySQL 5.7. Each was tried as a
  column name on MariaDB 10.11.19: GENERAL, IGNORE_SERVER_IDS, MASTER_HEARTBEAT_PERIOD, SLOW and WINDOW, which the
  page also lists, are accepted unquoted there, so they are left out.
- Removed variables: MySQL "Features Removed in MySQL 8.0" and the 5.7.20 release notes (query cache,
  tx_isolation/tx_read_only), "Option and Variable Changes for MySQL 8.4"; MariaDB "Upgrading from
  MariaDB 10.11 to MariaDB 11.4" (and 10.2 to 10.3 for innodb_file_format and innodb_large_prefix).
- Default sql_mode: MySQL 8.0/8.4 "Server SQL Modes"; MariaDB "SQL_MODE" (10.2.4 and later).
"""
import re

from ansible_collections.drkit.mysql.plugins.module_utils.flavor import MARIADB, MYSQL


class TargetError(ValueError):
    """An upgrade target this module does not know."""


def _words(since, text):
    return dict((word, since) for word in text.split())


# Reserved words of each flavor that older releases (and MySQL 5.7) did not reserve: word -> release that
# reserved it. A word counts as new for a source server of the same flavor older than that release.
MYSQL_NEW_RESERVED = {}
MYSQL_NEW_RESERVED.update(_words((8, 0, 0), "EXCEPT"))
MYSQL_NEW_RESERVED.update(_words((8, 0, 1), "CUBE FUNCTION GROUPING OF RECURSIVE"))
MYSQL_NEW_RESERVED.update(_words((8, 0, 2), "CUME_DIST DENSE_RANK FIRST_VALUE GROUPS LAG LAST_VALUE LEAD NTH_VALUE "
                                            "NTILE OVER PERCENT_RANK RANK ROW ROWS ROW_NUMBER WINDOW"))
MYSQL_NEW_RESERVED.update(_words((8, 0, 3), "SYSTEM"))
MYSQL_NEW_RESERVED.update(_words((8, 0, 4), "EMPTY JSON_TABLE"))
MYSQL_NEW_RESERVED.update(_words((8, 0, 14), "LATERAL"))
MYSQL_NEW_RESERVED.update(_words((8, 0, 31), "INTERSECT"))
MYSQL_NEW_RESERVED.update(_words((8, 4, 0), "MANUAL PARALLEL QUALIFY TABLESAMPLE"))

MARIADB_NEW_RESERVED = {}
MARIADB_NEW_RESERVED.update(_words((10, 0, 0), "CURRENT_ROLE DELETE_DOMAIN_ID DO_DOMAIN_IDS IGNORE_DOMAIN_IDS OVER "
                                               "PAGE_CHECKSUM PARSE_VCOL_EXPR RECURSIVE REF_SYSTEM_ID RETURNING ROWS "
                                               "STATS_AUTO_RECALC STATS_PERSISTENT STATS_SAMPLE_PAGES"))
MARIADB_NEW_RESERVED.update(_words((10, 3, 0), "EXCEPT INTERSECT"))
MARIADB_NEW_RESERVED.update(_words((10, 6, 0), "OFFSET"))
MARIADB_NEW_RESERVED.update(_words((10, 7, 0), "ROW_NUMBER"))


def _var(since, replacement=None, inert=None, severity="error", why=None):
    """A removed variable: the release that removed it, what replaces it, the values that mean "not in use"."""
    return dict(since=since, replacement=replacement, inert=inert, severity=severity, why=why)


QUERY_CACHE = "the query cache was removed in MySQL 8.0"
# Variables an option file must no longer set (the server stops at an unknown variable), per flavor.
MYSQL_REMOVED_VARIABLES = {
    "query_cache_limit": _var((8, 0, 3), why=QUERY_CACHE),
    "query_cache_min_res_unit": _var((8, 0, 3), why=QUERY_CACHE),
    "query_cache_size": _var((8, 0, 3), why=QUERY_CACHE),  # in use or not: query_cache_type says
    "query_cache_type": _var((8, 0, 3), inert=("OFF", "0"), why=QUERY_CACHE),
    "query_cache_wlock_invalidate": _var((8, 0, 3), why=QUERY_CACHE),
    "tx_isolation": _var((8, 0, 3), replacement="transaction_isolation"),
    "tx_read_only": _var((8, 0, 3), replacement="transaction_read_only"),
    "log_warnings": _var((8, 0, 3), replacement="log_error_verbosity"),
    "date_format": _var((8, 0, 3)),
    "datetime_format": _var((8, 0, 3)),
    "time_format": _var((8, 0, 3)),
    "innodb_file_format": _var((8, 0, 0), why="Barracuda is the only file format"),
    "innodb_file_format_check": _var((8, 0, 0)),
    "innodb_file_format_max": _var((8, 0, 0)),
    "innodb_large_prefix": _var((8, 0, 0), why="large index prefixes are always on"),
    "innodb_checksums": _var((8, 0, 0), replacement="innodb_checksum_algorithm"),
    "innodb_locks_unsafe_for_binlog": _var((8, 0, 0), inert=("OFF",), why="use READ COMMITTED instead"),
    "innodb_support_xa": _var((8, 0, 0)),
    "innodb_undo_logs": _var((8, 0, 2), replacement="innodb_rollback_segments"),
    "log_builtin_as_identified_by_password": _var((8, 0, 11)),
    "old_passwords": _var((8, 0, 11)),
    "log_syslog": _var((8, 0, 13)),
    "log_syslog_facility": _var((8, 0, 13)),
    "log_syslog_include_pid": _var((8, 0, 13)),
    "log_syslog_tag": _var((8, 0, 13)),
    "information_schema_stats": _var((8, 0, 3), replacement="information_schema_stats_expiry"),
    "default_authentication_plugin": _var((8, 4, 0), replacement="authentication_policy"),
    "expire_logs_days": _var((8, 2, 0), replacement="binlog_expire_logs_seconds", inert=("0",)),
    "avoid_temporal_upgrade": _var((8, 4, 0)),
    "show_old_temporals": _var((8, 4, 0)),
    "binlog_transaction_dependency_tracking": _var((8, 4, 0), why="WRITESET is now always used"),
    "transaction_write_set_extraction": _var((8, 4, 0)),
    "master_info_repository": _var((8, 4, 0), why="replication metadata is always kept in tables"),
    "relay_log_info_repository": _var((8, 4, 0), why="replication metadata is always kept in tables"),
    "log_bin_use_v1_row_events": _var((8, 4, 0)),
    "slave_rows_search_algorithms": _var((8, 4, 0)),
    "have_openssl": _var((8, 4, 0)),
    "have_ssl": _var((8, 4, 0)),
    "character_set_client_handshake": _var((8, 4, 0)),
    "group_replication_ip_whitelist": _var((8, 4, 0), replacement="group_replication_ip_allowlist"),
    "group_replication_primary_member": _var((8, 4, 0)),
    "group_replication_recovery_complete_at": _var((8, 4, 0)),
    "keyring_encrypted_file_data": _var((8, 4, 0)),
    "keyring_encrypted_file_password": _var((8, 4, 0)),
}

MARIADB_REMOVED_VARIABLES = {
    "innodb_file_format": _var((10, 3, 1), why="Barracuda is the only file format"),
    "innodb_file_format_check": _var((10, 3, 1)),
    "innodb_file_format_max": _var((10, 3, 1)),
    "innodb_large_prefix": _var((10, 3, 1), why="large index prefixes are always on"),
    "innodb_change_buffering": _var((11, 0, 0), why="the InnoDB change buffer was removed in MariaDB 11.0"),
    "innodb_change_buffer_max_size": _var((11, 0, 0), why="the InnoDB change buffer was removed in MariaDB 11.0"),
    "innodb_defragment": _var((11, 1, 0), inert=("OFF",), why="InnoDB defragmentation was removed"),
    "innodb_defragment_fill_factor": _var((11, 1, 0)),
    "innodb_defragment_fill_factor_n_recs": _var((11, 1, 0)),
    "innodb_defragment_frequency": _var((11, 1, 0)),
    "innodb_defragment_n_pages": _var((11, 1, 0)),
    "innodb_defragment_stats_accuracy": _var((11, 1, 0)),
    "debug_no_thread_alarm": _var((11, 1, 0)),
    "old_alter_table": _var((11, 3, 0), replacement="alter_algorithm"),
    "tx_isolation": _var((11, 1, 0), replacement="transaction_isolation", severity="warning",
                         why="deprecated, still accepted"),
    "tx_read_only": _var((11, 1, 0), replacement="transaction_read_only", severity="warning",
                         why="deprecated, still accepted"),
    "innodb_purge_rseg_truncate_frequency": _var((11, 1, 0), severity="warning", why="deprecated and ignored"),
}

# sql_mode values the target refuses: a server whose option file sets one does not start.
MYSQL_REMOVED_SQL_MODES = {
    "NO_AUTO_CREATE_USER": (8, 0, 11), "DB2": (8, 0, 0), "MAXDB": (8, 0, 0), "MSSQL": (8, 0, 0),
    "MYSQL323": (8, 0, 0), "MYSQL40": (8, 0, 0), "ORACLE": (8, 0, 0), "POSTGRESQL": (8, 0, 0),
    "NO_FIELD_OPTIONS": (8, 0, 0), "NO_KEY_OPTIONS": (8, 0, 0), "NO_TABLE_OPTIONS": (8, 0, 0),
}

MYSQL_8_DEFAULT_SQL_MODE = ("ONLY_FULL_GROUP_BY", "STRICT_TRANS_TABLES", "NO_ZERO_IN_DATE", "NO_ZERO_DATE",
                            "ERROR_FOR_DIVISION_BY_ZERO", "NO_ENGINE_SUBSTITUTION")
MARIADB_DEFAULT_SQL_MODE = ("STRICT_TRANS_TABLES", "ERROR_FOR_DIVISION_BY_ZERO", "NO_AUTO_CREATE_USER",
                            "NO_ENGINE_SUBSTITUTION")

TARGETS = {
    "mysql-8.0": dict(flavor=MYSQL, version=(8, 0, 99), default_sql_mode=MYSQL_8_DEFAULT_SQL_MODE),
    "mysql-8.4": dict(flavor=MYSQL, version=(8, 4, 99), default_sql_mode=MYSQL_8_DEFAULT_SQL_MODE),
    "mariadb-10.11": dict(flavor=MARIADB, version=(10, 11, 99), default_sql_mode=MARIADB_DEFAULT_SQL_MODE),
    "mariadb-11.4": dict(flavor=MARIADB, version=(11, 4, 99), default_sql_mode=MARIADB_DEFAULT_SQL_MODE),
}

_STRICT = ("STRICT_TRANS_TABLES", "STRICT_ALL_TABLES")
# Modes that stand for a list of others (MySQL 5.7 and MariaDB).
_COMBINATIONS = {
    "TRADITIONAL": ("STRICT_TRANS_TABLES", "STRICT_ALL_TABLES", "NO_ZERO_IN_DATE", "NO_ZERO_DATE",
                    "ERROR_FOR_DIVISION_BY_ZERO", "NO_ENGINE_SUBSTITUTION"),
}


class Target(object):
    """One upgrade target and, given the source server's dialect, what is new to it."""

    def __init__(self, name):
        if name not in TARGETS:
            raise TargetError("unknown target %r; use one of %s" % (name, ", ".join(sorted(TARGETS))))
        self.name = name
        spec = TARGETS[name]
        self.flavor = spec["flavor"]
        self.version = spec["version"]
        self.default_sql_mode = spec["default_sql_mode"]

    @property
    def label(self):
        return "%s %s" % ("MySQL" if self.flavor == MYSQL else "MariaDB", self.name.split("-", 1)[1])

    def _newer(self, dialect, since):
        """Whether a change made in release ``since`` of the target's flavor lies between source and target."""
        if since > self.version:
            return False
        if dialect is None or dialect.flavor != self.flavor:
            return True
        return tuple(dialect.version) < since

    def new_reserved_words(self, dialect):
        """Words the target reserves that the source server (``Dialect``) does not: {WORD: (since)}."""
        table = MYSQL_NEW_RESERVED if self.flavor == MYSQL else MARIADB_NEW_RESERVED
        words = dict((word, since) for word, since in table.items() if self._newer(dialect, since))
        if dialect is not None and dialect.flavor != self.flavor:
            # Across flavors: what the source already reserves is quoted wherever it is used.
            other = MARIADB_NEW_RESERVED if self.flavor == MYSQL else MYSQL_NEW_RESERVED
            for word, since in other.items():
                if since <= tuple(dialect.version):
                    words.pop(word, None)
        return words

    def removed_variables(self, dialect):
        """Variables the target no longer knows (or deprecates), as {name: entry}, for this source."""
        table = MYSQL_REMOVED_VARIABLES if self.flavor == MYSQL else MARIADB_REMOVED_VARIABLES
        return dict((name, entry) for name, entry in table.items() if self._newer(dialect, entry["since"]))

    def removed_sql_modes(self, dialect):
        if self.flavor != MYSQL:
            return {}
        return dict((mode, since) for mode, since in MYSQL_REMOVED_SQL_MODES.items()
                    if self._newer(dialect, since))


def sql_modes(value):
    """The set of modes in a sql_mode value ('A,B' or a list), combination modes expanded, upper case."""
    if value is None:
        return set()
    if isinstance(value, (list, tuple, set)):
        items = list(value)
    else:
        items = re.split(r"[,\s]+", str(value).strip().strip("'\""))
    modes = set()
    for item in items:
        item = item.strip().upper()
        if item:
            modes.add(item)
            modes.update(_COMBINATIONS.get(item, ()))
    return modes


def is_strict(modes):
    return bool(set(modes) & set(_STRICT))
