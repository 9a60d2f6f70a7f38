#!/usr/bin/python
# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module drkit.mysql.grants: snapshot every account's privileges, diff a server against it, restore."""

DOCUMENTATION = r"""
module: grants
short_description: Snapshot every account's privileges, compare a server with a snapshot, restore them
version_added: 0.3.0
description:
  - The answer to a wrong C(GRANT) (the case book's hospital, whose patient data a mistaken grant exposed) - know
    what every account was allowed to do, see what changed since, put it back.
  - O(state=snapshot) reads every account (C(SHOW GRANTS), C(SHOW CREATE USER), C(SHOW PRIVILEGES)) and writes
    it, parsed into privileges per object (global, database, table, column, routine), roles and their ADMIN
    OPTION, proxies, MySQL partial revokes, C(WITH GRANT OPTION) and the account's non-secret attributes, to
    a new C(grants-<UTC time>.json) (0600) in the directory O(path) (0700), and points C(latest.json) at it.
    When nothing differs from the latest snapshot nothing is written (C(changed=false)). O(keep_last) prunes.
  - O(state=diff) compares the live server with a snapshot (O(path) a directory - its latest - or a file) and
    returns per account what it gained and lost, the accounts added and missing, and the exact C(REVOKE) and
    C(GRANT) statements that would restore it. It changes nothing.
  - O(state=restore) runs those statements - gained privileges revoked, lost ones granted - for O(accounts) (all
    by default), then reads the accounts again to prove they match. A missing role is created again; a missing
    account only with a password from O(passwords) (a snapshot holds no password), else it is reported.
    Accounts added since the snapshot are reported, and dropped only with O(drop_added=true).
  - Password hashes and authentication strings are never written to the snapshot, the result or the diff
    (C(IDENTIFIED BY PASSWORD), C(IDENTIFIED VIA ... USING), C(AS ...) are replaced by C('<redacted>')). A
    keyed fingerprint (HMAC-SHA256 under C(.fingerprint-key) in the snapshot directory) tells a changed
    password, which is reported, never restored.
  - The dialect (MySQL 5.7/8.0/8.4, MariaDB 10.6+) comes from the server - roles with and without a host,
    dynamic privileges, C(SET DEFAULT ROLE) and C(DEFAULT ROLE), MariaDB's password in C(SHOW GRANTS).
author: drkit.mysql maintainers (@drkit)
extends_documentation_fragment:
  - drkit.mysql.connection
attributes:
  check_mode:
    support: full
    description: A snapshot is compared with the latest but not written; a restore returns its statements and runs none.
  diff_mode:
    support: full
    description: Per account that differs, its privileges as C(GRANT) lines, live before and snapshot after.
options:
  state:
    description:
      - V(snapshot) - write a new snapshot to the directory O(path) when the server differs from the latest one.
      - V(diff) - compare the server with the snapshot at O(path); read-only.
      - V(restore) - give O(accounts) the privileges of the snapshot at O(path).
    type: str
    choices: [snapshot, diff, restore]
    default: diff
  path:
    description:
      - V(snapshot) - the snapshot directory (created 0700).
      - V(diff), V(restore) - a snapshot directory (its C(latest.json), else its newest file) or one snapshot file.
    type: path
    required: true
  accounts:
    description:
      - With V(diff) and V(restore), the accounts to compare or restore, each C(user@host) or a user name (every
        host) or a MariaDB role name. Empty - every account of the snapshot and the server.
    type: list
    elements: str
    default: []
  exclude_accounts:
    description:
      - Accounts left out of snapshots, diffs and restores (C(user@host) or a user name). The defaults are the
        server's own accounts and C(root@localhost); C(root) from any other host is compared like any account.
      - An account named in O(accounts) is compared even when excluded here.
    type: list
    elements: str
    default:
      - root@localhost
      - mariadb.sys@localhost
      - mysql.sys@localhost
      - mysql.session@localhost
      - mysql.infoschema@localhost
  keep_last:
    description: With V(snapshot), keep this many snapshot files (the latest always); V(0) keeps all.
    type: int
    default: 30
  missing_snapshot:
    description:
      - With V(diff) and V(restore), what to do when O(path) holds no snapshot.
      - V(fail) - fail and say so. V(skip) - return C(snapshot=null), change nothing, without connecting.
    type: str
    choices: [fail, skip]
    default: fail
  passwords:
    description:
      - With V(restore), passwords of accounts the server lacks (C(user@host) to password), so that they are
        created again before their privileges are granted. Keep them in a vault; never logged.
    type: dict
    default: {}
  drop_added:
    description: With V(restore), drop accounts that exist on the server but not in the snapshot.
    type: bool
    default: false
notes:
  - A snapshot needs C(SELECT) on the C(mysql) schema. A restore needs every privilege it grants or revokes
    C(WITH GRANT OPTION) (an administrator), plus C(CREATE USER) to create or drop accounts.
  - The account the module logs in with is never changed by a restore (it is reported in RV(skipped)).
  - Account attributes (authentication plugin, C(REQUIRE), limits, lock, default roles) and passwords are
    compared and reported, not restored.
  - Privileges the snapshot's server did not know (MySQL grants new dynamic privileges to powerful accounts on
    upgrade) are reported in RV(accounts) as C(gained_new_privileges) and not revoked; privileges this server does
    not know are reported as C(not_grantable).
seealso:
  - module: drkit.mysql.backup
"""

EXAMPLES = r"""
- name: Snapshot every account's privileges beside the backups
  drkit.mysql.grants:
    state: snapshot
    path: /var/backups/drkit/grants

- name: What changed since the last snapshot?
  drkit.mysql.grants:
    path: /var/backups/drkit/grants
  register: grants_diff

- name: Take back what shop_app gained since (statements and diff first)
  drkit.mysql.grants:
    state: restore
    path: /var/backups/drkit/grants
    accounts: [shop_app@10.0.%]
  check_mode: true
  diff: true

- name: Restore every account, creating a dropped one again with its password from the vault
  drkit.mysql.grants:
    state: restore
    path: /var/backups/drkit/grants/grants-20261124T023000Z.json
    passwords:
      report_ro@10.0.%: "{{ vault_report_ro_password }}"
"""

RETURN = r"""
file:
  description: The snapshot file written (V(snapshot)) or compared with; null when there is none.
  returned: always
  type: str
taken_at:
  description: When the snapshot compared with was taken (UTC).
  returned: always
  type: str
differs:
  description: Whether the server's privileges differ from the snapshot (for V(snapshot) - from the latest one).
  returned: always
  type: bool
accounts:
  description:
    - Per account that differs (C(user@host)), what it C(gained) and C(lost) (object to privileges),
      C(roles_gained), C(roles_lost), C(proxies_changed), C(revokes_gained)/C(revokes_lost) (MySQL partial revokes),
      C(gained_new_privileges), C(not_grantable), C(attributes_changed), C(password_changed) and C(statements).
  returned: always
  type: dict
accounts_added:
  description: Accounts on the server that the snapshot does not have.
  returned: always
  type: list
  elements: str
accounts_missing:
  description: Accounts of the snapshot that the server lacks (created by a restore only as said above).
  returned: always
  type: list
  elements: str
statements:
  description: The statements a restore runs (or ran); a password is shown as C(%s), it travels as a parameter.
  returned: always
  type: list
  elements: str
skipped:
  description: Accounts a restore leaves alone, each with the reason.
  returned: always
  type: list
  elements: str
removed:
  description: Snapshot files pruned by O(keep_last).
  returned: always
  type: list
  elements: str
account_count:
  description: Accounts in the snapshot.
  returned: always
  type: int
remaining:
  description: After a restore that ran, the accounts that still differ from the snapshot (the task fails then).
  returned: when a restore ran
  type: list
  elements: str
applied:
  description: When a restore failed half way, the statements that were run before the failing one.
  returned: on a failed restore
  type: list
  elements: str
"""

import datetime
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.drkit.mysql.plugins.module_utils.connection import connection_argument_spec
from ansible_collections.drkit.mysql.plugins.module_utils.grant_restore import (
    compare,
    diff_view,
    restore_steps,
    run_steps,
)
from ansible_collections.drkit.mysql.plugins.module_utils.grant_snapshot import (
    DEFAULT_EXCLUDE,
    SnapshotError,
    comparable,
    ensure_directory,
    fingerprint_key,
    load,
    prune,
    read_server,
    resolve,
    write,
)
from ansible_collections.drkit.mysql.plugins.module_utils.server import open_server_or_fail

MODULE_OPTIONS = dict(supports_check_mode=True)


def argument_spec():
    spec = connection_argument_spec()
    spec.update(
        state=dict(type="str", choices=["snapshot", "diff", "restore"], default="diff"),
        path=dict(type="path", required=True),
        accounts=dict(type="list", elements="str", default=[]),
        exclude_accounts=dict(type="list", elements="str", default=list(DEFAULT_EXCLUDE)),
        keep_last=dict(type="int", default=30),
        missing_snapshot=dict(type="str", choices=["fail", "skip"], default="fail"),
        passwords=dict(type="dict", default={}, no_log=True),
        drop_added=dict(type="bool", default=False),
    )
    return spec


def main():
    run(AnsibleModule(argument_spec=argument_spec(), **MODULE_OPTIONS))


def empty_result(**values):
    result = dict(changed=False, file=None, taken_at=None, differs=False, accounts={}, accounts_added=[],
                  accounts_missing=[], statements=[], skipped=[], removed=[], account_count=0)
    result.update(values)
    return result


def run(module):
    params = module.params
    if params["keep_last"] < 0:
        module.fail_json(msg="keep_last must be 0 (keep all) or more, got %s." % params["keep_last"])
    if params["state"] == "snapshot":
        take_snapshot(module)
    snapshot_file = resolve(params["path"])
    if snapshot_file is None:
        message = "No grants snapshot at %s (state=snapshot writes one)." % params["path"]
        if params["missing_snapshot"] == "skip":
            module.exit_json(**empty_result(msg=message + " Nothing compared."))
        module.fail_json(msg=message, **empty_result())
    try:
        snapshot = load(snapshot_file)
    except SnapshotError as exc:
        module.fail_json(msg=str(exc), **empty_result(file=snapshot_file))
    key = fingerprint_key(snapshot_dir(params["path"], snapshot_file))
    server = open_server_or_fail(module)
    try:
        comparison = compare(server, snapshot, params["accounts"], params["exclude_accounts"], key)
        result = empty_result(file=snapshot_file, taken_at=snapshot.get("taken_at"),
                              account_count=len(snapshot.get("accounts") or {}), **comparison.summary())
        if params["state"] == "diff":
            if module._diff:
                result["diff"] = diff_view(comparison)
            module.exit_json(msg=comparison.sentence(), **result)
        steps, skipped = restore_steps(comparison, params["passwords"], params["drop_added"])
        result.update(statements=[display for display, _sql, _params in steps], skipped=skipped,
                      changed=bool(steps))
        if module._diff and steps:
            result["diff"] = diff_view(comparison)
        if not steps or module.check_mode:
            module.exit_json(msg=comparison.sentence(restore=True, check_mode=module.check_mode), **result)
        done = []
        try:
            run_steps(server, steps, done)
        except Exception as exc:  # a server error: say which statement and what ran before it
            failed_at = steps[len(done)][0]
            module.fail_json(msg="Restoring grants on %s failed at %r: %s. The statements before it were run "
                                 "(see applied); run again after fixing the cause." % (server.target, failed_at, exc),
                             applied=done, **result)
        after = compare(server, snapshot, params["accounts"], params["exclude_accounts"], key)
        remaining = [name for name, entry in after.accounts.items() if entry["statements"]]
        result["remaining"] = remaining
        if remaining:
            module.fail_json(msg="After the restore %s still differ from the snapshot: %s." % (
                len(remaining), ", ".join(remaining)), **result)
    except SnapshotError as exc:
        module.fail_json(msg=str(exc), **empty_result(file=snapshot_file))
    finally:
        server.close()
    module.exit_json(msg="Restored the grants of %d account(s) from %s." % (
        len([n for n, e in comparison.accounts.items() if e["statements"]]) + len(comparison.created),
        snapshot_file), **result)


def snapshot_dir(path, snapshot_file):
    return path if os.path.isdir(path) else os.path.dirname(snapshot_file)


def take_snapshot(module):
    params = module.params
    directory = params["path"]
    previous_file = resolve(directory) if directory else None
    previous = None
    if previous_file:
        try:
            previous = load(previous_file)
        except SnapshotError:
            previous = None  # an unreadable latest is replaced by a new snapshot
    if not module.check_mode:
        try:
            ensure_directory(directory)
        except OSError as exc:
            module.fail_json(msg="Cannot create the snapshot directory %s: %s." % (directory, exc), **empty_result())
    key = fingerprint_key(directory, create=not module.check_mode)
    server = open_server_or_fail(module)
    try:
        document = read_server(server, params["exclude_accounts"], key)
        comparison = None
        if previous is not None:
            comparison = compare(server, previous, [], params["exclude_accounts"], key, live_document=document)
    finally:
        server.close()
    count = len(document["accounts"])
    same = previous is not None and comparable(previous) == comparable(document)
    result = empty_result(account_count=count)
    if comparison is not None:
        result.update(comparison.summary())
        result["differs"] = not same
        if module._diff and not same:
            result["diff"] = diff_view(comparison, reverse=True)
    else:
        result["differs"] = True
    if same:
        result.update(file=previous_file, taken_at=previous.get("taken_at"))
        result["removed"] = [] if module.check_mode else prune(directory, params["keep_last"])
        result["changed"] = bool(result["removed"])
        module.exit_json(msg="The grants of %d account(s) are those of %s; nothing written." % (count, previous_file),
                         **result)
    if module.check_mode:
        module.exit_json(msg="Would write a grants snapshot of %d account(s) to %s." % (count, directory),
                         changed=True, **dict((k, v) for k, v in result.items() if k != "changed"))
    now = datetime.datetime.now(datetime.timezone.utc)
    path, written = write(directory, document, now)
    removed = prune(directory, params["keep_last"], protect=[os.path.basename(path)])
    result.update(changed=True, file=path, taken_at=written["taken_at"], removed=removed)
    module.exit_json(msg="Wrote the grants of %d account(s) to %s." % (count, path), **result)


if __name__ == "__main__":
    main()
