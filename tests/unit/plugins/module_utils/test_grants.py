"""Grants snapshots, diffs and restore plans from recorded SHOW GRANTS / SHOW CREATE USER output.

MySQL 8.0: tests/unit/fixtures/grants/mysql-8.0.txt (transcribed, see its header). MariaDB 10.11:
mariadb-10.11.txt beside it (recorded on the lab by record.sh). The server is a stand-in answering the
module_utils' statements from those files, so the whole path (account list, dialect, parsing, redaction,
diff, plan) runs without a server; tests/integration/test_grants.py runs it on a real MariaDB.
"""
import copy
import json
import os
import re
import stat

import pytest

from ansible_collections.drkit.mysql.plugins.module_utils.flavor import detect_dialect
from ansible_collections.drkit.mysql.plugins.module_utils.grant_diff import diff_account, render_account
from ansible_collections.drkit.mysql.plugins.module_utils.grant_restore import compare, diff_view, restore_steps
from ansible_collections.drkit.mysql.plugins.module_utils.grant_snapshot import (
    DEFAULT_EXCLUDE,
    LATEST,
    SnapshotError,
    comparable,
    fingerprint_key,
    load,
    prune,
    read_server,
    resolve,
    snapshot_files,
    write,
)
from ansible_collections.drkit.mysql.plugins.module_utils.grant_syntax import (
    GrantSyntaxError,
    parse_create_user,
    parse_grant_line,
    parse_show_grants,
    redact,
)

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), 'fixtures',
                        'grants')
KEY = b'0123456789abcdef0123456789abcdef'
_HEX_RE = re.compile(r'0x[0-9A-F]{16,}')
_NATIVE_RE = re.compile(r"\*[0-9A-F]{40}")


def load_sections(name):
    sections = {}
    current = None
    with open(os.path.join(FIXTURES, name)) as handle:
        for line in handle.read().splitlines():
            if line.startswith('=== '):
                current = line[4:].strip()
                sections[current] = []
            elif current is not None and line.strip():
                sections[current].append(line)
    return sections


class FixtureServer(object):
    """Answers the statements of grant_snapshot/grant_restore from a fixture's sections."""

    def __init__(self, sections, version, login='root@localhost'):
        self.sections = sections
        self.version = version
        self.dialect = detect_dialect(version)
        self.login = login
        self.executed = []

    def _section(self, title):
        if title not in self.sections:
            raise RuntimeError("(1141) There is no such grant defined for %s" % title)
        return self.sections[title]

    def rows(self, sql, params=None):
        if sql.startswith('SELECT User AS user, Host AS host, is_role'):
            return [dict(user=cols[0], host=cols[1], is_role=cols[2])
                    for cols in (line.split('\t') for line in self.sections['accounts'])]
        if sql.startswith('SELECT User AS user, Host AS host'):
            return [dict(user=cols[0], host=cols[1])
                    for cols in (line.split('\t') for line in self.sections['accounts'])]
        if 'role_edges' in sql:
            return [dict(user=cols[0], host=cols[1])
                    for cols in (line.split('\t') for line in self.sections.get('role_edges', []))]
        if sql == 'SHOW PRIVILEGES':
            return [dict(Privilege=name) for name in self.sections['SHOW PRIVILEGES']]
        if sql == 'SHOW GRANTS FOR %s@%s':
            title = "SHOW GRANTS FOR '%s'@'%s'" % tuple(params)
            return [{'Grants for %s@%s' % tuple(params): line} for line in self._section(title)]
        if sql == 'SHOW GRANTS FOR %s':
            lines = self.sections.get("SHOW GRANTS FOR '%s'" % params[0], [])
            return [{'Grants for %s' % params[0]: line} for line in lines]
        if sql == 'SHOW CREATE USER %s@%s':
            title = "SHOW CREATE USER '%s'@'%s'" % tuple(params)
            return [{'CREATE USER for %s@%s' % tuple(params): line} for line in self._section(title)]
        if sql.startswith('SELECT CURRENT_USER()'):
            return [dict(me=self.login)]
        raise AssertionError('unexpected statement %r' % sql)

    def execute(self, sql, params=None):
        self.executed.append((sql, params))


@pytest.fixture
def mysql():
    return FixtureServer(load_sections('mysql-8.0.txt'), '8.0.36')


@pytest.fixture
def mariadb():
    sections = load_sections('mariadb-10.11.txt')
    # record.sh records the accounts it made, root and shop_app; the lab's other accounts are left out.
    sections['accounts'] = [line for line in sections['accounts']
                            if line.split('\t')[2] == 'Y' or "SHOW GRANTS FOR '%s'@'%s'" % tuple(line.split('\t')[:2])
                            in sections]
    return FixtureServer(sections, '10.11.19-MariaDB-0+deb12u1-log')


def set_grants(server, account, lines):
    server.sections["SHOW GRANTS FOR %s" % account] = list(lines)


def add_grant(server, account, line):
    server.sections["SHOW GRANTS FOR %s" % account].append(line)


def drop_grant(server, account, text):
    title = "SHOW GRANTS FOR %s" % account
    before = len(server.sections[title])
    server.sections[title] = [line for line in server.sections[title] if text not in line]
    assert len(server.sections[title]) < before


# -- parsing ----------------------------------------------------------------------------------------


def test_mysql_root_static_and_dynamic_lines_fold_into_one_global_set(mysql):
    picture = parse_show_grants(mysql.sections["SHOW GRANTS FOR 'root'@'localhost'"])
    granted = picture['privileges']['*.*']
    assert 'SELECT' in granted and 'DROP ROLE' in granted and 'BACKUP_ADMIN' in granted
    assert 'XA_RECOVER_ADMIN' in granted and 'GRANT OPTION' in granted
    assert picture['proxies'] == {'``@``': True}


def test_mysql_roles_partial_revokes_columns_routines_and_escaped_names(mysql):
    app = parse_show_grants(mysql.sections["SHOW GRANTS FOR 'app'@'%'"])
    assert app['roles'] == {'`app_read`@`%`': True, '`app_write`@`%`': False}
    assert app['privileges'] == {}
    dba = parse_show_grants(mysql.sections["SHOW GRANTS FOR 'dba'@'10.0.%'"])
    assert dba['revokes'] == {'`mysql`.*': ['DELETE', 'INSERT', 'UPDATE']}
    support = parse_show_grants(mysql.sections["SHOW GRANTS FOR 'support'@'10.0.%'"])
    assert support['privileges'] == {
        '`shop\\_archive`.*': ['SELECT'],          # the literal name shop_archive
        '`shop_%`.*': ['SELECT'],                  # a pattern: another grant
        '`shop`.`users`': ['SELECT (`email`)', 'SELECT (`id`)', 'UPDATE (`email`)'],
        'PROCEDURE `shop`.`refund`': ['EXECUTE'],
    }


def test_mysql_multiple_roles_on_one_line_and_a_role_list_with_admin_option():
    parsed = parse_grant_line('GRANT `app_read`@`%`,`app_write`@`%` TO `app`@`%` WITH ADMIN OPTION')
    assert parsed['kind'] == 'roles'
    assert parsed['roles'] == ['`app_read`@`%`', '`app_write`@`%`'] and parsed['admin_option']


def test_older_quoting_styles_are_read_the_same():
    modern = parse_grant_line("GRANT SELECT ON `shop`.`users` TO `u`@`%`")
    old = parse_grant_line("GRANT SELECT ON shop.users TO 'u'@'%'")
    assert modern['object'] == old['object'] == '`shop`.`users`'
    assert modern['grantee'] == old['grantee'] == ('u', '%')


def test_mysql_create_user_attributes_default_roles_and_no_hash(mysql):
    text = mysql.sections["SHOW CREATE USER 'app'@'%'"][0]
    attributes = parse_create_user(text)
    assert attributes['plugins'] == ['caching_sha2_password']
    assert attributes['default_roles'] == ['`app_read`@`%`', '`app_write`@`%`']
    assert not attributes['locked']
    assert '0x2441' not in attributes['create_user'] and "AS '<redacted>'" in attributes['create_user']
    assert parse_create_user(mysql.sections["SHOW CREATE USER 'app_read'@'%'"][0])['locked']


def test_mariadb_lines_password_in_show_grants_roles_without_host_default_role_public(mariadb):
    app = parse_show_grants(mariadb.sections["SHOW GRANTS FOR 'fx_app'@'%'"])
    assert app['roles'] == {'`fx_read`': False}
    assert app['default_roles'] == ['`fx_read`']
    assert app['privileges'] == {'`fx_shop`.*': ['DELETE', 'INSERT', 'UPDATE']}
    public = parse_grant_line(mariadb.sections["SHOW GRANTS FOR 'PUBLIC'"][0])
    assert public['grantee'] == ('PUBLIC', None) and public['object'] == '`fx\\_archive`.*'
    root = parse_show_grants(mariadb.sections["SHOW GRANTS FOR 'root'@'localhost'"])
    assert root['privileges'] == {'*.*': ['ALL PRIVILEGES', 'GRANT OPTION']}
    assert root['roles'] == {'`fx_read`': True}
    assert root['proxies'] == {'``@`%`': True}


@pytest.mark.parametrize('line, secret', [
    ("GRANT USAGE ON *.* TO `a`@`%` IDENTIFIED BY PASSWORD '*B560B417BB957FD2958DFCF05D9A4FF73E9CB66C'",
     'B560B417'),
    ("CREATE USER `a`@`%` IDENTIFIED VIA ed25519 USING 'ZIgUREUg5PVgQ6LskhXmO+eZLS0nC8be6HPjYWR4YJY' OR unix_socket",
     'ZIgUREUg5'),
    ("CREATE USER `a`@`%` IDENTIFIED WITH 'caching_sha2_password' AS 0x24412430303524106B REQUIRE NONE", '106B'),
    ("CREATE USER `a`@`%` IDENTIFIED WITH 'mysql_native_password' AS '*8A2F2E4B2C4D3E1F6A5B4C3D2E1F0A9B8C7D6E5F'",
     '8A2F2E4B'),
    ("CREATE USER `a`@`%` IDENTIFIED BY 'plain text'", 'plain text'),
])
def test_redaction_of_every_secret_form(line, secret):
    out = redact(line)
    assert secret not in out and '<redacted>' in out


def test_a_privilege_name_that_is_not_one_never_reaches_sql():
    with pytest.raises(GrantSyntaxError):
        parse_show_grants(["GRANT SELECT ON `a`.* TO `u`@`%`; DROP DATABASE x"])
    live = dict(privileges={}, roles={}, proxies={}, revokes={})
    for tampered in (dict(privileges={'`a`.*': ['SELECT; DROP DATABASE x']}),
                     dict(privileges={'`a`.*': ['SELECT (`c`) ON *.* TO x; --']}),
                     dict(privileges={'*.* TO `x`@`%`; DROP DATABASE y; --': ['SELECT']}),
                     dict(roles={'`r`; DROP DATABASE y': False})):
        with pytest.raises(GrantSyntaxError):
            diff_account(live, dict(dict(privileges={}, roles={}, proxies={}, revokes={}), **tampered), '`u`@`%`')


def test_an_account_with_an_empty_host_is_not_taken_for_a_role():
    from ansible_collections.drkit.mysql.plugins.module_utils.grant_syntax import account_key, account_sql
    assert account_sql('x', '') == '`x`@``' and account_key('x', '') == 'x@'
    assert account_sql('r', None) == '`r`' and account_key('r', None) == 'r'


# -- reading a server -------------------------------------------------------------------------------


def test_mysql_snapshot_document_accounts_roles_and_no_secret(mysql):
    document = read_server(mysql, DEFAULT_EXCLUDE, KEY)
    assert ('SET SESSION print_identified_with_as_hex = ON', None) in mysql.executed
    assert sorted(document['accounts']) == ['app@%', 'app_read@%', 'app_write@%', 'backup@localhost', 'dba@10.0.%',
                                            'repl@%', 'report_base@%', 'report_ro@%', 'support@10.0.%']
    assert document['accounts']['app_read@%']['is_role'] and not document['accounts']['app@%']['is_role']
    assert document['accounts']['app@%']['default_roles'] == ['`app_read`@`%`', '`app_write`@`%`']
    assert 'SENSITIVE_VARIABLES_OBSERVER' in document['known_privileges']
    text = json.dumps(document)
    assert not _HEX_RE.search(text) and not _NATIVE_RE.search(text) and 'uid=report_ro' not in text
    assert document['accounts']['dba@10.0.%']['attributes']['auth_fingerprint'].startswith('hmac-sha256:')


def test_mariadb_snapshot_document(mariadb):
    document = read_server(mariadb, DEFAULT_EXCLUDE, KEY)
    assert not any(sql.startswith('SET SESSION') for sql, _p in mariadb.executed)
    assert 'root@localhost' not in document['accounts'] and 'mariadb.sys@localhost' not in document['accounts']
    assert document['accounts']['fx_read']['is_role']
    assert document['accounts']['PUBLIC']['privileges'] == {'`fx\\_archive`.*': ['SELECT']}
    assert document['accounts']['fx_support@10.0.%']['privileges']['`fx_%`.*'] == ['GRANT OPTION', 'SELECT']
    assert document['accounts']['fx_app@%']['default_roles'] == ['`fx_read`']
    assert 'READ_ONLY ADMIN' in document['known_privileges']
    assert not _NATIVE_RE.search(json.dumps(document))


def test_the_same_server_read_twice_is_the_same_document(mysql):
    assert comparable(read_server(mysql, DEFAULT_EXCLUDE, KEY)) == comparable(read_server(mysql, DEFAULT_EXCLUDE, KEY))


# -- diffs and plans ----------------------------------------------------------------------------------


def snapshot_of(server):
    return read_server(server, DEFAULT_EXCLUDE, KEY)


def test_hospital_incident_on_mysql_a_gained_select_is_revoked(mysql):
    snapshot = snapshot_of(mysql)
    add_grant(mysql, "'app'@'%'", 'GRANT SELECT ON `patients`.* TO `app`@`%`')
    comparison = compare(mysql, snapshot, [], DEFAULT_EXCLUDE, KEY)
    assert list(comparison.accounts) == ['app@%']
    entry = comparison.accounts['app@%']
    assert entry['gained'] == {'`patients`.*': ['SELECT']} and entry['lost'] == {}
    assert entry['statements'] == ['REVOKE SELECT ON `patients`.* FROM `app`@`%`']
    steps, skipped = restore_steps(comparison, {}, False)
    assert [display for display, _s, _p in steps] == entry['statements'] and skipped == []
    view = diff_view(comparison)
    assert view[0]['before_header'] == 'app@% on the server'
    assert 'patients' in view[0]['before'] and 'patients' not in view[0]['after']


def test_nothing_to_restore_is_an_empty_plan(mysql):
    comparison = compare(mysql, snapshot_of(mysql), [], DEFAULT_EXCLUDE, KEY)
    assert comparison.accounts == {} and comparison.added == [] and comparison.missing == []
    assert restore_steps(comparison, {}, False) == ([], [])


def test_mysql_upgrade_new_dynamic_privileges_are_reported_not_revoked(mysql):
    old = copy.deepcopy(mysql)
    new_in_8029 = ['SENSITIVE_VARIABLES_OBSERVER', 'TELEMETRY_LOG_ADMIN']
    old.sections['SHOW PRIVILEGES'] = [p for p in old.sections['SHOW PRIVILEGES'] if p not in new_in_8029]
    title = "SHOW GRANTS FOR 'dba'@'10.0.%'"
    old.sections[title] = [re.sub(r'SENSITIVE_VARIABLES_OBSERVER,|TELEMETRY_LOG_ADMIN,', '', line)
                           for line in old.sections[title]]
    comparison = compare(mysql, snapshot_of(old), [], DEFAULT_EXCLUDE, KEY)
    entry = comparison.accounts['dba@10.0.%']
    assert entry['gained_new_privileges'] == {'*.*': new_in_8029}
    assert entry['gained'] == {} and entry['statements'] == []


def test_privileges_this_server_does_not_know_are_not_granted(mysql):
    future = copy.deepcopy(mysql)
    future.sections['SHOW PRIVILEGES'].append('FUTURE_ADMIN')
    add_grant(future, "'backup'@'localhost'", 'GRANT FUTURE_ADMIN ON *.* TO `backup`@`localhost`')
    entry = compare(mysql, snapshot_of(future), [], DEFAULT_EXCLUDE, KEY).accounts['backup@localhost']
    assert entry['not_grantable'] == {'*.*': ['FUTURE_ADMIN']} and entry['statements'] == []


def test_lost_role_admin_option_partial_revoke_column_and_proxy(mysql):
    snapshot = snapshot_of(mysql)
    set_grants(mysql, "'app'@'%'", ['GRANT USAGE ON *.* TO `app`@`%`', 'GRANT `app_read`@`%` TO `app`@`%`'])
    drop_grant(mysql, "'dba'@'10.0.%'", 'REVOKE INSERT')
    add_grant(mysql, "'support'@'10.0.%'", 'GRANT SELECT (`phone`) ON `shop`.`users` TO `support`@`10.0.%`')
    add_grant(mysql, "'support'@'10.0.%'", 'GRANT SELECT ON `shop\\_archive`.* TO `support`@`10.0.%` WITH GRANT OPTION')
    drop_grant(mysql, "'report_ro'@'%'", 'PROXY')
    comparison = compare(mysql, snapshot, [], DEFAULT_EXCLUDE, KEY)
    statements = dict((name, entry['statements']) for name, entry in comparison.accounts.items())
    assert statements == {
        'app@%': ['GRANT `app_write`@`%` TO `app`@`%`', 'GRANT `app_read`@`%` TO `app`@`%` WITH ADMIN OPTION'],
        'dba@10.0.%': ['REVOKE DELETE, INSERT, UPDATE ON `mysql`.* FROM `dba`@`10.0.%`'],
        'support@10.0.%': ['REVOKE GRANT OPTION ON `shop\\_archive`.* FROM `support`@`10.0.%`',
                           'REVOKE SELECT (`phone`) ON `shop`.`users` FROM `support`@`10.0.%`'],
        'report_ro@%': ['GRANT PROXY ON `report_base`@`%` TO `report_ro`@`%`'],
    }


def test_a_gained_partial_revoke_is_granted_back_and_a_lost_grant_option_given_with_usage(mysql):
    snapshot = snapshot_of(mysql)
    add_grant(mysql, "'dba'@'10.0.%'", 'REVOKE DROP ON `shop`.* FROM `dba`@`10.0.%`')
    title = "SHOW GRANTS FOR 'dba'@'10.0.%'"
    # One GRANT OPTION per level: the static and the dynamic line both lose it.
    mysql.sections[title] = [line.replace(' WITH GRANT OPTION', '') for line in mysql.sections[title]]
    entry = compare(mysql, snapshot, [], DEFAULT_EXCLUDE, KEY).accounts['dba@10.0.%']
    assert entry['statements'] == ['GRANT USAGE ON *.* TO `dba`@`10.0.%` WITH GRANT OPTION',
                                   'GRANT DROP ON `shop`.* TO `dba`@`10.0.%`']


def test_missing_accounts_roles_are_created_users_need_a_password(mysql):
    snapshot = snapshot_of(mysql)
    for account in ('app_write', 'app'):
        mysql.sections['accounts'] = [line for line in mysql.sections['accounts']
                                      if not line.startswith(account + '\t')]
    comparison = compare(mysql, snapshot, [], DEFAULT_EXCLUDE, KEY)
    assert comparison.missing == ['app@%', 'app_write@%']
    steps, skipped = restore_steps(comparison, {}, False)
    assert [d for d, _s, _p in steps] == ['CREATE ROLE `app_write`@`%`',
                                          'GRANT DELETE, INSERT, UPDATE ON `shop`.* TO `app_write`@`%`']
    assert skipped == ['app@%: missing on the server and a snapshot holds no password; give it in passwords to '
                       'create the account again']
    comparison = compare(mysql, snapshot, [], DEFAULT_EXCLUDE, KEY)
    steps, skipped = restore_steps(comparison, {'app@%': 'from-the-vault'}, False)
    create = [step for step in steps if step[0].startswith('CREATE USER')]
    assert create == [('CREATE USER `app`@`%` IDENTIFIED BY %s', 'CREATE USER `app`@`%` IDENTIFIED BY %s',
                       ['from-the-vault'])]
    displays = [d for d, _s, _p in steps]
    assert 'GRANT `app_read`@`%` TO `app`@`%` WITH ADMIN OPTION' in displays
    assert displays.index('CREATE ROLE `app_write`@`%`') < displays.index('GRANT `app_write`@`%` TO `app`@`%`')
    assert 'from-the-vault' not in ' '.join(displays)


def test_added_accounts_are_dropped_only_when_asked_and_never_the_login(mysql):
    snapshot = snapshot_of(mysql)
    mysql.sections['accounts'].append('intruder\t%')
    set_grants(mysql, "'intruder'@'%'", ['GRANT SELECT ON `patients`.* TO `intruder`@`%`'])
    mysql.sections["SHOW CREATE USER 'intruder'@'%'"] = [
        "CREATE USER `intruder`@`%` IDENTIFIED WITH 'caching_sha2_password' AS 0x2441243030352400 REQUIRE NONE"]
    comparison = compare(mysql, snapshot, [], DEFAULT_EXCLUDE, KEY)
    assert comparison.added == ['intruder@%']
    assert restore_steps(comparison, {}, False) == ([], ['intruder@%: added since the snapshot; drop_added=true '
                                                         'drops it'])
    steps, _skipped = restore_steps(comparison, {}, True)
    assert [d for d, _s, _p in steps] == ['DROP USER `intruder`@`%`']
    mysql.login = 'intruder@%'
    comparison = compare(mysql, snapshot, [], DEFAULT_EXCLUDE, KEY)
    assert restore_steps(comparison, {}, True)[0] == []


def test_the_login_account_is_never_changed(mysql):
    snapshot = snapshot_of(mysql)
    add_grant(mysql, "'dba'@'10.0.%'", 'GRANT SELECT ON `patients`.* TO `dba`@`10.0.%`')
    mysql.login = 'dba@10.0.%'
    steps, skipped = restore_steps(compare(mysql, snapshot, [], DEFAULT_EXCLUDE, KEY), {}, False)
    assert steps == [] and skipped[0].startswith('dba@10.0.%: the account running this module')


def test_accounts_option_limits_the_comparison(mysql):
    snapshot = snapshot_of(mysql)
    add_grant(mysql, "'app'@'%'", 'GRANT SELECT ON `patients`.* TO `app`@`%`')
    add_grant(mysql, "'repl'@'%'", 'GRANT SELECT ON `patients`.* TO `repl`@`%`')
    assert list(compare(mysql, snapshot, ['repl'], DEFAULT_EXCLUDE, KEY).accounts) == ['repl@%']
    assert list(compare(mysql, snapshot, ['app@%'], DEFAULT_EXCLUDE, KEY).accounts) == ['app@%']


def test_password_change_is_seen_and_reported_not_restored(mariadb):
    snapshot = snapshot_of(mariadb)
    for title in ("SHOW GRANTS FOR 'fx_report'@'%'", "SHOW CREATE USER 'fx_report'@'%'"):
        mariadb.sections[title] = [line.replace('*B560B417BB957FD2958DFCF05D9A4FF73E9CB66C',
                                                '*0000000000000000000000000000000000000000')
                                   for line in mariadb.sections[title]]
    entry = compare(mariadb, snapshot, [], DEFAULT_EXCLUDE, KEY).accounts['fx_report@%']
    assert entry['password_changed'] is True and entry['statements'] == [] and entry['attributes_changed'] == []


def test_mariadb_grant_to_public_and_role_changes(mariadb):
    snapshot = snapshot_of(mariadb)
    add_grant(mariadb, "'PUBLIC'", 'GRANT SELECT ON `patients`.* TO PUBLIC')
    add_grant(mariadb, "'fx_read'", 'GRANT SELECT ON `patients`.* TO `fx_read`')
    comparison = compare(mariadb, snapshot, [], DEFAULT_EXCLUDE, KEY)
    steps, _skipped = restore_steps(comparison, {}, False)
    assert [d for d, _s, _p in steps] == ['REVOKE SELECT ON `patients`.* FROM `PUBLIC`',
                                          'REVOKE SELECT ON `patients`.* FROM `fx_read`']


def test_render_account_lines_are_grants_a_person_can_read(mysql):
    account = snapshot_of(mysql)['accounts']['support@10.0.%']
    assert render_account(account) == [
        'GRANT SELECT ON `shop\\_archive`.* TO `support`@`10.0.%`',
        'GRANT SELECT ON `shop_%`.* TO `support`@`10.0.%`',
        'GRANT SELECT (`email`, `id`), UPDATE (`email`) ON `shop`.`users` TO `support`@`10.0.%`',
        'GRANT EXECUTE ON PROCEDURE `shop`.`refund` TO `support`@`10.0.%`',
    ]


# -- the snapshot directory ---------------------------------------------------------------------------


def test_files_are_versioned_private_and_latest_points_at_the_newest(tmp_path, mysql):
    import datetime
    directory = str(tmp_path / 'grants')
    os.makedirs(directory, 0o700)
    document = snapshot_of(mysql)
    first = datetime.datetime(2026, 11, 24, 2, 30, tzinfo=datetime.timezone.utc)
    path_a, _doc = write(directory, document, first)
    path_b, _doc = write(directory, document, first)        # same second: a suffix, never an overwrite
    path_c, written = write(directory, document, first + datetime.timedelta(days=1))
    assert snapshot_files(directory) == ['grants-20261124T023000Z.json', 'grants-20261124T023000Z-2.json',
                                         'grants-20261125T023000Z.json']
    assert os.readlink(os.path.join(directory, LATEST)) == 'grants-20261125T023000Z.json'
    assert resolve(directory) == path_c and resolve(path_a) == path_a
    assert stat.S_IMODE(os.stat(path_c).st_mode) == 0o600
    loaded = load(path_c)
    assert comparable(loaded) == comparable(document) and written['taken_at'] == '2026-11-25T02:30:00Z'
    assert prune(directory, 2) == ['grants-20261124T023000Z.json']
    assert os.path.exists(path_b) and prune(directory, 0) == []


def test_not_a_snapshot_is_refused_with_a_reason(tmp_path):
    bad = tmp_path / 'x.json'
    bad.write_text('{"format": "something else"}')
    with pytest.raises(SnapshotError, match='not a grants snapshot'):
        load(str(bad))
    assert resolve(str(tmp_path / 'nothing')) is None


def test_fingerprint_key_is_made_once_0600(tmp_path):
    assert fingerprint_key(str(tmp_path)) is None
    key = fingerprint_key(str(tmp_path), create=True)
    assert key == fingerprint_key(str(tmp_path), create=True)
    assert stat.S_IMODE(os.stat(str(tmp_path / '.fingerprint-key')).st_mode) == 0o600
