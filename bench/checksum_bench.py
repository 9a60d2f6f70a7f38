"""Benchmark (not a test): drkit.mysql.table_checksum vs pt-table-checksum on the same >= 1 GB, two servers.

In one run, on the bench's own MariaDB servers (not the lab): a source (port 3840) with >= --min-gib of sysbench
data and a GTID replica of it (port 3841, a copy of the source's datadir), it measures:

1. throughput: the whole ``sbtest`` database compared between the two, by ``drkit.mysql.table_checksum`` (run as
   Ansible runs a module: ``python -m`` with ANSIBLE_MODULE_ARGS on stdin) and by ``pt-table-checksum`` (its
   normal way: checksums written on the source with REPLACE ... SELECT, recomputed on the replica through
   replication, then compared; ``--recursion-method dsn`` names the replica), in rows and GB per second;
2. finding one changed row: one row changed on the replica only (``sql_log_bin=0``); drkit's time until its
   result names that row's key, and pt's time for ``pt-table-checksum`` (finds the chunk) plus
   ``pt-table-sync --print --replicate`` (finds the row).

Both tools use chunks of about 0.5 s (their defaults). Credentials go through option files (mode 0600) for pt
(``F=`` in its DSNs) and through the module arguments on stdin for drkit. Each measurement runs --runs times,
alternating the tools; the medians are compared.

    source .venv/bin/activate
    python bench/checksum_bench.py --keep-data      # reuses the data under /var/tmp/drkit-bench-checksum
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

from backup_bench import (  # noqa: E402 - the bench's shared server and measuring helpers
    GIB,
    REPO,
    Server,
    create_account,
    log,
    measured,
    module_env,
    prepare_data,
    run_module,
    tables,
)

ROOT = "/var/tmp/drkit-bench-checksum"  # noqa: S108 - the bench's own scratch directory
PORTS = {"source": 3840, "replica": 3841}
USER = "drkit_bench"
TARGET_THROUGHPUT_RATIO = 1.0


def ensure_percona_toolkit():
    if shutil.which("pt-table-checksum"):
        return
    log("percona-toolkit missing: apt-get install -y percona-toolkit")
    if subprocess.call(["apt-get", "install", "-y", "--no-install-recommends", "percona-toolkit"],
                       stdout=subprocess.DEVNULL) != 0:
        subprocess.run(["apt-get", "update"], stdout=subprocess.DEVNULL, check=False)
        subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "percona-toolkit"],
                       stdout=subprocess.DEVNULL, check=True)


def version_line(argv):
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    return (proc.stdout or proc.stderr).strip().splitlines()[0] if (proc.stdout or proc.stderr) else "?"


class Bench(object):
    def __init__(self, args):
        self.args = args
        self.root = Path(args.root)
        self.source = Server(self.root, "source", PORTS["source"], 1)
        self.replica = Server(self.root, "replica", PORTS["replica"], 2)
        secret_file = self.root / "bench-password"
        self.password = secret_file.read_text().strip() if secret_file.exists() else secrets.token_hex(12)
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)
        secret_file.write_text(self.password)
        os.chmod(secret_file, 0o600)
        self.option_file = self.root / "pt.cnf"
        self.option_file.write_text("[client]\nuser=%s\npassword=%s\n" % (USER, self.password))
        os.chmod(self.option_file, 0o600)
        self.records = {}

    # -- servers --------------------------------------------------------------------------------
    def bring_up(self):
        for server in (self.source, self.replica):
            server.stop()
        if not (self.source.datadir / "mysql").is_dir():
            self.source.install()
        log("source: started in %.2f s" % self.source.start())
        create_account(self.source, self.password)
        data = prepare_data(self.source, int(self.args.min_gib * GIB), self.args)
        if not (self.replica.datadir / "mysql").is_dir():
            log("replica: copying the source's datadir")
            self.source.stop()
            self.replica.base.mkdir(parents=True, exist_ok=True)
            shutil.copytree(self.source.datadir, self.replica.datadir)
            self.source.start()
        log("replica: started in %.2f s" % self.replica.start())
        position = self.source.sql("SELECT @@gtid_binlog_pos")[0][0]
        self.replica.sql("STOP SLAVE; RESET SLAVE ALL; SET GLOBAL gtid_slave_pos = '%s'; "
                         "CHANGE MASTER TO master_host='127.0.0.1', master_port=%d, master_user='%s', "
                         "master_password='%s', master_use_gtid=slave_pos; START SLAVE"
                         % (position, PORTS["source"], USER, self.password))
        self.wait_replica()
        # pt-table-checksum finds the replica through this table (--recursion-method dsn=...).
        self.source.sql("CREATE DATABASE IF NOT EXISTS percona; CREATE TABLE IF NOT EXISTS percona.dsns "  # noqa: S608
                        "(id INT AUTO_INCREMENT PRIMARY KEY, parent_id INT, dsn VARCHAR(255)); "
                        "DELETE FROM percona.dsns; INSERT INTO percona.dsns (dsn) VALUES ('h=127.0.0.1,P=%d,F=%s')"
                        % (PORTS["replica"], self.option_file))
        self.wait_replica()
        return data

    def wait_replica(self, seconds=600):
        deadline = time.time() + seconds
        while time.time() < deadline:
            want = self.source.sql("SELECT @@gtid_binlog_pos")[0][0]
            status = self.replica.sql("SELECT @@gtid_slave_pos")[0][0]
            if status == want:
                return
            time.sleep(0.2)
        raise SystemExit("the replica did not catch up: %s" % self.replica.sql("SHOW SLAVE STATUS"))

    # -- the two tools --------------------------------------------------------------------------
    def drkit(self, name, recheck=0):
        args = dict(login_host="127.0.0.1", login_port=PORTS["source"], login_user=USER,
                    login_password=self.password, source_name="source", tables=["sbtest.*"],
                    targets=[dict(name="replica", login_port=PORTS["replica"], login_host="127.0.0.1")],
                    parallel=self.args.parallel, recheck=recheck, fail_on_difference=False)
        record = run_module("ansible_collections.drkit.mysql.plugins.modules.table_checksum", args, module_env())
        result = record.pop("result", {})
        record["ok"] = record["rc"] == 0 and not result.get("failed")
        record["match"] = result.get("match")
        record["rows"] = sum(t["rows"].get("source", 0) for t in result.get("tables", []))
        record["chunks"] = sum(t.get("chunks", 0) for t in result.get("tables", []))
        record["differences"] = [dict(d, table=t["table"]) for t in result.get("tables", []) for d in t["differences"]]
        record["err"] = record.get("err", "")[-1000:]
        self.records[name] = record
        log("%s: %.2f s, rc %s, match %s, %d rows, %d chunks, differences %s"
            % (name, record["seconds"], record["rc"], record["match"], record["rows"], record["chunks"],
               record["differences"][:3]))
        return record

    def pt(self, name):
        argv = ["pt-table-checksum", "--no-check-binlog-format", "--databases", "sbtest",
                "--recursion-method",
                "dsn=h=127.0.0.1,P=%d,F=%s,D=percona,t=dsns" % (PORTS["source"], self.option_file),
                "--replicate", "percona.checksums", "--chunk-time", "0.5",
                "h=127.0.0.1,P=%d,F=%s" % (PORTS["source"], self.option_file)]
        record = measured(argv)
        out = record.pop("out", "")
        # TS ERRORS DIFFS ROWS DIFF_ROWS CHUNKS SKIPPED TIME TABLE
        lines = [line.split() for line in out.splitlines() if line.strip() and line.split()[-1].startswith("sbtest.")]
        record["rows"] = sum(int(parts[3]) for parts in lines)
        record["diffs"] = sum(int(parts[2]) for parts in lines)
        record["differing_tables"] = [parts[-1] for parts in lines if int(parts[2])]
        record["ok"] = record["rc"] in (0, 16) and bool(lines)  # 16: differences found
        record["output"] = out[-3000:]
        record["err"] = record.get("err", "")[-1000:]
        self.records[name] = record
        log("%s: %.2f s, rc %s, %d rows, diffs %d %s"
            % (name, record["seconds"], record["rc"], record["rows"], record["diffs"], record["differing_tables"]))
        return record

    def pt_sync(self, name):
        argv = ["pt-table-sync", "--print", "--replicate", "percona.checksums", "--sync-to-master",
                "h=127.0.0.1,P=%d,F=%s" % (PORTS["replica"], self.option_file)]
        record = measured(argv)
        out = record.pop("out", "")
        record["statements"] = [line for line in out.splitlines() if line.strip()][:10]
        record["ok"] = record["rc"] in (0, 2)  # 2: it found differences (what --print is for)
        record["err"] = record.get("err", "")[-1000:]
        self.records[name] = record
        log("%s: %.2f s, rc %s, %s" % (name, record["seconds"], record["rc"], record["statements"][:2]))
        return record


def median(values):
    return round(statistics.median(values), 3) if values else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=ROOT)
    parser.add_argument("--min-gib", type=float, default=1.0)
    parser.add_argument("--sysbench-tables", type=int, default=4)
    parser.add_argument("--table-size", type=int, default=1000000)
    parser.add_argument("--parallel", type=int, default=2, help="tables table_checksum compares at once")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--keep-data", action="store_true", help="keep both servers' data for the next run")
    parser.add_argument("--output")
    args = parser.parse_args()
    if not args.root.startswith(ROOT):
        raise SystemExit("refusing: --root must be under %s (the bench's own scratch)" % ROOT)
    ensure_percona_toolkit()
    started = time.time()
    uptime_before = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    log("uptime before: %s" % uptime_before)
    bench = Bench(args)
    try:
        data = bench.bring_up()
        data["tables"] = tables(bench.source)
        for run in range(1, args.runs + 1):
            bench.drkit("throughput-drkit-%d" % run)
            bench.pt("throughput-pt-%d" % run)
        # One row changed on the replica only.
        victim = bench.source.sql("SELECT id FROM sbtest.sbtest3 ORDER BY id LIMIT 1 OFFSET 654321")[0][0]
        bench.replica.sql("SET SESSION sql_log_bin = 0; UPDATE sbtest.sbtest3 SET c = REVERSE(c) "  # noqa: S608
                          "WHERE id = %d" % int(victim))
        for run in range(1, args.runs + 1):
            found = bench.drkit("one-row-drkit-%d" % run)
            found["found_the_row"] = [d["key"] for d in found["differences"]] == [{"id": int(victim)}]
            bench.pt("one-row-pt-checksum-%d" % run)
            sync = bench.pt_sync("one-row-pt-sync-%d" % run)
            sync["found_the_row"] = any("'%s'" % victim in s or "`id`='%s'" % victim in s or str(victim) in s
                                        for s in sync["statements"])
        bench.replica.sql("SET SESSION sql_log_bin = 0; UPDATE sbtest.sbtest3 SET c = REVERSE(c) "  # noqa: S608
                          "WHERE id = %d" % int(victim))
    finally:
        for server in (bench.replica, bench.source):
            server.stop()
        if not args.keep_data:
            shutil.rmtree(bench.root, ignore_errors=True)
    uptime_after = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    log("uptime after: %s" % uptime_after)

    rec = bench.records

    def pick(prefix, key="seconds"):
        return [r[key] for name, r in rec.items() if name.startswith(prefix) and r.get("ok")]

    drkit_s, pt_s = median(pick("throughput-drkit")), median(pick("throughput-pt"))
    rows = max(pick("throughput-drkit", "rows") or [0])
    gb = data["bytes_information_schema"] / 1e9
    one_drkit = median(pick("one-row-drkit"))
    one_pt = [a + b for a, b in zip(pick("one-row-pt-checksum"), pick("one-row-pt-sync"))]
    summary = dict(
        rows=rows, gb=round(gb, 3),
        drkit_seconds=drkit_s, pt_seconds=pt_s,
        drkit_rows_per_s=round(rows / drkit_s) if drkit_s else None,
        pt_rows_per_s=round(rows / pt_s) if pt_s else None,
        throughput_ratio=round(pt_s / drkit_s, 2) if drkit_s and pt_s else None,
        target_throughput_ratio=TARGET_THROUGHPUT_RATIO,
        one_row_drkit_seconds=one_drkit, one_row_pt_checksum_plus_sync_seconds=median(one_pt),
        one_row_found_by_drkit=all(r.get("found_the_row") for n, r in rec.items() if n.startswith("one-row-drkit")),
        one_row_found_by_pt_sync=all(r.get("found_the_row") for n, r in rec.items() if n.startswith("one-row-pt-sync")),
        peak_tree_rss_mb_drkit=max(pick("throughput-drkit", "peak_tree_rss_mb") or [0]),
        peak_tree_rss_mb_pt=max(pick("throughput-pt", "peak_tree_rss_mb") or [0]),
    )
    loads = [x for r in rec.values() for x in (r["load_before"][0], r["load_after"][0])]
    tools = dict(pt=version_line(["pt-table-checksum", "--version"]), mariadb=version_line(["mariadbd", "--version"]))
    result = dict(benchmark="table_checksum vs pt-table-checksum",
                  command="python bench/checksum_bench.py " + " ".join(sys.argv[1:]),
                  started=datetime.datetime.fromtimestamp(started).isoformat(timespec="seconds"),
                  duration_seconds=round(time.time() - started, 1), uptime_before=uptime_before,
                  uptime_after=uptime_after, load_1min_min=min(loads), load_1min_max=max(loads),
                  tools=tools, data=data, summary=summary, records=rec)
    name = "checksum-%s.json" % time.strftime("%Y-%m-%d-%H%M")
    out = Path(args.output) if args.output else REPO / "bench" / "results" / name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(json.dumps(summary, indent=2))
    if summary["throughput_ratio"] is not None:
        print("throughput: drkit %s rows/s vs pt %s rows/s -> %.2fx (target >= %.1fx): %s" % (
            summary["drkit_rows_per_s"], summary["pt_rows_per_s"], summary["throughput_ratio"],
            TARGET_THROUGHPUT_RATIO, "MET" if summary["throughput_ratio"] >= TARGET_THROUGHPUT_RATIO else "NOT MET"))
    print("load 1-min over the steps: min %.2f, max %.2f; results: %s" % (min(loads), max(loads), out))
    return 0 if all(r.get("ok") for r in rec.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
