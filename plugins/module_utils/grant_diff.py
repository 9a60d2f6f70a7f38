# -*- coding: utf-8 -*-
# Copyright: drkit.mysql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which account gained or lost what since a grants snapshot, and the REVOKE/GRANT that undo it.

Accounts are compared as sets: per object the privilege items (``SELECT``, ``SELECT (`id`)``,
``GRANT OPTION``), the roles held (and their ADMIN OPTION), the proxied accounts and MySQL's partial
revokes. What was gained is revoked, what was lost is granted, revokes first, so the account ends with
exactly the snapshot's privileges and a restore that finds nothing to do runs nothing.

Two things are not the account's doing and are kept apart:

* privileges the snapshot's server did not know (a MySQL upgrade grants its new dynamic privileges to
  accounts that had ``SUPER``/``ALL``): reported as ``gained_new_privileges``, not revoked;
* privileges the live server does not know (a snapshot from another version or flavor): reported as
  ``not_grantable``, not granted.

Passwords cannot come back from a snapshot (it holds none): a missing account is created only with a
password the caller gives; else it is reported.

Every statement is made of identifiers quoted by the collection's helper and privilege names checked
against ``PRIVILEGE_RE``; a password travels as a parameter.

Stdlib only: this file runs on managed hosts with Python 3.8+.
"""

from __future__ import absolute_import, division, print_function

import re

from ansible_collections.drkit.mysql.plugins.module_utils.grant_syntax import (
    GRANT_OPTION,
    PRIVILEGE_RE,
    GrantSyntaxError,
    account_sql,
    object_level,
)

__metaclass__ = type

_NOT_GRANTABLE_CHECKED = ('ALL PRIVILEGES', GRANT_OPTION, 'PROXY')
# What may reach a statement from a snapshot file: quoted identifiers only (the file could have been edited).
_NAME = r'`(?:[^`]|``)*`'
_ITEM_RE = re.compile(r'^[A-Z][A-Z0-9_]*(?: [A-Z][A-Z0-9_]*)*(?: \(%s\))?$' % _NAME)
_OBJECT_RE = re.compile(r'^(?:(?:PROCEDURE|FUNCTION|PACKAGE|PACKAGE BODY) )?(?:\*|%s)(?:\.(?:\*|%s))?$'
                        % (_NAME, _NAME))
_ACCOUNT_RE = re.compile(r'^%s(?:@%s)?$' % (_NAME, _NAME))


def base_privilege(item):
    """``SELECT (`id`)`` -> ``SELECT``."""
    return item.split(' (', 1)[0]


def _checked(item):
    if not PRIVILEGE_RE.match(base_privilege(item)) or not _ITEM_RE.match(item):
        raise GrantSyntaxError('%r is not a privilege name' % item)
    return item


def checked_object(target):
    """An object key (``*.*``, ```db`.*``, ``PROCEDURE `db`.`p```) as this collection writes them, else an error."""
    if not _OBJECT_RE.match(target):
        raise GrantSyntaxError('%r is not an object of a grant' % target)
    return target


def checked_account(name):
    """A role or proxied account as this collection writes them (```r``, ```u`@`h``), else an error."""
    if not _ACCOUNT_RE.match(name):
        raise GrantSyntaxError('%r is not an account name' % name)
    return name


def privilege_clause(items):
    """``SELECT, UPDATE (`a`, `b`)`` from items; column items of one privilege grouped."""
    plain = []
    columns = {}
    for item in sorted(items):
        _checked(item)
        if ' (' in item:
            name, column = item.split(' (', 1)
            columns.setdefault(name, []).append(column[:-1])
        elif item != GRANT_OPTION:
            plain.append(item)
    parts = plain + ['%s (%s)' % (name, ', '.join(cols)) for name, cols in sorted(columns.items())]
    return ', '.join(parts)


def grant_statements(account_sql, privileges, roles, proxies):
    """GRANT statements giving an account ``privileges`` {object: items}, ``roles`` {role: admin} and
    ``proxies`` {account: grant_option}."""
    statements = []
    for target in sorted(privileges, key=_object_order):
        items = set(privileges[target])
        with_option = GRANT_OPTION in items
        clause = privilege_clause(items - set([GRANT_OPTION])) or 'USAGE'
        suffix = ' WITH GRANT OPTION' if with_option else ''
        statements.append('GRANT %s ON %s TO %s%s' % (clause, checked_object(target), account_sql, suffix))
    for role in sorted(roles):
        suffix = ' WITH ADMIN OPTION' if roles[role] else ''
        statements.append('GRANT %s TO %s%s' % (checked_account(role), account_sql, suffix))
    for proxied in sorted(proxies):
        suffix = ' WITH GRANT OPTION' if proxies[proxied] else ''
        statements.append('GRANT PROXY ON %s TO %s%s' % (checked_account(proxied), account_sql, suffix))
    return statements


def _object_order(target):
    return (['global', 'database', 'table', 'routine'].index(object_level(target)), target)


def render_account(account):
    """An account's privileges as the GRANT lines a person reads (the --diff text)."""
    name = account_sql(account['user'], account.get('host'))
    lines = grant_statements(name, account.get('privileges') or {}, account.get('roles') or {},
                             account.get('proxies') or {})
    for target in sorted(account.get('revokes') or {}):
        lines.append('REVOKE %s ON %s FROM %s' % (privilege_clause(account['revokes'][target]), target, name))
    if account.get('default_roles'):
        lines.append('DEFAULT ROLE %s' % ', '.join(account['default_roles']))
    return lines


def _set_diff(live, snap):
    """{object: items} twice -> (gained, lost) as {object: sorted items}."""
    gained = {}
    lost = {}
    for target in set(live) | set(snap):
        have = set(live.get(target) or [])
        want = set(snap.get(target) or [])
        if have - want:
            gained[target] = sorted(have - want)
        if want - have:
            lost[target] = sorted(want - have)
    return gained, lost


def _known(item, known):
    """Whether a server that knows ``known`` (upper-case names from SHOW PRIVILEGES) knows this item."""
    if not known:
        return True
    name = base_privilege(item)
    return name in _NOT_GRANTABLE_CHECKED or name in known


def diff_account(live, snap, account_sql, live_known=None, snapshot_known=None):
    """Compare one account present on both sides. Returns a dict with ``gained``, ``lost``,
    ``roles_gained``/``roles_lost``, ``proxies_gained``/``proxies_lost``, ``revokes_gained``/``revokes_lost``
    (MySQL partial revokes), ``gained_new_privileges`` (unknown to the snapshot's server: kept),
    ``not_grantable`` (unknown to this server: not granted), ``attributes_changed``, ``password_changed``
    (True, False or None when unknown) and ``statements``."""
    gained, lost = _set_diff(live.get('privileges') or {}, snap.get('privileges') or {})
    new_privileges = {}
    if snapshot_known:
        for target in list(gained):
            if object_level(target) != 'global':
                continue
            unknown = [item for item in gained[target] if not _known(item, snapshot_known)]
            if unknown:
                new_privileges[target] = unknown
                kept = [item for item in gained[target] if item not in unknown]
                if kept:
                    gained[target] = kept
                else:
                    del gained[target]
    not_grantable = {}
    if live_known:
        for target in list(lost):
            unknown = [item for item in lost[target] if not _known(item, live_known)]
            if unknown:
                not_grantable[target] = unknown
                kept = [item for item in lost[target] if item not in unknown]
                if kept:
                    lost[target] = kept
                else:
                    del lost[target]
    revokes_gained, revokes_lost = _set_diff(live.get('revokes') or {}, snap.get('revokes') or {})
    live_roles = live.get('roles') or {}
    snap_roles = snap.get('roles') or {}
    roles_gained = sorted(role for role in live_roles if role not in snap_roles)
    roles_lost = sorted(role for role in snap_roles if role not in live_roles)
    admin_gained = sorted(role for role in live_roles if role in snap_roles and live_roles[role]
                          and not snap_roles[role])
    admin_lost = sorted(role for role in snap_roles if role in live_roles and snap_roles[role]
                        and not live_roles[role])
    live_proxies = live.get('proxies') or {}
    snap_proxies = snap.get('proxies') or {}
    proxies_changed = sorted(target for target in set(live_proxies) | set(snap_proxies)
                             if live_proxies.get(target) != snap_proxies.get(target))

    for target in list(gained) + list(lost) + list(revokes_gained) + list(revokes_lost):
        checked_object(target)
    for name in roles_gained + roles_lost + proxies_changed:
        checked_account(name)
    statements = []
    for target in sorted(gained, key=_object_order):
        items = set(gained[target])
        plain = items - set([GRANT_OPTION])
        if plain:
            statements.append('REVOKE %s ON %s FROM %s' % (privilege_clause(plain), target, account_sql))
        if GRANT_OPTION in items:
            statements.append('REVOKE GRANT OPTION ON %s FROM %s' % (target, account_sql))
    for target in sorted(revokes_lost):
        clause = privilege_clause(revokes_lost[target])
        statements.append('REVOKE %s ON %s FROM %s' % (clause, target, account_sql))
    for role in roles_gained:
        statements.append('REVOKE %s FROM %s' % (role, account_sql))
    for role in admin_gained:
        statements.append('REVOKE ADMIN OPTION FOR %s FROM %s' % (role, account_sql))
    for target in proxies_changed:
        if target in live_proxies:
            statements.append('REVOKE PROXY ON %s FROM %s' % (target, account_sql))
    statements.extend(grant_statements(account_sql, lost, dict((role, snap_roles[role]) for role in roles_lost),
                                       dict((target, snap_proxies[target]) for target in proxies_changed
                                            if target in snap_proxies)))
    for target in sorted(revokes_gained):
        statements.append('GRANT %s ON %s TO %s' % (privilege_clause(revokes_gained[target]), target, account_sql))
    for role in admin_lost:
        statements.append('GRANT %s TO %s WITH ADMIN OPTION' % (role, account_sql))

    live_attributes = live.get('attributes') or {}
    snap_attributes = snap.get('attributes') or {}
    attributes_changed = sorted(name for name in ('create_user', 'plugins', 'locked', 'default_roles')
                                if name in snap_attributes and live_attributes.get(name) != snap_attributes.get(name))
    if (live.get('default_roles') or None) != (snap.get('default_roles') or None):
        attributes_changed.append('default_roles')
    password_changed = None
    if live_attributes.get('auth_fingerprint') and snap_attributes.get('auth_fingerprint'):
        password_changed = live_attributes['auth_fingerprint'] != snap_attributes['auth_fingerprint']
        if password_changed and 'create_user' in attributes_changed:
            # The redacted text differs only where the hash was: that is the password, not an attribute.
            if live_attributes.get('create_user') == snap_attributes.get('create_user'):
                attributes_changed.remove('create_user')
    return dict(
        gained=gained, lost=lost, roles_gained=roles_gained + ['%s (ADMIN OPTION)' % r for r in admin_gained],
        roles_lost=roles_lost + ['%s (ADMIN OPTION)' % r for r in admin_lost], proxies_changed=proxies_changed,
        revokes_gained=revokes_gained, revokes_lost=revokes_lost, gained_new_privileges=new_privileges,
        not_grantable=not_grantable, attributes_changed=sorted(set(attributes_changed)),
        password_changed=password_changed, statements=statements,
    )


def differs(entry):
    """Whether a diff_account() result holds a privilege difference (what a restore would change)."""
    return bool(entry['statements'])
