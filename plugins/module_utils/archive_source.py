# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Move an installed binlog archive to another source server without reinstalling it.

After a failover the archive must stream from the new primary. Everything else about it (script,
account, password, supervisor) stays as the ``binlog_archive`` role installed it, so a repoint is two
small text edits and a nudge to the stream:

- ``client.cnf`` ``[client]`` ``host``/``port``: the stream's only source of the address (it is read
  each time the supervisor starts ``mariadb-binlog``, so the password never needs to be passed again);
- the ``# SOURCE=host:port`` line of ``streamer.conf``: what this module and the role read back;
- the running stream is ended: its supervisor (or systemd's ``Restart=always``) starts it again on the
  new settings, into a new ``server-<id>`` directory.

Stdlib only: this file runs on managed hosts with Python 3.8+.
"""
import os
import re
import signal

from ansible_collections.drkit.mysql.plugins.module_utils.config_edit import set_settings
from ansible_collections.drkit.mysql.plugins.module_utils.processes import descendants, read_pid

STREAMER_CONF = "streamer.conf"
CLIENT_CNF = "client.cnf"
SUPERVISOR_PIDFILE = "streamer.pid"
STREAMER_SCRIPT = "drkit-binlog-archive.sh"
SOURCE_LINE = re.compile(r"^# SOURCE=(\S+):(\d+)$", re.MULTILINE)


class ArchiveSourceError(ValueError):
    """The archive is not installed the way the binlog_archive role installs it."""


def current_source(conf_text):
    """(host, port) the settings name, or None when they name none."""
    match = SOURCE_LINE.search(conf_text)
    return (match.group(1), int(match.group(2))) if match else None


def repointed(conf_text, cnf_text, host, port):
    """The two files' texts pointing at ``host:port``: (conf, cnf). Unchanged texts when they already do."""
    if not SOURCE_LINE.search(conf_text):
        raise ArchiveSourceError("%s has no '# SOURCE=host:port' line; reinstall the archive with the "
                                 "drkit.mysql.binlog_archive role" % STREAMER_CONF)
    conf = SOURCE_LINE.sub(lambda _match: "# SOURCE=%s:%d" % (host, port), conf_text, count=1)
    cnf, _changes = set_settings(cnf_text, dict(host=host, port=port), section="client")
    return conf, cnf


def supervisor_pid(archive_dir, proc="/proc"):
    """The lab supervisor's pid when it runs (its pid file names a live ``sh`` running the streamer), else None."""
    return read_pid(os.path.join(archive_dir, SUPERVISOR_PIDFILE), STREAMER_SCRIPT, proc)


def end_stream(supervisor, kill=os.kill, proc="/proc"):
    """End what the supervisor runs now (the stream, a connect attempt or the retry sleep), not the supervisor:
    its loop starts the stream again at once or after its retry pause, reading the new settings. Returns the pids."""
    ended = []
    for pid in descendants(supervisor, proc):
        try:
            kill(pid, signal.SIGTERM)
            ended.append(pid)
        except OSError:
            pass  # already gone
    return ended
