# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which binlog files a module reads: an archive or binlog directory, listed files, or a live server's.

Shared by binlog_events and flashback, so both find files the same way: a
directory's ``current`` archive source, or ``mariadb-binlog
--read-from-remote-server --raw`` into a private directory (the password in a
0600 option file, never on the command line).
"""
import os
import subprocess

from ansible_collections.drkit.mysql.plugins.module_utils.binlog_archive import (
    ArchiveError,
    binlog_files,
    source_directory,
)
from ansible_collections.drkit.mysql.plugins.module_utils.binlog_rows import COLUMNS_SQL, server_columns
from ansible_collections.drkit.mysql.plugins.module_utils.option_file import (
    client_options,
    defaults_option,
    private_option_file,
)

# Options that say "ask the server" (config_file has a default, so it alone does not).
CONNECTION_GIVEN = ("login_host", "login_port", "login_user", "login_password", "login_unix_socket")


def wants_server(params):
    """True when the module's parameters name a server (or ask to read from one)."""
    return bool(params.get("from_server")) or any(params.get(name) not in (None, "") for name in CONNECTION_GIVEN)


def local_paths(module):
    """The files to read from a directory or a list of paths."""
    params = module.params
    try:
        if params["path"]:
            directory = source_directory(params["path"])
            names = params["files"] or binlog_files(directory)
            paths = [os.path.join(directory, name) for name in names]
        elif params["files"]:
            paths = list(params["files"])
        else:
            module.fail_json(msg="Say which binlogs to read: path (an archive or binlog directory), files, or "
                                 "from_server: true.")
    except ArchiveError as exc:
        module.fail_json(msg="Cannot read the binlog archive: %s." % exc)
    missing = [p for p in paths if not os.path.isfile(p)]
    if missing:
        module.fail_json(msg="Binlog file(s) not found: %s." % ", ".join(missing))
    if not paths:
        module.fail_json(msg="%s holds no binlog files." % params["path"])
    return paths


def copy_from_server(module, server, workdir):
    """Copy the server's binlogs into ``workdir`` with mariadb-binlog --raw; returns their local paths."""
    params = module.params
    listed = [row.get("Log_name") for row in server.rows("SHOW BINARY LOGS")]
    names = params["files"] or listed
    unknown = [name for name in names if name not in listed]
    if unknown:
        module.fail_json(msg="%s has no binlog named %s (it has %s)."
                             % (server.target, ", ".join(unknown), ", ".join(listed) or "none"))
    binary = params["binlog_binary"]
    for name in ("mariadb-binlog", "mysqlbinlog"):
        binary = binary or module.get_bin_path(name)
    if not binary:
        module.fail_json(msg="Neither mariadb-binlog nor mysqlbinlog is installed on this host; install the client "
                             "package or set binlog_binary.")
    with private_option_file(client_options(params, flavor=server.dialect.flavor)) as option_file:
        argv = [binary, defaults_option(option_file), "--read-from-remote-server", "--raw",
                "--result-file=%s/" % workdir] + list(names)
        proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False, cwd=workdir)
    if proc.returncode != 0:
        module.fail_json(msg="Could not copy the binlogs from %s (%s rc=%s): %s" % (
            server.target, os.path.basename(binary), proc.returncode, proc.stderr.decode("utf-8", "replace").strip()))
    return [os.path.join(workdir, name) for name in names]


def column_source_for(server):
    """Ask information_schema once per table; errors mean "not known" rather than a failed search."""
    def columns(schema, table):
        try:
            return server_columns(server.rows(COLUMNS_SQL, (schema, table)))
        except Exception:
            return None
    return columns
