# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The server settings of MySQL option files (my.cnf), as the upgraded server would read them.

Why read the files and not only SHOW GLOBAL VARIABLES: a variable the target removed stops the new
server at start-up ("unknown variable") only because an option file still sets it, and the file is
what the operator has to edit. So every server setting is kept with its file and line, to name the
exact line to delete or rewrite. ``!include`` and ``!includedir`` are followed like the server does.
"""
import glob
import os
import re

# Groups the server reads: [mysqld], [server], [mysqld-8.0], [mariadb], [mariadbd], [mariadb-11.4] ...
_SERVER_GROUP = re.compile(r"^(mysqld(-\d+(\.\d+)*)?|server|mariadb|mariadbd|mariadb-\d+(\.\d+)*)$", re.I)
_GROUP = re.compile(r"^\s*\[([^\]]+)\]\s*$")
_OPTION = re.compile(r"^\s*([A-Za-z0-9_.-]+)\s*(?:=\s*(.*?))?\s*$")
_PREFIXES = ("loose_", "skip_", "enable_", "disable_", "maximum_")
MAX_INCLUDE_DEPTH = 10


class ConfigError(ValueError):
    """An option file cannot be read."""


def _value(text):
    if text is None:
        return None
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return re.split(r"\s+#", text, maxsplit=1)[0].strip()


def normalize(option):
    """(variable name, loose) of an option as written: dashes are underscores, loose-/skip-/enable- dropped."""
    name = option.strip().lower().replace("-", "_")
    loose = False
    changed = True
    while changed:
        changed = False
        for prefix in _PREFIXES:
            if name.startswith(prefix) and len(name) > len(prefix):
                loose = loose or prefix == "loose_"
                name = name[len(prefix):]
                changed = True
    return name, loose


def parse_option_text(text, path="<text>"):
    """Settings of one file's text: dicts with path, line, group, option, name, value, loose, raw; and includes."""
    settings, includes = [], []
    group = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("!include"):
            directive, _sep, target = line.partition(" ")
            includes.append((directive, target.strip()))
            continue
        match = _GROUP.match(line)
        if match:
            group = match.group(1).strip()
            continue
        match = _OPTION.match(line)
        if not match or group is None:
            continue
        name, loose = normalize(match.group(1))
        settings.append(dict(path=path, line=number, group=group, option=match.group(1), name=name,
                             value=_value(match.group(2)), loose=loose, raw=line,
                             server=bool(_SERVER_GROUP.match(group))))
    return settings, includes


def read_option_files(paths, reader=None):
    """Server settings of the files in order (includes followed where they appear); missing files are listed.

    ``reader(path)`` returns a file's text (tests pass a dict's get); returns (settings, files read, missing).
    """
    def read(path):
        if reader is not None:
            return reader(path)
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                return handle.read()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise ConfigError("cannot read %s: %s" % (path, exc)) from None

    settings, seen, missing = [], [], []

    def visit(path, depth):
        if path in seen or depth > MAX_INCLUDE_DEPTH:
            return
        text = read(path)
        if text is None:
            missing.append(path)
            return
        seen.append(path)
        found, includes = parse_option_text(text, path)
        settings.extend(item for item in found if item["server"])
        base = os.path.dirname(path)
        for directive, target in includes:
            target = target if os.path.isabs(target) else os.path.join(base, target)
            if directive == "!includedir":
                for child in sorted(glob.glob(os.path.join(target, "*.cnf"))):
                    visit(child, depth + 1)
            else:
                visit(target, depth + 1)

    for path in paths:
        visit(os.path.expanduser(path), 0)
    return settings, seen, missing


def last_setting(settings, name):
    """The setting of ``name`` that wins (the last one read), or None."""
    found = [item for item in settings if item["name"] == name]
    return found[-1] if found else None
