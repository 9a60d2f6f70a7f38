"""A stand-in for ProxySQL's admin interface: SQLite (which it is) with the mysql_servers table in three layers.

See tests/unit/fixtures/proxysql/README.md. PyMySQL's ``%s`` placeholders become SQLite's ``?``, every
value comes back as text, ``LOAD MYSQL SERVERS TO RUNTIME`` and ``SAVE MYSQL SERVERS TO DISK`` copy
memory to the runtime and disk tables. ``runtime_hook`` lets a test play ProxySQL's monitor after a load.
"""
import json
import os
import re
import sqlite3

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "fixtures",
                        "proxysql")


def _table_sql():
    with open(os.path.join(FIXTURES, "mysql_servers-2.x.sql")) as handle:
        return handle.read().strip()


class FakeAdmin(object):
    def __init__(self, fixture=None, loaded=True, saved=True):
        self.db = sqlite3.connect(":memory:")
        self.db.execute("ATTACH DATABASE ':memory:' AS disk")
        table = _table_sql()
        self.db.execute(table)
        self.db.execute(table.replace("CREATE TABLE mysql_servers", "CREATE TABLE runtime_mysql_servers"))
        self.db.execute(table.replace("CREATE TABLE mysql_servers", "CREATE TABLE disk.mysql_servers"))
        self.executed = []
        self.runtime_hook = None
        self.closed = False
        if fixture:
            with open(os.path.join(FIXTURES, fixture)) as handle:
                for row in json.load(handle)["mysql_servers"]:
                    names = sorted(row)
                    self.db.execute("INSERT INTO mysql_servers (%s) VALUES (%s)" % (
                        ", ".join(names), ", ".join("?" * len(names))), [row[n] for n in names])
        if loaded:
            self._copy("mysql_servers", "runtime_mysql_servers")
        if saved:
            self._copy("mysql_servers", "disk.mysql_servers")

    def _copy(self, source, target):
        self.db.execute("DELETE FROM %s" % target)
        self.db.execute("INSERT INTO %s SELECT * FROM %s" % (target, source))

    def rows(self, table, hostgroup=None):
        cursor = self.db.execute("SELECT hostgroup_id, hostname, port, status FROM %s ORDER BY 1, 2, 3" % table)
        return [r for r in cursor.fetchall() if hostgroup is None or r[0] == hostgroup]

    # the PyMySQL connection/cursor surface the module uses
    def cursor(self):
        return self

    def close(self):
        self.closed = True

    def execute(self, sql, params=None):
        self.executed.append((sql, tuple(params) if params else ()))
        if sql == "LOAD MYSQL SERVERS TO RUNTIME":
            self._copy("mysql_servers", "runtime_mysql_servers")
            if self.runtime_hook:
                self.runtime_hook(self.db)
            self._result = []
            return
        if sql == "SAVE MYSQL SERVERS TO DISK":
            self._copy("mysql_servers", "disk.mysql_servers")
            self._result = []
            return
        cursor = self.db.execute(re.sub(r"%s", "?", sql), params or ())
        names = [d[0] for d in cursor.description] if cursor.description else []
        self._result = [dict((n, None if v is None else str(v)) for n, v in zip(names, row))
                        for row in cursor.fetchall()]

    def fetchall(self):
        return self._result
