# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The SQL stream between ``mariadb-binlog`` and the ``mariadb`` client of a replay, filtered on the way.

mariadb-binlog already does what it can in C (GTID start, stop offset, --database, --rewrite-db); what it
cannot is done here, line by line, without holding more than one event in memory:

- ``skip_gtids``: the whole transaction is left out (from its GTID event to the next event that belongs to
  no transaction);
- ``tables``: a row statement (one ``BINLOG '...'`` block, after the ``Table_map`` comments naming its tables)
  is kept when every table it names is chosen, dropped when none is, and stops the replay when it mixes
  both (a trigger writing another table: replay the whole database instead);
- statements (Query events) other than COMMIT/ROLLBACK are dropped in a partial replay; the plan refused
  the window already if one of them touched the chosen tables;
- ``new_gtids``: the ``SET @@session.gtid_seq_no/server_id/gtid_domain_id`` lines go, so the target gives
  the replayed transactions GTIDs of its own (a replay into a side schema of a server that already has the
  original GTIDs).

With none of these it is a plain copy in 1 MiB chunks that only counts transactions, for the progress.

Stdlib only: this file runs on managed hosts with Python 3.8+.
"""
import os
import re
import subprocess
import time

CHUNK = 1 << 20
_MARKER = b"\tGTID "
_SEAM = len(_MARKER) - 1
_HEADER_RE = re.compile(rb"^#\d{6}\s+\d{1,2}:\d{2}:\d{2}\s+server id \d+\s+end_log_pos \d+.*?\t(.*)$")
_TABLE_MAP_RE = re.compile(rb"^Table_map: `(.*)`\.`(.*)` mapped to number \d+")
_GTID_RE = re.compile(rb"^GTID (\d+-\d+-\d+)")
_SESSION_GTID_RE = re.compile(rb"^/\*M?!\d+ SET @@session\.(gtid_seq_no|server_id|gtid_domain_id)=\d+\*/")
# Events between transactions: a skipped transaction ends at the first of them.
_OUTSIDE = (b"GTID ", b"Rotate to ", b"Gtid list ", b"Binlog checkpoint ", b"Start: ", b"Stop")
_CONTROL = (b"COMMIT", b"ROLLBACK", b"BEGIN", b"XA ")


class StreamError(ValueError):
    """The stream holds something the filter cannot replay safely; the replay stops."""


class Progress(object):
    """Counts transactions sent to the client; every ``interval`` s appends a line to ``path`` (tail -f it)."""

    def __init__(self, total, path=None, interval=5.0, clock=time.time):
        self.total = total
        self.path = path
        self.interval = interval
        self.clock = clock
        self.started = clock()
        self.next_report = self.started + interval
        self.sent = 0
        self.last_gtid = None
        self.lines = 0

    def gtid(self, text):
        self.sent += 1
        self.last_gtid = text

    def add(self, count):
        self.sent += count

    def due(self):
        return self.clock() >= self.next_report

    def tick(self, final=False):
        now = self.clock()
        if not final and now < self.next_report:
            return
        self.next_report = now + self.interval
        if self.path:
            with open(self.path, "a") as handle:
                handle.write(self.line(now, final) + "\n")
            self.lines += 1

    def line(self, now, final=False):
        elapsed = max(now - self.started, 1e-6)
        sent = min(self.sent, self.total) if self.total else self.sent
        rate = sent / elapsed
        text = "%s %s %d/%d transactions (%d%%) in %.0f s, %.0f/s" % (
            time.strftime("%Y-%m-%dT%H:%M:%S"), "done" if final else "replaying", sent, self.total,
            100 * sent // self.total if self.total else 100, elapsed, rate)
        if self.last_gtid:
            text += ", last %s" % self.last_gtid
        if not final and rate > 0 and self.total > sent:
            text += ", about %.0f s left" % ((self.total - sent) / rate)
        return text


class ReplayFilter(object):
    """Filter mariadb-binlog's output lines (bytes); ``feed`` returns the lines to send on."""

    def __init__(self, skip_gtids=(), tables=None, databases=None, partial=False, new_gtids=False, progress=None):
        self.skip = set(g.encode() if isinstance(g, str) else g for g in skip_gtids or ())
        self.tables = set((d.encode(), t.encode()) for d, t in tables or ())
        self.databases = set(d.encode() for d in databases or ())
        self.partial = partial or bool(self.tables or self.databases)
        self.new_gtids = new_gtids
        self.progress = progress
        self.skipping = False
        self.mapped = []  # tables named by Table_map comments since the last row statement
        self.dropping_rows = False
        self.query = None  # the lines of a Query event being held, in a partial replay
        self.skipped = []
        self.dropped_statements = 0

    def _wanted(self, db, table):
        return (db, table) in self.tables or db in self.databases

    def feed(self, line):
        out = []
        if self.query is not None:
            if line.startswith(b"# at ") or line.startswith(b"DELIMITER ") or line.startswith(b"# End of log"):
                out.extend(self._end_query())
            else:
                self.query.append(line)
                return out
        if line.startswith(b"#") and not line.startswith(b"# "):
            match = _HEADER_RE.match(line.rstrip(b"\r\n"))
            if match:
                kind = match.group(1)
                if self.skipping and kind.startswith(_OUTSIDE):
                    self.skipping = False
                if kind.startswith(b"GTID "):
                    gtid = _GTID_RE.match(kind).group(1)
                    if gtid in self.skip:
                        self.skipping = True
                        self.skipped.append(gtid.decode())
                        return out
                    if self.progress is not None:
                        self.progress.gtid(gtid.decode())
                elif self.partial and not self.skipping:
                    table_map = _TABLE_MAP_RE.match(kind)
                    if table_map:
                        self.mapped.append(table_map.groups())
                    elif kind.startswith(b"Query\t"):
                        self.query = [line]
                        return out
        if self.skipping:
            if line.startswith(b"DELIMITER ") or line.startswith(b"# End of log"):
                self.skipping = False
            elif line.startswith(b"/*") and not self.new_gtids:
                # mariadb-binlog names the server_id/domain only when it changes: the next transactions need it.
                match = _SESSION_GTID_RE.match(line)
                if match and match.group(1) != b"gtid_seq_no":
                    out.append(line)
                return out
            else:
                return out
        if self.new_gtids and line.startswith(b"/*") and _SESSION_GTID_RE.match(line):
            return out
        if self.partial:
            if self.dropping_rows:
                if line.rstrip().endswith(b"'/*!*/;"):
                    self.dropping_rows = False
                return out
            if line.startswith(b"BINLOG '") and self.mapped:
                wanted = [self._wanted(db, table) for db, table in self.mapped]
                names = ", ".join("%s.%s" % (db.decode(), table.decode()) for db, table in self.mapped)
                self.mapped = []
                if all(wanted):
                    out.append(line)
                    return out
                if any(wanted):
                    raise StreamError("one row statement changes chosen and other tables at once (%s), e.g. through "
                                      "a trigger; replay the whole database instead of chosen tables" % names)
                self.dropping_rows = not line.rstrip().endswith(b"'/*!*/;")
                return out
        out.append(line)
        return out

    def _end_query(self):
        lines, self.query = self.query, None
        texts = [line.strip() for line in lines if line.strip() and not line.startswith(b"#")]
        if texts and texts[-1] == b"/*!*/;":
            texts.pop()
        statement = texts[-1] if texts else b""
        if statement.upper().startswith(_CONTROL):
            return [line for line in lines if not (self.new_gtids and _SESSION_GTID_RE.match(line))]
        self.dropped_statements += 1
        return []

    def finish(self):
        """What is still held at the end of the stream."""
        return self._end_query() if self.query is not None else []


def pump(source, sink, stream_filter=None, progress=None):
    """Copy ``source`` (mariadb-binlog's stdout) to ``sink`` (the client's stdin), filtered when asked.

    Returns the number of bytes sent. Never holds more than a chunk or one event.
    """
    sent = 0
    if stream_filter is None:
        tail = b""
        while True:
            chunk = source.read1(CHUNK) if hasattr(source, "read1") else source.read(CHUNK)
            if not chunk:
                break
            if progress is not None:
                # A marker split across two chunks is counted once: look at the seam too (a window one
                # byte shorter than the marker on each side holds only markers that cross it).
                progress.add(chunk.count(_MARKER) + (tail + chunk[:_SEAM]).count(_MARKER))
                tail = chunk[-_SEAM:]
                progress.tick()
            sink.write(chunk)
            sent += len(chunk)
        return sent
    write = sink.write
    feed = stream_filter.feed
    lines = 0
    for line in source:
        for kept in feed(line):
            write(kept)
            sent += len(kept)
        lines += 1
        if progress is not None and not lines % 4096:
            progress.tick()
    for kept in stream_filter.finish():
        write(kept)
        sent += len(kept)
    return sent


def run_pipeline(binlog_argv, client_argv, workdir, stream_filter=None, progress=None):
    """``binlog_argv | [filter] | client_argv``, streamed. Returns a dict: binlog_rc, client_rc, their stderr
    (last 2000 characters), bytes sent, and ``error`` when the filter stopped the replay.

    Without a filter the two programs are joined by one pipe, as ``mariadb-binlog | mariadb`` in a shell, and no
    byte passes through Python (a pump between them cost 5-20 % of a replay on a busy 2-core host); the progress
    is then read from how far mariadb-binlog has read its files (``read_fraction``).

    When the filter stops (StreamError), the client gets ``ROLLBACK`` and its input is closed: the open
    transaction is not committed, every earlier one is.
    """
    binlog_err = open(os.path.join(workdir, "binlog.err"), "w+b")
    client_err = open(os.path.join(workdir, "client.err"), "w+b")
    result = dict(error=None, sent=0)
    if stream_filter is None:
        binlog = subprocess.Popen(binlog_argv, stdout=subprocess.PIPE, stderr=binlog_err)
        client = subprocess.Popen(client_argv, stdin=binlog.stdout, stdout=subprocess.DEVNULL, stderr=client_err)
        binlog.stdout.close()  # the client holds the read end; mariadb-binlog gets SIGPIPE if the client stops
        files = [a for a in binlog_argv[1:] if not a.startswith("-") and os.path.isfile(a)]
        while True:
            try:
                client.wait(timeout=0.2)  # returns as soon as the client ends (a sleep here cost up to 0.2 s)
                break
            except subprocess.TimeoutExpired:
                pass
            if progress is not None and progress.due():
                fraction = read_fraction(binlog.pid, files)
                if fraction is not None:
                    progress.sent = int(progress.total * fraction)
                progress.tick()
        result["sent"] = None
    else:
        client = subprocess.Popen(client_argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=client_err)
        binlog = subprocess.Popen(binlog_argv, stdout=subprocess.PIPE, stderr=binlog_err)
        widen_pipes(binlog.stdout, client.stdin)
        try:
            result["sent"] = pump(binlog.stdout, client.stdin, stream_filter, progress)
        except StreamError as exc:
            result["error"] = str(exc)
            _write_quietly(client.stdin, b"\nROLLBACK;\n")
            binlog.kill()
        except (BrokenPipeError, OSError):
            binlog.kill()  # the client stopped (an SQL error): its stderr says why
        finally:
            try:
                client.stdin.close()
            except OSError:
                pass
            binlog.stdout.close()
    result["binlog_rc"] = binlog.wait()
    result["client_rc"] = client.wait()
    if progress is not None:
        if stream_filter is None and result["binlog_rc"] == 0 and result["client_rc"] == 0:
            progress.sent = progress.total
        progress.tick(final=True)
    for name, handle in (("binlog_stderr", binlog_err), ("client_stderr", client_err)):
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - 2000))
        result[name] = handle.read().decode("utf-8", "replace").strip()
        handle.close()
    return result


def read_fraction(pid, files):
    """How much of ``files`` (read in order) process ``pid`` has read, 0..1, from Linux's /proc fd and fdinfo;
    None when it cannot tell (no files, not Linux, the process gone)."""
    sizes = [os.path.getsize(f) for f in files if os.path.exists(f)]
    total = float(sum(sizes))
    if not total:
        return None
    real = [os.path.realpath(f) for f in files]
    fd_dir = "/proc/%d/fd" % pid
    try:
        for fd in os.listdir(fd_dir):
            try:
                target = os.readlink(os.path.join(fd_dir, fd))
            except OSError:
                continue
            if target in real:
                index = real.index(target)
                with open("/proc/%d/fdinfo/%s" % (pid, fd)) as info:
                    position = int(next(line for line in info if line.startswith("pos:")).split()[1])
                return min(1.0, (sum(sizes[:index]) + position) / total)
    except (OSError, StopIteration, ValueError):
        return None
    return None


def widen_pipes(*streams):
    """Give the pipes around the pump 1 MiB of buffer instead of 64 KiB (Linux ``F_SETPIPE_SZ``, up to
    /proc/sys/fs/pipe-max-size): the pump then wakes up once per MiB, not per 64 KiB, and a moment without CPU for
    it (a busy host) does not stall mariadb-binlog and the client at once. Best effort: elsewhere nothing changes."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not a POSIX host
        return
    setpipe = getattr(fcntl, "F_SETPIPE_SZ", 1031)
    for stream in streams:
        try:
            fcntl.fcntl(stream.fileno(), setpipe, CHUNK)
        except (OSError, ValueError, AttributeError):
            pass


def _write_quietly(stream, data):
    try:
        stream.write(data)
    except (BrokenPipeError, OSError):
        pass
