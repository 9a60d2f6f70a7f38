# -*- coding: utf-8 -*-
# Copyright: drkit.mysql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Credentials for command-line tools, never on their command line.

A password in ``argv`` is visible to every local user through ``ps`` and
``/proc``.  The client tools (mariadb, mariadb-dump, mariabackup, mydumper,
myloader) read an option file instead: this writes one, mode 0600, in a
private 0700 temporary directory, and removes it when the ``with`` block
ends, whatever happens inside.

``--defaults-extra-file`` must be the first option of the tool (the option
parser ignores it anywhere else); ``defaults_option`` gives that argument.

Stdlib only: this file runs on managed hosts with Python 3.8+.
"""

from __future__ import absolute_import, division, print_function

import contextlib
import os
import shutil
import tempfile

from ansible_collections.drkit.mysql.plugins.module_utils.tls import tls_settings, tool_options

__metaclass__ = type

# Groups every client program reads (libmysqlclient and libmariadb both read [client]).
DEFAULT_GROUPS = ('client',)


def quote_value(value):
    """An option-file value in double quotes, with backslash and quote escaped."""
    text = str(value)
    if '\n' in text or '\r' in text:
        raise ValueError('option values cannot contain line breaks.')
    return '"%s"' % text.replace('\\', '\\\\').replace('"', '\\"')


def client_options(params, protocol_option=True, minimal=False, connect_timeout=False, flavor='mariadb'):
    """The ``[client]`` options for the module's connection parameters (see doc fragment ``connection``).

    Without a socket the connection is TCP, as PyMySQL does: ``host=localhost``
    alone would make the C clients use the default socket instead.  Some
    tools (mydumper 0.10) do not know ``protocol``: ``protocol_option=False``
    leaves it out.  ``connect-timeout`` is left out unless ``connect_timeout=True``
    (the mariadb client takes it; mariadb-dump stops at it: "unknown variable").
    mariabackup/xtrabackup stop at any ``[client]`` option they
    do not know: ``minimal=True`` gives only user, password, host, port, socket
    and the TLS options (which they know).  TLS settings (module_utils/tls.py)
    go here, like the password, never on the command line; ``flavor`` picks
    MariaDB's or MySQL's spelling.  Raises tls.TLSConfigError on contradictory
    TLS options.
    """
    options = []
    if params.get('login_user'):
        options.append(('user', params['login_user']))
    if params.get('login_password') is not None:
        options.append(('password', params['login_password']))
    if params.get('login_unix_socket'):
        options.append(('socket', params['login_unix_socket']))
    else:
        if params.get('login_host'):
            options.append(('host', params['login_host']))
        if params.get('login_port'):
            options.append(('port', int(params['login_port'])))
        if protocol_option and not minimal and (params.get('login_host') or params.get('login_port')):
            options.append(('protocol', 'TCP'))
    options.extend(tool_options(tls_settings(params), flavor))
    if minimal:
        return options
    if connect_timeout and params.get('connect_timeout'):
        options.append(('connect-timeout', int(params['connect_timeout'])))
    return options


def render(options, groups=DEFAULT_GROUPS):
    """Option-file text: the same options under each group."""
    lines = []
    for group in groups:
        lines.append('[%s]' % group)
        for name, value in options:
            if value is None:
                lines.append(name)
            elif isinstance(value, int) and not isinstance(value, bool):
                lines.append('%s=%d' % (name, value))
            else:
                lines.append('%s=%s' % (name, quote_value(value)))
        lines.append('')
    return '\n'.join(lines)


def defaults_option(path, extra=True):
    """The first argument of a tool: ``--defaults-extra-file=PATH`` (or ``--defaults-file`` for tools without it)."""
    return '--defaults-%sfile=%s' % ('extra-' if extra else '', path)


@contextlib.contextmanager
def private_option_file(options, groups=DEFAULT_GROUPS, name='client.cnf'):
    """Yield the path of a 0600 option file in a fresh 0700 directory; both are removed afterwards."""
    directory = tempfile.mkdtemp(prefix='drkit-cnf-')
    try:
        os.chmod(directory, 0o700)
        path = os.path.join(directory, name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, 'w') as handle:
            handle.write(render(options, groups))
        yield path
    finally:
        shutil.rmtree(directory, ignore_errors=True)
