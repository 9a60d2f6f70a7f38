# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One DR run at a time: a lock file on the control node that names its holder.

Two failovers at once fence and promote against each other: the second run's
preflight reads a topology the first is changing. The first run creates the
lock file atomically (``O_CREAT | O_EXCL``) with who holds it (run, host, user,
ansible-playbook pid and its start time, playbook); a second run finds it and
refuses, naming the holder. A lock left behind by a run that no longer exists
on this host (killed, control node rebooted) is stale: the next run takes it
over and says so. A lock from another host cannot be checked from here: it is
refused with the file to remove once that run is known to be gone.

Release removes the file only when it is this run's (same token), so a run
never removes another run's lock.

Stdlib only; runs on the control node.
"""
import datetime
import json
import os
import socket


class LockError(Exception):
    """The lock is held by another run, or cannot be read or written; ``str()`` is the sentence to show."""


def process_start(pid):
    """The start time of process ``pid`` in clock ticks since boot (Linux), None when unknown or gone."""
    try:
        with open("/proc/%d/stat" % int(pid)) as handle:
            stat = handle.read()
    except (OSError, ValueError):
        return None
    # The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
    fields = stat[stat.rfind(")") + 2:].split()
    try:
        return int(fields[19])  # field 22 of proc(5), the third after ')' being field 3
    except (IndexError, ValueError):
        return None


def pid_alive(pid):
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, ValueError, TypeError):
        return True  # exists (another user's) or cannot tell: assume alive
    return True


def holder_alive(holder, hostname=None, alive=pid_alive, started=process_start):
    """True/False for a holder on this host; None when it is on another host (cannot be checked from here)."""
    if (holder.get("host") or "") != (hostname or socket.gethostname()):
        return None
    pid = holder.get("pid")
    if not pid or not alive(pid):
        return False
    recorded = holder.get("pid_start")
    now = started(pid)
    if recorded is not None and now is not None and int(recorded) != now:
        return False  # the pid was reused by another process
    return True


def new_holder(run, playbook=None, pid=None, hostname=None, user=None, now=None):
    """What the lock file records about this run."""
    pid = int(pid or os.getpid())
    stamp = (now or datetime.datetime.now(datetime.timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
    holder = dict(run=run, host=hostname or socket.gethostname(), user=user or _user(), pid=pid,
                  pid_start=process_start(pid), started_at=stamp, playbook=playbook or "")
    holder["token"] = "%s:%s:%s" % (holder["host"], pid, holder["pid_start"])
    return holder


def _user():
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):
        return os.environ.get("USER") or str(os.getuid())


def describe(holder):
    """``dr_failover started 2026-11-24T16:50:01Z by root on ctl1 (ansible-playbook pid 4711, playbooks/...)``."""
    text = "%s started %s by %s on %s (ansible-playbook pid %s" % (
        holder.get("run") or "a DR run", holder.get("started_at") or "at an unknown time", holder.get("user") or "?",
        holder.get("host") or "?", holder.get("pid") or "?")
    if holder.get("playbook"):
        text += ", %s" % holder["playbook"]
    return text + ")"


def read_holder(path):
    """The holder recorded in ``path``; None when there is no lock; {} when the file is unreadable or empty."""
    try:
        with open(path) as handle:
            text = handle.read()
    except FileNotFoundError:
        return None
    try:
        holder = json.loads(text)
    except ValueError:
        return {}
    return holder if isinstance(holder, dict) else {}


def _create(path, holder):
    """Create the lock file atomically; False when it exists already."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as handle:
        json.dump(holder, handle, sort_keys=True)
        handle.write("\n")
    return True


def acquire(path, holder, check_mode=False, hostname=None, alive=pid_alive, started=process_start):
    """Take the lock for ``holder``. Returns {acquired, changed, previous, warning}; raises LockError when held.

    In check mode nothing is written; a held lock is a warning (a plan may be looked at during a run).
    """
    directory = os.path.dirname(os.path.abspath(path))
    result = dict(acquired=False, changed=False, previous=None, warning=None, path=path)
    for _attempt in range(3):
        current = read_holder(path)
        if current is not None and current.get("token") == holder["token"]:
            result.update(acquired=True)  # this run holds it already (a play that takes it twice)
            return result
        if current is not None:
            state = holder_alive(current, hostname, alive, started) if current else None
            if state is False:
                result["previous"] = current
                result["warning"] = ("the lock %s of an earlier run was left behind (%s) and that run is no "
                                     "longer running: taken over" % (path, describe(current)))
                if check_mode:
                    return result
                _remove_if(path, current)
                continue
            held = describe(current) if current else "an unreadable lock file"
            if check_mode:
                result["warning"] = "another DR run holds the lock %s: %s" % (path, held)
                return result
            raise LockError(
                "Another DR run holds the lock %s: %s. This run changed nothing. Wait for that run to end; "
                "if it is gone (its control node died), check the topology, remove %s and run again."
                % (path, held, path))
        if check_mode:
            return result
        try:
            if not os.path.isdir(directory):
                os.makedirs(directory, mode=0o700)
            if _create(path, holder):
                result.update(acquired=True, changed=True)
                return result
        except OSError as exc:
            raise LockError("Cannot create the lock %s: %s. This run changed nothing." % (path, exc)) from None
    raise LockError("The lock %s changed hands while this run tried to take it; run again." % path)


def _remove_if(path, expected):
    """Remove ``path`` only when it still records ``expected`` (not a lock another run took meanwhile)."""
    if read_holder(path) == expected:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


def release(path, holder, check_mode=False):
    """Remove the lock when it is this run's. Returns {released, changed, warning}."""
    current = read_holder(path)
    if current is None:
        return dict(released=False, changed=False, warning=None, path=path)
    if current.get("token") != holder["token"]:
        return dict(released=False, changed=False, path=path,
                    warning="the lock %s is not this run's (%s): left alone" % (path, describe(current)))
    if not check_mode:
        _remove_if(path, current)
    return dict(released=True, changed=True, warning=None, path=path)
