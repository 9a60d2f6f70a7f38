"""Stand-in application for the drkit.mysql lab.

It reads its database settings from a MySQL option file (``[client]`` host,
port, user, password, database), keeps committing one row at a time to
``app_writes`` and records every change between "can write" and "cannot
write".  The failover report reads those transitions to measure how long the
application could not write.  When the option file changes (the app_repoint
role rewrote it) or on SIGHUP, it reconnects to whatever the file now names.
"""
import argparse
import configparser
import json
import os
import signal
import socket
import sys
import time

import pymysql


def load_settings(path):
    parser = configparser.ConfigParser(allow_no_value=True, interpolation=None)
    parser.read(path)
    section = parser["client"]
    return dict(host=section.get("host", "127.0.0.1"), port=int(section.get("port", "3306")),
                user=section.get("user"), password=section.get("password", ""),
                database=section.get("database"))


class Writer(object):
    def __init__(self, args):
        self.args = args
        self.reload_requested = True
        self.conn = None
        self.settings = None
        self.config_mtime = None
        self.can_write = None
        # Milliseconds since the epoch: unique across restarts of the writer.
        self.seq = int(time.time() * 1000)
        self.committed = 0
        self.failed = 0
        self.last_ok = None
        self.last_error = None
        self.last_status_write = 0.0

    def event(self, **fields):
        fields["at"] = time.time()
        with open(self.args.events, "a") as handle:
            handle.write(json.dumps(fields, sort_keys=True) + "\n")

    def write_status(self, force=False):
        now = time.time()
        if not force and now - self.last_status_write < 1.0:
            return
        self.last_status_write = now
        status = dict(pid=os.getpid(), writer=self.args.name, target=self.target(), can_write=self.can_write,
                      committed=self.committed, failed=self.failed, last_ok=self.last_ok,
                      last_error=self.last_error, updated=now)
        tmp = self.args.status + ".tmp"
        with open(tmp, "w") as handle:
            json.dump(status, handle, sort_keys=True)
        os.replace(tmp, self.args.status)

    def target(self):
        if not self.settings:
            return None
        return "%s:%s" % (self.settings["host"], self.settings["port"])

    def maybe_reload(self):
        try:
            mtime = os.stat(self.args.config).st_mtime
        except OSError:
            return
        if self.reload_requested or mtime != self.config_mtime:
            self.reload_requested = False
            self.config_mtime = mtime
            settings = load_settings(self.args.config)
            if settings != self.settings:
                self.settings = settings
                self.close()
                self.event(kind="config", target=self.target())

    def close(self):
        if self.conn is not None:
            try:
                self.conn.close()
            except Exception:
                pass
            self.conn = None

    def transition(self, ok, error=None):
        if ok != self.can_write:
            self.can_write = ok
            self.event(kind="up" if ok else "down", target=self.target(), error=error, seq=self.seq)
            self.write_status(force=True)

    def write_once(self):
        if self.conn is None:
            self.conn = pymysql.connect(connect_timeout=2, read_timeout=5, write_timeout=5, autocommit=True,
                                        **self.settings)
        self.seq += 1
        with self.conn.cursor() as cursor:
            cursor.execute("INSERT INTO app_writes (writer, seq) VALUES (%s, %s)", (self.args.name, self.seq))

    def run(self):
        signal.signal(signal.SIGHUP, lambda *_: setattr(self, "reload_requested", True))
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        # Every acknowledged commit's seq: the proof-of-no-loss tests compare it with the new primary.
        self.acks = open(self.args.acks, "a")
        self.event(kind="start", pid=os.getpid())
        while True:
            self.maybe_reload()
            try:
                self.write_once()
                self.committed += 1
                self.acks.write("%d\n" % self.seq)
                self.acks.flush()
                self.last_ok = time.time()
                self.transition(True)
            except Exception as exc:  # any failure means "the app cannot write now"
                self.failed += 1
                self.last_error = str(exc)
                self.close()
                self.transition(False, error=str(exc))
            self.write_status()
            time.sleep(self.args.interval)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True, help="MySQL option file with the [client] settings")
    parser.add_argument("--events", required=True, help="JSON-lines file of up/down transitions")
    parser.add_argument("--status", required=True, help="JSON file with the current state, rewritten each second")
    parser.add_argument("--acks", required=True, help="file receiving the seq of every acknowledged commit")
    parser.add_argument("--interval", type=float, default=0.1, help="seconds between two commits")
    parser.add_argument("--name", default=socket.gethostname(), help="writer name stored with each row")
    Writer(parser.parse_args()).run()


if __name__ == "__main__":
    main()
