# -*- coding: utf-8 -*-
# Copyright: drkit.mysql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The order in which ``parallel`` loaders take the files of a chunked dump.

A table is loaded in up to three stages: the files before its chunks (its
structure and first rows), its chunks (rows only, any number at once), the
files after them (ENABLE KEYS, triggers: they must see every row and must not
fire during the load).  A stage starts when the previous one has finished.
Among the ready tasks a loader takes the one of the earliest table in the
given order, so the essential (or the biggest) tables finish first and the
other loaders help with a big table's chunks instead of waiting for it.

After a failure no new task starts; the running ones finish.

Stdlib only: this file runs on managed hosts with Python 3.8+.
"""

from __future__ import absolute_import, division, print_function

import heapq
import threading

__metaclass__ = type


class LoadQueue(object):
    """Hand out ``dict(index, stage, files)`` tasks to worker threads; see the module docstring.

    ``groups`` is one ``(before, chunks, after)`` tuple of file lists per table, in priority order.
    """

    def __init__(self, groups):
        self._cond = threading.Condition()
        self._ready = []
        self._seq = 0
        self._stages = []
        self._left = []       # tasks of the current stage not yet finished, per table
        self._running = 0
        self._unfinished = 0
        self.stopped = False
        for index, (before, chunks, after) in enumerate(groups):
            stages = [stage for stage in ([list(before)] if before else [],
                                          [[rel] for rel in chunks],
                                          [list(after)] if after else []) if stage]
            self._stages.append(stages)
            self._left.append(0)
            if stages:
                self._unfinished += 1
                self._release(index)

    def _release(self, index):
        """Make the next stage of a table ready (called with the lock held or from __init__)."""
        stage = self._stages[index].pop(0)
        self._left[index] = len(stage)
        for files in stage:
            self._seq += 1
            heapq.heappush(self._ready, (index, self._seq, dict(index=index, files=files)))

    def take(self):
        """The next task, waiting while only running tasks can make one ready; None when there is no more work."""
        with self._cond:
            while True:
                if self.stopped or (not self._ready and self._running == 0):
                    return None
                if self._ready:
                    self._running += 1
                    return heapq.heappop(self._ready)[2]
                self._cond.wait()

    def finish(self, task, ok):
        """A task ended; ``ok=False`` stops the queue (nothing new starts)."""
        with self._cond:
            self._running -= 1
            index = task['index']
            if not ok:
                self.stopped = True
            else:
                self._left[index] -= 1
                if self._left[index] == 0:
                    if self._stages[index]:
                        self._release(index)
                    else:
                        self._unfinished -= 1
            self._cond.notify_all()

    def done(self):
        """Every stage of every table finished."""
        with self._cond:
            return self._unfinished == 0


def run_workers(queue, workers, work):
    """Run ``work(task) -> bool`` on ``workers`` threads until the queue is empty or stopped."""
    def loop():
        while True:
            task = queue.take()
            if task is None:
                return
            ok = False
            try:
                ok = work(task)
            finally:
                queue.finish(task, ok)

    threads = [threading.Thread(target=loop) for _count in range(max(1, int(workers)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
