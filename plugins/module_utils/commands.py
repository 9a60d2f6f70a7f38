# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Running an operator's command: an argument list (never a shell), no stdin, a time limit.

app_reload and traffic_hook both run such commands during a failover; one place decides how.
"""
import os
import subprocess


class CommandNotRun(Exception):
    """The command could not start (``timed_out`` false, ``str()`` the OS error) or was killed at its time limit."""

    def __init__(self, cause, timed_out):
        super().__init__(cause)
        self.timed_out = timed_out


def run_argv(argv, timeout, env=None):
    """Run ``argv`` with ``env`` added to this process's environment: (rc, stdout, stderr); raises CommandNotRun."""
    full_env = None
    if env:
        full_env = dict(os.environ)
        full_env.update(env)
    try:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=full_env, timeout=timeout, check=False, universal_newlines=True)
    except OSError as exc:
        raise CommandNotRun(str(exc), False) from None
    except subprocess.TimeoutExpired:
        raise CommandNotRun('killed after %s s' % timeout, True) from None
    return proc.returncode, proc.stdout, proc.stderr
