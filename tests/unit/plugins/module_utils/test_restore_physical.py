"""Unpacking a physical backup's archive with one read that is also the manifest check (real tar and zstd)."""
import os
import shutil
import subprocess

import pytest

from ansible_collections.drkit.mysql.plugins.module_utils import restore_engines as re_
from ansible_collections.drkit.mysql.plugins.module_utils.manifest import sha256_file

pytestmark = pytest.mark.skipif(not shutil.which('zstd'), reason='zstd is not installed')


@pytest.fixture
def archive(tmp_path):
    data = tmp_path / 'data'
    (data / 'shop').mkdir(parents=True)
    (data / 'ibdata1').write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    (data / 'shop' / 't.ibd').write_bytes(b'rows' * 1000)
    path = tmp_path / 'data.tar.zst'
    with open(str(path), 'wb') as out:
        tar = subprocess.Popen(['tar', '-C', str(data), '-cf', '-', '.'], stdout=subprocess.PIPE)
        subprocess.run(['zstd', '-q', '-c'], stdin=tar.stdout, stdout=out, check=True)
        tar.wait()
    size, digest = sha256_file(str(path))
    return data, path, dict(path='data.tar.zst', size=size, sha256=digest)


def test_unpacks_and_hashes_in_one_read(tmp_path, archive):
    data, path, entry = archive
    out = tmp_path / 'out'
    out.mkdir()
    streamed = re_.extract_archive(str(path), str(out), entry)
    assert streamed == dict(files=1, size=entry['size'], sha256=entry['sha256'])
    assert (out / 'ibdata1').read_bytes() == (data / 'ibdata1').read_bytes()
    assert (out / 'shop' / 't.ibd').read_bytes() == b'rows' * 1000


def test_a_damaged_archive_is_reported_as_damaged_not_as_a_tar_error(tmp_path, archive):
    data, path, entry = archive
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    out = tmp_path / 'out'
    out.mkdir()
    with pytest.raises(re_.BackupDamaged) as error:
        re_.extract_archive(str(path), str(out), entry)
    assert 'data.tar.zst has %d bytes and SHA-256' % entry['size'] in str(error.value)


def test_restore_physical_touches_the_datadir_only_after_the_check(tmp_path, archive):
    data, path, entry = archive
    datadir = tmp_path / 'target'
    datadir.mkdir()
    (datadir / 'old').write_text('previous server')
    bad = dict(entry, sha256='0' * 64)
    with pytest.raises(re_.BackupDamaged):
        re_.restore_physical('/nonexistent/mariabackup', str(tmp_path), dict(layout='archive', path='data.tar.zst'),
                             str(datadir), 'STAMP', safety=True, deferred=[bad])
    assert os.listdir(str(datadir)) == ['old']
    assert not [name for name in os.listdir(str(tmp_path)) if name.startswith('.drkit-restore-')]


@pytest.fixture
def prepared(tmp_path):
    """A backup directory with a prepared copy (data/) and a stand-in mariabackup whose --copy-back is cp -a."""
    root = tmp_path / 'backup'
    (root / 'data' / 'shop').mkdir(parents=True)
    (root / 'data' / 'ibdata1').write_bytes(os.urandom(2 * 1024 * 1024))
    (root / 'data' / 'shop' / 't.ibd').write_bytes(b'rows' * 1000)
    entries = []
    for rel in ('data/ibdata1', 'data/shop/t.ibd'):
        size, digest = sha256_file(str(root / rel))
        entries.append(dict(path=rel, size=size, sha256=digest))
    tool = tmp_path / 'mariabackup'
    tool.write_text('#!/bin/sh\n# --no-defaults --copy-back --target-dir=X --datadir=Y\n'
                    'src=${3#--target-dir=}; dst=${4#--datadir=}\n'
                    '[ "$2" = --copy-back ] || exit 3\ncp -a "$src"/. "$dst"/\n')
    tool.chmod(0o755)
    return root, entries, str(tool)


def test_a_directory_is_copied_beside_the_datadir_while_it_is_hashed(tmp_path, prepared):
    root, entries, tool = prepared
    datadir = tmp_path / 'target'
    out = re_.restore_physical(tool, str(root), dict(layout='directory', path='data'), str(datadir), 'STAMP',
                               safety=False, deferred=entries)
    assert out['streamed'] == dict(files=2, size=2 * 1024 * 1024 + 4000)
    assert (datadir / 'shop' / 't.ibd').read_bytes() == b'rows' * 1000
    assert (root / 'data' / 'shop' / 't.ibd').exists()   # a copy: the backup stays whole
    assert not [name for name in os.listdir(str(tmp_path)) if name.startswith('.drkit-restore-')]


def test_a_damaged_directory_leaves_the_datadir_as_it_was(tmp_path, prepared):
    root, entries, tool = prepared
    (root / 'data' / 'shop' / 't.ibd').write_bytes(b'ROWS' * 1000)   # same size, other bytes
    datadir = tmp_path / 'target'
    datadir.mkdir()
    (datadir / 'old').write_text('previous server')
    with pytest.raises(re_.BackupDamaged) as error:
        re_.restore_physical(tool, str(root), dict(layout='directory', path='data'), str(datadir), 'STAMP',
                             safety=True, deferred=entries)
    assert 'data/shop/t.ibd has SHA-256' in str(error.value)
    assert os.listdir(str(datadir)) == ['old'] and not os.path.exists(str(datadir) + '.drkit-safety-STAMP')
    assert not [name for name in os.listdir(str(tmp_path)) if name.startswith('.drkit-restore-')]


def test_staging_needs_the_same_file_system_and_no_server_config(tmp_path):
    assert re_.staging_possible(str(tmp_path / 'new'), None)
    assert re_.staging_possible(str(tmp_path), None)
    assert not re_.staging_possible(str(tmp_path / 'new'), '/etc/mysql/my.cnf')
