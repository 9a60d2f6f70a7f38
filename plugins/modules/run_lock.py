#!/usr/bin/python
# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation of the drkit.mysql.run_lock action (it runs on the control node)."""

DOCUMENTATION = r"""
module: run_lock
short_description: One DR run at a time - a lock file on the control node that names its holder
version_added: 0.1.0
description:
  - With O(state=present), creates the lock file O(path) on the B(control node) atomically, recording the run,
    host, user, C(ansible-playbook) pid (and its start time) and play. When another run holds it, the task
    fails naming that run; nothing else has been done.
  - A lock left behind by a run that no longer exists on this host (killed, the control node rebooted) is
    stale and is taken over with a warning naming the earlier run. A lock held from another host cannot be
    checked from here and is refused; the message names the file to remove once that run is known to be gone.
  - With O(state=absent), removes the lock only when it is this run's.
  - Never C(changed), because the lock lasts only as long as the run, so a re-run that changes nothing else reports
    C(changed=0).
  - C(dr_failover.yml), C(dr_switchover.yml) and C(dr_failback.yml) take it first (before any notification or
    change) and release it in their report play. Control nodes that share no file system (several AWX nodes)
    need O(path) on shared storage, or AWX's own "one job at a time" setting.
author: drkit.mysql maintainers (@drkit)
attributes:
  check_mode:
    support: full
    description: Writes and removes nothing; a lock held by another run is a warning, not a failure.
  diff_mode:
    support: none
    description: Nothing to compare.
options:
  path:
    description: The lock file on the control node (its directory is created, mode 0700).
    type: path
    required: true
  state:
    description: V(present) takes the lock, V(absent) releases it.
    type: str
    choices: [present, absent]
    default: present
  run:
    description: What the lock is taken for, shown to a run that finds it held.
    type: str
    default: dr run
"""

EXAMPLES = r"""
- name: Take the DR run lock (a second run at the same time refuses)
  drkit.mysql.run_lock:
    path: "{{ playbook_dir }}/../reports/.dr_run.lock"
    run: dr_failover
  run_once: true

- name: Release it
  drkit.mysql.run_lock:
    path: "{{ playbook_dir }}/../reports/.dr_run.lock"
    state: absent
  run_once: true
"""

RETURN = r"""
acquired:
  description: This run holds the lock now (state present; false in check mode).
  returned: state present
  type: bool
released:
  description: The lock was this run's and is removed.
  returned: state absent
  type: bool
previous:
  description: The holder of a stale lock that was taken over.
  returned: state present
  type: dict
holder:
  description: What the lock file records about this run (run, host, user, pid, started_at, playbook).
  returned: success
  type: dict
path:
  description: The lock file.
  returned: always
  type: str
"""
