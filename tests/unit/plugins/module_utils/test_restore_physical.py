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
    assert streamed == dict(size=entry['size'], sha256=entry['sha256'])
    assert (out / 'ibdata1').read_bytes() == (data / 'ibdata1').read_bytes()
    assert (out / 'shop' / 't.ibd').read_bytes() == b'rows' * 1000


def test_a_damaged_archive_is_reported_as_damaged_not_as_a_tar_error(tmp_path, archive):
    data, path, entry = archive
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    out = tmp_path / 'out'
    out.mkdir()
    with pytest.raises(re_.ArchiveDamaged) as error:
        re_.extract_archive(str(path), str(out), entry)
    assert 'data.tar.zst has %d bytes and SHA-256' % entry['size'] in str(error.value)


def test_restore_physical_touches_the_datadir_only_after_the_check(tmp_path, archive):
    data, path, entry = archive
    datadir = tmp_path / 'target'
    datadir.mkdir()
    (datadir / 'old').write_text('previous server')
    bad = dict(entry, sha256='0' * 64)
    with pytest.raises(re_.ArchiveDamaged):
        re_.restore_physical('/nonexistent/mariabackup', str(tmp_path), dict(layout='archive', path='data.tar.zst'),
                             str(datadir), 'STAMP', safety=True, archive_entry=bad)
    assert os.listdir(str(datadir)) == ['old']
    assert not [name for name in os.listdir(str(tmp_path)) if name.startswith('.drkit-restore-')]
