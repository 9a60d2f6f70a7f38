# -*- coding: utf-8 -*-
# Copyright: drkit.mysql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Finding the command-line tools a backup or restore needs, and their versions.

The tool follows the server: MariaDB is dumped with mariadb-dump and copied
with mariabackup, MySQL with mysqldump and xtrabackup (a MariaDB client
dumping MySQL 8 misses its data dictionary details, and mariabackup cannot
copy MySQL 8 InnoDB at all).  A missing tool is one sentence naming the
Debian package that provides it.

Stdlib only: this file runs on managed hosts with Python 3.8+.
"""

from __future__ import absolute_import, division, print_function

import os
import re
import shutil
import subprocess

__metaclass__ = type

# Debian/Ubuntu package of each binary.
DEBIAN_PACKAGES = {
    'mariadb-dump': 'mariadb-client',
    'mariadb': 'mariadb-client',
    'mysqldump': 'mysql-client (MySQL) or mariadb-client',
    'mysql': 'mysql-client (MySQL) or mariadb-client',
    'mariabackup': 'mariadb-backup',
    'mariadb-backup': 'mariadb-backup',
    'xtrabackup': 'percona-xtrabackup-80 (from the Percona repository)',
    'mydumper': 'mydumper',
    'myloader': 'mydumper',
    'zstd': 'zstd',
    'gzip': 'gzip',
    'tar': 'tar',
}

# Binaries per (engine role, flavor), most preferred first.
_BINARIES = {
    ('dump', 'mariadb'): ('mariadb-dump', 'mysqldump'),
    ('dump', 'mysql'): ('mysqldump',),
    ('client', 'mariadb'): ('mariadb', 'mysql'),
    ('client', 'mysql'): ('mysql',),
    ('physical', 'mariadb'): ('mariabackup', 'mariadb-backup'),
    ('physical', 'mysql'): ('xtrabackup',),
    ('mydumper', 'mariadb'): ('mydumper',),
    ('mydumper', 'mysql'): ('mydumper',),
    ('myloader', 'mariadb'): ('myloader',),
    ('myloader', 'mysql'): ('myloader',),
}

_VERSION_RE = re.compile(r'(\d+\.\d+(?:\.\d+)?(?:-[0-9A-Za-z.]+)?)')


class ToolError(Exception):
    """A tool is missing or failed; ``str()`` is the sentence to show."""


def candidates(role, flavor):
    """Binary names for a role ('dump', 'client', 'physical', 'mydumper', 'myloader') and server flavor."""
    try:
        return _BINARIES[(role, flavor)]
    except KeyError:
        raise ToolError('no tool is known for %s on %s.' % (role, flavor)) from None


def missing_tool_message(names, purpose):
    """The sentence for a tool that is not installed."""
    packages = []
    for name in names:
        package = DEBIAN_PACKAGES.get(name, name)
        if package not in packages:
            packages.append(package)
    return ('%s needs %s, which is not installed on this host (not found in PATH); install the Debian package %s.'
            % (purpose, ' or '.join(names), ' or '.join(packages)))


def find_binary(names, purpose, which=shutil.which):
    """Absolute path of the first of ``names`` in PATH, or ToolError naming the package."""
    for name in names:
        path = which(name)
        if path:
            return path
    raise ToolError(missing_tool_message(names, purpose))


def find_tool(role, flavor, purpose, which=shutil.which):
    """(name, path) of the tool for a role and server flavor."""
    path = find_binary(candidates(role, flavor), purpose, which)
    return os.path.basename(path), path


def parse_version(text):
    """The first version-looking word of ``--version`` output, or the first line."""
    text = (text or '').strip()
    first = text.splitlines()[0] if text else ''
    distrib = re.search(r'Distrib (\S+?),', first)
    if distrib:
        return distrib.group(1)
    from_match = re.search(r'\bfrom (\d\S*?)(?:,|\s|$)', first)
    if from_match:
        return from_match.group(1)
    match = _VERSION_RE.search(first)
    return match.group(1) if match else first


def tool_version(path):
    """``path --version`` reduced to the version, e.g. '10.11.19-MariaDB' or '0.10.0'; None when it fails."""
    try:
        proc = subprocess.run([path, '--version'], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return parse_version(proc.stdout.decode('utf-8', 'replace'))


# -- compression ------------------------------------------------------------

COMPRESSIONS = ('zstd', 'gzip', 'none')
SUFFIXES = {'zstd': '.zst', 'gzip': '.gz', 'none': ''}


def choose_compression(requested, which=shutil.which):
    """'auto' becomes zstd when the zstd binary exists, else gzip; an explicit choice must be installed."""
    if requested == 'auto':
        return 'zstd' if which('zstd') else 'gzip'
    if requested not in COMPRESSIONS:
        raise ToolError('unknown compression %r; choose one of auto, %s.' % (requested, ', '.join(COMPRESSIONS)))
    if requested != 'none':
        find_binary((requested,), '%s compression' % requested, which)
    return requested


def compress_command(compression, level=None, threads=1):
    """argv of a compressor reading stdin and writing stdout."""
    if compression == 'zstd':
        argv = ['zstd', '-q', '-c', '-T%d' % max(1, int(threads))]
        if level is not None:
            argv.append('-%d' % int(level))
        return argv
    if compression == 'gzip':
        argv = ['gzip', '-c']
        if level is not None:
            argv.append('-%d' % int(level))
        return argv
    raise ToolError('no compressor for %r.' % (compression,))


def decompress_command(compression, path=None):
    """argv printing the decompressed file (or stdin) to stdout."""
    if compression == 'zstd':
        argv = ['zstd', '-q', '-d', '-c']
    elif compression == 'gzip':
        argv = ['gzip', '-d', '-c']
    else:
        raise ToolError('no decompressor for %r.' % (compression,))
    if path:
        argv.extend(['--', path])
    return argv


def test_command(compression, path):
    """argv that checks a compressed file's integrity (``zstd -t`` / ``gzip -t``)."""
    if compression == 'zstd':
        return ['zstd', '-q', '-t', '--', path]
    if compression == 'gzip':
        return ['gzip', '-t', '--', path]
    raise ToolError('no integrity test for %r.' % (compression,))


def compression_of(path):
    """Compression of a file, from its name."""
    if path.endswith('.zst'):
        return 'zstd'
    if path.endswith('.gz'):
        return 'gzip'
    return 'none'
