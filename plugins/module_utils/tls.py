# -*- coding: utf-8 -*-
# Copyright: drkit.mysql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""TLS settings of a connection, one reading for PyMySQL and for the client tools.

The options are named as community.mysql names them (``ca_cert``,
``client_cert``, ``client_key``, ``check_hostname``); the older
``ssl_ca``/``ssl_cert``/``ssl_key``/``ssl_verify_server_cert`` names are
their aliases.  A module's validated parameters carry the first names; a
hand-made parameter dict (tests, in-process callers) may carry either.

Rules, the same for the module's own session and for the tools it runs:

- any of ``ca_cert``/``client_cert``/``client_key`` turns TLS on;
- with ``ca_cert`` the server's certificate chain is verified, and its name
  too unless ``check_hostname: false`` (unset means verify, as PyMySQL and
  community.mysql do);
- ``check_hostname: true`` without ``ca_cert`` is refused: there is nothing
  to verify the certificate with.

Stdlib only: this file runs on managed hosts with Python 3.8+.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# (option name, its alias): the option name wins when both are given.
TLS_OPTIONS = (
    ('ca_cert', 'ssl_ca'),
    ('client_cert', 'ssl_cert'),
    ('client_key', 'ssl_key'),
    ('check_hostname', 'ssl_verify_server_cert'),
)


class TLSConfigError(ValueError):
    """The TLS options contradict each other; ``str()`` is the sentence to show."""


def _value(params, name, alias):
    value = params.get(name)
    if value is None or value == '':
        value = params.get(alias)
    return None if value == '' else value


def tls_settings(params):
    """``None`` (plain connection) or ``dict(ca, cert, key, check_hostname)`` with check_hostname resolved."""
    ca, cert, key, check = (_value(params, name, alias) for name, alias in TLS_OPTIONS)
    if not (ca or cert or key):
        if check:
            raise TLSConfigError('check_hostname needs ca_cert (the CA to verify the server certificate with).')
        return None
    if check and not ca:
        raise TLSConfigError('check_hostname needs ca_cert (the CA to verify the server certificate with).')
    if bool(cert) != bool(key):
        raise TLSConfigError('client_cert and client_key go together (a certificate and its private key).')
    if check is None:
        check = bool(ca)
    return dict(ca=ca, cert=cert, key=key, check_hostname=bool(check))


def pymysql_ssl(settings):
    """The ``ssl`` argument of ``pymysql.connect`` for ``tls_settings()``'s result."""
    ssl = dict(check_hostname=settings['check_hostname'])
    for key in ('ca', 'cert', 'key'):
        if settings.get(key):
            ssl[key] = settings[key]
    if not settings.get('ca'):
        ssl['verify_mode'] = False  # encrypted, the server's certificate not verified
    return ssl


def tool_options(settings, flavor='mariadb'):
    """``[client]`` options giving the command-line tools the same TLS settings (none when plain).

    Any ``ssl-*`` file option turns TLS on.  MariaDB's clients (mariadb,
    mariadb-dump, mariadb-binlog, mariabackup, and mydumper/myloader linked
    with libmariadb) verify the chain whenever ``ssl-ca`` is given and the
    name with ``ssl-verify-server-cert``; MySQL 5.7.11+ clients say the same
    with ``ssl-mode`` and stop at an option file naming
    ``ssl-verify-server-cert``.
    """
    if not settings:
        return []
    options = []
    for key, name in (('ca', 'ssl-ca'), ('cert', 'ssl-cert'), ('key', 'ssl-key')):
        if settings.get(key):
            options.append((name, settings[key]))
    if flavor == 'mysql':
        if settings.get('ca'):
            mode = 'VERIFY_IDENTITY' if settings['check_hostname'] else 'VERIFY_CA'
        else:
            mode = 'REQUIRED'
        options.append(('ssl-mode', mode))
    elif settings['check_hostname']:
        options.append(('ssl-verify-server-cert', None))
    return options
