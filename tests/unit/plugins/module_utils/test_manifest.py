"""Manifest building and verification: every file hashed, a flipped byte or a missing file named."""
import datetime
import hashlib
import json
import os
import stat

import pytest

from ansible_collections.drkit.mysql.plugins.module_utils import manifest as mf

UTC = datetime.timezone.utc
START = datetime.datetime(2026, 11, 24, 7, 40, 0, tzinfo=UTC)
END = datetime.datetime(2026, 11, 24, 7, 40, 3, 500000, tzinfo=UTC)


def make_backup(root):
    os.makedirs(os.path.join(root, 'shop'))
    files = {'_header.sql': b'-- header\n', 'shop/users.sql.zst': b'\x28\xb5\x2f\xfd' + b'x' * 3000,
             'shop/orders.sql.zst': b'y' * 10}
    for rel, data in files.items():
        with open(os.path.join(root, rel), 'wb') as handle:
            handle.write(data)
    return files


def build(root):
    entries = mf.file_entries(root)
    databases = [dict(name='shop', tables=[dict(name='users', rows_estimate=3000, files=['shop/users.sql.zst']),
                                           dict(name='orders', rows_estimate=None, files=['shop/orders.sql.zst'])])]
    return mf.build('shop-20261124T074000Z', 'dump', dict(name='mariadb-dump', version='10.11.19-MariaDB'), 'zstd',
                    dict(flavor='mariadb', version='10.11.19-MariaDB-log', server_id=1), START, END,
                    dict(binlog_file='b.000002', binlog_position=4, gtid_set='0-1-5'), databases, entries)


def test_names_and_times():
    assert mf.stamp(START) == '20261124T074000Z'
    assert mf.iso(START) == '2026-11-24T07:40:00Z'
    assert mf.backup_name('shop', START) == 'shop-20261124T074000Z'
    assert mf.parse_iso('2026-11-24T07:40:00Z') == START


def test_sha256_in_chunks(tmp_path):
    path = tmp_path / 'f'
    data = os.urandom(100000)
    path.write_bytes(data)
    assert mf.sha256_file(str(path), chunk=4096) == (100000, hashlib.sha256(data).hexdigest())


def test_build_lists_every_file_with_size_and_hash(tmp_path):
    files = make_backup(str(tmp_path))
    manifest = build(str(tmp_path))
    assert [entry['path'] for entry in manifest['files']] == sorted(files)
    for entry in manifest['files']:
        assert entry['size'] == len(files[entry['path']])
        assert entry['sha256'] == hashlib.sha256(files[entry['path']]).hexdigest()
    assert manifest['total_bytes'] == sum(len(data) for data in files.values())
    assert manifest['file_count'] == 3
    assert manifest['duration_s'] == 3.5
    assert manifest['started_at'] == '2026-11-24T07:40:00Z' and manifest['finished_at'] == '2026-11-24T07:40:03Z'
    assert manifest['format'] == mf.FORMAT and manifest['verification'] is None
    assert mf.validate_structure(manifest) == []


def test_write_is_0600_and_load_round_trips(tmp_path):
    make_backup(str(tmp_path))
    manifest = build(str(tmp_path))
    path = mf.write(str(tmp_path), manifest)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert not os.path.exists(path + '.tmp')
    assert mf.load(str(tmp_path)) == json.loads(json.dumps(manifest))
    # the manifest itself is never listed as a backup file
    assert mf.MANIFEST_NAME not in mf.list_files(str(tmp_path))


def test_verify_passes_on_intact_files(tmp_path):
    make_backup(str(tmp_path))
    manifest = build(str(tmp_path))
    result = mf.verify_files(str(tmp_path), manifest)
    assert result == dict(ok=True, checked=3, bytes=manifest['total_bytes'], problems=[], unexpected=[])


def test_verify_names_a_flipped_byte(tmp_path):
    make_backup(str(tmp_path))
    manifest = build(str(tmp_path))
    path = tmp_path / 'shop' / 'users.sql.zst'
    data = bytearray(path.read_bytes())
    data[1500] ^= 0x01
    path.write_bytes(bytes(data))
    result = mf.verify_files(str(tmp_path), manifest)
    assert not result['ok']
    assert len(result['problems']) == 1 and result['problems'][0].startswith('shop/users.sql.zst has SHA-256')
    message = mf.verification_error(str(tmp_path), result)
    assert 'is damaged and was not used' in message and 'shop/users.sql.zst' in message


def test_verify_names_missing_resized_and_unexpected_files(tmp_path):
    make_backup(str(tmp_path))
    manifest = build(str(tmp_path))
    os.remove(str(tmp_path / 'shop' / 'orders.sql.zst'))
    (tmp_path / '_header.sql').write_bytes(b'-- header, longer\n')
    (tmp_path / 'stray.txt').write_bytes(b'?')
    result = mf.verify_files(str(tmp_path), manifest)
    assert not result['ok']
    assert 'shop/orders.sql.zst is missing' in result['problems']
    assert '_header.sql has 18 bytes, the manifest says 10' in result['problems']
    assert result['unexpected'] == ['stray.txt']


def test_record_verification(tmp_path):
    make_backup(str(tmp_path))
    manifest = build(str(tmp_path))
    mf.record_verification(manifest, mf.verify_files(str(tmp_path), manifest), True, END)
    assert manifest['verification'] == dict(verified_at='2026-11-24T07:40:03Z', ok=True, files_checked=3,
                                            bytes_checked=manifest['total_bytes'], compression_tested=True,
                                            problems=[])


@pytest.mark.parametrize('content, fragment', [
    (None, 'has no readable manifest.json'),
    ('{not json', 'is not valid JSON'),
    ('[]', 'it is not a JSON object'),
    ('{"format": "other"}', "format is 'other'"),
    ('{"format": "drkit.mysql/backup", "format_version": 99}', 'format_version 99 is not supported'),
])
def test_load_refuses_bad_manifests(tmp_path, content, fragment):
    if content is not None:
        (tmp_path / 'manifest.json').write_text(content)
    with pytest.raises(mf.ManifestError) as error:
        mf.load(str(tmp_path))
    assert fragment in str(error.value)


def test_load_refuses_paths_outside_the_backup(tmp_path):
    make_backup(str(tmp_path))
    manifest = build(str(tmp_path))
    manifest['files'][0]['path'] = '../etc/passwd'
    mf.write(str(tmp_path), manifest)
    with pytest.raises(mf.ManifestError) as error:
        mf.load(str(tmp_path))
    assert 'leaves the backup directory' in str(error.value)


def test_load_of_a_missing_directory(tmp_path):
    with pytest.raises(mf.ManifestError) as error:
        mf.load(str(tmp_path / 'nope'))
    assert 'is not a directory' in str(error.value)


@pytest.mark.parametrize('rel, ok', [('a/b.sql', True), ('/abs', False), ('a/../b', False), ('', False),
                                     ('a//b', False), ('./a', False)])
def test_safe_relative(rel, ok):
    assert mf.safe_relative(rel) is ok


def test_summary_has_no_file_list(tmp_path):
    make_backup(str(tmp_path))
    summary = mf.summary(build(str(tmp_path)))
    assert 'files' not in summary
    assert summary['databases'] == ['shop'] and summary['table_count'] == 2 and summary['rows_estimate'] == 3000
    assert summary['file_count'] == 3
    assert summary['coordinates']['gtid_set'] == '0-1-5'
