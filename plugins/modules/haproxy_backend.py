#!/usr/bin/python
# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module drkit.mysql.haproxy_backend: point a HAProxy backend's server at the new primary."""

DOCUMENTATION = r"""
module: haproxy_backend
short_description: Point a HAProxy backend's server at a new database primary (runtime API and config file)
version_added: 0.1.0
description:
  - For applications that reach the database through HAProxy (TCP mode). The C(server) line O(server) of
    section O(backend) is rewritten to name O(host):O(port), the new file is checked with C(haproxy -c -f)
    before it replaces the old one (atomic rename, backup kept), so a restart or reload keeps the new address.
  - With O(socket) (a C(stats socket ... level admin)) the running HAProxy is moved at once through its runtime
    API (C(set server <backend>/<server> addr <ip> port <port>), C(set server ... state ready)), its sessions to
    the old address are shut down (O(shutdown_sessions)), and the server is read back with C(show servers state).
    No reload is needed.
  - Without O(socket), O(reload_argv) (for example C([systemctl, reload, haproxy])) is run when the file changed.
  - Used by the C(drkit.mysql.app_repoint) role for app hosts with C(app_repoint_backend=haproxy).
author: drkit.mysql maintainers (@drkit)
attributes:
  check_mode:
    support: full
    description: Reads the file and the runtime state and reports what would change; changes nothing.
  diff_mode:
    support: full
    description: Shows the config file before and after, and the running server's address before and after.
options:
  config:
    description: HAProxy's configuration file. It must exist.
    type: path
    default: /etc/haproxy/haproxy.cfg
  backend:
    description: Name of the C(backend) (or C(listen)) section.
    type: str
    required: true
  server:
    description: Name of the C(server) in that section that must point at the primary.
    type: str
    required: true
  host:
    description:
      - Address of the new primary. With O(socket) it must be an IP address (the runtime API sets addresses,
        not names).
    type: str
    required: true
  port:
    description: Port of the new primary.
    type: int
    required: true
  socket:
    description: HAProxy's admin-level stats socket; when set the running process is moved through its runtime API.
    type: path
  shutdown_sessions:
    description: After a move through the runtime API, end the sessions still open to the old address.
    type: bool
    default: true
  reload_argv:
    description: Command (argument list, no shell) run when the file changed and O(socket) is not set.
    type: list
    elements: str
    default: []
  validate:
    description: Check the new file with C(haproxy -c -f) before it replaces the old one.
    type: bool
    default: true
  haproxy_bin:
    description: The C(haproxy) program used for the check.
    type: str
    default: haproxy
  backup:
    description: Keep a copy of the old file next to it (C(<config>.<pid>.<date>~)) when it changes.
    type: bool
    default: true
  timeout:
    description: Seconds the check, the reload command and the runtime API may take.
    type: int
    default: 30
notes:
  - Only the address of the one C(server) line changes (and a C(disabled) keyword on it goes); the rest of the file
    is kept byte for byte.
  - A second run with the same primary reports no change.
"""

EXAMPLES = r"""
- name: Point HAProxy's writer backend at the new primary
  drkit.mysql.haproxy_backend:
    config: /etc/haproxy/haproxy.cfg
    backend: mysql_writer
    server: primary
    host: 10.0.2.15
    port: 3306
    socket: /run/haproxy/admin.sock
"""

RETURN = r"""
old_address:
  description: The address the config file named before.
  returned: always
  type: str
  sample: 10.0.1.10:3306
address:
  description: The address it names now (or would).
  returned: always
  type: str
  sample: 10.0.2.15:3306
config_changed:
  description: Whether the file was (or would be) rewritten.
  returned: always
  type: bool
runtime_changed:
  description: Whether the running HAProxy was (or would be) moved through the runtime API.
  returned: always
  type: bool
runtime:
  description: The running server as C(show servers state) reads (after the move unless in check mode).
  returned: when O(socket) is set
  type: dict
  sample: {address: 10.0.2.15, port: 3306, operational: running, maintenance: false, draining: false}
backup_file:
  description: Where the old file was copied to.
  returned: when the file changed and O(backup) and not in check mode
  type: str
reload:
  description: The reload command's exit code and output.
  returned: when O(reload_argv) was run
  type: dict
"""

import ipaddress
import os
import subprocess

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.drkit.mysql.plugins.module_utils.file_replace import replace_text
from ansible_collections.drkit.mysql.plugins.module_utils.haproxy_config import (
    HAProxyConfigError,
    set_server_address,
)
from ansible_collections.drkit.mysql.plugins.module_utils.haproxy_runtime import (
    RuntimeAPIError,
    needs_change,
    read_server,
    repoint,
)

MODULE_OPTIONS = dict(supports_check_mode=True)


def argument_spec():
    return dict(
        config=dict(type="path", default="/etc/haproxy/haproxy.cfg"),
        backend=dict(type="str", required=True),
        server=dict(type="str", required=True),
        host=dict(type="str", required=True),
        port=dict(type="int", required=True),
        socket=dict(type="path"),
        shutdown_sessions=dict(type="bool", default=True),
        reload_argv=dict(type="list", elements="str", default=[]),
        validate=dict(type="bool", default=True),
        haproxy_bin=dict(type="str", default="haproxy"),
        backup=dict(type="bool", default=True),
        timeout=dict(type="int", default=30),
    )


def main():
    run(AnsibleModule(argument_spec=argument_spec(), **MODULE_OPTIONS))


def _run(argv, timeout):
    """(rc, output) of an argument list; OSError and timeouts become rc 127/124 with a sentence."""
    try:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=timeout, check=False, universal_newlines=True)
    except OSError as exc:
        return 127, "cannot run %s: %s" % (argv[0], exc)
    except subprocess.TimeoutExpired:
        return 124, "%s did not end within %s s" % (" ".join(argv), timeout)
    return proc.returncode, proc.stdout


def _describe(state):
    if state is None:
        return "(not read)\n"
    flags = [state["operational"]] + [name for name in ("maintenance", "draining") if state[name]]
    return "%s:%s (%s)\n" % (state["address"], state["port"], ", ".join(flags))


def run(module):
    params = module.params
    path, backend, server = params["config"], params["backend"], params["server"]
    host, port = params["host"], params["port"]
    if params["socket"]:
        try:
            ipaddress.ip_address(host)
        except ValueError:
            module.fail_json(msg="host %r is not an IP address; HAProxy's runtime API sets server addresses, not "
                                 "names. Give the new primary's IP (drkit_app_db_host) or leave socket unset and "
                                 "reload HAProxy instead (reload_argv)." % host)
    if not os.path.isfile(path):
        module.fail_json(msg="%s does not exist (or is not a file); check the HAProxy config path." % path)
    with open(path, "rb") as handle:
        before = to_text(handle.read(), errors="surrogate_or_strict")
    try:
        after, old_address, address = set_server_address(before, backend, server, host, port)
    except HAProxyConfigError as exc:
        module.fail_json(msg="%s (%s)" % (exc, path))
    runtime_before = None
    if params["socket"]:
        try:
            runtime_before = read_server(params["socket"], backend, server)
        except RuntimeAPIError as exc:
            module.fail_json(msg=str(exc))
    config_changed = after != before
    runtime_changed = runtime_before is not None and needs_change(runtime_before, host, port)
    result = dict(changed=config_changed or runtime_changed, old_address=old_address, address=address,
                  config_changed=config_changed, runtime_changed=runtime_changed)
    if runtime_before is not None:
        result["runtime"] = runtime_before
    if module._diff:
        diffs = [dict(before=before, after=after, before_header=path, after_header=path)]
        if runtime_before is not None:
            target = dict(runtime_before, address=host, port=port, maintenance=False, draining=False)
            name = "%s/%s (runtime)" % (backend, server)
            diffs.append(dict(before=_describe(runtime_before), after=_describe(target),
                              before_header=name, after_header=name))
        result["diff"] = diffs
    if not result["changed"]:
        module.exit_json(msg="%s/%s already points at %s." % (backend, server, address), **result)
    if module.check_mode:
        module.exit_json(msg="would point %s/%s at %s (%s)." % (
            backend, server, address, ", ".join(
                what for what, done in (("config file", config_changed), ("runtime API", runtime_changed)) if done)),
            **result)
    if config_changed:
        _write_config(module, path, after, result)
    if runtime_changed:
        try:
            result["runtime"] = repoint(params["socket"], backend, server, host, port, params["shutdown_sessions"])
        except RuntimeAPIError as exc:
            module.fail_json(msg="%s The config file %s." % (exc, "was rewritten" if config_changed else "is right"),
                             **result)
    elif config_changed and not params["socket"]:
        if params["reload_argv"]:
            rc, output = _run(params["reload_argv"], params["timeout"])
            result["reload"] = dict(rc=rc, cmd=params["reload_argv"], output=output)
            if rc != 0:
                module.fail_json(msg="The config names %s now, but the reload command %s failed (rc=%d): %s" % (
                    address, " ".join(params["reload_argv"]), rc, output.strip() or "no output"), **result)
        else:
            module.warn("The config file names %s now, but neither socket nor reload_argv is set: the running "
                        "HAProxy still uses %s until it is reloaded." % (address, old_address))
    module.exit_json(msg="%s/%s points at %s." % (backend, server, address), **result)


def _write_config(module, path, text, result):
    """Replace the file atomically after ``haproxy -c`` accepted the new text; the backup first."""
    params = module.params

    def check(temp):
        if not params["validate"]:
            return
        rc, output = _run([params["haproxy_bin"], "-c", "-f", temp], params["timeout"])
        if rc != 0:
            module.fail_json(msg="haproxy -c refused the rewritten config, so %s was left as it was (rc=%d): %s"
                             % (path, rc, output.strip() or "no output"), **result)

    backup = module.backup_local(path) if params["backup"] else None
    try:
        replace_text(module, path, text, validate=check)
    except BaseException:
        if backup:
            os.unlink(backup)
        raise
    if backup:
        result["backup_file"] = backup


if __name__ == "__main__":
    main()
