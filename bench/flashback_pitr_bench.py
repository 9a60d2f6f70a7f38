"""Benchmark (not a test): undo of a 200k-row bad UPDATE - drkit flashback, mariadb-binlog --flashback, restore+PITR.

One run, on the bench's own MariaDB server (port 3870, not the lab; ROW binlog, FULL images, GTID strict):

- ``shop.user_points`` (the case book's table: user_id INT UNSIGNED PRIMARY KEY, points INT, updated_at
  DATETIME(6); no foreign key here) with --rows rows (2,000,000);
- a backup of ``shop`` with ``drkit.mysql.backup`` (engine dump, the backup role's default), then the binlogs
  before it are purged (the archive keeps what follows the last backup);
- --before-rows row changes (200,000, in 100-row transactions) between the backup and the incident;
- the incident: ``UPDATE shop.user_points SET points = 0 WHERE user_id % N = 0`` with N = rows / --incident-rows
  (2,000,000 / 200,000: every 10th user);
- later traffic: --later-rows single-row UPDATEs (1,000; every 7th user, so about 100 of them are rows of the
  incident: conflicts for a guarded undo);
- the binlog files copied to a directory of their own (the archive); the datadir copied to a snapshot.

Then the same incident is undone four times, each from the snapshot (server stopped, datadir put back, started):

a) ``drkit.mysql.flashback`` (path = the archive, gtids = [bad GTID], batch_size 1000 as the playbook's default),
   run as Ansible runs a module (``python -m`` with ANSIBLE_MODULE_ARGS on stdin): row images decoded by the
   server (``server_decoding``, the default on MariaDB);
b) ``mariadb-binlog --flashback --start-position --stop-position FILE | mariadb`` (no guard: rows changed since
   are overwritten with the before-image);
c) restore + PITR the way ``playbooks/pitr.yml`` does it: ``binlog_replay`` plan (check mode), ``restore`` of
   shop.user_points from the backup into shop_pitr, ``binlog_replay`` from the backup's GTID set up to
   ``stop_before_gtid`` = the bad GTID (tables, rewrite_db shop -> shop_pitr, new GTIDs), ``table_swap`` record
   and swap. Later traffic is lost (the table is the pre-incident one);
d) the same module with ``server_decoding: false`` (row images decoded in Python, set-based undo: the path MySQL
   takes);
e) (with --base-ref, e.g. 6a2b8ff: the code before the set-based undo) the flashback module of that commit, for a
   comparison under the same load.

The undo ways a), b), d), e) run --repeat times (3), each from the snapshot, and their median counts; c) runs
--restore-repeat times (1: a minute on 10M rows). Unless --cold, each way starts with shop.user_points in the
buffer pool, as on the server that just ran the bad UPDATE.

Each result is compared with a copy of the table taken just before the incident (``sql_log_bin=0``): the rows
that differ and whether they are the ones changed later. Wall seconds (sum of the steps for c), peak RSS of each
command's process tree (``backup_bench.measured``; the server's own memory is not counted) and the ratios are
printed and saved to bench/results/flashback-<date>-<n>.json.

    source .venv/bin/activate
    flock /work/bench.lock python bench/flashback_pitr_bench.py [--keep-data]
"""
import argparse
import datetime
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from backup_bench import (  # noqa: E402 - shared bench helpers
    REPO, Server, git, log, measured, module_env, numbered_result, run_module)

ROOT = "/var/tmp/drkit-bench-flashback"  # noqa: S108 - the bench's own scratch directory
PORT = 3870
USER = "drkit_bench"
TARGET = 20.0
MODULES = "ansible_collections.drkit.mysql.plugins.modules."

SCHEMA = """
CREATE DATABASE shop CHARACTER SET utf8mb4;
CREATE TABLE shop.user_points (user_id INT UNSIGNED NOT NULL PRIMARY KEY, points INT NOT NULL,
  updated_at DATETIME(6) NOT NULL) ENGINE=InnoDB;
INSERT INTO shop.user_points SELECT seq, (seq * 37) % 5000 + 1, TIMESTAMP('2024-06-01 00:00:00') + INTERVAL seq SECOND
  FROM shop.seq_1_to_{rows};
"""


class Bench(object):
    def __init__(self, args):
        self.args = args
        self.root = Path(args.root)
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)
        self.server = Server(self.root, "primary", PORT, 1)
        self.archive = self.root / "archive"
        self.snapshot = self.root / "snapshot"
        self.backups = self.root / "backups"
        self.state_file = self.root / "state.json"
        self.every = max(1, args.rows // args.incident_rows)
        secret = self.root / "bench-password"
        self.password = secret.read_text().strip() if secret.exists() else secrets.token_hex(12)
        secret.write_text(self.password)
        os.chmod(secret, 0o600)

    def login(self):
        return dict(login_host="127.0.0.1", login_port=PORT, login_user=USER, login_password=self.password)

    def module(self, name, args, check_mode=False, env=None):
        args = dict(self.login(), **args)
        if check_mode:
            args["_ansible_check_mode"] = True
            payload = json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode()
            record = measured([sys.executable, "-m", MODULES + name], env=module_env(), input_bytes=payload,
                              cwd=str(REPO))
            out = record.pop("out")
            record["result"] = json.loads(out[out.find("{"):])
        else:
            record = run_module(MODULES + name, args, env or module_env())
        result = record["result"]
        if result.get("failed"):
            raise SystemExit("%s failed: %s" % (name, result.get("msg")))
        record["err"] = (record.get("err") or "")[-800:]
        return record

    # -------------------------------------------------------------- setup

    def prepare(self):
        if self.args.keep_data and self.state_file.exists() and self.snapshot.exists():
            log("reusing the incident in %s" % self.root)
            return json.loads(self.state_file.read_text())
        self.server.stop()
        for path in (self.server.base, self.archive, self.snapshot, self.backups):
            if path.exists():
                shutil.rmtree(path)
        self.server.install()
        self.server.start()
        for host in ("127.0.0.1", "localhost"):
            self.server.sql("CREATE USER '%s'@'%s' IDENTIFIED BY '%s'; GRANT ALL PRIVILEGES ON *.* TO '%s'@'%s'"
                            % (USER, host, self.password, USER, host))
        log("loading %d rows into shop.user_points" % self.args.rows)
        self.server.sql(SCHEMA.format(rows=self.args.rows))
        self.backups.mkdir()
        log("backup (drkit.mysql.backup, engine dump)")
        backup = self.module("backup", dict(engine="dump", dest=str(self.backups), databases=["shop"]))
        manifest = backup["result"]["manifest"]
        self.server.sql("FLUSH BINARY LOGS")
        current = self.server.sql("SHOW MASTER STATUS")[0][0]
        self.server.sql("PURGE BINARY LOGS TO '%s'" % current)
        log("%d row changes between the backup and the incident" % self.args.before_rows)
        script = self.root / "before.sql"
        with open(script, "w") as out:
            for start in range(1, self.args.before_rows + 1, 100):
                first = 1 + (start * 7) % (self.args.rows - 100)
                out.write("UPDATE shop.user_points SET updated_at = NOW(6) WHERE user_id BETWEEN %d AND %d;\n"  # noqa: S608
                          % (first, first + 99))
        self.feed(script)
        self.server.sql("SET SESSION sql_log_bin = 0; CREATE DATABASE bench_copy; CREATE TABLE "
                        "bench_copy.user_points AS SELECT * FROM shop.user_points")
        file_name, start = self.server.sql("SHOW MASTER STATUS")[0][:2]
        [[gtid]] = self.server.sql("UPDATE shop.user_points SET points = 0 WHERE user_id %% %d = 0; "  # noqa: S608 - an int
                                   "SELECT @@last_gtid" % self.every)
        stop = self.server.sql("SHOW MASTER STATUS")[0][1]
        log("incident %s at %s:%s-%s; %d later single-row updates"
            % (gtid, file_name, start, stop, self.args.later_rows))
        script = self.root / "later.sql"
        with open(script, "w") as out:
            for k in range(1, self.args.later_rows + 1):
                out.write("UPDATE shop.user_points SET points = points + 5, updated_at = NOW(6) "  # noqa: S608
                          "WHERE user_id = %d;\n" % (k * 7))
        self.feed(script)
        self.server.sql("FLUSH BINARY LOGS")
        names = [row[0] for row in self.server.sql("SHOW BINARY LOGS")][:-1]
        self.archive.mkdir()
        for name in names:
            shutil.copy2(self.server.datadir / name, self.archive / name)
        self.server.stop()
        shutil.copytree(self.server.datadir, self.snapshot, symlinks=True)
        self.server.start()
        state = dict(gtid=gtid, file=file_name, start=int(start), stop=int(stop), files=names,
                     backup=backup["result"]["path"], backup_gtid=manifest["coordinates"]["gtid_set"],
                     backup_seconds=backup["seconds"],
                     binlog_mb=round(sum((self.archive / n).stat().st_size for n in names) / 2 ** 20, 1),
                     incident_rows=self.incident_rows())
        self.state_file.write_text(json.dumps(state, indent=2))
        return state

    def incident_rows(self):
        query = "SELECT COUNT(*) FROM bench_copy.user_points WHERE user_id %% %d = 0 AND points <> 0" % self.every  # noqa: S608 - an int
        return int(self.server.sql(query)[0][0])

    def feed(self, script):
        with open(script, "rb") as handle:
            subprocess.run(["mariadb", "--no-defaults", "--socket=%s" % self.server.socket, "-uroot"], stdin=handle,
                           check=True)

    def reset(self):
        """The server as it was after the later traffic (datadir put back from the snapshot). Unless --cold, with
        shop.user_points in the buffer pool, as on a server that kept running after the incident (the bad UPDATE
        had just touched every page of it): without this each way starts from a pool the restart emptied, and the
        flashback, which reads the old rows, pays for reading them from disk while a restore writes new ones.
        The pool's own reload (innodb_buffer_pool_load_at_startup) is waited for in both cases, so that it does
        not run in the middle of a measurement."""
        self.server.stop()
        shutil.rmtree(self.server.datadir)
        shutil.copytree(self.snapshot, self.server.datadir, symlinks=True)
        self.server.start()
        deadline = time.time() + 600
        while time.time() < deadline:
            try:  # the socket may appear a moment after the TCP port
                if "completed" in self.server.sql("SHOW STATUS LIKE 'Innodb_buffer_pool_load_status'")[0][1]:
                    break
            except RuntimeError:
                pass
            time.sleep(0.2)
        if not self.args.cold:
            self.server.sql("SELECT COUNT(*), SUM(points) FROM shop.user_points FORCE INDEX (PRIMARY)")

    def compare(self):
        """Rows of shop.user_points that differ from the pre-incident copy, how many of them the later traffic
        changed (user_id a multiple of 7 up to 7 * later_rows), and how many still have points = 0."""
        rows = self.server.sql(
            "SELECT COUNT(*), COALESCE(SUM(c.user_id % 7 = 0 AND c.user_id <= {0}), 0), "  # noqa: S608
            "COALESCE(SUM(t.points = 0), 0) FROM bench_copy.user_points c LEFT JOIN shop.user_points t "
            "USING (user_id) WHERE NOT (t.points <=> c.points AND t.updated_at <=> c.updated_at)"
            .format(7 * self.args.later_rows))
        differing, later, zero = (int(x) for x in rows[0])
        return dict(rows_differing_from_pre_incident=differing, of_which_changed_later=later, still_zero=zero)

    # -------------------------------------------------------------- the three ways

    def drkit_flashback(self, state, server_decoding=True):
        record = self.module("flashback", dict(path=str(self.archive), files=state["files"], gtids=[state["gtid"]],
                                               batch_size=self.args.batch, server_decoding=server_decoding))
        result = record.pop("result")
        record["module_result"] = dict((k, result.get(k)) for k in (
            "rows_reverted", "conflicts", "skipped", "overwritten", "apply_paths", "set_based", "server_decoding",
            "seconds", "statement_count"))
        return record

    def python_decoding(self, state):
        return self.drkit_flashback(state, server_decoding=False)

    def base_collection(self):
        """The plugins of --base-ref (the row-by-row flashback before this work) as a collection of their own."""
        target = self.root / "base" / "ansible_collections" / "drkit" / "mysql"
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", self.args.base_ref, "plugins"], cwd=str(REPO),
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
        env = module_env()
        env["PYTHONPATH"] = str(self.root / "base")
        return env

    def row_by_row(self, state):
        record = self.module("flashback", dict(path=str(self.archive), files=state["files"], gtids=[state["gtid"]],
                                               batch_size=self.args.batch), env=self.base_collection())
        result = record.pop("result")
        record["module_result"] = dict((k, result.get(k)) for k in (
            "rows_reverted", "conflicts", "skipped", "overwritten", "seconds", "statement_count"))
        record["code"] = self.args.base_ref
        return record

    def baseline(self, state):
        self.server.sql("SET GLOBAL max_allowed_packet = 1073741824")
        script = ("mariadb-binlog --flashback --start-position=%d --stop-position=%d %s | mariadb --no-defaults "
                  "--socket=%s -uroot --max-allowed-packet=1G"
                  % (state["start"], state["stop"], self.archive / state["file"], self.server.socket))
        record = measured(["/bin/sh", "-c", script])
        record.pop("out", None)
        if record["rc"] != 0:
            raise SystemExit("baseline failed: %s" % record["err"][-1000:])
        return record

    def restore_pitr(self, state):
        common = dict(path=str(self.archive), files=state["files"], start_gtid=state["backup_gtid"],
                      stop_before_gtid=state["gtid"], tables=["shop.user_points"], rewrite_db=dict(shop="shop_pitr"))
        steps = []
        plan = self.module("binlog_replay", common, check_mode=True)
        planned = plan["result"].get("count")
        steps.append(("binlog_replay plan (check mode)", plan))
        steps.append(("restore shop.user_points into shop_pitr",
                      self.module("restore", dict(src=state["backup"], tables=["shop.user_points"],
                                                  rename=dict(shop="shop_pitr"), mode="create"))))
        steps.append(("binlog_replay backup GTID .. before the bad GTID", self.module("binlog_replay", common)))
        steps.append(("table_swap record", self.module("table_swap", dict(
            side_schema="shop_pitr", tables=["shop.user_points"], action="record",
            record=dict(request="bench", applied=planned)))))
        steps.append(("table_swap swap", self.module("table_swap", dict(
            side_schema="shop_pitr", tables=["shop.user_points"], action="swap"))))
        out = []
        for name, record in steps:
            result = record.pop("result")
            record["module_result"] = dict((k, result.get(k)) for k in ("msg", "count", "replay_ms", "duration_s"))
            record["step"] = name
            out.append(record)
        return dict(seconds=round(sum(s["seconds"] for s in out), 3),
                    peak_tree_rss_mb=max(s["peak_tree_rss_mb"] for s in out), steps=out,
                    replayed_transactions=planned)

    def run(self):
        state = self.prepare()
        log("incident: %s (%d rows), binlogs %.1f MB in %d files"
            % (state["gtid"], state["incident_rows"], state["binlog_mb"], len(state["files"])))
        results = {}
        methods = [("drkit_flashback", self.drkit_flashback), ("mariadb_binlog_flashback", self.baseline),
                   ("restore_pitr", self.restore_pitr), ("drkit_flashback_python_decoding", self.python_decoding)]
        if self.args.base_ref:
            methods.append(("drkit_flashback_row_by_row", self.row_by_row))
        for name, method in methods:
            samples = []
            # The ways move +-30 % run by run: each runs --repeat times (each from the snapshot, each result
            # compared) and the median counts; restore + PITR --restore-repeat times (a minute each on 10M rows).
            for _n in range(self.args.restore_repeat if name == "restore_pitr" else self.args.repeat):
                self.reset()
                log(name)
                load = os.getloadavg()[0]
                record = method(state)
                record["load_before"] = round(load, 2)
                record.update(self.compare())
                record["later_changes_lost"] = self.args.later_rows - record["of_which_changed_later"]
                samples.append(record)
                log("  %.1f s, peak tree RSS %.1f MB, %s" % (record["seconds"], record["peak_tree_rss_mb"],
                                                             dict((k, record[k]) for k in (
                                                                 "rows_differing_from_pre_incident",
                                                                 "of_which_changed_later", "still_zero"))))
            samples.sort(key=lambda r: r["seconds"])
            record = dict(samples[len(samples) // 2])  # the median run (the upper one of an even count)
            record["runs_seconds"] = [r["seconds"] for r in samples]
            record["worst"] = dict((k, max(r[k] for r in samples)) for k in (
                "rows_differing_from_pre_incident", "later_changes_lost", "still_zero"))
            results[name] = record
        self.server.stop()
        a, b, c = (results[k]["seconds"] for k in ("drkit_flashback", "mariadb_binlog_flashback", "restore_pitr"))
        ratios = dict(restore_pitr_over_drkit_flashback=round(c / a, 2), drkit_flashback_over_mariadb_binlog=round(
            a / b, 2), restore_pitr_over_mariadb_binlog=round(c / b, 2))
        ratios["python_decoding_over_server_decoding"] = round(
            results["drkit_flashback_python_decoding"]["seconds"] / a, 2)
        if "drkit_flashback_row_by_row" in results:
            ratios["row_by_row_over_set_based"] = round(results["drkit_flashback_row_by_row"]["seconds"] / a, 2)
        return dict(state=state, results=results, ratios=ratios, target=TARGET, target_met=c / a >= TARGET)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=ROOT)
    parser.add_argument("--rows", type=int, default=2000000)
    parser.add_argument("--before-rows", type=int, default=200000)
    parser.add_argument("--later-rows", type=int, default=1000)
    parser.add_argument("--incident-rows", type=int, default=200000, help="rows the bad UPDATE changes")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--keep-data", action="store_true")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each undo way (restore + PITR runs once); the median counts")
    parser.add_argument("--restore-repeat", type=int, default=1, help="runs of restore + PITR; the median counts")
    parser.add_argument("--cold", action="store_true",
                        help="start each way with an empty buffer pool (the server just restarted), not a warm one")
    parser.add_argument("--base-ref", default="",
                        help="also run the flashback module of this commit (row by row); empty: skip")
    parser.add_argument("--no-json", action="store_true")
    args = parser.parse_args()
    bench = Bench(args)
    started = time.time()
    load_before = os.getloadavg()
    try:
        summary = bench.run()
    finally:
        bench.server.stop()
    summary.update(code=git("rev-parse", "--short", "HEAD"), date=datetime.datetime.utcnow().isoformat() + "Z",
                   settings=vars(args), load_before=[round(x, 2) for x in load_before],
                   load_after=[round(x, 2) for x in os.getloadavg()], cpus=os.cpu_count(),
                   seconds=round(time.time() - started, 1))
    state, results = summary["state"], summary["results"]
    print("setup: shop.user_points %d rows; backup (drkit dump) before the incident; %d row changes between backup "
          "and incident; bad UPDATE %s of %d rows; %d later single-row updates; binlogs %.1f MB"
          % (args.rows, args.before_rows, state["gtid"], state["incident_rows"], args.later_rows, state["binlog_mb"]))
    labels = dict(drkit_flashback="a) drkit.mysql.flashback (guarded)",
                  mariadb_binlog_flashback="b) mariadb-binlog --flashback | mariadb",
                  restore_pitr="c) restore + PITR (pitr.yml's modules)",
                  drkit_flashback_python_decoding="d) drkit flashback, images decoded in Python",
                  drkit_flashback_row_by_row="e) drkit flashback row by row (%s)" % args.base_ref)
    for key, label in labels.items():
        if key not in results:
            continue
        r = results[key]
        print("%-42s %7.1f s %-20s peak tree RSS %6.1f MB  rows differing from pre-incident %d (changed later: %d), "
              "later changes lost %d (worst run %d)" % (
                  label, r["seconds"], "[%s]" % " ".join("%.1f" % x for x in r["runs_seconds"]),
                  r["peak_tree_rss_mb"], r["rows_differing_from_pre_incident"], r["of_which_changed_later"],
                  r["later_changes_lost"], r["worst"]["later_changes_lost"]))
    print("restore+PITR / drkit flashback: %.1fx (target >= %.0fx: %s); drkit / mariadb-binlog --flashback: %.1fx"
          % (summary["ratios"]["restore_pitr_over_drkit_flashback"], TARGET,
             "met" if summary["target_met"] else "NOT met", summary["ratios"]["drkit_flashback_over_mariadb_binlog"]))
    print("images decoded in Python / by the server: %.1fx" % summary["ratios"]["python_decoding_over_server_decoding"])
    if "row_by_row_over_set_based" in summary["ratios"]:
        print("row by row / set-based: %.1fx" % summary["ratios"]["row_by_row_over_set_based"])
    if not args.no_json:
        path = numbered_result("flashback")
        path.write_text(json.dumps(summary, indent=2, sort_keys=True, default=str) + "\n")
        print("results: %s" % path.relative_to(REPO))


if __name__ == "__main__":
    main()
