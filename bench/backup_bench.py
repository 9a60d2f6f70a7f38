"""Benchmark (not a test): backup and restore of >= 1 GB, drkit.mysql vs mariadb-dump and community.mysql.

In one run, on the bench's own MariaDB servers (not the lab), it measures the wall time and the peak memory of:

1. drkit.mysql.backup + drkit.mysql.restore for each engine: ``dump`` (per-table files, ``parallel`` clients),
   ``mydumper`` (myloader threads) and ``physical`` (mariabackup; the restore goes into the fresh datadir of a
   stopped server, which is then started: the time counts until it accepts connections);
2. the plain baseline ``mariadb-dump --single-transaction ... > dump.sql`` and ``mariadb < dump.sql``;
3. community.mysql's ``mysql_db`` state=dump / state=import (from the ``ansible==12.3.0`` wheel, run as a module
   the way Ansible runs it on a host: ``python -m`` with ANSIBLE_MODULE_ARGS on stdin).

Every restore is checked with CHECKSUM TABLE of every table against the source; a wrong restore is reported as
such, not as a figure. Peak memory is the peak over time of the summed RSS (and PSS) of the whole process tree
of the command, sampled from /proc every 0.1 s; ``/usr/bin/time -f %M`` around the command gives the largest
single process as a cross-check. The database servers' own memory is not counted.

Servers (all under --root, default /var/tmp/drkit-bench-backup): source on port 3820 (binlog + GTID), logical
restore target on 3821, physical restore target on 3822. The source data is generated with sysbench (installed
with apt-get when missing) and topped up with copies of sbtest1 until information_schema reports >= --min-gib.

    source .venv/bin/activate
    python bench/backup_bench.py --keep-data
"""
import argparse
import datetime
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
DRKIT_COLLECTIONS = REPO / ".collections"
BASELINE_COLLECTIONS = BENCH / "collections"   # gitignored, shared with failover_bench.py
ANSIBLE_WHEEL = "ansible==12.3.0"   # ships community.mysql 3.16.x
ROOT = "/var/tmp/drkit-bench-backup"  # noqa: S108 - the bench's own scratch directory
PORTS = {"source": 3820, "target": 3821, "physical": 3822}
DB = "sbtest"
USER = "drkit_bench"
GIB = 1024 ** 3
TARGETS = dict(logical_restore_speedup_vs_mariadb=2.0, physical_restore_speedup_vs_logical=20.0, peak_mb=500.0)
PAGE = os.sysconf("SC_PAGE_SIZE")


# ------------------------------------------------------------------ helpers

def log(msg):
    print("[%s] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


def loadavg():
    return [round(x, 2) for x in os.getloadavg()]


def ensure_baseline():
    """community.mysql, extracted from the `ansible` wheel into bench/collections (gitignored)."""
    manifest = BASELINE_COLLECTIONS / "ansible_collections" / "community" / "mysql" / "MANIFEST.json"
    if not manifest.exists():
        log("community.mysql missing: pip download --no-deps %s and extract community/mysql only" % ANSIBLE_WHEEL)
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", ANSIBLE_WHEEL, "-d", tmp],
                           check=True)
            wheel = next(Path(tmp).glob("ansible-*.whl"))
            prefix = "ansible_collections/community/mysql/"
            with zipfile.ZipFile(wheel) as archive:
                for name in archive.namelist():
                    if name.startswith(prefix):
                        archive.extract(name, BASELINE_COLLECTIONS)
    return json.loads(manifest.read_text())["collection_info"]["version"]


def ensure_sysbench():
    if shutil.which("sysbench"):
        return
    log("sysbench missing: apt-get install -y sysbench")
    if subprocess.call(["apt-get", "install", "-y", "sysbench"], stdout=subprocess.DEVNULL) != 0:
        subprocess.run(["apt-get", "update"], stdout=subprocess.DEVNULL, check=False)
        subprocess.run(["apt-get", "install", "-y", "sysbench"], stdout=subprocess.DEVNULL, check=True)


def du(path):
    total = 0
    for directory, _dirs, files in os.walk(path):
        for name in files:
            full = os.path.join(directory, name)
            if not os.path.islink(full):
                total += os.path.getsize(full)
    return total


# ------------------------------------------------------------------ memory sampling

def _proc_table():
    """{pid: (ppid, pgrp, rss_bytes, comm)} of every process."""
    table = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name, "rb") as handle:
                data = handle.read().decode("utf-8", "replace")
        except OSError:
            continue
        comm = data[data.find("(") + 1:data.rfind(")")]
        fields = data[data.rfind(")") + 2:].split()
        # fields[0] is state (field 3); ppid field 4, pgrp field 5, rss field 24
        table[int(name)] = (int(fields[1]), int(fields[2]), int(fields[21]) * PAGE, comm)
    return table


def _pss(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid) as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class TreeSampler(threading.Thread):
    """Peak of the summed RSS/PSS of a process and all its descendants (or its process group), every 0.1 s."""

    def __init__(self, root_pid, interval=0.1):
        super().__init__(daemon=True)
        self.root = root_pid
        self.interval = interval
        self.stop_event = threading.Event()
        self.peak_rss = 0
        self.peak_pss = 0
        self.peak_single = 0
        self.peak_procs = []
        self.samples = 0

    def sample(self):
        table = _proc_table()
        children = {}
        for pid, (ppid, _pgrp, _rss, _comm) in table.items():
            children.setdefault(ppid, []).append(pid)
        tree, todo = set(), [self.root]
        while todo:
            pid = todo.pop()
            if pid in tree or pid not in table:
                continue
            tree.add(pid)
            todo.extend(children.get(pid, []))
        tree.update(pid for pid, row in table.items() if row[1] == self.root)
        rss = sum(table[pid][2] for pid in tree)
        pss = sum(_pss(pid) for pid in tree)
        self.samples += 1
        if tree:
            self.peak_single = max(self.peak_single, max(table[pid][2] for pid in tree))
        if rss > self.peak_rss:
            self.peak_rss = rss
            self.peak_procs = sorted("%s:%dMB" % (table[pid][3], table[pid][2] // 2 ** 20) for pid in tree)
        self.peak_pss = max(self.peak_pss, pss)

    def run(self):
        while not self.stop_event.is_set():
            try:
                self.sample()
            except Exception:  # a process vanishing between reads is normal; the next sample counts
                pass
            self.stop_event.wait(self.interval)

    def stop(self):
        self.stop_event.set()
        self.join()


def measured(argv, env=None, stdin=None, stdout=None, input_bytes=None, cwd=None, timeout=3600):
    """Run argv under /usr/bin/time with the tree sampler; returns dict(rc, seconds, memory..., out, err)."""
    with tempfile.NamedTemporaryFile(prefix="bench-time-", delete=False) as tf:
        time_file = tf.name
    full = ["/usr/bin/time", "-f", "%M %e", "-o", time_file] + list(argv)
    err_file = tempfile.TemporaryFile()
    out_target = stdout if stdout is not None else subprocess.PIPE
    in_target = stdin if stdin is not None else (subprocess.PIPE if input_bytes is not None else subprocess.DEVNULL)
    load_before = loadavg()
    started = time.monotonic()
    proc = subprocess.Popen(full, stdin=in_target, stdout=out_target, stderr=err_file, env=env, cwd=cwd,
                            start_new_session=True)
    sampler = TreeSampler(proc.pid)
    sampler.start()
    try:
        out = proc.communicate(input=input_bytes, timeout=timeout)[0]
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out = proc.communicate()[0]
    seconds = time.monotonic() - started
    sampler.stop()
    err_file.seek(0)
    err = err_file.read().decode("utf-8", "replace")
    err_file.close()
    max_single_kb = None
    try:
        with open(time_file) as handle:
            first = handle.read().strip().splitlines()
        max_single_kb = int(first[-1].split()[0]) if first else None
    except (OSError, ValueError, IndexError):
        pass
    os.unlink(time_file)
    return dict(rc=proc.returncode, seconds=round(seconds, 3), peak_tree_rss_mb=round(sampler.peak_rss / 2 ** 20, 1),
                peak_tree_pss_mb=round(sampler.peak_pss / 2 ** 20, 1),
                peak_single_process_rss_mb_sampled=round(sampler.peak_single / 2 ** 20, 1),
                max_single_process_rss_mb_time=round(max_single_kb / 1024, 1) if max_single_kb else None,
                processes_at_peak=sampler.peak_procs, samples=sampler.samples,
                load_before=load_before, load_after=loadavg(),
                out=out.decode("utf-8", "replace") if isinstance(out, bytes) else out, err=err)


# ------------------------------------------------------------------ servers

class Server(object):
    def __init__(self, root, name, port, server_id, extra=()):
        self.name = name
        self.extra = list(extra)  # more my.cnf lines, for one bench's servers
        self.port = port
        self.server_id = server_id
        self.base = Path(root) / name
        self.datadir = self.base / "data"
        self.socket = str(self.base / "mysqld.sock")
        self.cnf = self.base / "my.cnf"
        self.proc = None

    def write_cnf(self):
        self.base.mkdir(parents=True, exist_ok=True)
        # Same settings on every server, so the baselines and drkit load into identical servers.
        self.cnf.write_text("\n".join([
            "[mariadbd]",
            "user=root",
            "datadir=%s" % self.datadir,
            "port=%d" % self.port,
            "bind-address=127.0.0.1",
            "socket=%s" % self.socket,
            "pid-file=%s" % (self.base / "mysqld.pid"),
            "log-error=%s" % (self.base / "error.log"),
            "server-id=%d" % self.server_id,
            "log-bin=%s" % (self.base / "data" / "binlog"),
            "binlog_format=ROW",
            "gtid_strict_mode=1",
            "character-set-server=utf8mb4",
            "innodb_buffer_pool_size=1G",
            "innodb_log_file_size=512M",
            "innodb_flush_log_at_trx_commit=2",
            "sync_binlog=0",
            "max_allowed_packet=256M",
            "skip-name-resolve",
        ] + self.extra + [""]))

    def install(self):
        self.write_cnf()
        subprocess.run(["mariadb-install-db", "--defaults-file=%s" % self.cnf, "--user=root",
                        "--datadir=%s" % self.datadir, "--auth-root-authentication-method=socket"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True)

    def accepts(self):
        """A MySQL greeting on the TCP port (the server accepts connections)."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.settimeout(1.0)
                return len(sock.recv(16)) > 4
        except OSError:
            return False

    def start(self, timeout=300):
        """Start mariadbd; returns seconds until it accepts connections."""
        self.write_cnf()
        started = time.monotonic()
        with open(self.base / "mariadbd.out", "ab") as out:
            self.proc = subprocess.Popen(["mariadbd", "--defaults-file=%s" % self.cnf], stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        while time.monotonic() - started < timeout:
            if self.proc.poll() is not None:
                raise SystemExit("%s did not start; see %s" % (self.name, self.base / "error.log"))
            if self.accepts():
                return time.monotonic() - started
            time.sleep(0.02)
        raise SystemExit("%s did not accept connections within %d s" % (self.name, timeout))

    def running(self):
        return self.accepts()

    def stop(self):
        pidfile = self.base / "mysqld.pid"
        pid = None
        if self.proc is not None and self.proc.poll() is None:
            pid = self.proc.pid
        elif pidfile.exists():
            try:
                pid = int(pidfile.read_text().strip())
                os.kill(pid, 0)
            except (OSError, ValueError):
                pid = None
        if pid is None:
            return
        os.kill(pid, signal.SIGTERM)
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                os.kill(pid, 0)
            except OSError:
                break
            if self.proc is not None and self.proc.poll() is not None:
                break
            time.sleep(0.1)
        self.proc = None

    def sql(self, query, timeout=3600):
        proc = subprocess.run(["mariadb", "--no-defaults", "--socket=%s" % self.socket, "-uroot", "-N", "-B",
                               "-e", query], capture_output=True, text=True, timeout=timeout, check=False)
        if proc.returncode != 0:
            raise RuntimeError("%s: %s: %s" % (self.name, query[:80], proc.stderr.strip()))
        return [line.split("\t") for line in proc.stdout.splitlines()]


def create_account(server, password):
    for host in ("127.0.0.1", "localhost"):
        server.sql("CREATE USER IF NOT EXISTS '%s'@'%s' IDENTIFIED BY '%s'; ALTER USER '%s'@'%s' IDENTIFIED BY '%s';"
                   " GRANT ALL PRIVILEGES ON *.* TO '%s'@'%s' WITH GRANT OPTION"
                   % (USER, host, password, USER, host, password, USER, host))


def db_bytes(server):
    rows = server.sql("SELECT COALESCE(SUM(DATA_LENGTH + INDEX_LENGTH), 0), COALESCE(SUM(TABLE_ROWS), 0), COUNT(*) "
                      "FROM information_schema.TABLES WHERE TABLE_SCHEMA='sbtest'")
    return int(rows[0][0]), int(rows[0][1]), int(rows[0][2])


def tables(server):
    return [r[0] for r in server.sql("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA='sbtest' "
                                     "AND TABLE_TYPE='BASE TABLE' ORDER BY TABLE_NAME")]


def checksums(server):
    names = tables(server)
    if not names:
        return {}
    rows = server.sql("CHECKSUM TABLE %s" % ", ".join("`%s`.`%s`" % (DB, t) for t in names))
    return dict((r[0], r[1]) for r in rows)


def prepare_data(source, min_bytes, args):
    """sysbench prepare (4 x 1M rows), then copies of sbtest1 until information_schema says >= min_bytes."""
    have = source.sql("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME='sbtest'")[0][0] == "1"
    if not have:
        ensure_sysbench()
        source.sql("CREATE DATABASE %s" % DB)
        log("sysbench prepare: %d tables x %d rows" % (args.sysbench_tables, args.table_size))
        subprocess.run(["sysbench", "oltp_read_write", "--db-driver=mysql", "--mysql-socket=%s" % source.socket,
                        "--mysql-user=root", "--mysql-db=%s" % DB, "--tables=%d" % args.sysbench_tables,
                        "--table-size=%d" % args.table_size, "--threads=2", "prepare"],
                       stdout=subprocess.DEVNULL, check=True)
    names = tables(source)
    source.sql("ANALYZE TABLE %s" % ", ".join("`%s`.`%s`" % (DB, t) for t in names))
    size, rows, count = db_bytes(source)
    while size < min_bytes:
        extra = "sbtest%d" % (len(names) + 1)
        log("data %.3f GiB < %.2f GiB: adding %s (copy of sbtest1)" % (size / GIB, min_bytes / GIB, extra))
        copy = "CREATE TABLE {0}.{1} LIKE {0}.sbtest1; INSERT INTO {0}.{1} SELECT * FROM {0}.sbtest1; "  # noqa: S608
        source.sql(copy.format(DB, extra) + "ANALYZE TABLE %s.%s" % (DB, extra))
        names = tables(source)
        size, rows, count = db_bytes(source)
    return dict(bytes_information_schema=size, gib=round(size / GIB, 3), rows_estimate=rows, tables=count,
                ibd_bytes_on_disk=du(source.datadir / DB))


# ------------------------------------------------------------------ modules

def module_env(extra_paths=()):
    env = dict(os.environ)
    env.pop("ANSIBLE_COLLECTIONS_PATH", None)
    env["PYTHONPATH"] = os.pathsep.join([str(DRKIT_COLLECTIONS)] + [str(p) for p in extra_paths])
    env["ANSIBLE_CONFIG"] = str(REPO / "ansible.cfg")
    return env


def run_module(fqcn_path, args, env, timeout=3600):
    """``python -m <module>`` with ANSIBLE_MODULE_ARGS on stdin (as tests/helpers.py), measured."""
    payload = json.dumps({"ANSIBLE_MODULE_ARGS": dict(args, _ansible_check_mode=False)}).encode()
    res = measured([sys.executable, "-m", fqcn_path], env=env, input_bytes=payload, cwd=str(REPO), timeout=timeout)
    try:
        result = json.loads(res["out"][res["out"].find("{"):])
    except ValueError:
        result = dict(failed=True, msg="no JSON: %s / %s" % (res["out"][-2000:], res["err"][-2000:]))
    res["result"] = result
    res["ok"] = res["rc"] == 0 and not result.get("failed")
    res.pop("out")
    return res


def strip(record):
    """What goes into the results JSON of a module result (no long lists)."""
    result = record.pop("result", {}) or {}
    names = ("msg", "path", "size", "size_bytes", "duration_s", "bytes", "rows", "verified", "coordinates",
             "safety_copy")
    keep = dict((k, result.get(k)) for k in names if k in result)
    if "tables" in result and isinstance(result["tables"], list):
        keep["tables"] = [dict((k, t.get(k)) for k in ("target", "rows", "bytes", "chunks", "seconds", "run_seconds")
                               if k in t) for t in result["tables"]]
    if "manifest" in result and isinstance(result["manifest"], dict):
        keep["manifest"] = dict((k, result["manifest"].get(k)) for k in ("engine", "tool", "compression",
                                                                         "coordinates", "file_count", "total_bytes"))
    record["module_result"] = keep
    record["err"] = (record.get("err") or "")[-1500:]
    return record


# ------------------------------------------------------------------ steps

class Bench(object):
    def __init__(self, args):
        self.args = args
        self.root = Path(args.root)
        self.source = Server(self.root, "source", PORTS["source"], 1)
        self.target = Server(self.root, "target", PORTS["target"], 2)
        self.physical = Server(self.root, "physical", PORTS["physical"], 3)
        self.work = self.root / "backups"
        self.password = secrets.token_hex(16)
        self.drkit_env = module_env()
        self.community_env = module_env([BASELINE_COLLECTIONS])
        self.expected = None
        self.steps = {}

    def login(self, server):
        return dict(login_host="127.0.0.1", login_port=server.port, login_user=USER, login_password=self.password,
                    config_file="/nonexistent/.my.cnf")

    def record(self, key, rec):
        rec = dict((k, v) for k, v in rec.items() if k != "out")
        self.steps[key] = rec
        log("%-28s rc %s  %7.2f s  peak tree RSS %6.1f MB (PSS %6.1f, largest process %s MB)  load %s -> %s%s" % (
            key, rec.get("rc"), rec.get("seconds") or 0, rec.get("peak_tree_rss_mb") or 0,
            rec.get("peak_tree_pss_mb") or 0, rec.get("max_single_process_rss_mb_time"), rec.get("load_before"),
            rec.get("load_after"), "" if rec.get("ok", rec.get("rc") == 0) else "  FAILED: %s" % (
                (rec.get("module_result") or {}).get("msg") or rec.get("err", "")[-400:])))

    def reset_target(self):
        self.target.sql("DROP DATABASE IF EXISTS %s; RESET MASTER" % DB)

    def verify(self, server):
        got = checksums(server)
        bad = sorted(t for t in self.expected if got.get(t) != self.expected[t])
        extra = sorted(set(got) - set(self.expected))
        return dict(ok=not bad and not extra, tables_checked=len(got), mismatched=bad, unexpected=extra)

    # --- baselines
    def baseline_dump(self):
        path = self.work / "baseline" / "dump.sql"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as out:
            rec = measured(["mariadb-dump", "--no-defaults", "--socket=%s" % self.source.socket, "-uroot",
                            "--single-transaction", "--quick", "--routines", "--events", "--triggers",
                            "--hex-blob", "--master-data=2", "--gtid", "--databases", DB], stdout=out)
        rec["ok"] = rec["rc"] == 0
        rec["bytes"] = path.stat().st_size
        rec["err"] = rec["err"][-1500:]
        self.record("backup/mariadb-dump", rec)
        return path

    def baseline_restore(self, path):
        self.reset_target()
        with open(path, "rb") as handle:
            rec = measured(["mariadb", "--no-defaults", "--socket=%s" % self.target.socket, "-uroot"], stdin=handle)
        rec["ok"] = rec["rc"] == 0
        rec["err"] = rec["err"][-1500:]
        rec["checksum"] = self.verify(self.target)
        self.record("restore/mariadb<dump.sql", rec)

    def community_dump(self):
        path = self.work / "community" / "dump.sql"
        path.parent.mkdir(parents=True, exist_ok=True)
        rec = strip(run_module("ansible_collections.community.mysql.plugins.modules.mysql_db", dict(
            state="dump", name=[DB], target=str(path), single_transaction=True, quick=True,
            login_unix_socket=self.source.socket, login_user="root", config_file="/nonexistent/.my.cnf",
            check_implicit_admin=False), self.community_env))
        rec["bytes"] = path.stat().st_size if path.exists() else None
        self.record("backup/community mysql_db", rec)
        return path

    def community_restore(self, path):
        self.reset_target()
        rec = strip(run_module("ansible_collections.community.mysql.plugins.modules.mysql_db", dict(
            state="import", name=[DB], target=str(path), login_unix_socket=self.target.socket, login_user="root",
            config_file="/nonexistent/.my.cnf"), self.community_env))
        rec["checksum"] = self.verify(self.target)
        self.record("restore/community mysql_db", rec)

    # --- drkit
    def drkit_backup(self, engine, label=None, **options):
        args = dict(self.login(self.source), engine=engine, dest=str(self.work / "drkit"), prefix=label or engine,
                    parallel=self.args.parallel, verify=self.args.verify, **options)
        rec = strip(run_module("ansible_collections.drkit.mysql.plugins.modules.backup", args, self.drkit_env))
        path = rec["module_result"].get("path")
        rec["bytes"] = du(path) if path and os.path.isdir(path) else None
        rec["options"] = options
        self.record("backup/drkit %s" % (label or engine), rec)
        return path if rec["ok"] else None

    def drkit_restore(self, engine, path):
        self.reset_target()
        args = dict(self.login(self.target), src=path, parallel=self.args.parallel)
        rec = strip(run_module("ansible_collections.drkit.mysql.plugins.modules.restore", args, self.drkit_env))
        rec["checksum"] = self.verify(self.target) if rec["ok"] else dict(ok=False, reason="restore failed")
        self.record("restore/drkit %s" % engine, rec)

    def drkit_physical_restore(self, path, label="physical"):
        self.physical.stop()
        if self.physical.base.exists():
            shutil.rmtree(self.physical.base)
        self.physical.write_cnf()   # the stopped server: its config exists, its datadir does not
        args = dict(src=path, datadir=str(self.physical.datadir))
        rec = strip(run_module("ansible_collections.drkit.mysql.plugins.modules.restore", args, self.drkit_env))
        rec["module_seconds"] = rec["seconds"]
        if rec["ok"]:
            rec["start_seconds"] = round(self.physical.start(), 3)
            rec["seconds"] = round(rec["module_seconds"] + rec["start_seconds"], 3)
            rec["load_after"] = loadavg()
            rec["checksum"] = self.verify(self.physical)
            self.physical.stop()
        else:
            rec["checksum"] = dict(ok=False, reason="restore failed")
        self.record("restore/drkit %s" % label, rec)


# ------------------------------------------------------------------ summary

def ratio(a, b):
    return round(a / b, 2) if a and b else None


def summarize(steps):
    def sec(key):
        rec = steps.get(key) or {}
        return rec.get("seconds") if rec.get("ok") and (rec.get("checksum") or {}).get("ok", True) else None

    base = sec("restore/mariadb<dump.sql")
    out = dict(restore_speedup_vs_mariadb={}, physical_speedup={}, targets={})
    for key in ("restore/drkit dump", "restore/drkit mydumper", "restore/drkit physical",
                "restore/community mysql_db"):
        out["restore_speedup_vs_mariadb"][key] = ratio(base, sec(key))
    phys = sec("restore/drkit physical")
    for key in ("restore/drkit dump", "restore/drkit mydumper", "restore/mariadb<dump.sql"):
        out["physical_speedup"]["vs " + key] = ratio(sec(key), phys)
    out["physical_zstd_speedup"] = dict(("vs " + key, ratio(sec(key), sec("restore/drkit physical-zstd"))) for key in (
        "restore/drkit dump", "restore/drkit mydumper", "restore/mariadb<dump.sql"))
    backup_base = sec("backup/mariadb-dump")
    out["backup_time_vs_mariadb_dump"] = dict((key, ratio(sec(key), backup_base)) for key in (
        "backup/drkit dump", "backup/drkit mydumper", "backup/drkit physical", "backup/community mysql_db"))
    t = out["targets"]
    for engine in ("dump", "mydumper"):
        value = out["restore_speedup_vs_mariadb"]["restore/drkit %s" % engine]
        t["drkit %s restore >= %.0fx faster than mariadb < dump.sql" % (
            engine, TARGETS["logical_restore_speedup_vs_mariadb"])] = dict(
            value=value, met=bool(value and value >= TARGETS["logical_restore_speedup_vs_mariadb"]))
    for engine in ("dump", "mydumper", "mariadb<dump.sql"):
        key = "vs restore/%s%s" % ("" if "<" in engine else "drkit ", engine)
        value = out["physical_speedup"][key]
        t["physical restore >= %.0fx faster than %s restore" % (
            TARGETS["physical_restore_speedup_vs_logical"], engine)] = dict(
            value=value, met=bool(value and value >= TARGETS["physical_restore_speedup_vs_logical"]))
    for key, rec in steps.items():
        if key.startswith(("backup/drkit", "restore/drkit")):
            peak = rec.get("peak_tree_rss_mb")
            t["%s peak tree RSS < %.0f MB" % (key, TARGETS["peak_mb"])] = dict(
                value=peak, met=bool(rec.get("ok") and peak is not None and peak < TARGETS["peak_mb"]))
    return out


def print_summary(steps, summary, data):
    print()
    print("data: %s GiB (information_schema), %d tables, ~%d rows" % (data["gib"], data["tables"],
                                                                      data["rows_estimate"]))
    head = "%-28s %4s %9s %11s %11s %11s %8s %9s" % (
        "step", "ok", "seconds", "tree RSS MB", "tree PSS MB", "largest MB", "checksum", "bytes")
    print(head)
    print("-" * len(head))
    for key, rec in steps.items():
        check = rec.get("checksum")
        print("%-28s %4s %9.2f %11.1f %11.1f %11s %8s %9s" % (
            key, "yes" if rec.get("ok") else "NO", rec.get("seconds") or 0, rec.get("peak_tree_rss_mb") or 0,
            rec.get("peak_tree_pss_mb") or 0, rec.get("max_single_process_rss_mb_time"),
            "-" if check is None else ("ok" if check.get("ok") else "WRONG"),
            "%.0fM" % (rec["bytes"] / 1e6) if rec.get("bytes") else "-"))
    for label in ("physical", "physical-zstd"):
        phys = steps.get("restore/drkit %s" % label) or {}
        if phys.get("start_seconds") is not None:
            print("%s restore = module %.2f s + server start until it accepts connections %.2f s"
                  % (label, phys["module_seconds"], phys["start_seconds"]))
    print()
    for key, value in summary["restore_speedup_vs_mariadb"].items():
        print("restore speed-up vs mariadb < dump.sql, %-28s %sx" % (key, value))
    for key, value in summary["physical_zstd_speedup"].items():
        print("physical-zstd restore speed-up %-31s %sx" % (key, value))
    for key, value in summary["physical_speedup"].items():
        print("physical restore speed-up %-36s %sx" % (key, value))
    for key, value in summary["backup_time_vs_mariadb_dump"].items():
        print("backup time / mariadb-dump time, %-26s %sx" % (key, value))
    print()
    for name, t in summary["targets"].items():
        print("target %-62s %8s -> %s" % (name, t["value"], "MET" if t["met"] else "NOT MET"))


def git(*argv):
    proc = subprocess.run(["git"] + list(argv), cwd=str(REPO), capture_output=True, text=True, check=False)
    return proc.stdout.strip()


def version_of(argv):
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    except OSError:
        return None
    return (proc.stdout.strip() or proc.stderr.strip()).splitlines()[0] if (proc.stdout or proc.stderr) else None


def machine_info(community_version):
    import ansible.release
    with open("/proc/meminfo") as handle:
        mem_kb = int(handle.readline().split()[1])
    return dict(host=platform.node(), cpus=os.cpu_count(), ram_gib=round(mem_kb / 2 ** 20, 1),
                python=platform.python_version(), ansible_core=ansible.release.__version__,
                mariadbd=version_of(["mariadbd", "--version"]), mariadb_dump=version_of(["mariadb-dump", "--version"]),
                mydumper=version_of(["mydumper", "--version"]), mariabackup=version_of(["mariabackup", "--version"]),
                zstd=version_of(["zstd", "--version"]), sysbench=version_of(["sysbench", "--version"]),
                community_mysql=community_version, git_head=git("rev-parse", "--short", "HEAD"),
                git_dirty_files=len([x for x in git("status", "--porcelain").splitlines() if x]))


def numbered_result(prefix):
    """bench/results/<prefix>-<date>-<n>.json, the first n not taken (the other benches' naming)."""
    day = datetime.date.today().isoformat()
    n = 1
    while (BENCH / "results" / ("%s-%s-%d.json" % (prefix, day, n))).exists():
        n += 1
    return BENCH / "results" / ("%s-%s-%d.json" % (prefix, day, n))


def result_path(args):
    if args.output:
        return Path(args.output)
    day = datetime.date.today().isoformat()
    path = BENCH / "results" / ("backup-%s.json" % day)
    n = 2
    while path.exists():
        path = BENCH / "results" / ("backup-%s-%d.json" % (day, n))
        n += 1
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=ROOT, help="scratch directory (default %s)" % ROOT)
    parser.add_argument("--min-gib", type=float, default=1.0, help="minimum data size, GiB (default 1.0)")
    parser.add_argument("--sysbench-tables", type=int, default=4)
    parser.add_argument("--table-size", type=int, default=1000000)
    parser.add_argument("--parallel", type=int, default=2, help="drkit parallel / threads (default 2)")
    parser.add_argument("--verify", action="store_true", help="drkit backups with verify=true")
    parser.add_argument("--keep-data", action="store_true",
                        help="keep the source server's data (and reuse it when present) for the next run")
    parser.add_argument("--output", help="JSON results file (default bench/results/backup-<date>.json)")
    args = parser.parse_args()
    if not args.root.startswith(ROOT):
        raise SystemExit("refusing: --root must be under /var/tmp/drkit-bench-backup (the bench's own scratch)")

    started = time.time()
    community_version = ensure_baseline()
    bench = Bench(args)
    uptime_before = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    log("uptime before: %s" % uptime_before)
    for server in (bench.source, bench.target, bench.physical):
        server.stop()   # leftovers of an interrupted run
    if not args.keep_data and bench.root.exists():
        shutil.rmtree(bench.root)
    if bench.work.exists():
        shutil.rmtree(bench.work)
    for server in (bench.source, bench.target, bench.physical):
        if server is not bench.source and server.base.exists():
            shutil.rmtree(server.base)
    bench.root.mkdir(parents=True, exist_ok=True)
    os.chmod(bench.root, 0o700)
    try:
        for server in (bench.source, bench.target):
            if not (server.datadir / "mysql").is_dir():
                server.install()
            log("%s: started in %.2f s (port %d)" % (server.name, server.start(), server.port))
            create_account(server, bench.password)
        server_settings = bench.source.cnf.read_text()
        t0 = time.monotonic()
        data = prepare_data(bench.source, int(args.min_gib * GIB), args)
        data["prepare_seconds"] = round(time.monotonic() - t0, 1)
        log("data: %s GiB in %d tables (~%d rows), %.2f GB of .ibd files"
            % (data["gib"], data["tables"], data["rows_estimate"], data["ibd_bytes_on_disk"] / 1e9))
        t0 = time.monotonic()
        bench.expected = checksums(bench.source)
        data["checksum_seconds_source"] = round(time.monotonic() - t0, 1)
        data["gtid_binlog_pos"] = bench.source.sql("SELECT @@gtid_binlog_pos")[0][0]
        log("source checksums of %d tables in %.1f s; gtid_binlog_pos %s"
            % (len(bench.expected), data["checksum_seconds_source"], data["gtid_binlog_pos"]))

        # Backups, then restores with the baselines interleaved, so that a drift in load hits both.
        dump_sql = bench.baseline_dump()
        community_sql = bench.community_dump()
        drkit = dict((engine, bench.drkit_backup(engine)) for engine in ("dump", "mydumper", "physical"))
        # The default physical backup keeps the prepared directory (restore: --copy-back); zstd archives it.
        drkit["physical zstd"] = bench.drkit_backup("physical", "physical-zstd", compression="zstd")
        bench.baseline_restore(dump_sql)
        if drkit["dump"]:
            bench.drkit_restore("dump", drkit["dump"])
        bench.community_restore(community_sql)
        if drkit["mydumper"]:
            bench.drkit_restore("mydumper", drkit["mydumper"])
        if drkit["physical"]:
            bench.drkit_physical_restore(drkit["physical"])
        if drkit["physical zstd"]:
            bench.drkit_physical_restore(drkit["physical zstd"], "physical-zstd")
    finally:
        for server in (bench.physical, bench.target, bench.source):
            server.stop()
        if bench.work.exists():
            shutil.rmtree(bench.work)
        for server in (bench.target, bench.physical):
            if server.base.exists():
                shutil.rmtree(server.base)
        if not args.keep_data and bench.root.exists():
            shutil.rmtree(bench.root)

    uptime_after = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    log("uptime after: %s" % uptime_after)
    summary = summarize(bench.steps)
    loads = [x for rec in bench.steps.values() for x in (rec["load_before"][0], rec["load_after"][0])]
    result = dict(
        benchmark="backup and restore, drkit.mysql vs mariadb-dump | mariadb and community.mysql mysql_db",
        command="python bench/backup_bench.py " + " ".join(sys.argv[1:]),
        started=datetime.datetime.fromtimestamp(started).isoformat(timespec="seconds"),
        duration_seconds=round(time.time() - started, 1), machine=machine_info(community_version),
        uptime_before=uptime_before, uptime_after=uptime_after,
        load_1min_min=min(loads), load_1min_max=max(loads),
        settings=dict(parallel=args.parallel, verify=args.verify, min_gib=args.min_gib, root=args.root,
                      ports=PORTS, server_settings=server_settings),
        data=data, targets=TARGETS, summary=summary, steps=bench.steps,
    )
    out = result_path(args)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print_summary(bench.steps, summary, data)
    print("\nload 1-min over the steps: min %.2f, max %.2f on %d CPU(s)" % (min(loads), max(loads), os.cpu_count()))
    print("duration %.0f s; results: %s" % (time.time() - started, out))
    ok = all(rec.get("ok") and (rec.get("checksum") or {}).get("ok", True) for rec in bench.steps.values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
