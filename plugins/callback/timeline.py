# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Record when every task started and ended on every host, for the DR report."""

DOCUMENTATION = r"""
name: timeline
type: aggregate
short_description: Records a timeline of plays and tasks for the drkit.mysql reports
version_added: 0.1.0
description:
  - Appends one JSON line per event (playbook start, play start, task start, task result per host,
    playbook end) to a file, so that the C(drkit.mysql.report) role can show every step with its
    start, end and outcome, and compute RTO from the first task to the validation.
  - The file is O(timeline_file); when unset, C(~/.ansible/drkit/timeline/<time>-<pid>.jsonl) on the
    control node (outside any checkout). Its path is put into the environment variable C(DRKIT_TIMELINE_FILE)
    of the controller, so tasks and lookups of the same run can read it.
  - Enable it with C(callbacks_enabled = drkit.mysql.timeline) in C(ansible.cfg).
  - Records task names, hosts, status, C(changed) and durations, and for a failed or unreachable host the
    first 500 characters of the failure message (as Ansible prints it, after C(no_log) masking); never task
    arguments or other results, so no password can reach the file.
requirements:
  - enabled in C(callbacks_enabled)
options:
  timeline_file:
    description: Where to write the timeline.
    type: path
    env:
      - name: DRKIT_TIMELINE_FILE
    ini:
      - section: drkit_timeline
        key: file
author: drkit.mysql maintainers (@drkit)
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "drkit.mysql.timeline"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._path = None
        self._task_started = {}

    def _write(self, **event):
        if not self._path:
            return
        event["at"] = round(time.time(), 3)
        with open(self._path, "a") as handle:
            handle.write(json.dumps(event, sort_keys=True) + "\n")

    def v2_playbook_on_start(self, playbook):
        self._path = self.get_option("timeline_file")
        if not self._path:
            directory = os.path.expanduser(os.path.join("~", ".ansible", "drkit", "timeline"))
            self._path = os.path.join(directory, "%s-%d.jsonl" % (time.strftime("%Y%m%dT%H%M%S"), os.getpid()))
        directory = os.path.dirname(self._path)
        if directory and not os.path.isdir(directory):
            os.makedirs(directory, mode=0o700)
        # Workers are forked from this process: lookups in the same run find the file through this variable.
        os.environ["DRKIT_TIMELINE_FILE"] = self._path
        self._write(event="playbook_start", playbook=os.path.basename(playbook._file_name))

    def v2_playbook_on_play_start(self, play):
        self._write(event="play_start", play=play.get_name())

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._task_started[task._uuid] = time.time()
        self._write(event="task_start", task=task.get_name(), uuid=task._uuid)

    def v2_playbook_on_handler_task_start(self, task):
        self.v2_playbook_on_task_start(task, False)

    def _result(self, result, status):
        task = result._task
        started = self._task_started.get(task._uuid)
        event = dict(event="task_end", task=task.get_name(), uuid=task._uuid, host=result._host.get_name(),
                     status=status, changed=bool(result._result.get("changed")),
                     started=round(started, 3) if started else None)
        if status in ("failed", "unreachable") and result._result.get("msg"):
            event["error"] = str(result._result["msg"])[:500]
        self._write(**event)

    def v2_runner_on_ok(self, result):
        self._result(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._result(result, "ignored" if ignore_errors else "failed")

    def v2_runner_on_skipped(self, result):
        self._result(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        # A task that tolerates an unreachable host (ignore_unreachable, as ignore_errors for a failure) did not fail.
        self._result(result, "ignored" if getattr(result._task, "ignore_unreachable", False) else "unreachable")

    def v2_playbook_on_stats(self, stats):
        self._write(event="playbook_end", failures=sum(stats.failures.values()),
                    unreachable=sum(stats.dark.values()))
