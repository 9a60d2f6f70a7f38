# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action drkit.mysql.run_lock: one DR run at a time (a lock file on the control node, module_utils/run_lock.py)."""

import os

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.drkit.mysql.plugins.module_utils import run_lock

display = Display()

ARGUMENT_SPEC = dict(
    path=dict(type="path", required=True),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    run=dict(type="str", default="dr run"),
)


def _run_pid():
    """The ansible-playbook process: the parent of this worker (the same for every task of the run)."""
    return os.getppid()


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        task_vars = task_vars or {}
        validated = ArgumentSpecValidator(ARGUMENT_SPEC).validate(dict(self._task.args))
        if validated.error_messages:
            raise AnsibleActionFail("run_lock: %s" % "; ".join(validated.error_messages))
        options = validated.validated_parameters
        path = os.path.abspath(options["path"])
        playbook = task_vars.get("ansible_play_name") or ""
        holder = run_lock.new_holder(options["run"], playbook=playbook, pid=_run_pid())
        check_mode = bool(self._task.check_mode)
        try:
            if options["state"] == "present":
                outcome = run_lock.acquire(path, holder, check_mode=check_mode)
            else:
                outcome = run_lock.release(path, holder, check_mode=check_mode)
        except run_lock.LockError as exc:
            result.update(failed=True, changed=False, msg=str(exc), path=path,
                          holder=run_lock.read_holder(path) or None)
            return result
        if outcome.get("warning"):
            display.warning(outcome["warning"])
        result.update(outcome)
        # The lock lives only while the run does (taken, then released): no lasting change, so a re-run that does
        # nothing else still reports changed=0.
        result["changed"] = False
        result["holder"] = dict((k, v) for k, v in holder.items() if k != "token")
        return result
