#!/usr/bin/python
# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module drkit.mysql.binlog_archive_facts: what the binlog archive holds and whether it streams."""

DOCUMENTATION = r"""
module: binlog_archive_facts
short_description: Read the binlog archive - its files, the newest GTID archived and the streamer's state
version_added: 0.2.0
description:
  - Reads the archive directory written by the C(drkit.mysql.binlog_archive) role on the host it runs on,
    from the files alone (no server connection), so it works when the primary is dead.
  - Reports the binlog files of the current source, the GTID position archived (the last file's Gtid_list
    event plus every complete transaction after it), the newest complete transaction, bytes at the end of the
    last file that do not form a whole event, and the streamer's process (supervisor pid and streaming child)
    or its systemd unit.
  - The preflight role compares it with the primary to report the archive's lag, and uses it as the last
    known state of a dead primary.
author: drkit.mysql maintainers (@drkit)
attributes:
  check_mode:
    support: full
    description: Read-only; runs the same in check mode.
  diff_mode:
    support: none
    description: Changes nothing.
  facts:
    support: full
    description: Sets C(drkit_binlog_archive).
options:
  path:
    description: The archive directory (C(binlog_archive_dir) of the role).
    type: path
    required: true
  pidfile:
    description: Pid file of the supervised streamer (lab, hosts without systemd). Default C(PATH/streamer.pid).
    type: path
  service:
    description:
      - Name of the streamer's systemd unit. Its state is read when systemd runs on the host and there is no
        pid file (the role runs the streamer under systemd where it can).
    type: str
"""

EXAMPLES = r"""
- name: Read the binlog archive on the DR host
  drkit.mysql.binlog_archive_facts:
    path: /var/lib/drkit/binlog-archive
  delegate_to: dr-archive-1

- name: Show the newest archived transaction
  ansible.builtin.debug:
    var: drkit_binlog_archive.last_gtid
"""

RETURN = r"""
ansible_facts:
  description: Facts about the archive.
  returned: success
  type: complex
  contains:
    drkit_binlog_archive:
      description: The archive's files, GTID position and streamer state.
      returned: success
      type: dict
      sample:
        path: /var/tmp/drkit-lab/db-dr/binlog-archive
        directory: /var/tmp/drkit-lab/db-dr/binlog-archive/server-1
        source_server_id: 1
        sources: [1]
        file_count: 2
        first_file: db-primary-bin.000001
        last_file: db-primary-bin.000002
        start_gtid: ""
        gtid_state: 0-1-1355
        last_gtid: 0-1-1355
        complete_until: 8162
        partial_bytes: 0
        partial_gtid: null
        streamer: {running: true, pid: 4242, streamer_pids: [4243], streaming: true, manager: process}
        log_tail: ""
"""

import os
import subprocess

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.drkit.mysql.plugins.module_utils.binlog import BinlogError
from ansible_collections.drkit.mysql.plugins.module_utils.binlog_archive import (
    ArchiveError,
    read_archive,
    streamer_state,
)
from ansible_collections.drkit.mysql.plugins.module_utils.log_tail import tail


def systemd_state(module, service):
    systemctl = module.get_bin_path("systemctl")
    if not systemctl:
        return dict(running=False, pid=None, streamer_pids=[], streaming=False, manager="systemd",
                    error="systemctl not found")
    proc = subprocess.run([systemctl, "show", "-p", "ActiveState", "-p", "MainPID", "-p", "NRestarts", service],
                          capture_output=True, text=True, check=False)
    values = dict(line.split("=", 1) for line in proc.stdout.splitlines() if "=" in line)
    pid = int(values.get("MainPID") or 0) or None
    running = values.get("ActiveState") == "active" and pid is not None
    return dict(running=running, pid=pid, streamer_pids=[pid] if running else [], streaming=running,
                manager="systemd", restarts=int(values.get("NRestarts") or 0))


MODULE_OPTIONS = dict(supports_check_mode=True)


def argument_spec():
    return dict(path=dict(type="path", required=True), pidfile=dict(type="path"), service=dict(type="str"))


def main():
    run(AnsibleModule(argument_spec=argument_spec(), **MODULE_OPTIONS))


def run(module):
    path = module.params["path"]
    try:
        facts = read_archive(path)
    except (ArchiveError, BinlogError, OSError) as exc:
        module.fail_json(msg="Cannot read the binlog archive: %s." % exc)
    pidfile = module.params["pidfile"] or os.path.join(path, "streamer.pid")
    if module.params["service"] and not os.path.exists(pidfile) and os.path.isdir("/run/systemd/system"):
        facts["streamer"] = systemd_state(module, module.params["service"])
    else:
        state = streamer_state(pidfile)
        state["manager"] = "process"
        facts["streamer"] = state
    facts["log_tail"] = tail(os.path.join(path, "streamer.log"))
    module.exit_json(changed=False, ansible_facts=dict(drkit_binlog_archive=facts))


if __name__ == "__main__":
    main()
