"""Readers for the recorded ``mysql``/``mariadb`` client outputs under tests/unit/fixtures.

The fixtures keep the client's vertical (``\\G``) format exactly as printed, so
they can be compared with a terminal by eye; this turns them back into the
dicts a PyMySQL DictCursor would give (``NULL`` -> None, values as text).
"""
import collections
import os
import re

import pytest

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), 'fixtures')

_ROW_RE = re.compile(r'^\*+ (\d+)\. row \*+$')
_KEY_RE = re.compile(r'^\s*([A-Za-z_@][A-Za-z0-9_@]*):(?: (.*))?$')

Capture = collections.namedtuple('Capture', 'name description command rows')


def parse_vertical(text):
    """Rows of ``\\G`` output as a list of dicts.

    A line that is neither a row marker nor ``Key: value`` continues the
    previous value (mysql prints multi-line GTID sets that way).
    """
    rows = []
    row = None
    last_key = None
    for line in text.splitlines():
        if _ROW_RE.match(line.strip()):
            row = {}
            rows.append(row)
            last_key = None
            continue
        if row is None:
            if line.strip():
                raise ValueError('text before the first row marker: %r' % line)
            continue
        match = _KEY_RE.match(line)
        if match:
            last_key = match.group(1)
            row[last_key] = match.group(2) or ''
        elif last_key is not None:
            row[last_key] += '\n' + line
        elif line.strip():
            raise ValueError('value line before any key: %r' % line)
    for parsed in rows:
        for key, value in parsed.items():
            parsed[key] = None if value == 'NULL' else value
    return rows


def load_captures(filename):
    """Captures of one fixture file, by name, in file order."""
    with open(os.path.join(FIXTURES, 'replica_status', filename)) as handle:
        lines = handle.read().splitlines()
    sections = collections.OrderedDict()
    name = None
    for line in lines:
        if line.startswith('=== '):
            name = line[4:].strip()
            if name in sections:
                raise ValueError('%s: capture %r appears twice' % (filename, name))
            sections[name] = []
        elif name is not None:
            sections[name].append(line)
    captures = collections.OrderedDict()
    for name, body in sections.items():
        description, command, output = [], None, []
        for line in body:
            if not output and line.startswith('#'):
                description.append(line.lstrip('# ').rstrip())
            elif not output and command is None and line.startswith('$ '):
                command = line[2:]
            elif output or line.strip():
                output.append(line)
        while output and not output[-1].strip():
            output.pop()
        captures[name] = Capture(name, ' '.join(description), command, parse_vertical('\n'.join(output)))
    return captures


@pytest.fixture
def capture():
    """``capture(filename, name)`` -> Capture of one recorded output."""
    cache = {}

    def get(filename, name):
        if filename not in cache:
            cache[filename] = load_captures(filename)
        return cache[filename][name]

    return get


@pytest.fixture
def captures():
    """``captures(filename)`` -> every Capture of a fixture file, by name."""
    return load_captures


@pytest.fixture
def vertical():
    """The ``\\G`` parser itself, for its own tests."""
    return parse_vertical
