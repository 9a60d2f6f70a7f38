#!/usr/bin/python
# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module drkit.mysql.backup: a verified, self-describing backup of one server."""

DOCUMENTATION = r"""
module: backup
short_description: Take a logical or physical backup of a MySQL/MariaDB server, with a manifest
version_added: 0.2.0
description:
  - Writes one directory per backup, C(<dest>/<prefix>-<UTC stamp>), holding the backup files and
    C(manifest.json) - the engine and tool (with versions), the server (flavor, version, server_id, uuid),
    start and end time, the binlog file/position and GTID set at the backup's consistent point, every
    database and table (row estimates from C(information_schema)), and every file with its size and SHA-256.
  - O(engine=dump) runs one C(mariadb-dump) (MariaDB) or C(mysqldump) (MySQL) with C(--single-transaction),
    routines, triggers and events, and C(--master-data=2) / C(--source-data=2) plus the GTID position, so every
    table comes from the same snapshot. The stream is split while it is written into one compressed file per table
    (and one per database for views, routines and events), so that M(drkit.mysql.restore) can restore chosen
    tables, in parallel, or into another schema.
  - O(engine=mydumper) runs C(mydumper) with O(parallel) threads sharing one snapshot; its C(metadata) file gives
    the coordinates. Files are compressed by mydumper with gzip (the format myloader 0.10 reads).
  - O(engine=physical) runs C(mariabackup) (MariaDB) or C(xtrabackup) (MySQL) C(--backup) then C(--prepare), and
    archives the prepared copy as C(data.tar.zst) (or C(.gz)). It copies the whole server and must run on the
    database host (delegate the task there).
  - The tool is chosen from the server's flavor and version; a missing tool fails before anything is written,
    naming the Debian package to install.
  - Data streams from the tool through the compressor (pipes between processes); files are hashed in chunks, so
    memory use does not grow with the size of the database.
  - Credentials never appear on a command line - they go to a temporary option file (mode 0600, in a private
    directory, removed afterwards) given to the tool as its first option C(--defaults-extra-file)
    (C(--defaults-file) for mydumper 0.10, which lacks the other).
  - Files are written with mode 0600 and directories 0700. Everything is written under C(<name>.partial) and renamed
    at the end, so a failed backup (a tool error, a full disk) leaves no directory behind.
  - Old backups of the same O(prefix) under O(dest) are removed per O(keep_last) and O(max_age) after the new backup
    succeeded. Only directories named C(<prefix>-<stamp>) with a readable manifest are considered; the new one is
    never removed.
  - Every run writes a new backup, so the module always reports C(changed).
author: drkit.mysql maintainers (@drkit)
extends_documentation_fragment:
  - drkit.mysql.connection
attributes:
  check_mode:
    support: full
    description:
      - Connects, checks the tool and the databases, and reports in RV(plan) the directory it would write, the
        tables and estimated size, and in RV(removed) the old backups retention would remove. Writes nothing.
  diff_mode:
    support: none
    description: A backup has no before and after.
options:
  engine:
    description:
      - V(dump) - one consistent mariadb-dump/mysqldump split per table (default; any size up to a few hundred GB).
      - V(mydumper) - parallel logical dump with mydumper.
      - V(physical) - mariabackup/xtrabackup copy of the datadir, prepared; the fastest to restore a whole server.
    type: str
    choices: [dump, mydumper, physical]
    default: dump
  dest:
    description: Directory under which the backup directory is created (created with mode 0700 when missing).
    type: path
    required: true
  prefix:
    description:
      - First part of the backup directory's name, C(<prefix>-<YYYYmmddTHHMMSSZ>). Retention only looks at
        backups of the same prefix.
    type: str
    default: backup
  databases:
    description:
      - Databases to back up; all user databases when empty (C(mysql), C(sys), C(information_schema) and
        C(performance_schema) are left out - accounts and grants are the business of a grants snapshot).
      - Not with O(engine=physical), which copies the whole server.
    type: list
    elements: str
    default: []
  compression:
    description:
      - V(auto) - zstd when the C(zstd) binary exists, else gzip; but plain files for O(engine=physical) (see below).
        V(none) writes plain files.
      - O(engine=physical) - V(auto) and V(none) keep the prepared copy as a directory, restored by C(--copy-back),
        about 6 times faster to take and 3 times faster to restore than the C(data.tar.zst) archive of V(zstd),
        which takes about half the space.
      - O(engine=mydumper) - V(gzip) is mydumper's own C(-c) (the only format myloader 0.10 reads); V(auto),
        V(zstd) and V(none) write plain files, because zlib inside mydumper's threads made the dump about 10
        times slower and the load slower too.
    type: str
    choices: [auto, zstd, gzip, none]
    default: auto
  parallel:
    description: Threads of mydumper and mariabackup/xtrabackup C(--parallel). A single dump process ignores it.
    type: int
    default: 2
  chunk_mb:
    description:
      - Cut the rows of a big table into files of about this many MB of SQL (uncompressed), so that a restore
        loads one big table with all its O(drkit.mysql.restore#module:parallel) clients or threads instead of
        leaving the last big tables to one of them. Each chunk file is hashed in the manifest like any other.
      - O(engine=dump) cuts the dump stream between INSERT statements; O(engine=mydumper) passes
        C(--chunk-filesize). V(0) keeps one file per table. O(engine=physical) ignores it.
    type: int
    default: 32
  verify:
    description:
      - After writing, hash every file again against the manifest and test the compressed files (C(zstd -t) /
        C(gzip -t)); the result is recorded in the manifest's C(verification). A failure removes the backup.
    type: bool
    default: false
  keep_last:
    description:
      - Keep the N newest finished backups of O(prefix) (the new one included) and remove older ones - unless
        O(max_age) keeps them. Nothing is removed when neither option is set.
    type: int
  max_age:
    description:
      - Keep finished backups younger than this (C(36h), C(7d), C(2w); a plain number is seconds) and remove older
        ones - unless O(keep_last) keeps them.
    type: str
requirements:
  - mariadb-dump/mysqldump, mydumper or mariabackup/xtrabackup on the host running the module, per O(engine)
  - zstd or gzip
notes:
  - The backup account needs C(SELECT), C(SHOW VIEW), C(TRIGGER), C(EVENT), C(LOCK TABLES), C(RELOAD) and
    C(BINLOG MONITOR) (MariaDB) / C(REPLICATION CLIENT) (MySQL); mariabackup also needs C(PROCESS).
  - Grants and accounts (the C(mysql) schema) are not part of a logical backup.
seealso:
  - module: drkit.mysql.restore
"""

EXAMPLES = r"""
- name: Nightly logical backup of the shop, keeping a week
  drkit.mysql.backup:
    login_host: 127.0.0.1
    login_port: 3306
    login_user: drkit_backup
    login_password: "{{ vault_drkit_backup_password }}"
    dest: /var/backups/mysql
    prefix: shop
    databases: [shop]
    verify: true
    keep_last: 7
    max_age: 8d
  register: nightly

- name: Physical backup of the whole server (on the database host)
  drkit.mysql.backup:
    engine: physical
    dest: /var/backups/mysql
    prefix: full
    parallel: 4
    keep_last: 2

- name: What would a mydumper backup write and remove?
  drkit.mysql.backup:
    engine: mydumper
    dest: /var/backups/mysql
    keep_last: 3
  check_mode: true
"""

RETURN = r"""
path:
  description: The backup directory (in check mode, the one that would be written).
  returned: always
  type: str
  sample: /var/backups/mysql/shop-20261124T074000Z
name:
  description: Name of the backup directory.
  returned: always
  type: str
  sample: shop-20261124T074000Z
size_bytes:
  description:
    - Total bytes of the backup's files (without the manifest).
    - Not called C(size) - for a result with a C(path), Ansible sets C(size), C(mode), C(owner) and C(state) from
      the path's own C(stat) (here the directory).
  returned: success, not in check mode
  type: int
  sample: 1843200
duration_s:
  description: Seconds the run took - backup, manifest, verification and retention.
  returned: success, not in check mode
  type: float
  sample: 2.41
manifest:
  description: The manifest without its file list.
  returned: success, not in check mode
  type: dict
  contains:
    name:
      description: Backup name.
      type: str
    engine:
      description: Engine used.
      type: str
    tool:
      description: Tool name, path and version.
      type: dict
    compression:
      description: C(zstd), C(gzip) or C(none).
      type: str
    server:
      description: Flavor, version, server_id, server_uuid, hostname, datadir and address of the server.
      type: dict
    coordinates:
      description: C(binlog_file), C(binlog_position), C(gtid_set) and C(gtid_flavor) at the consistent point.
      type: dict
    databases:
      description: Names of the databases in the backup.
      type: list
      elements: str
    table_count:
      description: Number of tables.
      type: int
    rows_estimate:
      description: Sum of the tables' row estimates.
      type: int
    file_count:
      description: Number of files.
      type: int
    total_bytes:
      description: Total bytes of the files.
      type: int
    verification:
      description: Null, or when and how the backup was verified (C(ok), C(files_checked), C(compression_tested)).
      type: dict
  sample:
    name: shop-20261124T074000Z
    engine: dump
    tool: {name: mariadb-dump, path: /usr/bin/mariadb-dump, version: 10.11.19-MariaDB}
    compression: zstd
    coordinates: {binlog_file: db-primary-bin.000002, binlog_position: 3418, gtid_set: 0-1-58, gtid_flavor: mariadb}
    databases: [shop]
    table_count: 6
    rows_estimate: 19500
    file_count: 9
    total_bytes: 412345
manifest_path:
  description: Path of C(manifest.json).
  returned: success, not in check mode
  type: str
removed:
  description: Old backups removed by retention (in check mode, those that would be removed).
  returned: always
  type: list
  elements: str
  sample: [shop-20261116T074000Z]
plan:
  description: What check mode would write - path, engine, tool, compression, databases, table count and estimates.
  returned: in check mode
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.drkit.mysql.plugins.module_utils import backup_job
from ansible_collections.drkit.mysql.plugins.module_utils.connection import connection_argument_spec
from ansible_collections.drkit.mysql.plugins.module_utils.retention import RetentionError
from ansible_collections.drkit.mysql.plugins.module_utils.server import open_server_or_fail


def argument_spec():
    spec = connection_argument_spec()
    spec.update(
        engine=dict(type="str", choices=["dump", "mydumper", "physical"], default="dump"),
        dest=dict(type="path", required=True),
        prefix=dict(type="str", default="backup"),
        databases=dict(type="list", elements="str", default=[]),
        compression=dict(type="str", choices=["auto", "zstd", "gzip", "none"], default="auto"),
        parallel=dict(type="int", default=2),
        chunk_mb=dict(type="int", default=32),
        verify=dict(type="bool", default=False),
        keep_last=dict(type="int"),
        max_age=dict(type="str"),
    )
    return spec


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    params = module.params
    if "/" in params["prefix"] or not params["prefix"].strip(". "):
        module.fail_json(msg="prefix %r cannot be used as the start of a directory name." % params["prefix"])
    if params["parallel"] < 1:
        module.fail_json(msg="parallel must be at least 1.")
    if params["chunk_mb"] < 0:
        module.fail_json(msg="chunk_mb must be 0 (one file per table) or more.")
    server = open_server_or_fail(module)
    try:
        try:
            job = backup_job.plan(params, server)
        except (backup_job.JobError, RetentionError) as exc:
            module.fail_json(msg=str(exc), target=server.target)
        removed = [item["name"] for item in job["expired"]]
        if module.check_mode:
            module.exit_json(changed=True, path=job["path"], name=job["name"], removed=removed,
                             plan=backup_job.plan_summary(job))
        try:
            manifest, removed = backup_job.execute(job, params, server)
        except backup_job.JobError as exc:
            module.fail_json(msg=str(exc), target=server.target, path=job["path"])
    finally:
        server.close()
    module.exit_json(changed=True, **backup_job.result_of(manifest, job, removed))


if __name__ == "__main__":
    main()
