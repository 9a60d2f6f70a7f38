# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The binlog archive on disk: which files it holds, what they contain, and how far behind it is.

Layout written by the ``binlog_archive`` role (``mariadb-binlog --raw --stop-never``):

    <archive>/current -> server-1            the source being streamed (a symlink)
    <archive>/server-1/db-primary-bin.000001  raw binlog files, as the source named them
    <archive>/server-3/db-dr-bin.000001       another source, after a failover repointed the archive
    <archive>/streamer.pid  streamer.log  streamer.conf  client.cnf

One directory per source server_id, because a new primary's binlog names and
history differ from the old one's. A directory of plain binlog files (no
``current``) is read as it is.

Stdlib only: this file runs on managed hosts with Python 3.8+.
"""
import os
import re

from ansible_collections.drkit.mysql.plugins.module_utils.binlog import gtid_state_text, merge_state, read_binlog
from ansible_collections.drkit.mysql.plugins.module_utils.gtid import parse_gtid_set
from ansible_collections.drkit.mysql.plugins.module_utils.processes import children, read_pid

BINLOG_NAME_RE = re.compile(r"^(?P<base>.+)\.(?P<number>\d{6,})$")
SOURCE_DIR_RE = re.compile(r"^server-(\d+)$")
CURRENT_LINK = "current"


class ArchiveError(ValueError):
    """The archive directory is missing or holds something unexpected."""


def binlog_files(directory):
    """Names of the binlog files of a directory, oldest first (the number orders them, then the base name)."""
    names = []
    for name in os.listdir(directory):
        match = BINLOG_NAME_RE.match(name)
        if match and os.path.isfile(os.path.join(directory, name)):
            names.append((int(match.group("number")), match.group("base"), name))
    return [name for _number, _base, name in sorted(names)]


def source_directory(path):
    """The directory holding the current source's files: ``path/current``, else ``path`` itself."""
    if not os.path.isdir(path):
        raise ArchiveError("the binlog archive directory %s does not exist; is the binlog_archive role applied "
                           "on this host?" % path)
    current = os.path.join(path, CURRENT_LINK)
    if os.path.isdir(current):
        return os.path.realpath(current)
    return path


def source_directories(path):
    """Every per-source directory of an archive: {server_id: path}."""
    result = {}
    if os.path.isdir(path):
        for name in os.listdir(path):
            match = SOURCE_DIR_RE.match(name)
            if match and os.path.isdir(os.path.join(path, name)):
                result[int(match.group(1))] = os.path.join(path, name)
    return result


def read_archive(path):
    """What the archive holds, from the files alone (no server needed: the primary may be dead).

    ``gtid_state`` is the newest GTID position archived (the last file's Gtid_list plus every complete
    transaction after it), ``last_gtid`` the newest complete transaction, ``partial_bytes`` what the last
    file holds after its last whole event (a transaction cut off mid-stream is not counted).
    """
    directory = source_directory(path)
    names = binlog_files(directory)
    match = SOURCE_DIR_RE.match(os.path.basename(directory))
    result = dict(path=path, directory=directory, source_server_id=int(match.group(1)) if match else None,
                  sources=sorted(source_directories(path)), files=[], file_count=len(names), total_bytes=0,
                  first_file=names[0] if names else None, last_file=names[-1] if names else None,
                  start_gtid="", gtid_state="", last_gtid=None, last_file_size=0, complete_until=0,
                  partial_bytes=0, partial_gtid=None, transactions_in_last_file=0)
    for name in names:
        stat = os.stat(os.path.join(directory, name))
        result["files"].append(dict(name=name, size=stat.st_size, mtime=int(stat.st_mtime)))
        result["total_bytes"] += stat.st_size
    if not names:
        return result
    first = read_binlog(os.path.join(directory, names[0])) if len(names) > 1 else None
    last = read_binlog(os.path.join(directory, names[-1]))
    result["start_gtid"] = gtid_state_text((first or last)["start_state"])
    result["gtid_state"] = gtid_state_text(last["end_state"])
    result["last_gtid"] = last["last_gtid"] or _newest(last["end_state"])
    result.update(last_file_size=last["size"], complete_until=last["complete_until"],
                  partial_bytes=last["partial_bytes"], partial_gtid=last["partial_gtid"],
                  transactions_in_last_file=last["transactions"])
    return result


def _newest(state):
    """The newest GTID of a state when the file itself holds no complete transaction yet."""
    if not state:
        return None
    domain = max(state, key=lambda d: state[d][1])
    return "%d-%d-%d" % (domain, state[domain][0], state[domain][1])


def union_state(*states):
    """Per-domain newest of several {domain: (server_id, seq)} states."""
    result = {}
    for state in states:
        for domain, (owner, seq) in state.items():
            merge_state(result, domain, owner, seq)
    return result


def _binlog_number(name):
    match = BINLOG_NAME_RE.match(name or "")
    return int(match.group("number")) if match else None


def archive_lag(archive, primary_facts):
    """How far the archive is behind a live primary (its topology facts), or None without one.

    Returns missing transactions (the primary's executed set minus the archive's position), and
    files/bytes behind when the archive streams from that primary's binlog names.
    """
    if not archive or not primary_facts:
        return None
    flavor = primary_facts.get("flavor")
    executed = parse_gtid_set((primary_facts.get("gtid") or {}).get("executed") or "", flavor)
    archived = parse_gtid_set(archive.get("gtid_state") or "", flavor)
    missing = executed.difference(archived)
    binlog = primary_facts.get("binlog") or {}
    primary_file, primary_pos = binlog.get("file"), binlog.get("position")
    last_file = archive.get("last_file")
    files_behind = bytes_behind = None
    same_source = archive.get("source_server_id") in (None, primary_facts.get("server_id"))
    if same_source and primary_file and last_file:
        primary_number, archive_number = _binlog_number(primary_file), _binlog_number(last_file)
        if primary_number is not None and archive_number is not None:
            files_behind = max(0, primary_number - archive_number)
            if files_behind == 0 and primary_pos is not None:
                bytes_behind = max(0, int(primary_pos) - int(archive.get("complete_until") or 0))
    return dict(missing_gtid=str(missing), missing_count=missing.count(), files_behind=files_behind,
                bytes_behind=bytes_behind, same_source=same_source, current=missing.is_empty())


# -- the streamer process ----------------------------------------------------

def streamer_state(pidfile):
    """The supervised streamer: the supervisor's pid (from its pid file) and the streaming child's."""
    pid = read_pid(pidfile)
    if pid is None:
        return dict(running=False, pid=None, streamer_pids=[], streaming=False)
    streamers = [child for child in children(pid) if "binlog" in _comm(child)]
    return dict(running=True, pid=pid, streamer_pids=streamers, streaming=bool(streamers))


def _comm(pid):
    """The program name of a process ('' when it is gone); the supervisor's child may be a retry ``sleep``."""
    try:
        with open("/proc/%d/comm" % pid) as handle:
            return handle.read().strip()
    except OSError:
        return ""
