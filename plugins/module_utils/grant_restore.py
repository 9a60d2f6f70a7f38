# -*- coding: utf-8 -*-
# Copyright: drkit.mysql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A live server against a grants snapshot: the comparison, the restore plan, its run.

The plan's order lets every statement succeed on its own: missing roles are created (they have no password)
and given their privileges before anyone is granted them, then the accounts' revokes and grants, then missing
accounts whose password the caller gave, last the accounts added since (only when asked to drop them). The
account running the plan is never part of it: revoking its own privileges would stop the restore half way.

Stdlib only: this file runs on managed hosts with Python 3.8+.
"""

from __future__ import absolute_import, division, print_function

from ansible_collections.drkit.mysql.plugins.module_utils.grant_diff import (
    diff_account,
    grant_statements,
    privilege_clause,
    render_account,
)
from ansible_collections.drkit.mysql.plugins.module_utils.grant_snapshot import matches, read_server
from ansible_collections.drkit.mysql.plugins.module_utils.grant_syntax import account_sql

__metaclass__ = type


class Comparison(object):
    """What differs between the live server and a snapshot, for the chosen accounts."""

    def __init__(self, live, snapshot, accounts, added, missing, login):
        self.live = live
        self.snapshot = snapshot
        self.accounts = accounts      # {name: diff_account() result} of accounts on both sides that differ
        self.added = added            # names on the server only
        self.missing = missing        # names in the snapshot only
        self.login = login            # the account running the module (user@host)
        self.created = []

    def summary(self):
        shown = dict((name, _compact(entry)) for name, entry in self.accounts.items())
        differs = bool(self.accounts or self.added or self.missing)
        return dict(differs=differs, accounts=shown, accounts_added=list(self.added),
                    accounts_missing=list(self.missing))

    def sentence(self, restore=False, check_mode=False):
        changed = [name for name, entry in self.accounts.items() if entry['statements']]
        if not (self.accounts or self.added or self.missing):
            return 'The grants of every compared account are those of the snapshot.'
        parts = []
        if changed:
            parts.append('%d account(s) gained or lost privileges (%s)' % (len(changed), ', '.join(changed)))
        others = [name for name in self.accounts if name not in changed]
        if others:
            parts.append('%d account(s) changed attributes or password only (%s)' % (len(others), ', '.join(others)))
        if self.added:
            parts.append('%d account(s) added since (%s)' % (len(self.added), ', '.join(self.added)))
        if self.missing:
            parts.append('%d account(s) missing (%s)' % (len(self.missing), ', '.join(self.missing)))
        text = '; '.join(parts) + '.'
        if restore:
            text += ' Check mode: nothing was changed.' if check_mode else ''
            if not changed and not self.missing:
                text += ' No privilege to restore.'
        return text


def _compact(entry):
    """A diff entry without its empty fields (what the result shows)."""
    return dict((key, value) for key, value in entry.items() if value not in ({}, [], None, False)
                or key == 'statements')


def current_account(server):
    """The account this session authenticated as, ``user@host``."""
    rows = server.rows('SELECT CURRENT_USER() AS me')
    return rows[0]['me'] if rows else None


def compare(server, snapshot, accounts, exclude, key, live_document=None):
    """Compare ``server`` with ``snapshot`` for ``accounts`` (names or users; empty: all not excluded)."""
    live = live_document or read_server(server, exclude, key, only=accounts or None)
    snap_accounts = {}
    for name, account in (snapshot.get('accounts') or {}).items():
        if accounts and not matches(name, account['user'], accounts):
            continue
        if not accounts and matches(name, account['user'], exclude):
            continue
        snap_accounts[name] = account
    live_accounts = live['accounts']
    if accounts:
        live_accounts = dict((n, a) for n, a in live_accounts.items() if matches(n, a['user'], accounts))
    live_known = set(live.get('known_privileges') or [])
    snapshot_known = set(snapshot.get('known_privileges') or [])
    if (snapshot.get('server') or {}).get('flavor') != (live.get('server') or {}).get('flavor'):
        snapshot_known = set()   # another flavor's names tell nothing about new privileges
    found = {}
    for name in sorted(set(live_accounts) & set(snap_accounts)):
        live_account = live_accounts[name]
        entry = diff_account(live_account, snap_accounts[name], _sql_name(live_account), live_known, snapshot_known)
        if any(entry[k] for k in entry if k not in ('statements', 'password_changed')) or entry['password_changed']:
            found[name] = entry
    added = sorted(set(live_accounts) - set(snap_accounts))
    missing = sorted(set(snap_accounts) - set(live_accounts))
    comparison = Comparison(live, dict(snapshot, accounts=snap_accounts), found, added, missing,
                            current_account(server))
    return comparison


def _sql_name(account):
    return account_sql(account['user'], account.get('host'))


def restore_steps(comparison, passwords, drop_added):
    """The restore plan: ([(display, sql, params)], [skipped account with reason])."""
    steps = []
    skipped = []
    snap = comparison.snapshot['accounts']
    live = comparison.live['accounts']
    login = comparison.login

    def is_login(name):
        return login is not None and name == login

    missing_roles = [name for name in comparison.missing if snap[name].get('is_role')]
    missing_users = [name for name in comparison.missing if not snap[name].get('is_role')]
    for name in missing_roles:
        account = snap[name]
        sql_name = _sql_name(account)
        steps.append(_plain('CREATE ROLE %s' % sql_name))
        steps.extend(_plain(s) for s in _full_grants(account, sql_name))
        comparison.created.append(name)
    changed = sorted(comparison.accounts, key=lambda n: (not live[n].get('is_role'), n))
    for name in changed:
        entry = comparison.accounts[name]
        if not entry['statements']:
            continue
        if is_login(name):
            skipped.append('%s: the account running this module is never changed by a restore' % name)
            continue
        steps.extend(_plain(s) for s in entry['statements'])
    for name in missing_users:
        account = snap[name]
        if name not in (passwords or {}):
            skipped.append('%s: missing on the server and a snapshot holds no password; give it in passwords to '
                           'create the account again' % name)
            continue
        sql_name = _sql_name(account)
        steps.append(('CREATE USER %s IDENTIFIED BY %%s' % sql_name,
                      'CREATE USER %s IDENTIFIED BY %%s' % sql_name, [passwords[name]]))
        steps.extend(_plain(s) for s in _full_grants(account, sql_name))
        comparison.created.append(name)
    for name in comparison.added:
        if not drop_added:
            skipped.append('%s: added since the snapshot; drop_added=true drops it' % name)
        elif is_login(name):
            skipped.append('%s: the account running this module is never dropped' % name)
        else:
            account = live[name]
            steps.append(_plain('%s %s' % ('DROP ROLE' if account.get('is_role') else 'DROP USER',
                                           _sql_name(account))))
    return steps, skipped


def _plain(statement):
    return (statement, statement, None)


def _full_grants(account, sql_name):
    statements = grant_statements(sql_name, account.get('privileges') or {}, account.get('roles') or {},
                                  account.get('proxies') or {})
    for target in sorted(account.get('revokes') or {}):
        statements.append('REVOKE %s ON %s FROM %s' % (privilege_clause(account['revokes'][target]),
                                                       target, sql_name))
    return statements


def run_steps(server, steps, done):
    """Run the plan in order; ``done`` collects the displays of what ran (for a failure's report)."""
    for display, sql, params in steps:
        server.execute(sql, params)
        done.append(display)


def diff_view(comparison, reverse=False):
    """Ansible's diff list: per account that differs, live (before) and snapshot (after) as GRANT lines.

    ``reverse``: the previous snapshot before, the live server after (a new snapshot's diff)."""
    views = []
    names = sorted(set(comparison.accounts) | set(comparison.added) | set(comparison.missing))
    source = comparison.snapshot.get('file') or 'the snapshot'
    for name in names:
        live = comparison.live['accounts'].get(name)
        snap = comparison.snapshot['accounts'].get(name)
        live_lines = render_account(live) if live else []
        entry = comparison.accounts.get(name) or {}
        if entry.get('password_changed'):
            live_lines.append('-- password changed since the snapshot (reported, never restored)')
        if entry.get('attributes_changed'):
            live_lines.append('-- attributes changed since the snapshot: %s (reported, not restored)'
                              % ', '.join(entry['attributes_changed']))
        live_text = '\n'.join(live_lines) + '\n' if live else ''
        snap_text = '\n'.join(render_account(snap)) + '\n' if snap else ''
        live_header = '%s on the server' % name
        snap_header = '%s in %s' % (name, source)
        if reverse:
            views.append(dict(before_header=snap_header, after_header=live_header, before=snap_text, after=live_text))
        else:
            views.append(dict(before_header=live_header, after_header=snap_header, before=live_text, after=snap_text))
    return views
