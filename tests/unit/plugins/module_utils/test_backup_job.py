"""A whole dump backup with a stand-in mariadb-dump (replaying the recorded dump) and a stand-in server."""
import datetime
import json
import os
import stat

import pytest

from ansible_collections.drkit.mysql.plugins.module_utils import backup_job
from ansible_collections.drkit.mysql.plugins.module_utils.flavor import detect_dialect

UNIT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(UNIT, 'fixtures', 'backup')
DUMP = os.path.join(FIXTURES, 'mariadb-dump-10.11.sql')
UTC = datetime.timezone.utc


class FakeServer(object):
    target = '127.0.0.1:3410'
    version = '10.11.19-MariaDB-log'
    dialect = detect_dialect(version)

    def variables(self, names):
        values = dict(server_id='1', hostname='lab', datadir='/nonexistent/data/', log_bin='ON',
                      gtid_current_pos='0-1-42')
        return dict((name, values[name]) for name in names if name in values)

    def rows(self, sql, params=None):
        if sql == 'SHOW DATABASES':
            return [dict(Database=name) for name in ('drkit_fx', 'information_schema', 'mysql', 'sys')]
        assert 'information_schema.TABLES' in sql and params == ['drkit_fx']
        return [dict(db='drkit_fx', name=name, type=kind, engine=engine, rows=rows, bytes=16384)
                for name, kind, engine, rows in (('log', 'BASE TABLE', 'InnoDB', 0), ('odd name`x', 'BASE TABLE',
                                                 'InnoDB', 1), ('t', 'BASE TABLE', 'InnoDB', 2),
                                                 ('v', 'VIEW', None, None))]


PARAMS = dict(engine='dump', dest=None, prefix='fx', databases=[], compression='gzip', parallel=2, verify=True,
              keep_last=None, max_age=None, login_host='127.0.0.1', login_port=3410, login_user='drkit_backup',
              login_password='pw-not-in-argv', login_unix_socket=None, ssl_ca=None, ssl_cert=None, ssl_key=None,
              ssl_verify_server_cert=False, connect_timeout=10)


@pytest.fixture
def fake_dump(tmp_path, monkeypatch):
    """A mariadb-dump in PATH that records its argv and option file, then prints the recorded dump (or fails)."""
    bindir = tmp_path / 'bin'
    bindir.mkdir()
    log = tmp_path / 'argv.txt'
    script = bindir / 'mariadb-dump'
    script.write_text('#!/bin/sh\nprintf "%%s\\n" "$@" > %s\ncat "${1#--defaults-extra-file=}" >> %s\n'
                      'if [ -n "$FAKE_FAIL" ]; then head -c 3000 %s; echo "mariadb-dump: Got error: 1045: '
                      'Access denied" >&2; exit 2; fi\ncat %s\n' % (log, log, DUMP, DUMP))
    script.chmod(0o755)
    monkeypatch.setenv('PATH', '%s:%s' % (bindir, os.environ['PATH']))
    return log


def run_backup(tmp_path, **overrides):
    params = dict(PARAMS, dest=str(tmp_path / 'dest'))
    params.update(overrides)
    server = FakeServer()
    job = backup_job.plan(params, server, now=datetime.datetime(2026, 11, 24, 7, 40, tzinfo=UTC))
    return job, backup_job.execute(job, params, server)


def test_plan_lists_what_would_be_written(tmp_path, fake_dump):
    params = dict(PARAMS, dest=str(tmp_path / 'dest'))
    job = backup_job.plan(params, FakeServer(), now=datetime.datetime(2026, 11, 24, 7, 40, tzinfo=UTC))
    summary = backup_job.plan_summary(job)
    assert summary['path'] == str(tmp_path / 'dest' / 'fx-20261124T074000Z')
    assert summary['databases'] == ['drkit_fx'] and summary['tables'] == 3 and summary['tool'] == 'mariadb-dump'
    assert not (tmp_path / 'dest').exists()


def test_dump_backup_end_to_end(tmp_path, fake_dump):
    job, (manifest, removed) = run_backup(tmp_path)
    path = tmp_path / 'dest' / 'fx-20261124T074000Z'
    assert job['path'] == str(path) and removed == []
    assert not (tmp_path / 'dest' / 'fx-20261124T074000Z.partial').exists()
    argv = fake_dump.read_text()
    assert argv.splitlines()[0].startswith('--defaults-extra-file=/')
    assert 'pw-not-in-argv' not in '\n'.join(line for line in argv.splitlines() if line.startswith('--'))
    assert 'password="pw-not-in-argv"' in argv  # it was in the option file...
    cnf = argv.splitlines()[0].split('=', 1)[1]
    assert not os.path.exists(cnf) and not os.path.exists(os.path.dirname(cnf))  # ...which is gone
    on_disk = json.loads((path / 'manifest.json').read_text())
    assert on_disk == json.loads(json.dumps(manifest))
    assert manifest['coordinates']['binlog_file'] == 'db-primary-bin.000001'
    assert manifest['coordinates']['gtid_flavor'] == 'mariadb'
    assert manifest['verification']['ok'] and manifest['verification']['compression_tested']
    files = [entry['path'] for entry in manifest['files']]
    assert files == ['_footer.sql', '_header.sql', 'drkit_fx/_objects.sql.gz', 'drkit_fx/log.sql.gz',
                     'drkit_fx/odd%20name%60x.sql.gz', 'drkit_fx/t.sql.gz']
    db = manifest['databases'][0]
    assert db['views'] == ['v'] and db['objects_files'] == ['drkit_fx/_objects.sql.gz']
    assert [(t['name'], t['files']) for t in db['tables']] == [
        ('log', ['drkit_fx/log.sql.gz']), ('odd name`x', ['drkit_fx/odd%20name%60x.sql.gz']),
        ('t', ['drkit_fx/t.sql.gz'])]
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(str(path / 'drkit_fx' / 't.sql.gz')).st_mode) == 0o600


def test_a_failing_dump_leaves_nothing(tmp_path, fake_dump, monkeypatch):
    monkeypatch.setenv('FAKE_FAIL', '1')
    with pytest.raises(backup_job.JobError) as error:
        run_backup(tmp_path)
    assert str(error.value) == ('The backup failed and nothing was kept: mariadb-dump exited with 2: mariadb-dump: '
                                'Got error: 1045: Access denied')
    assert os.listdir(str(tmp_path / 'dest')) == []


def test_retention_keeps_the_newest_including_the_new_one(tmp_path, fake_dump):
    dest = tmp_path / 'dest'
    for day in (20, 21, 22):
        old = dest / ('fx-202611%dT074000Z' % day)
        old.mkdir(parents=True)
        (old / 'manifest.json').write_text(json.dumps(dict(finished_at='2026-11-%dT07:40:05Z' % day)))
    (dest / 'fx-20261101T000000Z').mkdir()  # no manifest: never removed
    job, (manifest, removed) = run_backup(tmp_path, keep_last=2)
    assert removed == ['fx-20261120T074000Z', 'fx-20261121T074000Z']
    assert sorted(os.listdir(str(dest))) == ['fx-20261101T000000Z', 'fx-20261122T074000Z', 'fx-20261124T074000Z']


def test_unknown_database_is_refused_before_writing(tmp_path, fake_dump):
    with pytest.raises(backup_job.JobError) as error:
        run_backup(tmp_path, databases=['nope'])
    assert str(error.value) == ('Nothing was written: database(s) nope do not exist on 127.0.0.1:3410 '
                                '(it has: drkit_fx).')


def test_physical_needs_the_datadir_on_this_host(tmp_path, monkeypatch):
    bindir = tmp_path / 'bin'
    bindir.mkdir()
    (bindir / 'mariabackup').write_text('#!/bin/sh\n')
    (bindir / 'mariabackup').chmod(0o755)
    monkeypatch.setenv('PATH', '%s:%s' % (bindir, os.environ['PATH']))
    with pytest.raises(backup_job.JobError) as error:
        run_backup(tmp_path, engine='physical')
    assert 'the datadir /nonexistent/data/ of 127.0.0.1:3410 is not on this host' in str(error.value)


@pytest.mark.parametrize('asked, chosen', [('auto', 'none'), ('zstd', 'none'), ('none', 'none'), ('gzip', 'gzip')])
def test_mydumper_writes_plain_files_unless_gzip_is_asked_for(tmp_path, monkeypatch, asked, chosen):
    bindir = tmp_path / 'bin'
    bindir.mkdir()
    for name in ('mydumper', 'zstd', 'gzip'):
        (bindir / name).write_text('#!/bin/sh\n')
        (bindir / name).chmod(0o755)
    monkeypatch.setenv('PATH', '%s:%s' % (bindir, os.environ['PATH']))
    params = dict(PARAMS, dest=str(tmp_path / 'dest'), engine='mydumper', compression=asked)
    job = backup_job.plan(params, FakeServer(), now=datetime.datetime(2026, 11, 24, 7, 40, tzinfo=UTC))
    assert job['compression'] == chosen
    assert job['chunk_mb'] == backup_job.DEFAULT_CHUNK_MB
