"""Benchmark (not a test): drkit.mysql.binlog_replay vs ``mariadb-binlog FILES | mariadb`` on the same binlogs.

In one run, on the bench's own MariaDB servers (not the lab):

1. a source (port 3860, ROW binlog, FULL images, GTID strict) gets a few hundred MB of binlogs of mixed row events:
   ``--rounds`` transactions groups, each INSERTs, UPDATEs and DELETEs rows of three tables (``rb.accounts`` with a
   DECIMAL and a DATETIME(6), ``rb.orders`` with a VARCHAR(200), ``rb.events`` with JSON and a BLOB), plus 2,000
   small single-row transactions per 50 rounds (the OLTP tail); the binlog files are copied to a directory of their
   own;
2. two fresh, identical targets (ports 3861 and 3862, same settings with ``log_slave_updates=ON``, no data, an
   empty GTID position) replay them: the baseline ``mariadb-binlog FILES | mariadb`` into one,
   ``drkit.mysql.binlog_replay`` (run as Ansible runs a module: ``python -m`` with ANSIBLE_MODULE_ARGS on stdin;
   ``path`` = the directory, keep mode, from the target's own GTID position; ``engine: auto``, which takes the
   target's own SQL thread here, as the result's ``engine`` says) into the other, with only that target running
   (the source and the other target are stopped); ``--runs N`` makes N such pairs, the order alternating
   (``--drkit-first``: drkit first in the first), and the ratio judged is their median (the figures move +-20 %
   with the machine's load, run by run);
3. CHECKSUM TABLE of the three tables on the source and both targets must be equal, and both targets end at the
   source's GTID position.

Wall seconds, MB/s of binlog, and the peak RSS of each command's process tree (sampled from /proc every 0.1 s,
``backup_bench.measured``; the target server's own memory is not counted) are printed with the ratio; the
results JSON goes to bench/results/replay-<date>-<n>.json.

    source .venv/bin/activate
    flock /work/bench.lock python bench/replay_bench.py [--rounds 160] [--keep-data]
"""
import argparse
import datetime
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from backup_bench import (  # noqa: E402 - shared bench helpers
    REPO, Server, git, log, measured, module_env, numbered_result, run_module)

ROOT = "/var/tmp/drkit-bench-replay"  # noqa: S108 - the bench's own scratch directory
PORTS = {"source": 3860, "target_a": 3861, "target_b": 3862}
USER = "drkit_bench"
TABLES = ("rb.accounts", "rb.orders", "rb.events")
TARGET_RATIO = 0.95

SCHEMA = """
CREATE DATABASE rb;
CREATE TABLE rb.accounts (id INT PRIMARY KEY, owner VARCHAR(40) NOT NULL, balance DECIMAL(14,2) NOT NULL,
  points INT NOT NULL, updated_at DATETIME(6) NOT NULL, KEY ix_owner (owner));
CREATE TABLE rb.orders (id BIGINT PRIMARY KEY, account_id INT NOT NULL, amount DECIMAL(12,2) NOT NULL,
  status ENUM('new','paid','shipped','cancelled') NOT NULL, note VARCHAR(200) NOT NULL, created_at DATETIME(6) NOT NULL,
  KEY ix_account (account_id));
CREATE TABLE rb.events (id BIGINT PRIMARY KEY, kind VARCHAR(20) NOT NULL, payload JSON NULL, raw BLOB NULL,
  at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6));
INSERT INTO rb.accounts SELECT seq, CONCAT('owner-', seq), seq * 1.5, seq % 1000, '2026-01-01 00:00:00'
  FROM rb.seq_1_to_100000;
"""


ROUND = """
START TRANSACTION;
INSERT INTO rb.orders SELECT {base} + seq, 1 + (seq * 7919 + {n}) % 100000, seq % 997 + 0.99,
  ELT(1 + seq % 4, 'new', 'paid', 'shipped', 'cancelled'), REPEAT(CONCAT('note ', seq, ' '), 1 + seq % 18),
  NOW(6) FROM rb.seq_1_to_{rows};
COMMIT;
START TRANSACTION;
UPDATE rb.accounts SET balance = balance + 1.25, points = points + 1, updated_at = NOW(6)
  WHERE id % 97 = {m97};
UPDATE rb.orders SET status = 'paid', note = CONCAT(note, ' paid') WHERE id > {base} AND id <= {base} + {half};
COMMIT;
START TRANSACTION;
INSERT INTO rb.events (id, kind, payload, raw) SELECT {base} + seq, ELT(1 + seq % 3, 'login', 'buy', 'view'),
  JSON_OBJECT('order', {base} + seq, 'tags', JSON_ARRAY('a', seq % 10), 'note', 'é😀'),
  IF(seq % 4 = 0, NULL, UNHEX(SHA2(seq, 256))) FROM rb.seq_1_to_{events};
DELETE FROM rb.orders WHERE id > {base} - {rows} AND id <= {base} - {rows} + {quarter};
COMMIT;
"""


def round_sql(n, rows):
    """One round: a few multi-row transactions over the three tables (ids of round n are disjoint)."""
    base = n * rows
    return ROUND.format(base=base, n=n, rows=rows, m97=n % 97, half=rows // 2, events=rows // 2, quarter=rows // 4)


def small_transactions(n, count):
    lines = []
    for i in range(count):
        account = 1 + (n * 131 + i * 17) % 100000
        lines.append("UPDATE rb.accounts SET balance = balance - 0.5, updated_at = NOW(6) WHERE id = %d;"  # noqa: S608
                     % account)
    return "\n".join(lines)


class Bench(object):
    def __init__(self, args):
        self.args = args
        self.root = Path(args.root)
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)
        self.source = Server(self.root, "source", PORTS["source"], 1)
        # log_slave_updates as on a replica or a failover candidate (lab, MHA/orchestrator setups): a replay
        # through the SQL thread is binlogged like the client's; the client pipe does not depend on it.
        extra = ["log_slave_updates=ON"]
        self.targets = [Server(self.root, "target_a", PORTS["target_a"], 2, extra),
                        Server(self.root, "target_b", PORTS["target_b"], 3, extra)]
        self.binlogs = self.root / "binlogs"
        self.password = secrets.token_hex(12)

    def fresh(self, server):
        server.stop()
        if server.base.exists():
            shutil.rmtree(server.base)
        server.install()
        server.start()
        # The bench's account without a binlog entry, so the target's GTID position stays empty.
        for host in ("127.0.0.1", "localhost"):
            server.sql("SET SESSION sql_log_bin = 0; CREATE USER '%s'@'%s' IDENTIFIED BY '%s'; GRANT ALL PRIVILEGES "
                       "ON *.* TO '%s'@'%s'" % (USER, host, self.password, USER, host))

    def generate(self):
        marker = self.binlogs / "complete"
        if self.args.keep_data and marker.exists() and self.source.datadir.exists():
            self.source.start()
            log("reusing the binlogs in %s" % self.binlogs)
            return
        self.fresh(self.source)
        self.source.sql("RESET MASTER; SET GLOBAL max_binlog_size = 67108864")
        self.source.sql(SCHEMA)
        log("generating %d rounds of %d rows" % (self.args.rounds, self.args.rows))
        script = self.root / "generate.sql"
        with open(script, "w") as out:
            for n in range(1, self.args.rounds + 1):
                out.write(round_sql(n, self.args.rows))
                if n % 50 == 0:
                    out.write(small_transactions(n, 2000) + "\n")
        with open(script, "rb") as handle:
            subprocess.run(["mariadb", "--no-defaults", "--socket=%s" % self.source.socket, "-uroot"],
                           stdin=handle, check=True)
        self.source.sql("FLUSH BINARY LOGS")
        if self.binlogs.exists():
            shutil.rmtree(self.binlogs)
        self.binlogs.mkdir()
        names = [line[0] for line in self.source.sql("SHOW BINARY LOGS")][:-1]  # the last one is empty, open
        for name in names:
            shutil.copy2(self.source.datadir / name, self.binlogs / name)
        marker.write_text("\n".join(names))

    def files(self):
        return (self.binlogs / "complete").read_text().split()

    def baseline(self, target):
        paths = [str(self.binlogs / name) for name in self.files()]
        env = None
        where = "--socket=%s -uroot" % target.socket
        if self.args.tcp:  # the bench account; its password in the environment, not on the command line
            env = dict(os.environ, MYSQL_PWD=self.password)
            where = "--protocol=TCP --host=127.0.0.1 --port=%d --user=%s" % (target.port, USER)
        script = "mariadb-binlog %s | mariadb --no-defaults %s --max-allowed-packet=1G" % (" ".join(paths), where)
        return measured(["/bin/sh", "-c", script], env=env)

    def drkit(self, target):
        # The target's socket, as the baseline's client uses (a DR replay runs next to its scratch server); with
        # --tcp both connect over TCP instead.
        login = dict(login_host="127.0.0.1", login_port=target.port) if self.args.tcp else dict(
            login_unix_socket=target.socket)
        args = dict(login, login_user=USER, login_password=self.password, path=str(self.binlogs), files=self.files())
        record = run_module("ansible_collections.drkit.mysql.plugins.modules.binlog_replay", args, module_env())
        result = record.pop("result")
        record["module_result"] = dict((k, result.get(k)) for k in ("msg", "count", "gtid_mode", "replay_ms",
                                                                    "before", "after", "start_position", "stop",
                                                                    "engine", "engine_reason", "commands"))
        record["err"] = (record.get("err") or "")[-1500:]
        record.pop("out", None)
        return record

    def checksums(self, server):
        rows = server.sql("CHECKSUM TABLE %s" % ", ".join(TABLES))
        return dict((r[0], r[1]) for r in rows)

    def replay(self, name, target, size, expected, source_pos):
        """One replay into a fresh ``target``; the other target is stopped before, so that its flushing of the
        pages the previous replay left dirty does not run during this one (it used to, against the second way)."""
        for other in self.targets:
            if other is not target:
                other.stop()
        self.fresh(target)
        log("%s into %s" % (name, target.name))
        record = self.drkit(target) if name == "drkit" else self.baseline(target)
        record.pop("out", None)
        record["target"] = target.name
        record["checksums_equal"] = self.checksums(target) == expected
        record["gtid_binlog_pos"] = target.sql("SELECT @@gtid_binlog_pos")[0][0]
        record["ok"] = record["rc"] == 0 and record["checksums_equal"] and record["gtid_binlog_pos"] == source_pos
        record["mb_per_s"] = round(size / 2 ** 20 / record["seconds"], 1)
        target.stop()
        log("  %.1f s, %.1f MB/s, peak tree RSS %.1f MB, ok=%s" % (record["seconds"], record["mb_per_s"],
                                                                   record["peak_tree_rss_mb"], record["ok"]))
        return record

    def run(self):
        self.generate()
        size = sum((self.binlogs / name).stat().st_size for name in self.files())
        expected = self.checksums(self.source)
        source_pos = self.source.sql("SELECT @@gtid_binlog_pos")[0][0]
        self.source.stop()  # nothing else running during the replays
        log("binlogs: %d files, %.1f MB; source at %s" % (len(self.files()), size / 2 ** 20, source_pos))
        runs = []
        for number in range(self.args.runs):
            drkit_first = bool(self.args.drkit_first) != bool(number % 2)  # the order alternates run by run
            order = ["drkit", "baseline"] if drkit_first else ["baseline", "drkit"]
            steps = dict((name, self.replay(name, target, size, expected, source_pos))
                         for name, target in zip(order, self.targets))
            speed = round(steps["baseline"]["seconds"] / steps["drkit"]["seconds"], 3)
            log("run %d (%s first): drkit speed / baseline speed %.3fx" % (number + 1, order[0], speed))
            runs.append(dict(order=order, steps=steps, drkit_speed_vs_baseline=speed))
        median = round(statistics.median(r["drkit_speed_vs_baseline"] for r in runs), 3)
        total = round(sum(r["steps"]["baseline"]["seconds"] for r in runs) /
                      sum(r["steps"]["drkit"]["seconds"] for r in runs), 3)
        ok = all(s["ok"] for r in runs for s in r["steps"].values())
        return dict(binlog_files=len(self.files()), binlog_mb=round(size / 2 ** 20, 1), rounds=self.args.rounds,
                    rows_per_round=self.args.rows, source_gtid=source_pos, runs=runs, order=runs[-1]["order"],
                    steps=runs[-1]["steps"], speeds=[r["drkit_speed_vs_baseline"] for r in runs],
                    drkit_speed_vs_baseline=median, speed_over_all_runs=total, target=TARGET_RATIO,
                    target_met=median >= TARGET_RATIO and ok)

    def stop(self):
        for server in [self.source] + self.targets:
            server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=ROOT)
    parser.add_argument("--rounds", type=int, default=160)
    parser.add_argument("--rows", type=int, default=4000)
    parser.add_argument("--keep-data", action="store_true", help="reuse the generated binlogs of an earlier run")
    parser.add_argument("--drkit-first", action="store_true", help="drkit first in the first run")
    parser.add_argument("--runs", type=int, default=1,
                        help="pairs of replays, the order alternating; the ratio judged is their median")
    parser.add_argument("--tcp", action="store_true", help="both clients over TCP (default: both on the socket)")
    parser.add_argument("--no-json", action="store_true")
    args = parser.parse_args()
    bench = Bench(args)
    started = time.time()
    load_before = os.getloadavg()
    try:
        summary = bench.run()
    finally:
        bench.stop()
    summary.update(code=git("rev-parse", "--short", "HEAD"), date=datetime.datetime.utcnow().isoformat() + "Z",
                   load_before=[round(x, 2) for x in load_before], load_after=[round(x, 2) for x in os.getloadavg()],
                   cpus=os.cpu_count(), seconds=round(time.time() - started, 1),
                   mariadb=subprocess.run(["mariadb", "--version"], capture_output=True, text=True,
                                          check=False).stdout.strip())
    steps = summary["steps"]
    print("binlogs: %d files, %.1f MB (%d rounds)" % (summary["binlog_files"], summary["binlog_mb"], args.rounds))
    for name in ("baseline", "drkit"):
        s = steps[name]
        print("%-34s %7.1f s  %6.1f MB/s  peak tree RSS %6.1f MB  checksums equal: %s  GTID: %s"
              % ("mariadb-binlog | mariadb" if name == "baseline" else "drkit.mysql.binlog_replay", s["seconds"],
                 s["mb_per_s"], s["peak_tree_rss_mb"], s["checksums_equal"], s["gtid_binlog_pos"]))
    if args.runs > 1:
        print("per run (the order alternating): %s; over all runs: %.3fx" % (
            ", ".join("%.3fx" % x for x in summary["speeds"]), summary["speed_over_all_runs"]))
    print("drkit speed / baseline speed%s: %.3fx (target >= %.2fx: %s)" % (
        " (median of %d runs)" % args.runs if args.runs > 1 else "", summary["drkit_speed_vs_baseline"],
        TARGET_RATIO, "met" if summary["target_met"] else "NOT met"))
    if not args.no_json:
        path = numbered_result("replay")
        path.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
        print("results: %s" % path.relative_to(REPO))


if __name__ == "__main__":
    main()
