# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Processes as /proc shows them: the pid a pid file names, and a process's children.

A pid file outlives its process and pids are reused: the pid counts only while /proc shows a live
(not zombie) process whose command line names the expected program. Stdlib only.
"""
import os


def proc_stat(pid, proc="/proc"):
    """{state, ppid} of a process, or None when it is gone."""
    try:
        with open(os.path.join(proc, str(pid), "stat")) as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return dict(state=fields[0], ppid=int(fields[1]))


def read_pid(pidfile, argv0=None, proc="/proc"):
    """Pid from the file when that process is alive and (given ``argv0``) runs that program, else None."""
    try:
        with open(pidfile) as handle:
            pid = int(handle.read().strip())
        with open(os.path.join(proc, str(pid), "cmdline"), "rb") as handle:
            cmdline = handle.read().split(b"\0")
    except (OSError, ValueError):
        return None
    stat = proc_stat(pid, proc)
    if stat is None or stat["state"] == "Z":
        return None
    if argv0 and os.path.basename(argv0).encode() not in b" ".join(cmdline):
        return None
    return pid


def children(pid, proc="/proc"):
    """Pids of the live direct children of ``pid``, sorted."""
    result = []
    for name in os.listdir(proc):
        if name.isdigit():
            stat = proc_stat(name, proc)
            if stat and stat["ppid"] == pid and stat["state"] != "Z":
                result.append(int(name))
    return sorted(result)


def descendants(pid, proc="/proc"):
    """Pids of every live process below ``pid``, children first."""
    found, todo = [], [pid]
    while todo:
        below = children(todo.pop(0), proc)
        found.extend(below)
        todo.extend(below)
    return found
