# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Set ``key = value`` lines of an option-file/ini style config in one pass.

Pure text in, text out, so that every edit rule is unit-tested and the module only reads,
writes and backs up the file. One pass for every key keeps an application's DB config
consistent: host and port change in the same write.
"""
import re

SECTION = re.compile(r"^\s*\[([^\]]+)\]\s*$")


def _key_pattern(key):
    return re.compile(r"^(\s*)%s(\s*)=(\s*)(.*?)\s*$" % re.escape(key))


def set_settings(text, settings, section=None):
    """Return (new_text, changes) with every key of ``settings`` set.

    The first line of a key (inside ``section`` when given) gets the value, keeping its indentation
    and spacing; later duplicates of it are left alone (the first one wins in option files, and
    deleting lines is not this function's business). A missing key is appended at the end of the
    section, or of the file; a missing section is added. ``changes`` lists (key, old value or None, new).
    """
    lines = text.splitlines(True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    wanted = dict((str(k), "" if v is None else str(v)) for k, v in settings.items())
    patterns = dict((k, _key_pattern(k)) for k in wanted)
    found = {}
    changes = []
    current = None
    section_end = None  # index after the last line of the wanted section
    for index, line in enumerate(lines):
        match = SECTION.match(line)
        if match:
            current = match.group(1).strip()
            if section is not None and current == section:
                section_end = index + 1
            continue
        in_scope = section is None or current == section
        if not in_scope:
            continue
        if section is not None:
            section_end = index + 1
        for key, pattern in patterns.items():
            if key in found:
                continue
            setting = pattern.match(line.rstrip("\n"))
            if setting:
                found[key] = index
                old = setting.group(4)
                if old != wanted[key]:
                    lines[index] = "%s%s%s=%s%s\n" % (setting.group(1), key, setting.group(2),
                                                      setting.group(3), wanted[key])
                    changes.append((key, old, wanted[key]))
    missing = [k for k in wanted if k not in found]
    if missing:
        added = ["%s = %s\n" % (k, wanted[k]) for k in missing]
        if section is not None and section_end is None:
            if lines and lines[-1].strip():
                lines.append("\n")
            lines.append("[%s]\n" % section)
            lines.extend(added)
        elif section is not None:
            lines[section_end:section_end] = added
        else:
            lines.extend(added)
        changes.extend((k, None, wanted[k]) for k in missing)
    return "".join(lines), changes


# Keys whose values a diff or a result never shows: password, passwd, pwd, secret, token, api-key, ...
SECRET_KEY = re.compile(r"(pass(?!ive)|pwd|secret|token|(^|[-_.])key$|credential)", re.I)
SECRET_LINE = re.compile(r"^(\s*)([^=\s#;\[][^=]*?)(\s*)=(\s*)(.*?)(\s*)$")
MASK = "********"


def is_secret_key(key):
    return bool(SECRET_KEY.search(str(key).strip()))


def redact(text):
    """``text`` with the value of every secret-looking ``key = value`` line replaced by a mask (for --diff)."""
    out = []
    for line in text.splitlines(True):
        body = line.rstrip("\r\n")
        match = SECRET_LINE.match(body)
        if match and match.group(5) and is_secret_key(match.group(2)):
            body = "%s%s%s=%s%s" % (match.group(1), match.group(2), match.group(3), match.group(4), MASK)
        out.append(body + line[len(line.rstrip("\r\n")):])
    return "".join(out)


def redact_changes(changes):
    """``set_settings``'s changes with the values of secret keys masked (a changed password shows as changed)."""
    return [(key, old if old is None or not is_secret_key(key) else MASK, new if not is_secret_key(key) else MASK)
            for key, old, new in changes]
