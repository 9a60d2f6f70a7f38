# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action drkit.mysql.report_files: write report files on the control node, no module round trip."""

import os

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_bytes
from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("directory", "name", "files"))

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = self._task.args
        directory = args.get("directory")
        name = args.get("name")
        files = args.get("files")
        if not directory or not name or not isinstance(files, dict) or not files:
            raise AnsibleActionFail("report_files needs directory, name and a non-empty files dict")
        if os.sep in str(name):
            raise AnsibleActionFail("report_files: name must be a file name, not a path: %s" % name)
        directory = os.path.abspath(os.path.expanduser(str(directory)))
        paths = dict((str(ext), os.path.join(directory, "%s.%s" % (name, ext))) for ext in files)
        result.update(paths=paths, changed=False)
        if self._task.check_mode:
            return result
        try:
            if not os.path.isdir(directory):
                os.makedirs(directory, mode=0o700)
            for ext, content in files.items():
                path = paths[str(ext)]
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "wb") as handle:
                    handle.write(to_bytes(content if content is not None else ""))
                os.chmod(path, 0o600)
        except OSError as exc:
            raise AnsibleActionFail("Cannot write the report under %s: %s" % (directory, exc)) from None
        result["changed"] = True
        return result
