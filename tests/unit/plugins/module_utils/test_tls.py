"""TLS options: community.mysql's names (ssl_* aliases), one reading for PyMySQL and for the tools' option file."""
import pytest

from ansible_collections.drkit.mysql.plugins.module_utils import option_file
from ansible_collections.drkit.mysql.plugins.module_utils.connection import ConnectionFailure, _connect_kwargs, connect
from ansible_collections.drkit.mysql.plugins.module_utils.tls import (
    TLSConfigError,
    pymysql_ssl,
    tls_settings,
    tool_options,
)

BASE = dict(login_host='127.0.0.1', login_port=4390, login_user='drkit_backup', login_password='pw',
            login_unix_socket=None, connect_timeout=10)


def test_plain_connection_has_no_tls():
    assert tls_settings(BASE) is None
    assert tls_settings(dict(BASE, ca_cert=None, client_cert='', check_hostname=None)) is None
    assert 'ssl' not in _connect_kwargs(BASE)
    assert not [name for name, _value in option_file.client_options(BASE) if name.startswith('ssl')]


def test_ca_verifies_chain_and_name_by_default():
    settings = tls_settings(dict(BASE, ca_cert='/ca.pem'))
    assert settings == dict(ca='/ca.pem', cert=None, key=None, check_hostname=True)
    assert pymysql_ssl(settings) == dict(ca='/ca.pem', check_hostname=True)
    assert tool_options(settings) == [('ssl-ca', '/ca.pem'), ('ssl-verify-server-cert', None)]


def test_check_hostname_false_keeps_the_chain_check():
    settings = tls_settings(dict(BASE, ca_cert='/ca.pem', check_hostname=False))
    assert pymysql_ssl(settings) == dict(ca='/ca.pem', check_hostname=False)
    assert tool_options(settings) == [('ssl-ca', '/ca.pem')]


def test_client_certificate_without_ca_encrypts_without_verifying():
    settings = tls_settings(dict(BASE, client_cert='/c.pem', client_key='/c.key'))
    assert settings['check_hostname'] is False
    assert pymysql_ssl(settings) == dict(cert='/c.pem', key='/c.key', check_hostname=False, verify_mode=False)
    assert tool_options(settings) == [('ssl-cert', '/c.pem'), ('ssl-key', '/c.key')]


def test_old_ssl_names_still_work_and_lose_to_the_new_ones():
    old = tls_settings(dict(BASE, ssl_ca='/old-ca.pem', ssl_cert='/c.pem', ssl_key='/c.key',
                            ssl_verify_server_cert=False))
    assert old == dict(ca='/old-ca.pem', cert='/c.pem', key='/c.key', check_hostname=False)
    assert tls_settings(dict(BASE, ssl_ca='/old.pem', ca_cert='/new.pem'))['ca'] == '/new.pem'


@pytest.mark.parametrize('params, words', [
    (dict(check_hostname=True), 'check_hostname needs ca_cert'),
    (dict(client_cert='/c.pem', check_hostname=True), 'check_hostname needs ca_cert'),
    (dict(ca_cert='/ca.pem', client_cert='/c.pem'), 'client_cert and client_key go together'),
    (dict(ca_cert='/ca.pem', client_key='/c.key'), 'client_cert and client_key go together'),
])
def test_contradictions_are_one_sentence(params, words):
    with pytest.raises(TLSConfigError, match=words):
        tls_settings(dict(BASE, **params))
    with pytest.raises(ConnectionFailure) as failure:
        connect(dict(BASE, **params))
    assert str(failure.value).startswith('Cannot connect to the server at 127.0.0.1:4390: ' + words)


def test_mysql_tools_get_ssl_mode():
    assert tool_options(tls_settings(dict(BASE, ca_cert='/ca.pem')), 'mysql') == [
        ('ssl-ca', '/ca.pem'), ('ssl-mode', 'VERIFY_IDENTITY')]
    assert tool_options(tls_settings(dict(BASE, ca_cert='/ca.pem', check_hostname=False)), 'mysql')[-1] == (
        'ssl-mode', 'VERIFY_CA')
    assert tool_options(tls_settings(dict(BASE, client_cert='/c', client_key='/k')), 'mysql')[-1] == (
        'ssl-mode', 'REQUIRED')


def test_option_file_carries_tls_for_every_tool():
    params = dict(BASE, ca_cert='/tls/ca.pem', client_cert='/tls/c.pem', client_key='/tls/c.key')
    tls = [('ssl-ca', '/tls/ca.pem'), ('ssl-cert', '/tls/c.pem'), ('ssl-key', '/tls/c.key'),
           ('ssl-verify-server-cert', None)]
    # mariabackup (minimal) knows the ssl-* options too; mydumper gets them without protocol
    for kwargs in (dict(), dict(minimal=True), dict(protocol_option=False), dict(connect_timeout=True)):
        options = option_file.client_options(params, **kwargs)
        assert [option for option in options if option[0].startswith('ssl')] == tls, kwargs
    text = option_file.render(option_file.client_options(params), groups=('client', 'mydumper'))
    assert text.count('ssl-ca="/tls/ca.pem"\n') == 2 and text.count('\nssl-verify-server-cert\n') == 2
