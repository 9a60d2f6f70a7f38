#!/usr/bin/python
# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Start or stop one long-running lab process (mariadbd, the stand-in app).

The lab runs without systemd: each process is started detached in its own
session, tracked by a pid file and health-checked before the task returns.
It is deliberately not restarted when it dies, so that a test which kills a
server sees what a dead host looks like.
"""

DOCUMENTATION = r"""
module: lab_daemon
version_added: 0.1.0
short_description: Start or stop a detached lab process tracked by a pid file
description:
  - Helper of the C(drkit.mysql.lab) role (real hosts run their servers under systemd) and of the
    C(drkit.mysql.drill) role, whose scratch server lives only for the length of a drill.
  - C(started) spawns O(argv) in a new session with output appended to O(logfile), writes O(pidfile) and
    waits until O(wait_port) accepts TCP connections (or the process has stayed up for a second).
  - C(stopped) sends SIGTERM, waits, then SIGKILL.
  - C(killed) sends SIGKILL at once, like a host losing power (fault tests and the demo use it).
options:
  name:
    description: Name used in messages.
    type: str
    required: true
  argv:
    description: Command and arguments of the process. Needed for O(state=started).
    type: list
    elements: str
  pidfile:
    description: Where the pid of the running process is kept.
    type: path
    required: true
  logfile:
    description: File that receives the process's stdout and stderr.
    type: path
  error_log:
    description: Extra log quoted when the process fails to start (mariadbd's log_error).
    type: path
  wait_port:
    description: TCP port on O(wait_host) that must accept connections before the task returns.
    type: int
  wait_host:
    description: Address of O(wait_port) (a server bound to another address than loopback).
    type: str
    default: 127.0.0.1
  timeout:
    description: Seconds to wait for readiness or for a stop.
    type: int
    default: 60
  state:
    description: Whether the process should run.
    type: str
    choices: [started, stopped, killed]
    default: started
author: drkit.mysql maintainers (@drkit)
"""

EXAMPLES = r"""
- name: Start the primary's mariadbd
  drkit.mysql.lab_daemon:
    name: db-primary
    argv: [/usr/sbin/mariadbd, --defaults-file=/var/tmp/drkit-lab/db-primary/my.cnf]
    pidfile: /var/tmp/drkit-lab/db-primary/run/lab_daemon.pid
    logfile: /var/tmp/drkit-lab/db-primary/log/stdout.log
    wait_port: 3310
"""

RETURN = r"""
pid:
  description: Pid of the running process, or null when stopped.
  returned: always
  type: int
"""

import os
import signal
import socket
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.drkit.mysql.plugins.module_utils.log_tail import tail
from ansible_collections.drkit.mysql.plugins.module_utils.processes import read_pid


def port_open(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def spawn_detached(argv, logfile, cwd):
    """fork + setsid + exec: the process outlives the module and holds none of Ansible's pipes."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            os.chdir(cwd)
            stdin = os.open(os.devnull, os.O_RDONLY)
            log = os.open(logfile, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            os.dup2(stdin, 0)
            os.dup2(log, 1)
            os.dup2(log, 2)
            os.closerange(3, 65536)
            os.execvp(argv[0], argv)  # noqa: S606 - an argument list, no shell
        finally:
            os._exit(127)
    return pid


def exit_code(pid):
    """The child's exit code if it has ended (reaping it), else None."""
    done, status = os.waitpid(pid, os.WNOHANG)
    if done == 0:
        return None
    return os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else status


def start(module, params):
    pid = spawn_detached(params["argv"], params["logfile"], os.path.dirname(params["pidfile"]))
    with open(params["pidfile"], "w") as handle:
        handle.write("%d\n" % pid)
    deadline = time.time() + params["timeout"]
    settle = time.time() + 1.0
    while time.time() < deadline:
        code = exit_code(pid)
        if code is not None:
            detail = tail(params["error_log"], 15) if params.get("error_log") else ""
            detail = detail or tail(params["logfile"], 15)
            module.fail_json(msg="%s exited with code %s right after start; last log lines:\n%s"
                             % (params["name"], code, detail))
        if params.get("wait_port"):
            if port_open(params["wait_port"], params["wait_host"]):
                return pid
        elif time.time() >= settle:
            return pid
        time.sleep(0.1)
    log = params.get("error_log") or params["logfile"]
    module.fail_json(msg="%s did not become ready within %s s (%s:%s); see %s"
                     % (params["name"], params["timeout"], params["wait_host"], params.get("wait_port"), log))


def stop(module, pid, params):
    os.kill(pid, signal.SIGTERM)
    deadline = time.time() + params["timeout"]
    while time.time() < deadline:
        if read_pid(params["pidfile"]) is None:
            break
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.2)
    try:
        os.unlink(params["pidfile"])
    except OSError:
        pass


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            argv=dict(type="list", elements="str"),
            pidfile=dict(type="path", required=True),
            logfile=dict(type="path"),
            error_log=dict(type="path"),
            wait_port=dict(type="int"),
            wait_host=dict(type="str", default="127.0.0.1"),
            timeout=dict(type="int", default=60),
            state=dict(type="str", choices=["started", "stopped", "killed"], default="started"),
        ),
        required_if=[("state", "started", ("argv", "logfile"))],
        supports_check_mode=True,
    )
    params = module.params
    argv0 = params["argv"][0] if params.get("argv") else None
    pid = read_pid(params["pidfile"], argv0)
    if params["state"] == "started":
        if pid is not None:
            module.exit_json(changed=False, pid=pid)
        if module.check_mode:
            module.exit_json(changed=True, pid=None, msg="would start %s" % params["name"])
        module.exit_json(changed=True, pid=start(module, params))
    if pid is None:
        module.exit_json(changed=False, pid=None)
    if not module.check_mode:
        if params["state"] == "killed":
            os.kill(pid, signal.SIGKILL)
            time.sleep(0.1)
        else:
            stop(module, pid, params)
    module.exit_json(changed=True, pid=None)


if __name__ == "__main__":
    main()
