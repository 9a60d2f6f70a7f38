"""Benchmark (not a test): switchover and failover on the real lab, drkit.mysql vs a community.mysql baseline.

For each scenario (switchover, failover) and implementation (drkit = playbooks/dr_*.yml, baseline =
bench/baseline_*.yml written with community.mysql's modules), ``--runs`` times, interleaved:

1. rebuild our own lab (DRKIT_LAB_PORT_BASE / DRKIT_LAB_ROOT, not the shared default one) with the stand-in
   app committing every ``--interval`` seconds, and let it write ``--warmup`` seconds;
2. failover only: SIGKILL the primary with playbooks/lab_kill.yml;
3. run the playbook and time its wall clock (process start to exit);
4. from the app's own probe ($LAB_ROOT/app1/events.jsonl) take the window in which it could not commit
   (each "down" to the next "up"); check that every acknowledged commit (acks.log) is on the new primary,
   and that the other replicas replicate from it and catch up.

Prints a table (median [min-max]) and the drkit/baseline ratios, checks the issue's targets, and writes all
figures (plus each run's per-task timeline) to bench/results/failover-<date>.json.

    source /tmp/venvtest/bin/activate
    python bench/failover_bench.py --runs 3
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
BASELINE_COLLECTIONS = BENCH / "collections"   # playbook-adjacent for bench/baseline_*.yml; gitignored
ANSIBLE_WHEEL = "ansible==12.3.0"   # ships community.mysql 3.16.x
PLAYBOOKS = {
    ("switchover", "drkit"): ["playbooks/dr_switchover.yml"],
    ("failover", "drkit"): ["playbooks/dr_failover.yml", "-e", "drkit_failover_primary_confirmed_dead=true"],
    ("switchover", "baseline"): ["bench/baseline_switchover.yml"],
    ("failover", "baseline"): ["bench/baseline_failover.yml"],
}
# Hosts that must replicate from the new primary (db-dr) afterwards.
REPOINTED = {"switchover": ["db-primary", "db-replica"], "failover": ["db-replica"]}
NEW_PRIMARY = "db-dr"
PORT_OFFSET = {"db-primary": 0, "db-replica": 1, "db-dr": 2}
# Our own lab, beside the shared default one (/var/tmp/drkit-lab, ports 3310-3312) other work uses.
LAB_ROOT = "/var/tmp/drkit-lab-bench"  # noqa: S108 - the lab's own convention (roles/lab)
SHARED_LAB_ROOT = "/var/tmp/drkit-lab"  # noqa: S108
TARGETS = {"failover_wall_seconds": 5.0, "switchover_write_blocked_seconds": 1.0}


# ------------------------------------------------------------------ helpers

def log(msg):
    print("[%s] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


def loadavg():
    return [round(x, 2) for x in os.getloadavg()]


def ensure_baseline():
    """community.mysql, extracted from the `ansible` wheel into bench/.baseline/collections (gitignored)."""
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


class Lab(object):
    def __init__(self, args, run_dir):
        self.args = args
        self.root = Path(args.lab_root)
        self.run_dir = run_dir
        self.bin = Path(sys.executable).parent
        self.base_env = dict(os.environ, DRKIT_LAB_PORT_BASE=str(args.port_base), DRKIT_LAB_ROOT=str(self.root),
                             ANSIBLE_FORCE_COLOR="0", PYTHONUNBUFFERED="1")
        self.base_env.pop("ANSIBLE_COLLECTIONS_PATH", None)

    def port(self, host):
        return self.args.port_base + PORT_OFFSET[host]

    def socket(self, host):
        return str(self.root / host / "run" / "mysqld.sock")

    def playbook(self, argv, tag, impl="drkit", extra_env=None):
        """Run ansible-playbook from the repo root; returns (rc, wall seconds, start epoch, end epoch, paths)."""
        env = dict(self.base_env)
        timeline = self.run_dir / ("%s.timeline.jsonl" % tag)
        timings = self.run_dir / ("%s.module-timings.jsonl" % tag)
        env["DRKIT_TIMELINE_FILE"] = str(timeline)   # keeps the shared reports/.timeline clean
        env["BENCH_MODULE_TIMINGS_FILE"] = str(timings)
        env["ANSIBLE_CALLBACK_PLUGINS"] = str(BENCH / "callback_plugins")
        env["ANSIBLE_CALLBACKS_ENABLED"] = "drkit.mysql.timeline,bench_module_timings"
        paths = [str(REPO / ".collections")]
        if impl == "baseline":
            paths.insert(0, str(BASELINE_COLLECTIONS))
        env["ANSIBLE_COLLECTIONS_PATH"] = os.pathsep.join(paths)
        env.update(extra_env or {})
        out = self.run_dir / ("%s.log" % tag)
        cmd = [str(self.bin / "ansible-playbook"), "-i", "inventories/lab"] + list(argv)
        with open(out, "w") as handle:
            handle.write("$ %s\n" % " ".join(cmd))
            handle.flush()
            start_epoch, start = time.time(), time.monotonic()
            rc = subprocess.call(cmd, cwd=str(REPO), env=env, stdout=handle, stderr=subprocess.STDOUT)
            wall = time.monotonic() - start
        return dict(rc=rc, wall=wall, start=start_epoch, end=start_epoch + wall, timeline=timeline,
                    module_timings=timings, log=out)

    def reset(self, tag):
        for attempt in (1, 2):
            res = self.playbook(["playbooks/lab.yml", "-e", "lab_state=reset",
                                 "-e", "lab_app_interval=%s" % self.args.interval], "%s.lab-reset" % tag)
            if res["rc"] == 0:
                return res
            log("  lab reset failed (rc %s, see %s), attempt %d" % (res["rc"], res["log"], attempt))
        raise SystemExit("lab reset failed twice; see %s" % res["log"])

    def sql(self, host, query, timeout=10):
        proc = subprocess.run(["mariadb", "--socket=%s" % self.socket(host), "-N", "-B", "-e", query],
                              capture_output=True, text=True, timeout=timeout, check=False)
        if proc.returncode != 0:
            raise RuntimeError("%s: %s" % (host, proc.stderr.strip()))
        return [line.split("\t") for line in proc.stdout.splitlines()]

    def events(self):
        path = self.root / "app1" / "events.jsonl"
        out = []
        for line in path.read_text().splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
        return out


# ------------------------------------------------------------------ measurements

def probe_period(lab):
    """Seconds between two commits of the app right now (from written_at on the primary)."""
    rows = lab.sql("db-primary", "SELECT UNIX_TIMESTAMP(written_at) FROM shop.app_writes "
                                 "WHERE writer='app1' ORDER BY id DESC LIMIT 41")
    stamps = sorted(float(r[0]) for r in rows)
    gaps = [b - a for a, b in zip(stamps, stamps[1:])]
    return dict(median=round(statistics.median(gaps), 4), max=round(max(gaps), 4)) if gaps else None


def write_windows(events, since):
    """Every down->up window of the app after ``since`` (epoch)."""
    windows, down = [], None
    for event in sorted(events, key=lambda e: e.get("at", 0)):
        if event.get("at", 0) < since:
            continue
        if event.get("kind") == "down" and down is None:
            down = event
        elif event.get("kind") == "up" and down is not None:
            windows.append(dict(down=down["at"], up=event["at"], seconds=round(event["at"] - down["at"], 3),
                                error=down.get("error")))
            down = None
    if down is not None:
        windows.append(dict(down=down["at"], up=None, seconds=None, error=down.get("error")))
    return windows


def wait_for_up(lab, since, timeout=15.0):
    """The windows after ``since``, once the last one closed (or ``timeout`` passed)."""
    deadline = time.time() + timeout
    while True:
        windows = write_windows(lab.events(), since)
        if not windows or windows[-1]["up"] is not None or time.time() > deadline:
            return windows
        time.sleep(0.2)


def check_no_loss(lab):
    """Acked commits (read first) that the new primary lacks."""
    acked = set(int(x) for x in (lab.root / "app1" / "acks.log").read_text().split())
    stored = set(int(r[0]) for r in lab.sql(NEW_PRIMARY, "SELECT seq FROM shop.app_writes WHERE writer='app1'"))
    lost = sorted(acked - stored)
    return dict(acked=len(acked), on_new_primary=len(stored), lost=len(lost), lost_sample=lost[:5])


def check_replicas(lab, hosts, timeout=10):
    """Each host replicates from the new primary, threads up, and reaches its current GTID position."""
    target = lab.sql(NEW_PRIMARY, "SELECT @@gtid_binlog_pos")[0][0]
    out = {}
    for host in hosts:
        verdict = dict(ok=False)
        try:
            reached = lab.sql(host, "SELECT MASTER_GTID_WAIT('%s', %d)" % (target, timeout), timeout=timeout + 5)
            proc = subprocess.run(["mariadb", "--socket=%s" % lab.socket(host), "-e", "SHOW SLAVE STATUS\\G"],
                                  capture_output=True, text=True, timeout=10, check=False)
            status = {}
            for line in proc.stdout.splitlines():
                if ":" in line:
                    key, _sep, value = line.partition(":")
                    status[key.strip()] = value.strip()
            verdict = dict(
                source_port=status.get("Master_Port"), io=status.get("Slave_IO_Running"),
                sql=status.get("Slave_SQL_Running"), last_error=status.get("Last_Error") or status.get(
                    "Last_IO_Error") or None, gtid_wait=reached[0][0],
                read_only=lab.sql(host, "SELECT @@read_only")[0][0])
            verdict["ok"] = (verdict["source_port"] == str(lab.port(NEW_PRIMARY)) and verdict["io"] == "Yes"
                             and verdict["sql"] == "Yes" and verdict["gtid_wait"] == "0")
        except Exception as exc:  # a dead or broken server is a verdict, not a crash
            verdict["error"] = str(exc)
        out[host] = verdict
    return out


def timeline_steps(path):
    """Per task: start offset, duration and hosts' statuses, plus playbook start/end (epoch)."""
    if not Path(path).exists():
        return dict(steps=[], playbook_start=None, playbook_end=None)
    events = [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
    steps, by_uuid = [], {}
    pb_start = pb_end = None
    for ev in events:
        kind = ev.get("event")
        if kind == "playbook_start":
            pb_start = ev["at"]
        elif kind == "playbook_end":
            pb_end = ev["at"]
        elif kind == "task_start":
            step = dict(task=ev["task"], start=ev["at"], end=ev["at"], hosts={})
            by_uuid[ev["uuid"]] = step
            steps.append(step)
        elif kind == "task_end" and ev.get("uuid") in by_uuid:
            step = by_uuid[ev["uuid"]]
            step["end"] = max(step["end"], ev["at"])
            status = ev.get("status")
            if status == "ok" and ev.get("changed"):
                status = "changed"
            step["hosts"][ev.get("host")] = status
    return dict(steps=steps, playbook_start=pb_start, playbook_end=pb_end)


def breakdown(res, tl, module_timings_path):
    """Where the wall clock went: startup, tasks (by kind), gaps between tasks, teardown."""
    steps = tl["steps"]
    out = dict(startup=None, teardown=None, tasks=0.0, gaps=0.0, arg_spec_validation=0.0,
               controller_tasks=0.0, n_steps=len(steps), n_run=0, n_skipped_everywhere=0)
    if tl["playbook_start"]:
        out["startup"] = round(tl["playbook_start"] - res["start"], 3)
    if tl["playbook_end"]:
        out["teardown"] = round(res["end"] - tl["playbook_end"], 3)
    prev_end = tl["playbook_start"]
    for step in steps:
        took = step["end"] - step["start"]
        if prev_end is not None:
            out["gaps"] += max(0.0, step["start"] - prev_end)
        prev_end = step["end"]
        out["tasks"] += took
        if all(s == "skipped" for s in step["hosts"].values()):
            out["n_skipped_everywhere"] += 1
        else:
            out["n_run"] += 1
        if "Validating arguments against arg spec" in step["task"]:
            out["arg_spec_validation"] += took
    if prev_end is not None and tl["playbook_end"]:
        out["gaps"] += max(0.0, tl["playbook_end"] - prev_end)
    module_work = 0.0
    if Path(module_timings_path).exists():
        for line in Path(module_timings_path).read_text().splitlines():
            rec = json.loads(line)
            t = rec.get("timings") or {}
            if "elapsed_seconds" in t:
                module_work += t["elapsed_seconds"]
    out["module_reported_seconds"] = round(module_work, 3)
    return dict((k, round(v, 3) if isinstance(v, float) else v) for k, v in out.items())


def step_table(tl, t0):
    return [dict(task=s["task"], offset=round(s["start"] - t0, 3), seconds=round(s["end"] - s["start"], 3),
                 hosts=s["hosts"]) for s in tl["steps"]]


def drkit_report(run_dir, scenario, since):
    for path in sorted(run_dir.glob("dr_%s-*.json" % scenario)):
        if path.stat().st_mtime >= since - 1:
            data = json.loads(path.read_text())
            data.pop("markdown", None)
            return path, data
    return None, None


# ------------------------------------------------------------------ one trial

def trial(lab, scenario, impl, index, run_dir):
    tag = "%s-%s-%d" % (scenario, impl, index)
    log("%s: reset lab (interval %s s)" % (tag, lab.args.interval))
    reset = lab.reset(tag)
    time.sleep(lab.args.warmup)
    period = probe_period(lab)
    load_before = loadavg()
    kill = None
    since = time.time()
    if scenario == "failover":
        kill = lab.playbook(["playbooks/lab_kill.yml", "-e", "lab_kill=db-primary"], "%s.kill" % tag)
        if kill["rc"] != 0:
            raise SystemExit("lab_kill failed, see %s" % kill["log"])
    log("%s: run %s" % (tag, " ".join(PLAYBOOKS[(scenario, impl)])))
    extra = ["-e", "drkit_reports_dir=%s" % run_dir] if impl == "drkit" else []
    res = lab.playbook(PLAYBOOKS[(scenario, impl)] + extra, tag, impl=impl)
    windows = wait_for_up(lab, since)
    time.sleep(0.3)   # a few commits on the new primary before the loss check
    load_after = loadavg()
    # Checked after a failed run too: what it left behind is part of the result.
    try:
        loss = check_no_loss(lab)
    except Exception as exc:  # e.g. the new primary never came up
        loss = dict(error=str(exc), lost=None)
    replicas = check_replicas(lab, REPOINTED[scenario])
    tl = timeline_steps(res["timeline"])
    closed = [w["seconds"] for w in windows if w["seconds"] is not None]
    blocked = round(sum(closed), 3) if windows and len(closed) == len(windows) else None
    # Failover: the outage starts at the kill; the part after the playbook started is the playbook's doing.
    after_start = None
    if windows and windows[-1]["up"] is not None:
        after_start = round(windows[-1]["up"] - max(res["start"], windows[0]["down"]), 3)
    record = dict(
        scenario=scenario, impl=impl, run=index, rc=res["rc"], wall_seconds=round(res["wall"], 3),
        write_blocked_seconds=blocked, write_blocked_after_playbook_start_seconds=after_start,
        write_windows=windows, down_error=windows[0]["error"] if windows else None,
        probe_period=period, lab_reset_seconds=round(reset["wall"], 1),
        kill_seconds=round(kill["wall"], 3) if kill else None,
        playbook_start=res["start"], playbook_end=res["end"], load_before=load_before, load_after=load_after,
        loss=loss, replicas=replicas, breakdown=breakdown(res, tl, res["module_timings"]),
        steps=step_table(tl, res["start"]), log=str(res["log"].relative_to(REPO)),
    )
    if impl == "drkit":
        path, report = drkit_report(run_dir, scenario, res["start"])
        record["report"] = dict(
            file=str(path.relative_to(REPO)) if path else None,
            outcome=(report or {}).get("outcome"), rto_seconds=(report or {}).get("rto_seconds"),
            write_unavailable_seconds=(report or {}).get("write_unavailable_seconds"),
            rpo=(report or {}).get("rpo"))
    if Path(res["module_timings"]).exists():
        record["module_timings"] = [json.loads(line) for line in Path(res["module_timings"]).read_text().splitlines()
                                    if '"elapsed_seconds"' in line or '"promote_ms"' in line
                                    or '"fence_seconds"' in line]
    log("%s: rc %s, wall %.2f s, write-blocked %s s, lost %s, replicas %s, load %s -> %s" % (
        tag, res["rc"], res["wall"], blocked, loss and loss["lost"],
        replicas and all(v.get("ok") for v in replicas.values()), load_before, load_after))
    return record


def task_floor(lab, tag):
    res = lab.playbook(["bench/task_floor.yml"], tag)
    tl = timeline_steps(res["timeline"])
    mod = [s["end"] - s["start"] for s in tl["steps"] if s["task"].startswith("Module task")]
    ctl = [s["end"] - s["start"] for s in tl["steps"] if s["task"].startswith("Controller task")]
    return dict(rc=res["rc"], wall_seconds=round(res["wall"], 3),
                startup_seconds=round(tl["playbook_start"] - res["start"], 3) if tl["playbook_start"] else None,
                module_task_median=round(statistics.median(mod), 3) if mod else None,
                controller_task_median=round(statistics.median(ctl), 3) if ctl else None,
                load=loadavg())


# ------------------------------------------------------------------ summary

def stats(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return dict(median=round(statistics.median(values), 3), min=round(min(values), 3), max=round(max(values), 3),
                n=len(values))


def fmt(stat):
    if not stat:
        return "-"
    return "%.2f [%.2f-%.2f]" % (stat["median"], stat["min"], stat["max"])


def summarize(records, scenarios, impls):
    summary = {}
    for scenario in scenarios:
        for impl in impls:
            recs = [r for r in records if r["scenario"] == scenario and r["impl"] == impl]
            ok = [r for r in recs if r["rc"] == 0]
            summary["%s/%s" % (scenario, impl)] = dict(
                runs=len(recs), failed_runs=len(recs) - len(ok),
                wall_seconds=stats([r["wall_seconds"] for r in ok]),
                write_blocked_seconds=stats([r["write_blocked_seconds"] for r in ok]),
                write_blocked_after_playbook_start_seconds=stats(
                    [r["write_blocked_after_playbook_start_seconds"] for r in ok]),
                lost_acked_commits=sum((r["loss"] or {}).get("lost") or 0 for r in recs),
                replicas_ok=all(all(v.get("ok") for v in (r["replicas"] or {}).values()) for r in ok) if ok else None,
                startup_seconds=stats([r["breakdown"]["startup"] for r in ok]),
                task_seconds=stats([r["breakdown"]["tasks"] for r in ok]),
                gap_seconds=stats([r["breakdown"]["gaps"] for r in ok]),
                arg_spec_validation_seconds=stats([r["breakdown"]["arg_spec_validation"] for r in ok]),
                module_reported_seconds=stats([r["breakdown"]["module_reported_seconds"] for r in ok]),
                steps_run=stats([r["breakdown"]["n_run"] for r in ok]),
                report_rto_seconds=stats([(r.get("report") or {}).get("rto_seconds") for r in ok]),
                report_write_unavailable_seconds=stats(
                    [(r.get("report") or {}).get("write_unavailable_seconds") for r in ok]),
            )
    ratios = {}
    for scenario in scenarios:
        a, b = summary.get("%s/drkit" % scenario), summary.get("%s/baseline" % scenario)
        if not a or not b:
            continue
        ratios[scenario] = {}
        for key in ("wall_seconds", "write_blocked_seconds"):
            if a[key] and b[key] and b[key]["median"]:
                ratios[scenario][key] = round(a[key]["median"] / b[key]["median"], 2)
    return summary, ratios


def step_medians(records, scenario, impl):
    """Median duration of each task over the runs, in playbook order."""
    order, values = [], {}
    for rec in records:
        if rec["scenario"] != scenario or rec["impl"] != impl or rec["rc"] != 0:
            continue
        for step in rec["steps"]:
            if step["task"] not in values:
                order.append(step["task"])
                values[step["task"]] = []
            values[step["task"]].append(step["seconds"])
    return [dict(task=t, median_seconds=round(statistics.median(values[t]), 3), runs=len(values[t]))
            for t in order]


def print_summary(summary, ratios, targets, floor):
    print()
    head = "%-11s %-9s %-20s %-22s %-22s %-6s %-8s" % (
        "scenario", "impl", "wall s med [min-max]", "write-blocked s", "(after playbook start)", "lost", "replicas")
    print(head)
    print("-" * len(head))
    for key, s in summary.items():
        scenario, impl = key.split("/")
        print("%-11s %-9s %-20s %-22s %-22s %-6s %-8s%s" % (
            scenario, impl, fmt(s["wall_seconds"]), fmt(s["write_blocked_seconds"]),
            fmt(s["write_blocked_after_playbook_start_seconds"]) if scenario == "failover" else "",
            s["lost_acked_commits"], "ok" if s["replicas_ok"] else "NOT OK",
            "  (%d run(s) FAILED)" % s["failed_runs"] if s["failed_runs"] else ""))
    print()
    for scenario, r in ratios.items():
        print("ratio drkit/baseline, %-10s: wall %sx, write-blocked %sx" % (
            scenario, r.get("wall_seconds", "-"), r.get("write_blocked_seconds", "-")))
    print()
    for name, t in targets.items():
        print("target %-40s <= %.1f s: drkit median %s s -> %s" % (
            name, t["target"], t["median"], "MET" if t["met"] else "NOT MET"))
    print()
    for key, s in summary.items():
        print("%-20s startup %s | tasks %s | gaps %s | arg-spec validation %s | module-reported work %s | "
              "steps run %s" % (key, fmt(s["startup_seconds"]), fmt(s["task_seconds"]), fmt(s["gap_seconds"]),
                                fmt(s["arg_spec_validation_seconds"]), fmt(s["module_reported_seconds"]),
                                fmt(s["steps_run"])))
    if floor:
        print("task floor (ansible.builtin.ping on 3 hosts / set_fact): %s" % "; ".join(
            "%s: module task %s s, controller task %s s, startup %s s, load %s" % (
                f["when"], f["module_task_median"], f["controller_task_median"], f["startup_seconds"], f["load"])
            for f in floor))


# ------------------------------------------------------------------ main

def git(*argv):
    try:
        proc = subprocess.run(["git"] + list(argv), cwd=str(REPO), capture_output=True, text=True, check=False)
        return proc.stdout.strip()
    except OSError:
        return None


def machine_info(community_version):
    import ansible.release
    mariadbd = subprocess.run(["mariadbd", "--version"], capture_output=True, text=True, check=False).stdout.strip()
    galaxy = (REPO / "galaxy.yml").read_text()
    version = next((line.split(":", 1)[1].strip() for line in galaxy.splitlines() if line.startswith("version:")),
                   None)
    return dict(host=platform.node(), cpus=os.cpu_count(), python=platform.python_version(),
                ansible_core=ansible.release.__version__, mariadbd=mariadbd,
                community_mysql=community_version, drkit_mysql=version,
                git_head=git("rev-parse", "--short", "HEAD"),
                git_dirty_files=len([x for x in (git("status", "--porcelain") or "").splitlines() if x]))


def rel(path):
    try:
        return Path(path).resolve().relative_to(REPO)
    except ValueError:
        return Path(path)


def result_path(args):
    if args.output:
        return Path(args.output)
    day = datetime.date.today().isoformat()
    path = BENCH / "results" / ("failover-%s.json" % day)
    n = 2
    while path.exists():
        path = BENCH / "results" / ("failover-%s-%d.json" % (day, n))
        n += 1
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per scenario and implementation (default 3)")
    parser.add_argument("--interval", type=float, default=0.04,
                        help="stand-in app's pause between commits, s (default 0.04: one commit per <=50 ms)")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds the app writes before the event")
    parser.add_argument("--scenarios", default="switchover,failover")
    parser.add_argument("--impls", default="drkit,baseline")
    parser.add_argument("--port-base", type=int,
                        default=int(os.environ.get("DRKIT_LAB_PORT_BASE") or 3710))
    parser.add_argument("--lab-root", default=os.environ.get("DRKIT_LAB_ROOT") or LAB_ROOT)
    parser.add_argument("--output", help="JSON results file (default bench/results/failover-<date>.json)")
    parser.add_argument("--keep-lab", action="store_true", help="leave the last lab running at the end")
    args = parser.parse_args()
    if args.lab_root.rstrip("/") == SHARED_LAB_ROOT or args.port_base == 3310:
        raise SystemExit("refusing to use the default lab (shared with other work): pick your own "
                         "--lab-root/--port-base")
    scenarios = [s for s in args.scenarios.split(",") if s]
    impls = [i for i in args.impls.split(",") if i]

    community_version = ensure_baseline()
    stamp = time.strftime("%Y%m%dT%H%M%S")
    run_dir = BENCH / ".runs" / stamp
    run_dir.mkdir(parents=True, exist_ok=True)
    lab = Lab(args, run_dir)
    started = time.time()
    head_before = git("rev-parse", "--short", "HEAD")
    uptime_before = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    log("bench: %d run(s) x %s x %s; lab %s, ports %d-%d; scratch %s" % (
        args.runs, scenarios, impls, args.lab_root, args.port_base, args.port_base + 2, run_dir))
    log("uptime before: %s" % uptime_before)

    floor = []   # ansible.builtin.ping needs no database: the lab may be in any state
    f = task_floor(lab, "floor-before")
    f["when"] = "before"
    floor.append(f)

    records = []
    for index in range(1, args.runs + 1):
        for scenario in scenarios:
            # Alternate which implementation goes first, so a drift in machine load hits both alike.
            order = impls if index % 2 else list(reversed(impls))
            for impl in order:
                records.append(trial(lab, scenario, impl, index, run_dir))
                with open(run_dir / "records.jsonl", "a") as handle:   # survives a crash in the summary
                    handle.write(json.dumps(records[-1]) + "\n")

    f = task_floor(lab, "floor-after")
    f["when"] = "after"
    floor.append(f)
    uptime_after = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    log("uptime after: %s" % uptime_after)
    if not args.keep_lab:
        lab.playbook(["playbooks/lab.yml", "-e", "lab_state=absent"], "lab-absent")

    summary, ratios = summarize(records, scenarios, impls)
    targets = {}
    fo = summary.get("failover/drkit")
    if fo and fo["wall_seconds"]:
        targets["failover playbook wall"] = dict(target=TARGETS["failover_wall_seconds"],
                                                 median=fo["wall_seconds"]["median"], best=fo["wall_seconds"]["min"],
                                                 met=fo["wall_seconds"]["median"] <= TARGETS["failover_wall_seconds"])
    so = summary.get("switchover/drkit")
    if so and so["write_blocked_seconds"]:
        targets["switchover write-blocked window"] = dict(
            target=TARGETS["switchover_write_blocked_seconds"], median=so["write_blocked_seconds"]["median"],
            best=so["write_blocked_seconds"]["min"],
            met=so["write_blocked_seconds"]["median"] <= TARGETS["switchover_write_blocked_seconds"])
    loads = [r["load_before"][0] for r in records] + [r["load_after"][0] for r in records]
    busy = max(loads + [0]) > (os.cpu_count() or 1) * 0.75
    result = dict(
        benchmark="failover/switchover, drkit.mysql vs community.mysql baseline",
        command="python bench/failover_bench.py " + " ".join(sys.argv[1:]),
        started=datetime.datetime.fromtimestamp(started).isoformat(timespec="seconds"),
        duration_seconds=round(time.time() - started, 1),
        machine=machine_info(community_version), git_head_at_start=head_before,
        uptime_before=uptime_before, uptime_after=uptime_after,
        machine_busy=busy, preliminary=busy,
        settings=dict(runs=args.runs, interval=args.interval, warmup=args.warmup, port_base=args.port_base,
                      lab_root=args.lab_root),
        targets=targets, summary=summary, ratios_drkit_over_baseline=ratios, task_floor=floor,
        step_medians=dict(("%s/%s" % (s, i), step_medians(records, s, i)) for s in scenarios for i in impls),
        runs=records,
    )
    out = result_path(args)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, sort_keys=False) + "\n")
    print_summary(summary, ratios, targets, floor)
    if result["machine"]["git_head"] != head_before:
        print("WARNING: HEAD moved from %s to %s during the run: the runs did not all measure the same code"
              % (head_before, result["machine"]["git_head"]))
    print("\nload 1-min over the runs: min %.2f, max %.2f on %d CPU(s)%s" % (
        min(loads), max(loads), os.cpu_count(), " -> machine BUSY: figures are preliminary" if busy else ""))
    print("duration %.0f s; results: %s; logs/timelines: %s" % (
        time.time() - started, rel(out), rel(run_dir)))
    return 0 if all(r["rc"] == 0 for r in records) else 1


if __name__ == "__main__":
    sys.exit(main())
