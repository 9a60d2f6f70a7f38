"""A small mariadbd of a test's own (not the lab): its own data directory, socket and port, root by socket."""
import os
import subprocess
import time


class ScratchServer(object):
    """``options``: more mariadbd options (TLS files, log_slave_updates, ...)."""

    def __init__(self, base, port, server_id, options=(), bind_address="127.0.0.1", buffer_pool="16M"):
        self.base, self.port, self.server_id = base, port, server_id
        self.options, self.bind_address, self.buffer_pool = list(options), bind_address, buffer_pool
        self.socket = str(base / "s.sock")
        self.datadir = base / "data"
        self.proc = None

    def start(self):
        self.base.mkdir()
        common = ["--no-defaults", "--user=root", "--datadir=%s" % self.datadir, "--innodb-log-file-size=8M"]
        subprocess.run(["mariadb-install-db"] + common + ["--auth-root-authentication-method=socket"],
                       check=True, capture_output=True, timeout=120)
        self.proc = subprocess.Popen(
            ["mariadbd"] + common + [
                "--port=%d" % self.port, "--bind-address=%s" % self.bind_address, "--socket=%s" % self.socket,
                "--pid-file=%s" % (self.base / "s.pid"), "--log-error=%s" % (self.base / "error.log"),
                "--innodb-buffer-pool-size=%s" % self.buffer_pool, "--skip-name-resolve",
                "--server-id=%d" % self.server_id, "--log-bin=%s" % (self.datadir / "bin"), "--binlog-format=ROW",
                "--gtid-strict-mode=1"] + self.options,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        while not os.path.exists(self.socket):
            assert self.proc.poll() is None, open(self.base / "error.log").read()[-2000:]
            assert time.monotonic() < deadline, "mariadbd on port %d did not start" % self.port
            time.sleep(0.05)

    def sql(self, statement):
        client = ["mariadb", "--no-defaults", "--default-character-set=utf8mb4", "--socket=%s" % self.socket]
        proc = subprocess.run(client + ["-N", "--batch", "-e", statement], capture_output=True, text=True,
                              timeout=120, check=False)
        assert proc.returncode == 0, proc.stderr
        return [line.split("\t") for line in proc.stdout.splitlines()]

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=60)
