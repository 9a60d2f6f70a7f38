#!/usr/bin/python
# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module drkit.mysql.binlog_archive_source: point an installed binlog archive at a new primary."""

DOCUMENTATION = r"""
module: binlog_archive_source
short_description: Point an installed binlog archive at another source server, in one step
version_added: 0.1.0
description:
  - Moves a binlog archive installed by the C(drkit.mysql.binlog_archive) role to a new source (after a failover,
    the new primary), without reinstalling it. C(dr_failover.yml) runs it on every host of the C(binlog_archive)
    group once the promotion has succeeded.
  - Rewrites C(host) and C(port) of the stream's option file C(client.cnf) and the C(SOURCE) line of
    C(streamer.conf) (each in one atomic rename; owner and mode kept), then ends the running stream. Its supervisor
    (the lab's shell supervisor, or systemd's C(Restart=always)) starts it again on the new settings, into a new
    C(server-<id>) directory; the files archived from the old source stay where they are.
  - The account and password the archive uses are not touched and not needed here.
  - Does not wait for the new stream to connect; M(drkit.mysql.binlog_archive_facts) reports it.
author: drkit.mysql maintainers (@drkit)
attributes:
  check_mode:
    support: full
    description: Reports the source it would move from and to; writes nothing and leaves the stream alone.
  diff_mode:
    support: full
    description: Shows the source before and after (never the option file, which holds the password).
options:
  path:
    description: The archive directory (the role's C(binlog_archive_dir)).
    type: path
    required: true
  source_host:
    description: Address the archive must stream from.
    type: str
    required: true
  source_port:
    description: Port of that server.
    type: int
    default: 3306
  manager:
    description:
      - How the stream is supervised. C(auto) ends the supervised process when its pid file names a live one,
        else restarts the systemd unit O(service) when systemd runs.
    type: str
    choices: [auto, process, systemd]
    default: auto
  service:
    description: The systemd unit of the stream.
    type: str
    default: drkit-binlog-archive
notes:
  - Nothing is restarted when the archive already streams from O(source_host) and O(source_port).
"""

EXAMPLES = r"""
- name: Stream the binlog archive from the new primary
  drkit.mysql.binlog_archive_source:
    path: /var/lib/drkit/binlog-archive
    source_host: db-dr-1.example.net
    source_port: 3306
"""

RETURN = r"""
previous:
  description: The source (C(host:port)) the archive streamed from before.
  returned: always
  type: str
  sample: 10.0.1.10:3306
source:
  description: The source it streams from now (or would, in check mode).
  returned: always
  type: str
restarted:
  description: How the stream was restarted, C(process), C(systemd), or C(none) when nothing ran or nothing changed.
  returned: always
  type: str
ended_pids:
  description: Pids of the supervised stream's processes that were ended (C(process) only).
  returned: always
  type: list
  elements: int
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.drkit.mysql.plugins.module_utils.archive_source import (
    CLIENT_CNF,
    STREAMER_CONF,
    ArchiveSourceError,
    current_source,
    end_stream,
    repointed,
    supervisor_pid,
)
from ansible_collections.drkit.mysql.plugins.module_utils.file_replace import replace_text

MODULE_OPTIONS = dict(supports_check_mode=True)


def argument_spec():
    return dict(
        path=dict(type="path", required=True),
        source_host=dict(type="str", required=True),
        source_port=dict(type="int", default=3306),
        manager=dict(type="str", choices=["auto", "process", "systemd"], default="auto"),
        service=dict(type="str", default="drkit-binlog-archive"),
    )


def main():
    run(AnsibleModule(argument_spec=argument_spec(), **MODULE_OPTIONS))


def read_text(path):
    with open(path, "rb") as handle:
        return to_text(handle.read(), errors="surrogate_or_strict")


def restart(module, path):
    """End the stream so that its supervisor starts it again. Returns (how, pids)."""
    manager = module.params["manager"]
    if manager in ("auto", "process"):
        supervisor = supervisor_pid(path)
        if supervisor is not None:
            return "process", end_stream(supervisor)
        if manager == "process":
            module.warn("The archive's supervisor is not running (no live pid in %s/streamer.pid): the new source "
                        "takes effect when it starts; run the drkit.mysql.binlog_archive role." % path)
            return "none", []
    if not os.path.isdir("/run/systemd/system"):
        module.warn("The archive's stream is not running and systemd does not run here: the new source takes effect "
                    "when the stream starts; run the drkit.mysql.binlog_archive role.")
        return "none", []
    rc, _out, err = module.run_command(["systemctl", "try-restart", module.params["service"]])
    if rc != 0:
        module.fail_json(msg="The archive now names its new source but systemctl could not restart %s: %s"
                         % (module.params["service"], err.strip()))
    return "systemd", []


def run(module):
    path = module.params["path"]
    host, port = module.params["source_host"], module.params["source_port"]
    conf_path, cnf_path = os.path.join(path, STREAMER_CONF), os.path.join(path, CLIENT_CNF)
    try:
        conf, cnf = read_text(conf_path), read_text(cnf_path)
        new_conf, new_cnf = repointed(conf, cnf, host, port)
    except (OSError, ArchiveSourceError) as exc:
        module.fail_json(msg="No binlog archive to repoint in %s: %s. Install it with the drkit.mysql.binlog_archive "
                             "role first." % (path, exc))
    before = current_source(conf)
    result = dict(changed=new_conf != conf or new_cnf != cnf, previous="%s:%d" % before, source="%s:%d" % (host, port),
                  restarted="none", ended_pids=[])
    if module._diff:
        result["diff"] = dict(before="source: %s\n" % result["previous"], after="source: %s\n" % result["source"],
                              before_header=conf_path, after_header=conf_path)
    if not result["changed"] or module.check_mode:
        module.exit_json(**result)
    # The option file first: it is what the restarted stream reads.
    if new_cnf != cnf:
        replace_text(module, cnf_path, new_cnf)
    if new_conf != conf:
        replace_text(module, conf_path, new_conf)
    result["restarted"], result["ended_pids"] = restart(module, path)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
