"""Credentials go to a private 0600 option file that disappears afterwards; never to argv."""
import os
import shutil
import stat
import subprocess

import pytest

from ansible_collections.drkit.mysql.plugins.module_utils import option_file

PARAMS = dict(login_host='127.0.0.1', login_port=3410, login_user='drkit_backup', login_password='s3cr"et\\x',
              login_unix_socket=None, ssl_ca=None, ssl_cert=None, ssl_key=None, ssl_verify_server_cert=False,
              connect_timeout=10)


def test_client_options_tcp():
    assert option_file.client_options(PARAMS) == [
        ('user', 'drkit_backup'), ('password', 's3cr"et\\x'), ('host', '127.0.0.1'), ('port', 3410),
        ('protocol', 'TCP')]


def test_client_options_socket_and_tls():
    params = dict(PARAMS, login_unix_socket='/run/mysqld/mysqld.sock', ssl_ca='/ca.pem', ssl_verify_server_cert=True)
    options = dict(option_file.client_options(params))
    assert options['socket'] == '/run/mysqld/mysqld.sock'
    assert 'host' not in options and 'port' not in options and 'protocol' not in options
    assert options['ssl-ca'] == '/ca.pem' and options['ssl-verify-server-cert'] is None


def test_minimal_options_for_mariabackup():
    assert option_file.client_options(PARAMS, minimal=True) == [
        ('user', 'drkit_backup'), ('password', 's3cr"et\\x'), ('host', '127.0.0.1'), ('port', 3410)]


def test_mydumper_gets_no_protocol():
    assert 'protocol' not in dict(option_file.client_options(PARAMS, protocol_option=False))


def test_render_quotes_and_escapes():
    text = option_file.render(option_file.client_options(PARAMS), groups=('client', 'mydumper'))
    assert '[client]\n' in text and '[mydumper]\n' in text
    assert 'password="s3cr\\"et\\\\x"' in text
    assert 'port=3410' in text


def test_line_breaks_are_refused():
    with pytest.raises(ValueError):
        option_file.quote_value('a\nb')


def test_defaults_option():
    assert option_file.defaults_option('/t/c.cnf') == '--defaults-extra-file=/t/c.cnf'
    assert option_file.defaults_option('/t/c.cnf', extra=False) == '--defaults-file=/t/c.cnf'


def test_private_file_modes_and_cleanup():
    with option_file.private_option_file(option_file.client_options(PARAMS)) as path:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
        directory = os.path.dirname(path)
    assert not os.path.exists(directory)


def test_private_file_removed_on_error():
    with pytest.raises(RuntimeError):
        with option_file.private_option_file([('user', 'x')]) as path:
            raise RuntimeError('boom')
    assert not os.path.exists(os.path.dirname(path))


@pytest.mark.skipif(not shutil.which('my_print_defaults'), reason='my_print_defaults not installed')
def test_the_client_library_reads_back_the_exact_password():
    with option_file.private_option_file(option_file.client_options(PARAMS)) as path:
        out = subprocess.run(['my_print_defaults', '--defaults-file=%s' % path, 'client'], check=True,
                             capture_output=True, text=True).stdout.splitlines()
    assert '--password=s3cr"et\\x' in out
    assert '--user=drkit_backup' in out and '--protocol=TCP' in out
