"""A connected server together with its dialect.

Every module starts the same way: connect, learn whether it talks to MySQL or
MariaDB (and which version) from the server itself, then ask dialect-specific
questions.  ``Server`` keeps those three things together so modules never
spell a dialect-specific statement themselves.
"""
from ansible_collections.drkit.mysql.plugins.module_utils.connection import (
    ConnectionFailure,
    connect,
    describe_target,
    query_all,
    read_variables,
)
from ansible_collections.drkit.mysql.plugins.module_utils.flavor import detect_dialect
from ansible_collections.drkit.mysql.plugins.module_utils.gtid import parse_gtid_set
from ansible_collections.drkit.mysql.plugins.module_utils.replica_status import normalize_replica_status


class Server(object):
    """A live connection plus the dialect detected from ``VERSION()``."""

    def __init__(self, conn, target):
        self.conn = conn
        self.target = target
        version = self.variables(["version", "version_comment"])
        self.version = version.get("version", "")
        self.version_comment = version.get("version_comment", "")
        self.dialect = detect_dialect(self.version, self.version_comment)

    @classmethod
    def open(cls, params, multi_statements=False):
        """Connect with the module's connection options; raises ConnectionFailure."""
        return cls(connect(params, multi_statements), describe_target(params))

    def rows(self, sql, params=None):
        with self.conn.cursor() as cursor:
            return query_all(cursor, sql, params)

    def variables(self, names):
        with self.conn.cursor() as cursor:
            return read_variables(cursor, names)

    def execute(self, sql, params=None):
        with self.conn.cursor() as cursor:
            cursor.execute(sql, params)

    def replica_status(self):
        """Every replication channel, normalised; an empty list on a non-replica."""
        return [normalize_replica_status(row, self.dialect) for row in self.rows(self.dialect.show_replica_status)]

    def binlog_status(self):
        """Current binlog file and position, or None when binary logging is off."""
        rows = self.rows(self.dialect.show_binlog_status)
        if not rows:
            return None
        return dict(file=rows[0].get("File"), position=int(rows[0].get("Position") or 0))

    def executed_gtid(self):
        """The transactions this server has, as a GtidSet of its own flavor."""
        name = self.dialect.executed_gtid_variable
        value = self.variables([name]).get(name, "")
        return parse_gtid_set(value, self.dialect.flavor)

    def session_tls(self):
        """This session's TLS protocol and cipher as the server sees them, or None for a plain connection."""
        rows = self.rows("SHOW SESSION STATUS WHERE Variable_name IN ('Ssl_version', 'Ssl_cipher')")
        status = dict((row["Variable_name"], row["Value"]) for row in rows)
        if not status.get("Ssl_cipher"):
            return None
        return dict(version=status.get("Ssl_version") or None, cipher=status["Ssl_cipher"])

    def close(self):
        try:
            self.conn.close()
        except Exception:
            pass


def open_server_or_fail(module, multi_statements=False):
    """Connect for a module; on failure exit with the one-sentence reason."""
    try:
        return Server.open(module.params, multi_statements)
    except ConnectionFailure as exc:
        module.fail_json(msg=str(exc), target=describe_target(module.params))
