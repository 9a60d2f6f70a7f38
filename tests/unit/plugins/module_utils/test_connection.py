"""Connection errors become one sentence that names the server and the next step."""
import pytest

from ansible_collections.drkit.mysql.plugins.module_utils import connection
from ansible_collections.drkit.mysql.plugins.module_utils.connection import (
    _connect_kwargs,
    describe_target,
    explain_connect_error,
)

pymysql = pytest.importorskip("pymysql")

TCP = dict(login_host="db1.example", login_port=3306, login_user="drkit_admin", connect_timeout=5)


@pytest.mark.parametrize("error, params, expected", [
    (pymysql.err.OperationalError(1045, "Access denied for user 'drkit_admin'@'10.0.0.5' (using password: YES)"),
     TCP, "Cannot connect to the server at db1.example:3306 as drkit_admin: access denied"),
    (pymysql.err.OperationalError(2003, "Can't connect to MySQL server on 'db1.example' ([Errno 111] Connection "
                                        "refused)"), TCP, "nothing is listening there (connection refused)"),
    (pymysql.err.OperationalError(2003, "Can't connect to MySQL server on 'db1.example' (timed out)"),
     TCP, "no answer within 5 seconds"),
    (pymysql.err.OperationalError(2003, "Can't connect to MySQL server on 'localhost' ([Errno 2] No such file or "
                                        "directory)"),
     dict(login_unix_socket="/run/mysqld/mysqld.sock", login_user="u"),
     "at socket /run/mysqld/mysqld.sock as u: the socket file does not exist"),
    (pymysql.err.OperationalError(1130, "Host '10.0.0.5' is not allowed to connect to this MariaDB server"),
     TCP, "refuses this account from this client"),
    (pymysql.err.OperationalError(2003, "Can't connect to MySQL server on 'nohost' ([Errno -2] Name or service not "
                                        "known)"), TCP, "the host name does not resolve"),
])
def test_error_sentences(error, params, expected):
    message = explain_connect_error(error, params)
    assert expected in message
    assert "\n" not in message and message.endswith((".", "?"))


def test_target_defaults():
    assert describe_target({}) == "localhost:3306"
    assert describe_target(dict(login_host="h", login_port=3310)) == "h:3310"
    assert describe_target(dict(login_host="h", login_unix_socket="/s")) == "socket /s"


def test_option_file_only_used_when_present(tmp_path):
    present = tmp_path / "my.cnf"
    present.write_text("[client]\nuser=x\n")
    assert _connect_kwargs(dict(config_file=str(present)))["read_default_file"] == str(present)
    assert "read_default_file" not in _connect_kwargs(dict(config_file=str(tmp_path / "missing.cnf")))


def test_explicit_options_and_tls():
    kwargs = _connect_kwargs(dict(login_host="h", login_port=3307, login_user="u", login_password="p",
                                  ssl_ca="/ca.pem", ssl_verify_server_cert=True, connect_timeout=3))
    assert (kwargs["host"], kwargs["port"], kwargs["user"], kwargs["password"]) == ("h", 3307, "u", "p")
    assert kwargs["ssl"] == {"ca": "/ca.pem", "check_hostname": True}
    assert kwargs["autocommit"] is True and kwargs["connect_timeout"] == 3
    socket_kwargs = _connect_kwargs(dict(login_host="h", login_port=3307, login_unix_socket="/s"))
    assert socket_kwargs["unix_socket"] == "/s" and "host" not in socket_kwargs and "port" not in socket_kwargs


def test_connect_wraps_errors(monkeypatch):
    def refuse(**_kwargs):
        raise pymysql.err.OperationalError(1045, "Access denied")
    monkeypatch.setattr(connection.pymysql, "connect", refuse)
    with pytest.raises(connection.ConnectionFailure, match="access denied"):
        connection.connect(dict(TCP))


class RecordingCursor(object):
    def __init__(self, rows):
        self.rows, self.executed = rows, []

    def execute(self, sql, params=None):
        self.executed.append((sql, params))

    def fetchall(self):
        return self.rows


def test_variables_read_in_a_statement_of_their_own():
    cursor = RecordingCursor([{"Variable_name": "read_only", "Value": "ON"}])
    assert connection.read_variables(cursor, ["read_only", "log_bin"]) == {"read_only": "ON"}
    sql, params = cursor.executed[0]
    assert sql == "SHOW GLOBAL VARIABLES WHERE Variable_name IN (%s, %s)" and params == ["read_only", "log_bin"]
