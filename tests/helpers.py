"""Shared helpers of the integration tests: run modules and playbooks for real."""
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(ROOT, ".collections")
LAB_INVENTORY = os.path.join(ROOT, "inventories", "lab")
LAB_ROOT = os.environ.get("DRKIT_LAB_ROOT") or "/var/tmp/drkit-lab"
LAB_PORT_BASE = int(os.environ.get("DRKIT_LAB_PORT_BASE") or 3310)
LAB_PORTS = {"db-primary": LAB_PORT_BASE, "db-replica": LAB_PORT_BASE + 1, "db-dr": LAB_PORT_BASE + 2}
ADMIN = dict(login_host="127.0.0.1", login_user="drkit_admin", login_password="lab-admin-secret")


def ansible_env(**extra):
    env = dict(os.environ)
    env.update(ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_COLLECTIONS_PATH=COLLECTIONS,
               ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1", PYTHONPATH=COLLECTIONS)
    env.update(extra)
    return env


def run_module(name, args, check_mode=False, diff=False):
    """Run a collection module the way Ansible does on a host (args file), return its JSON result."""
    module_args = dict(args)
    module_args["_ansible_check_mode"] = check_mode
    if diff:
        module_args["_ansible_diff"] = True
    proc = subprocess.run(
        [sys.executable, "-m", "ansible_collections.drkit.mysql.plugins.modules.%s" % name],
        input=json.dumps({"ANSIBLE_MODULE_ARGS": module_args}), check=False, capture_output=True, text=True,
        env=ansible_env(), cwd=ROOT, timeout=120,
    )
    try:
        return json.loads(proc.stdout)
    except ValueError:
        raise AssertionError("module %s printed no JSON:\n%s\n%s" % (name, proc.stdout, proc.stderr)) from None


def run_playbook(playbook, *extra_args, inventory=LAB_INVENTORY, check=True, timeout=900):
    proc = subprocess.run(
        ["ansible-playbook", "-i", inventory, os.path.join(ROOT, "playbooks", playbook)] + list(extra_args),
        check=False, capture_output=True, text=True, env=ansible_env(), cwd=ROOT, timeout=timeout,
    )
    if check and proc.returncode != 0:
        raise AssertionError("%s failed (rc=%s):\n%s\n%s" % (playbook, proc.returncode, proc.stdout[-6000:],
                                                             proc.stderr[-3000:]))
    return proc


def recap(output):
    """PLAY RECAP counters per host: {'db-primary': {'ok': 14, 'changed': 0, ...}}."""
    result = {}
    for host, counters in re.findall(r"^(\S+)\s+:\s+(ok=.*)$", output, re.M):
        result[host] = dict((k, int(v)) for k, v in re.findall(r"(\w+)=(\d+)", counters))
    return result


def sql(host, statement, user="root"):
    """Run SQL on a lab server through its socket as root (lab administration, not the code under test)."""
    socket_path = os.path.join(LAB_ROOT, host, "run", "mysqld.sock")
    proc = subprocess.run(["mariadb", "--socket=%s" % socket_path, "--default-character-set=utf8mb4", "-N", "--batch",
                           "-e", statement],
                          check=False, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise AssertionError("SQL on %s failed: %s" % (host, proc.stderr.strip()))
    return [line.split("\t") for line in proc.stdout.splitlines()]


def admin_args(host, **extra):
    args = dict(ADMIN, login_port=LAB_PORTS[host])
    args.update(extra)
    return args


class Webhook(object):
    """A real incoming-webhook stand-in: an HTTP server on 127.0.0.1 in a thread that records every POST.

    ``hold_first``: the first POST is answered only after ``gate.set()`` (or ``close()``), so the run sending it
    waits there (holding the DR lock, say); ``first`` is set when it arrived."""

    def __init__(self, hold_first=False):
        import http.server
        import threading

        posts = self.posts = []
        first = self.first = threading.Event()
        gate = self.gate = threading.Event()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                posts.append(dict(path=self.path, headers=dict(self.headers), body=body.decode("utf-8")))
                if hold_first and not first.is_set():
                    first.set()
                    gate.wait(60)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path="/hooks/T000/B000/secret-path"):
        return "http://127.0.0.1:%d%s" % (self.server.server_address[1], path)

    def json_posts(self):
        return [json.loads(p["body"]) for p in self.posts]

    def close(self):
        self.gate.set()
        self.server.shutdown()
        self.server.server_close()


def dead_url():
    """A webhook URL nobody listens on (connection refused at once)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return "http://127.0.0.1:%d/hooks/dead" % port


class ProcessWatch(object):
    """What ``ps -eo args`` would show while a test runs: every process's command line, sampled in a thread.

    ``with ProcessWatch(["secret"]) as watch: ...`` reads /proc/*/cmdline (and, for processes started while
    watching, /proc/*/environ) every ``interval`` seconds; ``watch.leaks`` lists the sightings of any of
    ``secrets``, ``watch.started`` the command lines of the processes first seen after the start,
    ``watch.samples`` how many times the process list was read, ``watch.option_files`` the (file mode, directory
    mode, program, whether it holds one of ``secrets``) of the option files named on those command lines.
    """

    def __init__(self, secrets, interval=0.05):
        import threading

        self.secrets = [s.encode() for s in secrets]
        self.interval = interval
        self.samples = 0
        self.leaks = []
        self.started = {}
        self.option_files = {}
        self._before = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _read(pid, name):
        try:
            with open("/proc/%s/%s" % (pid, name), "rb") as handle:
                return handle.read()
        except OSError:
            return b""

    def _sample(self, first=False):
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            cmdline = self._read(pid, "cmdline")
            if first:
                self._before.add((pid, cmdline))
                continue
            if not cmdline:
                continue
            shown = cmdline.replace(b"\0", b" ").strip()
            places = [("cmdline", shown)]
            if (pid, cmdline) not in self._before:
                if (pid, cmdline) not in self.started:
                    self.started[(pid, cmdline)] = shown.decode("utf-8", "replace")
                    places.append(("environ", self._read(pid, "environ")))
                    self._note_option_files(cmdline)
            for where, text in places:
                for secret in self.secrets:
                    if secret in text:
                        program = shown[:200].decode("utf-8", "replace")
                        self.leaks.append("%s of pid %s (%s): %s" % (where, pid, program, secret.decode()))
        self.samples += 1

    def _note_option_files(self, cmdline):
        """The mode of an option file a tool was given (--defaults-file/--defaults-extra-file), and its directory's."""
        args = cmdline.split(b"\0")
        program = os.path.basename(args[0].decode("utf-8", "replace"))
        for arg in args:
            if arg.startswith((b"--defaults-file=", b"--defaults-extra-file=")):
                path = arg.split(b"=", 1)[1].decode("utf-8", "replace")
                try:
                    modes = (os.stat(path).st_mode & 0o777, os.stat(os.path.dirname(path)).st_mode & 0o777)
                    with open(path, "rb") as handle:
                        text = handle.read()
                except OSError:
                    continue  # gone already
                self.option_files[path] = modes + (program, any(secret in text for secret in self.secrets))

    def _run(self):
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def __enter__(self):
        self._sample(first=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._sample()
        return False

    def programs(self):
        """Base names of the programs started while watching, with how many processes each."""
        counts = {}
        for shown in self.started.values():
            words = shown.split()
            name = os.path.basename(words[0]) if words else "?"
            if name.startswith("python") and len(words) > 1:  # name the script or module python ran
                name = "%s %s" % (name, os.path.basename(words[2] if words[1] == "-m" and len(words) > 2 else words[1]))
            counts[name] = counts.get(name, 0) + 1
        return counts
