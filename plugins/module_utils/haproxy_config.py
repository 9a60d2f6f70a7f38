# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Point one ``server`` line of a HAProxy config at another address.

Pure text in, text out, so every rule is unit-tested; the module validates the result with
``haproxy -c`` before it replaces the file. Only the address token of the one line changes (and a
``disabled`` keyword goes, since the server must take traffic): comments, order and the server's
other settings stay as the operator wrote them, so the diff is one line.
"""
import re

# Keywords that open a section (HAProxy's configuration manual, "Configuration file format").
SECTION_KEYWORDS = ("global", "defaults", "frontend", "backend", "listen", "peers", "resolvers", "userlist",
                    "mailers", "program", "cache", "http-errors", "ring")
# Sections that can hold ``server`` lines of a proxy.
PROXY_SECTIONS = ("backend", "listen")


class HAProxyConfigError(Exception):
    """The config does not have what was asked for; ``str()`` says what and where to look."""


def _words(line):
    return line.split("#", 1)[0].split()


def format_address(host, port):
    """``host:port``, IPv6 in brackets-free HAProxy style (``::1:3306`` is ambiguous, so ``[::1]:3306``)."""
    if ":" in host and not host.startswith("["):
        return "[%s]:%s" % (host, port)
    return "%s:%s" % (host, port)


def split_address(token):
    """``10.0.0.5:3306`` -> ('10.0.0.5', 3306); ``[::1]:3306`` -> ('::1', 3306); no port -> (host, None)."""
    match = re.match(r"^\[([^\]]+)\](?::(\d+))?$", token)
    if match:
        return match.group(1), int(match.group(2)) if match.group(2) else None
    host, sep, port = token.rpartition(":")
    if sep and port.isdigit() and ":" not in host:
        return host, int(port)
    return token, None


def find_server(text, backend, server):
    """(line index, words) of ``server <server>`` in ``backend``/``listen <backend>``; raises when absent."""
    lines = text.splitlines()
    current = None
    seen_section = False
    for index, line in enumerate(lines):
        words = _words(line)
        if not words:
            continue
        if words[0] in SECTION_KEYWORDS:
            current = words[1] if words[0] in PROXY_SECTIONS and len(words) > 1 else None
            seen_section = seen_section or current == backend
            continue
        if current == backend and words[0] == "server" and len(words) > 2 and words[1] == server:
            return index, words
    if not seen_section:
        raise HAProxyConfigError("The HAProxy config has no 'backend %s' (or 'listen %s') section; check "
                                 "the backend name." % (backend, backend))
    raise HAProxyConfigError("Section %s of the HAProxy config has no 'server %s <address>' line; check the "
                             "server name." % (backend, server))


def set_server_address(text, backend, server, host, port):
    """Return (new_text, old_address, new_address): the server line names ``host:port``, enabled."""
    index, words = find_server(text, backend, server)
    lines = text.splitlines(True)
    line = lines[index]
    old = words[2]
    new = format_address(host, port)
    code, newline = (line[:-1], "\n") if line.endswith("\n") else (line, "")
    body, hash_, comment = code.partition("#")
    # Replace the third word of the line in place: keeps indentation and spacing.
    match = re.match(r"^(\s*server\s+\S+\s+)(\S+)(.*)$", body)
    rest = re.sub(r"(\s)disabled(?=\s|$)", "", match.group(3))
    lines[index] = match.group(1) + new + rest + hash_ + comment + newline
    return "".join(lines), old, new
