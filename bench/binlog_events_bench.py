#!/usr/bin/env python
"""Decode throughput and peak memory of the binlog row decoder on one big binlog file.

    python bench/binlog_events_bench.py FILE [--table db.table]

Runs, each in a fresh process: the drkit search counting every row (what binlog_events does without
with_rows), the same decoding every row image to Python values, and the baseline
``mariadb-binlog --base64-output=decode-rows -vv FILE > /dev/null``. Prints wall and CPU seconds, MB/s and
rows/s per CPU second (the machines are shared: CPU time is the steadier figure) and peak RSS.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(ROOT, ".collections")

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, %(collections)r)
from ansible_collections.drkit.mysql.plugins.module_utils.binlog_search import Filters, search
from ansible_collections.drkit.mysql.plugins.module_utils.binlog_stream import Reader
started = time.time()
rows = 0
if %(mode)r == "search":
    for entry in search([%(path)r], Filters(tables=%(tables)r)):
        rows += entry["rows"] or 0
else:
    for event in Reader(%(path)r).events():
        if event.kind == "rows":
            for _pair in event.rows():
                rows += 1
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps(dict(seconds=time.time() - started, rows=rows, cpu=usage.ru_utime + usage.ru_stime,
                      peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0)))
"""


def child(mode, path, tables):
    code = CHILD % dict(collections=COLLECTIONS, mode=mode, path=path, tables=tables)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def baseline(path):
    started = time.time()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(os.devnull, "wb") as sink:
        subprocess.run(["mariadb-binlog", "--base64-output=decode-rows", "-vv", path], stdout=sink, check=True)
    seconds = time.time() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return dict(seconds=seconds, rows=None, cpu=cpu, peak_rss_mb=after.ru_maxrss / 1024.0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--table", action="append", default=None)
    args = parser.parse_args()
    size_mb = os.path.getsize(args.path) / 1e6
    results = dict(search=child("search", args.path, args.table), decode_all=child("decode", args.path, None),
                   mariadb_binlog=baseline(args.path))
    print("file %s: %.1f MB" % (os.path.basename(args.path), size_mb))
    for name, figures in results.items():
        rows = figures["rows"]
        print("%-15s wall %6.2f s  cpu %6.2f s  %6.1f MB/s (cpu)  %9s rows/s (cpu)  peak RSS %6.1f MB" % (
            name, figures["seconds"], figures["cpu"], size_mb / figures["cpu"],
            "%d" % (rows / figures["cpu"]) if rows else "-", figures["peak_rss_mb"]))
    print("cpu ratio drkit search / mariadb-binlog -vv (which decodes rows to text): %.2f" % (
        results["search"]["cpu"] / results["mariadb_binlog"]["cpu"]))


if __name__ == "__main__":
    main()
