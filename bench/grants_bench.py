"""Benchmark (not a test): what the failover's grants step adds, on the real lab.

Takes a grants snapshot of the lab into drkit_grants_snapshot_dir (if there is none), then runs
bench/grants_step.yml ``--runs`` times with the grants task and as many times with it skipped, interleaved,
and prints the median playbook wall clock of both, their difference (what the step adds to a failover: one
in-process module task that finds nothing to do) and the module's own time.

    source .venv/bin/activate
    DRKIT_LAB_PORT_BASE=3510 DRKIT_LAB_ROOT=/var/tmp/drkit-lab-grants python bench/grants_bench.py --runs 5
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests"))

from helpers import ansible_env, run_playbook  # noqa: E402


def once(grants_on):
    started = time.monotonic()
    proc = subprocess.run(["ansible-playbook", os.path.join(REPO, "bench", "grants_step.yml"),
                           "-e", "bench_grants_on=%s" % grants_on], check=True, capture_output=True, text=True,
                          env=ansible_env(), cwd=REPO)
    wall = time.monotonic() - started
    match = re.search(r"in_process_seconds=([0-9.]+) changed=(\w+)", proc.stdout)
    return wall, (float(match.group(1)), match.group(2)) if match else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    run_playbook("grants.yml", "-e", "grants_state=snapshot", "-e", "grants_target=db-dr")
    on, off, module = [], [], []
    for _run in range(args.runs):
        wall, result = once(True)
        on.append(wall)
        module.append(result[0])
        assert result[1] == "False", "the step was not a no-op: %s" % (result,)
        off.append(once(False)[0])
    load = open("/proc/loadavg").read().split()[0]
    print("grants step, nothing to do (%d runs each, 1-min load %s):" % (args.runs, load))
    print("  playbook with the step   %.3f s median [%.3f-%.3f]" % (statistics.median(on), min(on), max(on)))
    print("  playbook, step skipped   %.3f s median [%.3f-%.3f]" % (statistics.median(off), min(off), max(off)))
    print("  added by the step        %.3f s" % (statistics.median(on) - statistics.median(off)))
    figures = (statistics.median(module), min(module), max(module))
    print("  module's own time        %.3f s median [%.3f-%.3f]" % figures)


if __name__ == "__main__":
    main()
