#!/usr/bin/python
# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module drkit.mysql.app_reload: run an application's own reload command after its DB config changed."""

DOCUMENTATION = r"""
module: app_reload
short_description: Run an application's reload command (an argument list, no shell) after its DB config changed
version_added: 0.1.0
description:
  - The handler of the C(drkit.mysql.app_repoint) role. It runs O(argv) (for example C([systemctl, reload, shop]) or
    C([pkill, -HUP, -F, /run/shop.pid])) without a shell and fails with the command's own output when it fails.
  - Unlike C(ansible.builtin.command) it can run inside Ansible's worker for hosts whose connection is C(local)
    (see C(plugins/plugin_utils/in_process.py)), which takes most of a second off the application's write outage
    during a failover on a small control node.
author: drkit.mysql maintainers (@drkit)
attributes:
  check_mode:
    support: full
    description: Reports the command it would run; runs nothing.
  diff_mode:
    support: none
    description: A command has no before and after.
options:
  argv:
    description: The command and its arguments.
    type: list
    elements: str
    required: true
  timeout:
    description: Seconds the command may take before it is killed and the task fails.
    type: int
    default: 30
notes:
  - A reload is always reported as a change; it is only run as a handler, when the config changed.
"""

EXAMPLES = r"""
- name: Reload the application
  drkit.mysql.app_reload:
    argv: [systemctl, reload, shop]
"""

RETURN = r"""
cmd:
  description: The command run (or that would be).
  returned: always
  type: list
  elements: str
rc:
  description: Its exit code.
  returned: when run
  type: int
stdout:
  description: What it printed.
  returned: when run
  type: str
stderr:
  description: What it printed on stderr.
  returned: when run
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.drkit.mysql.plugins.module_utils.commands import CommandNotRun, run_argv

MODULE_OPTIONS = dict(supports_check_mode=True)


def argument_spec():
    return dict(
        argv=dict(type="list", elements="str", required=True),
        timeout=dict(type="int", default=30),
    )


def main():
    run(AnsibleModule(argument_spec=argument_spec(), **MODULE_OPTIONS))


def run(module):
    argv = module.params["argv"]
    if not argv:
        module.fail_json(msg="argv is empty; give the application's reload command as a list, "
                             "e.g. [systemctl, reload, shop].")
    result = dict(changed=True, cmd=argv)
    if module.check_mode:
        module.exit_json(msg="would run %s" % " ".join(argv), **result)
    try:
        rc, stdout, stderr = run_argv(argv, module.params["timeout"])
    except CommandNotRun as exc:
        if exc.timed_out:
            module.fail_json(msg="The application's reload command %s did not end within %s s; it was killed."
                             % (" ".join(argv), module.params["timeout"]), **result)
        module.fail_json(msg="Cannot run the application's reload command %s: %s." % (argv[0], exc), **result)
    result.update(rc=rc, stdout=stdout, stderr=stderr)
    if rc != 0:
        module.fail_json(msg="The application's reload command %s failed (rc=%d): %s" % (
            " ".join(argv), rc, (stderr or stdout).strip() or "no output"), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
