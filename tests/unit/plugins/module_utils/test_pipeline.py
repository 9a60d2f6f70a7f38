"""Streaming through real compressor processes: bytes in == bytes out, failures are sentences."""
import os
import shutil
import stat
import sys

import pytest

from ansible_collections.drkit.mysql.plugins.module_utils import pipeline

needs_zstd = pytest.mark.skipif(not shutil.which('zstd'), reason='zstd not installed')


@pytest.mark.parametrize('compression', [pytest.param('zstd', marks=needs_zstd), 'gzip', 'none'])
def test_compressed_writer_round_trip(tmp_path, compression):
    path = str(tmp_path / ('f.sql' + {'zstd': '.zst', 'gzip': '.gz', 'none': ''}[compression]))
    data = [b'INSERT INTO t VALUES (%d);\n' % n for n in range(20000)]
    writer = pipeline.CompressedWriter(path, compression)
    for line in data:
        writer.write(line)
    writer.close()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    # appending a second frame is how the dump splitter revisits a database's objects file
    writer = pipeline.CompressedWriter(path, compression, append=True)
    writer.write(b'-- more\n')
    writer.close()
    parts = []
    pipeline._copy_decompressed(path, compression, _Collector(parts))
    assert b''.join(parts) == b''.join(data) + b'-- more\n'


class _Collector(object):
    def __init__(self, parts):
        self.parts = parts

    def write(self, data):
        self.parts.append(data)


def test_stream_files_into_feeds_parts_in_order(tmp_path):
    path = tmp_path / 'body.gz'
    writer = pipeline.CompressedWriter(str(path), 'gzip')
    writer.write(b'body\n')
    writer.close()
    out = tmp_path / 'out'
    script = 'import sys; open(%r, "wb").write(sys.stdin.buffer.read())' % str(out)
    fed = pipeline.stream_files_into([sys.executable, '-c', script], [b'head\n', (str(path), 'gzip'), b'tail\n'], 'x')
    assert out.read_bytes() == b'head\nbody\ntail\n' and fed == 15


def test_stream_files_into_reports_the_tool_error(tmp_path):
    script = 'import sys; sys.stdin.read(); sys.stderr.write("ERROR 1050 (42S01): Table exists\\n"); sys.exit(1)'
    with pytest.raises(pipeline.PipelineError) as error:
        pipeline.stream_files_into([sys.executable, '-c', script], [b'x\n'], 'loading shop.users')
    assert str(error.value).startswith('loading shop.users failed:')
    assert 'exited with 1: ERROR 1050 (42S01): Table exists' in str(error.value)


def test_run_reports_exit_code_and_stderr():
    with pytest.raises(pipeline.PipelineError) as error:
        pipeline.run([sys.executable, '-c', 'import sys; sys.stderr.write("a\\nb\\n"); sys.exit(3)'], 'mydumper')
    assert 'mydumper failed:' in str(error.value) and 'exited with 3: a | b' in str(error.value)


def test_run_missing_binary():
    with pytest.raises(pipeline.PipelineError) as error:
        pipeline.run(['/nonexistent/tool'], 'x')
    assert 'cannot start /nonexistent/tool' in str(error.value)


def test_writer_into_a_missing_directory_fails(tmp_path):
    with pytest.raises(OSError):
        pipeline.CompressedWriter(str(tmp_path / 'no' / 'f.gz'), 'gzip')
