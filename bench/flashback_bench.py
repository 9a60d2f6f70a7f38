#!/usr/bin/env python
"""Flashback of an UPDATE without WHERE: drkit.mysql.flashback against mariadb-binlog --flashback | mariadb.

    DRKIT_LAB_PORT_BASE=... DRKIT_LAB_ROOT=... python bench/flashback_bench.py [--rows 200000] [--batch 5000]

Needs a running lab (playbooks/lab.yml). Creates drk_bench.pts (id, owner, points, updated_at) with --rows rows on
the lab primary, then twice: ``UPDATE drk_bench.pts SET points = 0`` and its undo - once with the flashback module
(a fresh process reading the primary's binlog file, guarded, set-based per chunk, batches), once with the baseline
``mariadb-binlog --flashback --start-position --stop-position FILE | mariadb`` (no guard: it overwrites rows
changed since; max_allowed_packet raised for its one big BINLOG statement). Checks both restored every row and
prints wall seconds, rows/s, the module's peak RSS and the ratio. Drops drk_bench at the end.
"""
import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))

from helpers import LAB_ROOT, admin_args, ansible_env, sql  # noqa: E402

SOCKET = os.path.join(LAB_ROOT, "db-primary", "run", "mysqld.sock")


def incident():
    """The UPDATE without WHERE in a binlog file of its own; returns (file path, start, stop positions, gtid)."""
    sql("db-primary", "FLUSH BINARY LOGS")
    file_name, start = sql("db-primary", "SHOW MASTER STATUS")[0][:2]
    [[gtid]] = sql("db-primary", "UPDATE drk_bench.pts SET points = 0; SELECT @@last_gtid")
    stop = sql("db-primary", "SHOW MASTER STATUS")[0][1]
    return os.path.join(LAB_ROOT, "db-primary", "binlog", file_name), int(start), int(stop), gtid


def restored():
    return sql("db-primary", "SELECT COUNT(*) FROM drk_bench.pts WHERE points <> id")[0][0] == "0"


def drkit(path, gtid, batch):
    args = admin_args("db-primary", files=[path], gtids=[gtid], batch_size=batch)
    started = time.time()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", sys.executable, "-m",
                           "ansible_collections.drkit.mysql.plugins.modules.flashback"],
                          input=json.dumps({"ANSIBLE_MODULE_ARGS": args}), capture_output=True, text=True,
                          env=ansible_env(), cwd=ROOT, check=False)
    wall = time.time() - started
    result = json.loads(proc.stdout)
    assert not result.get("failed"), result.get("msg")
    return dict(seconds=wall, rows=result["rows_reverted"], conflicts=result["conflicts"],
                peak_rss_mb=int(proc.stderr.strip().splitlines()[-1]) / 1024.0)


def baseline(path, start, stop):
    sql("db-primary", "SET GLOBAL max_allowed_packet = 1073741824")
    started = time.time()
    dump = subprocess.Popen(["mariadb-binlog", "--flashback", "--start-position=%d" % start,
                             "--stop-position=%d" % stop, path], stdout=subprocess.PIPE)
    load = subprocess.run(["mariadb", "--socket=%s" % SOCKET, "--max-allowed-packet=1G"], stdin=dump.stdout,
                          capture_output=True, check=False)
    dump.wait()
    assert dump.returncode == 0 and load.returncode == 0, load.stderr
    return dict(seconds=time.time() - started)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200000)
    parser.add_argument("--batch", type=int, default=5000)
    options = parser.parse_args()
    fill = "INSERT INTO drk_bench.pts SELECT seq, CONCAT('u', seq), seq, NOW(6) FROM drk_bench.seq_1_to_%d" % (  # noqa: S608
        options.rows)
    sql("db-primary", "DROP DATABASE IF EXISTS drk_bench; CREATE DATABASE drk_bench; CREATE TABLE drk_bench.pts "
                      "(id INT PRIMARY KEY, owner VARCHAR(20), points INT NOT NULL, updated_at DATETIME(6) NOT NULL); "
                      + fill)
    try:
        path, _start, _stop, gtid = incident()
        ours = drkit(path, gtid, options.batch)
        assert restored() and ours["rows"] == options.rows
        path, start, stop, _gtid = incident()
        theirs = baseline(path, start, stop)
        assert restored()
    finally:
        sql("db-primary", "DROP DATABASE IF EXISTS drk_bench")
    print("rows %d, batch %d" % (options.rows, options.batch))
    print("drkit flashback (guarded, set-based):  %6.1f s  %7.0f rows/s  peak RSS %.0f MB"
          % (ours["seconds"], options.rows / ours["seconds"], ours["peak_rss_mb"]))
    print("mariadb-binlog --flashback | mariadb:    %6.1f s  %7.0f rows/s"
          % (theirs["seconds"], options.rows / theirs["seconds"]))
    print("ratio drkit / baseline: %.1fx" % (ours["seconds"] / theirs["seconds"]))


if __name__ == "__main__":
    main()
