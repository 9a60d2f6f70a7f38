"""grants, run in-process as its action runs it, against the MySQL 8.0 fixture server of the module_utils tests:
snapshot idempotency, check mode, the restore plan, no hash in any result."""
import json
import os
import sys

import pytest

from ansible_collections.drkit.mysql.plugins.modules import grants as grants_module
from ansible_collections.drkit.mysql.plugins.plugin_utils.in_process import run_in_process

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'module_utils'))
from test_grants import FixtureServer, add_grant, load_sections  # noqa: E402


@pytest.fixture
def server(monkeypatch):
    fake = FixtureServer(load_sections('mysql-8.0.txt'), '8.0.36', login='dba@10.0.%')
    fake.close = lambda: None
    fake.target = 'fixture:3306'
    monkeypatch.setattr(grants_module, 'open_server_or_fail', lambda module: fake)
    return fake


def run(state, path, **extra):
    check_mode = extra.pop('check_mode', False)
    diff = extra.pop('diff', False)
    result = run_in_process('grants', dict(state=state, path=str(path), **extra), check_mode=check_mode, diff=diff)
    text = json.dumps(result)
    assert '0x2441' not in text and '8A2F2E4B' not in text, result
    return result


def test_snapshot_then_nothing_new_then_check_mode_writes_nothing(server, tmp_path):
    directory = tmp_path / 'grants'
    planned = run('snapshot', directory, check_mode=True)
    assert planned['changed'] and not directory.exists()
    first = run('snapshot', directory)
    assert first['changed'] and first['account_count'] == 9 and os.path.isfile(first['file'])
    assert not run('snapshot', directory)['changed']
    add_grant(server, "'app'@'%'", 'GRANT SELECT ON `patients`.* TO `app`@`%`')
    planned = run('snapshot', directory, check_mode=True, diff=True)
    assert planned['changed'] and planned['accounts']['app@%']['gained'] == {'`patients`.*': ['SELECT']}
    assert planned['diff'][0]['after_header'] == 'app@% on the server'
    assert len(os.listdir(str(directory))) == 3          # the file, latest.json, the key


def test_diff_and_restore_plan_and_run(server, tmp_path):
    directory = tmp_path / 'grants'
    run('snapshot', directory)
    add_grant(server, "'app'@'%'", 'GRANT SELECT ON `patients`.* TO `app`@`%`')
    diff = run('diff', directory)
    assert not diff['changed'] and diff['differs'] and 'app@%' in diff['msg']
    plan = run('restore', directory, check_mode=True)
    assert plan['changed'] and plan['statements'] == ['REVOKE SELECT ON `patients`.* FROM `app`@`%`']
    assert all(sql == 'SET SESSION print_identified_with_as_hex = ON' for sql, _p in server.executed)
    done = run('restore', directory)
    # The fixture server does not change, so the check after the restore still sees the grant: the task fails.
    assert done['failed'] and done['remaining'] == ['app@%']
    assert ('REVOKE SELECT ON `patients`.* FROM `app`@`%`', None) in server.executed


def test_missing_snapshot_fails_or_skips_without_connecting(monkeypatch, tmp_path):
    monkeypatch.setattr(grants_module, 'open_server_or_fail', lambda module: pytest.fail('connected'))
    failed = run('diff', tmp_path / 'none')
    assert failed['failed'] and 'No grants snapshot at' in failed['msg']
    skipped = run('restore', tmp_path / 'none', missing_snapshot='skip')
    assert not skipped.get('failed') and not skipped['changed'] and skipped['file'] is None
