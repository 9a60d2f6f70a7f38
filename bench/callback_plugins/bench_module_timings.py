"""Benchmark helper (bench/failover_bench.py only, not part of the collection).

Appends, for every task result, the timing figures the module itself reported (e.g. drkit.mysql.replica's
``elapsed_seconds``), so the benchmark can tell the module's own work from Ansible's per-task overhead.
Only whitelisted numeric keys are kept: no task argument or other result value reaches the file.
Enabled by the benchmark with ANSIBLE_CALLBACK_PLUGINS=bench/callback_plugins and
ANSIBLE_CALLBACKS_ENABLED=...,bench_module_timings; writes to $BENCH_MODULE_TIMINGS_FILE.
"""

DOCUMENTATION = r"""
name: bench_module_timings
type: aggregate
short_description: Records module-reported timings per task (benchmark helper)
description:
  - Writes one JSON line per task result with the whitelisted timing keys of the result.
requirements:
  - enabled in callbacks_enabled
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase

KEYS = ("elapsed_seconds", "fence_seconds", "promote_ms", "duration_ms", "timings")


def _pick(result):
    out = {}
    for key in KEYS:
        value = result.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out[key] = value
        elif key == "timings" and isinstance(value, dict):
            out[key] = dict((k, v) for k, v in value.items() if isinstance(v, (int, float)))
    return out


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_module_timings"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._path = os.environ.get("BENCH_MODULE_TIMINGS_FILE")

    def _record(self, result, status):
        if not self._path:
            return
        picked = _pick(result._result)
        items = [_pick(r) for r in result._result.get("results") or [] if isinstance(r, dict)]
        items = [i for i in items if i]
        line = dict(at=round(time.time(), 3), task=result._task.get_name(), host=result._host.get_name(),
                    status=status, timings=picked, item_timings=items)
        with open(self._path, "a") as handle:
            handle.write(json.dumps(line, sort_keys=True) + "\n")

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "failed")
