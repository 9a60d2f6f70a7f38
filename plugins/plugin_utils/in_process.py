# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a drkit.mysql module inside Ansible's worker when the task's host is the control node itself.

A module task normally starts a new Python interpreter that unpacks the module and imports
``ansible.module_utils.basic`` from a zip: about 0.3-0.5 s per task on a small machine, which is
most of a failover's time. When the task's connection is ``local`` (``ansible_connection: local``
or ``delegate_to: localhost``), that interpreter would run on this very machine anyway, so the
module's own code runs here instead, with the same argument validation and the same result.
Anything else (a remote host, ``become``, a controller without PyMySQL, or
``drkit_mysql_in_process: false``) runs the module the usual way.
"""
import datetime
import importlib
import json
import os
import shutil
import subprocess
import time

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.json import Direction, get_module_decoder, get_module_encoder
from ansible.module_utils.common.parameters import remove_values
from ansible.plugins.action import ActionBase

MODULE_PACKAGE = "ansible_collections.drkit.mysql.plugins.modules."


class ModuleExit(BaseException):
    """exit_json/fail_json: ends the module's code like sys.exit, past its ``except Exception`` blocks."""

    def __init__(self, result):
        super(ModuleExit, self).__init__(result.get("msg", ""))
        self.result = result


class InProcessModule(object):
    """The part of AnsibleModule that drkit.mysql modules use, for running them in-process."""

    def __init__(self, argument_spec, args, check_mode=False, diff=False, supports_check_mode=True,
                 mutually_exclusive=None, required_together=None, required_one_of=None, required_if=None,
                 required_by=None):
        validator = ArgumentSpecValidator(argument_spec, mutually_exclusive=mutually_exclusive,
                                          required_together=required_together, required_one_of=required_one_of,
                                          required_if=required_if, required_by=required_by)
        validated = validator.validate(dict(args))
        self.no_log_values = set(validated._no_log_values)
        self.check_mode = bool(check_mode and supports_check_mode)
        self._diff = bool(diff)
        self.warnings = []
        if validated.error_messages:
            self.fail_json(msg="Unsupported or invalid parameters: %s" % "; ".join(validated.error_messages))
        self.params = validated.validated_parameters

    def fail_json(self, msg, **result):
        result.update(failed=True, msg=msg)
        raise ModuleExit(result)

    def exit_json(self, **result):
        raise ModuleExit(result)

    def warn(self, warning):
        self.warnings.append(warning)

    def get_bin_path(self, name, required=False):
        path = shutil.which(name)
        if required and not path:
            self.fail_json(msg="Failed to find required executable %s" % name)
        return path

    def run_command(self, args, check_rc=False):
        """An argument list run without a shell, as AnsibleModule.run_command runs one: (rc, stdout, stderr)."""
        proc = subprocess.run(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              check=False, universal_newlines=True)
        if check_rc and proc.returncode != 0:
            self.fail_json(msg=proc.stderr.strip() or "%s exited with %d" % (args[0], proc.returncode),
                           rc=proc.returncode, stdout=proc.stdout, stderr=proc.stderr, cmd=args)
        return proc.returncode, proc.stdout, proc.stderr

    def backup_local(self, path):
        """Copy ``path`` to ``path.<pid>.<time>~`` as AnsibleModule.backup_local does."""
        stamp = datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")
        backup = "%s.%s.%s~" % (path, os.getpid(), stamp)
        shutil.copy2(path, backup)
        return backup

    def atomic_move(self, src, dest, unsafe_writes=False):
        """Rename ``src`` over ``dest`` keeping dest's mode and owner."""
        if os.path.exists(dest):
            stat = os.stat(dest)
            os.chmod(src, stat.st_mode & 0o7777)
            try:
                os.chown(src, stat.st_uid, stat.st_gid)
            except OSError:
                pass
        os.rename(src, dest)


def _as_module_sees_it(data, direction):
    """Encode and decode as the JSON between controller and module does: plain types, no tags or templates."""
    text = json.dumps(data, cls=get_module_encoder("legacy", direction))
    return json.loads(text, cls=get_module_decoder("legacy", direction))


def run_in_process(name, args, check_mode=False, diff=False):
    """Run module ``name``'s code here; returns its result with no-log values masked."""
    module_code = importlib.import_module(MODULE_PACKAGE + name)
    args = _as_module_sees_it(args, Direction.CONTROLLER_TO_MODULE)
    started = time.monotonic()
    module = None
    try:
        module = InProcessModule(module_code.argument_spec(), args, check_mode=check_mode, diff=diff,
                                 **getattr(module_code, "MODULE_OPTIONS", {}))
        module_code.run(module)
        result = dict(failed=True, msg="%s ended without a result" % name)
    except ModuleExit as done:
        result = done.result
    if module is not None:
        if module.warnings:
            result["warnings"] = result.get("warnings", []) + module.warnings
        result = remove_values(result, module.no_log_values)
    result = _as_module_sees_it(result, Direction.MODULE_TO_CONTROLLER)
    result.setdefault("changed", False)
    result["in_process_seconds"] = round(time.monotonic() - started, 4)
    return result


def can_run_in_process():
    """PyMySQL must be importable by the controller's Python, as it would be by the module's."""
    try:
        importlib.import_module("pymysql")
    except ImportError:
        return False
    return True


class InProcessAction(ActionBase):
    """Action plugin of a drkit.mysql module: in-process on the control node, else the usual module run."""

    MODULE = None  # the module's short name
    _supports_check_mode = True
    _supports_async = False

    def _in_process_allowed(self, task_vars):
        if self._connection.transport not in ("local", "ansible.builtin.local"):
            return False
        if self._play_context.become or self._task.async_val:
            return False
        setting = (task_vars or {}).get("drkit_mysql_in_process", True)
        if isinstance(setting, str):
            setting = setting.strip().lower() not in ("false", "no", "0", "off")
        return bool(setting) and can_run_in_process()

    def run(self, tmp=None, task_vars=None):
        result = super(InProcessAction, self).run(tmp, task_vars)
        if not self._in_process_allowed(task_vars):
            result.update(self._execute_module(module_name="drkit.mysql." + self.MODULE, task_vars=task_vars))
            return result
        result.update(run_in_process(self.MODULE, self._task.args, check_mode=self._task.check_mode,
                                     diff=self._task.diff))
        return result
