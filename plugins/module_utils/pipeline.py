# -*- coding: utf-8 -*-
# Copyright: drkit.mysql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Processes joined by pipes, so that backup data streams and is never held in memory.

``CompressedWriter`` is a file written through a compressor process; the
``run`` helpers keep stderr in a temporary file (a pipe could fill up and
stall the tool) and turn a failure into one sentence with the tool's last
error lines.

Stdlib only: this file runs on managed hosts with Python 3.8+.
"""

from __future__ import absolute_import, division, print_function

import errno
import os
import subprocess
import tempfile

from ansible_collections.drkit.mysql.plugins.module_utils.tools import compress_command, decompress_command

__metaclass__ = type

COPY_CHUNK = 1024 * 1024


class PipelineError(Exception):
    """A process of a pipeline failed; ``str()`` is the sentence to show."""


def tail(handle, limit=2000):
    """The last ``limit`` characters of a temporary stderr file, passwords never being in it."""
    try:
        handle.seek(0)
        data = handle.read()
    except (OSError, ValueError):
        return ''
    text = data.decode('utf-8', 'replace').strip()
    return text[-limit:]


def open_private(path, append=False):
    """A file descriptor of a new (or appended) file with mode 0600."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
    return os.open(path, flags, 0o600)


def describe_os_error(exc, path):
    if getattr(exc, 'errno', None) == errno.ENOSPC:
        return 'no space left on the device holding %s' % path
    return '%s (%s)' % (exc.strerror or exc, path)


class CompressedWriter(object):
    """``write()`` bytes into ``path`` through zstd/gzip (or directly with compression 'none')."""

    def __init__(self, path, compression, append=False, level=None):
        self.path = path
        self.compression = compression
        self.bytes_in = 0
        self._fd = open_private(path, append)
        self._proc = None
        self._err = None
        if compression == 'none':
            self._out = os.fdopen(self._fd, 'wb')
            self._fd = None
            return
        self._err = tempfile.TemporaryFile()
        try:
            self._proc = subprocess.Popen(compress_command(compression, level), stdin=subprocess.PIPE,
                                          stdout=self._fd, stderr=self._err)
        except OSError as exc:
            os.close(self._fd)
            raise PipelineError('cannot start %s: %s.' % (compression, exc)) from None
        os.close(self._fd)
        self._fd = None
        self._out = self._proc.stdin

    def write(self, data):
        self.bytes_in += len(data)
        try:
            self._out.write(data)
        except (BrokenPipeError, OSError) as exc:
            self._fail(exc)

    def _fail(self, exc=None):
        detail = ''
        if self._proc is not None:
            try:
                self._proc.kill()
            except OSError:
                pass
            self._proc.wait()
            detail = tail(self._err)
        if exc is not None and not isinstance(exc, BrokenPipeError) and not detail:
            detail = describe_os_error(exc, self.path)
        if 'No space left' in detail or (exc is not None and getattr(exc, 'errno', None) == errno.ENOSPC):
            detail = 'no space left on the device holding %s' % os.path.dirname(self.path)
        detail = (detail or 'the compressor stopped').rstrip('.')
        raise PipelineError('writing %s failed: %s.' % (os.path.basename(self.path), detail))

    def close(self):
        try:
            self._out.close()
        except (BrokenPipeError, OSError) as exc:
            self._fail(exc)
        if self._proc is not None:
            code = self._proc.wait()
            if code != 0:
                self._fail()
            self._err.close()


def run(argv, purpose, cwd=None, stdout=None, timeout=None, env=None):
    """Run a tool; raise PipelineError with its stderr tail when it fails. Returns its stderr text."""
    with tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=stdout if stdout is not None else err,
                                    stderr=err, cwd=cwd, env=env)
        except OSError as exc:
            raise PipelineError('%s: cannot start %s (%s).' % (purpose, argv[0], exc)) from None
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise PipelineError('%s: %s did not finish within %s seconds and was stopped.'
                                % (purpose, os.path.basename(argv[0]), timeout)) from None
        text = tail(err, 4000)
        if code != 0:
            raise PipelineError('%s failed: %s exited with %d: %s' % (purpose, os.path.basename(argv[0]), code,
                                                                      last_lines(text)))
        return text


def last_lines(text, count=4):
    lines = [line for line in (text or '').splitlines() if line.strip()]
    return ' | '.join(lines[-count:]) or '(no error output)'


def stream_files_into(argv, parts, purpose, env=None):
    """Start ``argv`` and feed it, in order, each part: bytes, ``(path, compression)`` decompressed on the fly,
    or an iterable of bytes (a filter over a file, see decompressed_lines).

    Returns the number of bytes fed.  The decompressor's output is copied in
    chunks: nothing is held whole in memory.
    """
    fed = 0
    with tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=err, stderr=err, env=env)
        except OSError as exc:
            raise PipelineError('%s: cannot start %s (%s).' % (purpose, argv[0], exc)) from None
        broken = False
        try:
            for part in parts:
                if isinstance(part, bytes):
                    proc.stdin.write(part)
                    fed += len(part)
                    continue
                if not isinstance(part, tuple):
                    for block in part:
                        proc.stdin.write(block)
                        fed += len(block)
                    continue
                path, compression = part
                fed += _copy_decompressed(path, compression, proc.stdin)
        except BrokenPipeError:
            broken = True
        finally:
            try:
                proc.stdin.close()
            except BrokenPipeError:
                broken = True
        code = proc.wait()
        if code != 0 or broken:
            raise PipelineError('%s failed: %s exited with %s: %s' % (purpose, os.path.basename(argv[0]), code,
                                                                      last_lines(tail(err, 4000))))
    return fed


def decompressed_lines(path, compression):
    """The lines of a (compressed) file, read through the decompressor; PipelineError when it fails."""
    if compression == 'none':
        with open(path, 'rb') as handle:
            yield from handle
        return
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(decompress_command(compression, path), stdout=subprocess.PIPE, stderr=err)
        try:
            yield from proc.stdout
        finally:
            proc.stdout.close()
            code = proc.wait()
        if code != 0:
            raise PipelineError('decompressing %s failed: %s' % (path, last_lines(tail(err))))


def _copy_decompressed(path, compression, out):
    copied = 0
    if compression == 'none':
        with open(path, 'rb') as handle:
            while True:
                block = handle.read(COPY_CHUNK)
                if not block:
                    return copied
                out.write(block)
                copied += len(block)
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(decompress_command(compression, path), stdout=subprocess.PIPE, stderr=err)
        try:
            while True:
                block = proc.stdout.read(COPY_CHUNK)
                if not block:
                    break
                out.write(block)
                copied += len(block)
        finally:
            proc.stdout.close()
            code = proc.wait()
        if code != 0:
            raise PipelineError('decompressing %s failed: %s' % (path, last_lines(tail(err))))
    return copied
