#!/usr/bin/python
# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module drkit.mysql.restore: load a verified drkit.mysql backup."""

DOCUMENTATION = r"""
module: restore
short_description: Restore a drkit.mysql backup - whole, chosen databases or tables, or into another schema
version_added: 0.2.0
description:
  - Reads the backup directory's C(manifest.json) written by M(drkit.mysql.backup) and first re-hashes every file
    this restore reads against it. A missing or altered file fails the task before the target is touched.
  - "Logical backups (engines C(dump) and C(mydumper)) load into the server given by the connection options (which
    may be another server than the one backed up): the whole backup, chosen O(databases), or chosen O(tables)
    (C(db.table)), optionally into another schema (O(rename) or O(target_database)) for a side-by-side repair."
  - Tables of a C(dump) backup are loaded by O(parallel) clients in the order of O(tables), so the essential tables
    are back first; without O(tables), the biggest tables first. The clients share the chunks of a big table
    (see O(drkit.mysql.backup#module:chunk_mb)) - its structure first, then its chunks at once, then its triggers.
    A C(mydumper) backup is loaded by C(myloader) with O(parallel) threads (myloader chooses the order).
  - Views, routines and events are restored only with whole databases under their own name (their definitions name
    the original schema); otherwise they are listed in RV(skipped_objects).
  - Refuses when a table to restore already exists on the target, unless O(mode=replace); then those tables are first
    moved (C(RENAME TABLE), atomic) into a safety schema C(drkit_safety_<stamp>), reported in RV(safety_schema).
    When a load fails, the loaded tables are dropped, the replaced ones moved back and created schemas removed.
  - Physical backups (engine C(physical)) restore the whole server into O(datadir) of a stopped server with
    C(mariabackup)/C(xtrabackup) C(--move-back) (archive) or C(--copy-back) (directory). A datadir in use by a
    running server is refused; a non-empty one needs O(mode=replace), which renames it to
    C(<datadir>.drkit-safety-<stamp>) first. Start the server afterwards.
  - Passwords never go on a command line (a temporary 0600 option file is given to the client as its first option).
  - A restore is an action, not a state - a second run with O(mode=create) finds the tables and refuses.
author: drkit.mysql maintainers (@drkit)
extends_documentation_fragment:
  - drkit.mysql.connection
attributes:
  check_mode:
    support: full
    description:
      - Verifies the backup's files and checks the target, then reports in RV(plan) what would be loaded where, which
        tables would be replaced and where they would be saved. Changes nothing.
  diff_mode:
    support: none
    description: The plan is reported in RV(plan) instead.
options:
  src:
    description: The backup directory (the one holding C(manifest.json)).
    type: path
    required: true
  databases:
    description: Restore only these databases of the backup (all tables, plus their views/routines/events).
    type: list
    elements: str
    default: []
  tables:
    description:
      - Restore only these tables, each C(db.table) (C(`my.db`.`t`) for names with dots), loaded in this order.
    type: list
    elements: str
    default: []
  rename:
    description: "Restore a source database under another name, e.g. C({shop: shop_repair})."
    type: dict
    default: {}
  target_database:
    description: Restore the one selected source database under this name (short form of O(rename)).
    type: str
  mode:
    description:
      - V(create) - refuse when a table to restore already exists (a non-empty datadir for physical backups).
      - V(replace) - move the existing tables into a safety schema (the datadir aside) first.
    type: str
    choices: [create, replace]
    default: create
  parallel:
    description:
      - Client sessions loading tables or chunks at the same time (dump backups), myloader threads (mydumper
        backups), or C(--parallel) file copies of C(--copy-back) (physical backups).
    type: int
    default: 2
  defer_indexes:
    description:
      - For a table of a dump backup cut into chunks (a big one), create its plain secondary indexes (C(KEY), not
        C(PRIMARY), C(UNIQUE), C(FULLTEXT) or C(SPATIAL)) with one C(ALTER TABLE ... ADD KEY) after its rows,
        before its triggers, instead of updating them row by row. Only InnoDB tables without foreign keys or
        partitions; others load exactly as dumped. The server then spends about 15% less CPU on such a table.
      - V(false) loads every C(CREATE TABLE) as dumped.
    type: bool
    default: true
  binlog:
    description:
      - Write the restored rows to the target's binary log, so its replicas get them too (the default).
      - V(false) for a side schema that should stay on this server (needs the privilege to set C(sql_log_bin)).
    type: bool
    default: true
  datadir:
    description: Physical backups only - the datadir of the stopped server to restore into (created when missing).
    type: path
  server_config:
    description:
      - Physical backups only - the option file of the target server, given to mariabackup as C(--defaults-file)
        (so separate InnoDB log or undo directories are honoured). Without it mariabackup runs with C(--no-defaults).
    type: path
  owner:
    description:
      - Physical backups only - the OS user owning the restored files (e.g. C(mysql)). Defaults to the owner of
        the existing datadir (or of its parent directory).
    type: str
requirements:
  - mariadb/mysql client (dump backups), myloader (mydumper backups) or mariabackup/xtrabackup (physical backups)
  - zstd or gzip, as the backup was compressed
notes:
  - Rows loaded are counted with C(SELECT COUNT(*)) on each restored table after the load.
  - Only the files this restore reads are verified; verify the whole backup with the backup module's C(verify).
seealso:
  - module: drkit.mysql.backup
"""

EXAMPLES = r"""
- name: Bring back the dropped users table, beside the live data, for a look
  drkit.mysql.restore:
    login_host: 127.0.0.1
    login_user: drkit_admin
    login_password: "{{ vault_drkit_admin_password }}"
    src: /var/backups/mysql/shop-20261124T020000Z
    tables: [shop.users]
    target_database: shop_repair
    binlog: false

- name: Exam platform - the essential tables first, four at a time, replacing what is there
  drkit.mysql.restore:
    src: /var/backups/mysql/exam-20261124T020000Z
    tables: [exam.sessions, exam.answers, exam.candidates, exam.questions]
    parallel: 4
    mode: replace
  register: restored

- name: Whole server from a physical backup into a stopped server's datadir
  drkit.mysql.restore:
    src: /var/backups/mysql/full-20261124T020000Z
    datadir: /var/lib/mysql
    owner: mysql
    mode: replace

- name: What would a restore do?
  drkit.mysql.restore:
    src: /var/backups/mysql/shop-20261124T020000Z
    databases: [shop]
  check_mode: true
"""

RETURN = r"""
plan:
  description:
    - What is (or in check mode, would be) done - C(loads) (source and target table, row estimate), C(objects),
      C(skipped_objects), C(databases), C(replaces), C(safety_schema), C(verified) (files and bytes checked);
      for physical backups C(datadir), C(replaces) and C(safety_copy).
  returned: always
  type: dict
tables:
  description:
    - Each table loaded, with C(source), C(target), C(rows) (counted after the load), C(bytes), C(chunks) (files its
      rows were cut into; 1 when not cut), C(deferred_keys) (its secondary keys were added after its rows, see
      O(defer_indexes)) and C(seconds) (from the start of its first file to the end of its last).
    - For a mydumper backup C(seconds) is null (myloader loads the tables of a database together and reports no time
      per table) and C(run_seconds) is the time of the whole myloader run.
  returned: success with a logical backup, not in check mode
  type: list
  elements: dict
  sample: [{source: shop.users, target: shop_repair.users, rows: 3000, bytes: 412331, chunks: 1, seconds: 0.21}]
rows:
  description: Rows in the restored tables after the load.
  returned: success with a logical backup, not in check mode
  type: int
  sample: 3000
bytes:
  description:
    - Bytes loaded - uncompressed SQL fed to the client for dump backups, backup file bytes read by myloader, or bytes
      of the restored datadir for physical backups.
  returned: success, not in check mode
  type: int
duration_s:
  description: Seconds the load took (without the verification).
  returned: success, not in check mode
  type: float
safety_schema:
  description: Schema holding the tables that mode=replace moved aside, or null.
  returned: with a logical backup
  type: str
  sample: drkit_safety_20261124t081500z
safety_copy:
  description: Where mode=replace moved the previous datadir, or null.
  returned: with a physical backup
  type: str
replaced:
  description: Target tables that were replaced (moved into RV(safety_schema)).
  returned: with a logical backup
  type: list
  elements: str
skipped_objects:
  description: Views, routines and events not restored, with the reason.
  returned: with a logical backup
  type: list
  elements: dict
coordinates:
  description: Binlog file/position and GTID set of the backup's consistent point - where a binlog replay continues.
  returned: always
  type: dict
verified:
  description: Files and bytes re-hashed against the manifest before the restore.
  returned: always
  type: dict
"""

import pwd

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.drkit.mysql.plugins.module_utils import manifest as mf
from ansible_collections.drkit.mysql.plugins.module_utils import restore_job
from ansible_collections.drkit.mysql.plugins.module_utils.connection import connection_argument_spec
from ansible_collections.drkit.mysql.plugins.module_utils.server import open_server_or_fail


def argument_spec():
    spec = connection_argument_spec()
    spec.update(
        src=dict(type="path", required=True),
        databases=dict(type="list", elements="str", default=[]),
        tables=dict(type="list", elements="str", default=[]),
        rename=dict(type="dict", default={}),
        target_database=dict(type="str"),
        mode=dict(type="str", choices=["create", "replace"], default="create"),
        parallel=dict(type="int", default=2),
        binlog=dict(type="bool", default=True),
        defer_indexes=dict(type="bool", default=True),
        datadir=dict(type="path"),
        server_config=dict(type="path"),
        owner=dict(type="str"),
    )
    return spec


def physical(module, src, manifest, stamp):
    params = module.params
    owner = None
    if params["owner"]:
        try:
            entry = pwd.getpwnam(params["owner"])
        except KeyError:
            module.fail_json(msg="Nothing was changed: the OS user %s does not exist." % params["owner"])
        owner = (entry.pw_uid, entry.pw_gid)
    try:
        plan = restore_job.plan_physical(src, manifest, params, stamp, check_mode=module.check_mode)
    except restore_job.RestoreFailure as exc:
        module.fail_json(msg=str(exc), src=src)
    view = dict(datadir=plan["datadir"], replaces=plan["replaces"], safety_copy=plan["safety_copy"],
                layout=plan["layout"]["layout"], tool=plan["tool"]["name"])
    common = dict(plan=view, coordinates=manifest.get("coordinates"), verified=plan["verified"])
    if module.check_mode:
        module.exit_json(changed=True, safety_copy=None, **common)
    try:
        outcome = restore_job.execute_physical(src, plan, params, stamp, owner)
    except restore_job.RestoreFailure as exc:
        module.fail_json(msg=str(exc), src=src, **common)
    module.exit_json(changed=True, bytes=outcome["bytes"], duration_s=outcome["seconds"],
                     safety_copy=outcome["safety_copy"], **common)


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        supports_check_mode=True,
        mutually_exclusive=[("rename", "target_database")],
    )
    params = module.params
    if params["parallel"] < 1:
        module.fail_json(msg="parallel must be at least 1.")
    src = params["src"].rstrip("/") or "/"
    stamp = mf.stamp(mf.utc_now())
    try:
        manifest = restore_job.load_manifest(src)
    except restore_job.RestoreFailure as exc:
        module.fail_json(msg=str(exc), src=src)
    if manifest["engine"] == "physical":
        physical(module, src, manifest, stamp)
    try:
        plan = restore_job.plan_logical(src, manifest, params)
    except restore_job.RestoreFailure as exc:
        module.fail_json(msg=str(exc), src=src)
    server = open_server_or_fail(module)
    try:
        try:
            restore_job.check_target(server, plan, params["mode"], stamp)
        except restore_job.RestoreFailure as exc:
            module.fail_json(msg=str(exc), src=src, plan=restore_job.plan_view(plan, manifest))
        view = restore_job.plan_view(plan, manifest)
        if module.check_mode:
            module.exit_json(changed=True, plan=view, replaced=plan["conflicts"], verified=plan["verified"],
                             safety_schema=view["safety_schema"], skipped_objects=plan["skipped_objects"],
                             coordinates=manifest.get("coordinates"))
        try:
            outcome = restore_job.execute_logical(src, manifest, plan, params, server)
        except restore_job.RestoreFailure as exc:
            module.fail_json(msg=str(exc), src=src, plan=view)
        result = restore_job.result_logical(plan, manifest, outcome, src)
    finally:
        server.close()
    module.exit_json(changed=True, plan=view, **result)


if __name__ == "__main__":
    main()
