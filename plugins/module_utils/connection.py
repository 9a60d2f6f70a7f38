"""One way to open a server connection, shared by every module.

Why a helper: every module needs the same options (host/port/socket, option
file, TLS, timeout) and the same promise that a failure becomes one sentence
naming the server and what to do, instead of a PyMySQL traceback.
"""
import os

from ansible_collections.drkit.mysql.plugins.module_utils.tls import TLSConfigError, pymysql_ssl, tls_settings

try:
    import pymysql
    import pymysql.constants.CLIENT
    import pymysql.cursors
    HAS_PYMYSQL = True
    PYMYSQL_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - exercised only without PyMySQL
    HAS_PYMYSQL = False
    PYMYSQL_IMPORT_ERROR = exc


def connection_argument_spec():
    """Argument spec of the connection options (see the ``connection`` doc fragment)."""
    return dict(
        login_host=dict(type="str"),
        login_port=dict(type="int"),
        login_user=dict(type="str"),
        login_password=dict(type="str", no_log=True),
        login_unix_socket=dict(type="path"),
        config_file=dict(type="path", default="~/.my.cnf"),
        # TLS: community.mysql's names; the older ssl_* names are aliases (module_utils/tls.py).
        ca_cert=dict(type="path", aliases=["ssl_ca"]),
        client_cert=dict(type="path", aliases=["ssl_cert"]),
        client_key=dict(type="path", aliases=["ssl_key"], no_log=False),
        check_hostname=dict(type="bool", aliases=["ssl_verify_server_cert"]),
        connect_timeout=dict(type="int", default=10),
    )


def other_server_spec():
    """Suboptions of a list entry naming another server (promote's ``fence``, table_checksum's ``targets``)."""
    return dict(
        name=dict(type="str", required=True),
        login_host=dict(type="str"),
        login_port=dict(type="int"),
        login_user=dict(type="str"),
        login_password=dict(type="str", no_log=True),
        login_unix_socket=dict(type="path"),
    )


class ConnectionFailure(Exception):
    """A connection could not be made; ``str()`` is the sentence to show."""


def describe_target(params):
    """How a person names the server: ``127.0.0.1:3310`` or ``socket /run/x.sock``."""
    if params.get("login_unix_socket"):
        return "socket %s" % params["login_unix_socket"]
    host = params.get("login_host") or "localhost"
    port = params.get("login_port") or 3306
    return "%s:%s" % (host, port)


def _connect_kwargs(params):
    kwargs = dict(
        connect_timeout=params.get("connect_timeout") or 10,
        autocommit=True,
        charset="utf8mb4",
        cursorclass=pymysql.cursors.DictCursor,
    )
    config_file = params.get("config_file")
    if config_file and os.path.exists(os.path.expanduser(config_file)):
        kwargs["read_default_file"] = os.path.expanduser(config_file)
    if params.get("login_unix_socket"):
        kwargs["unix_socket"] = params["login_unix_socket"]
    else:
        if params.get("login_host"):
            kwargs["host"] = params["login_host"]
        if params.get("login_port"):
            kwargs["port"] = params["login_port"]
    if params.get("login_user"):
        kwargs["user"] = params["login_user"]
    if params.get("login_password") is not None:
        kwargs["password"] = params["login_password"]
    settings = tls_settings(params)
    if settings:
        kwargs["ssl"] = pymysql_ssl(settings)
    return kwargs


def explain_connect_error(exc, params):
    """Turn a PyMySQL/OS error into one sentence naming the server and a next step."""
    target = describe_target(params)
    user = params.get("login_user") or "the option file's user"
    args = getattr(exc, "args", ())
    code = args[0] if args and isinstance(args[0], int) else None
    text = str(args[1] if len(args) > 1 else exc)
    lowered = text.lower()
    prefix = "Cannot connect to the server at %s as %s" % (target, user)
    if code == 1045:
        if params.get("client_cert") or params.get("ssl_cert"):
            return prefix + (": access denied, so the user name or password is wrong"
                             " (check login_user/login_password or the vault).")
        # MariaDB/MySQL answer an account's REQUIRE SSL/X509 refusal with the same error as a bad password.
        return prefix + (": access denied, so the user name or password is wrong (check login_user/login_password or"
                         " the vault), or the account is REQUIRE X509/SUBJECT and needs client_cert/client_key.")
    if code == 1130 or code == 1044:
        return prefix + (": the server refuses this account from this client (%s);"
                         " check the account's host part and grants." % text)
    if code == 1049:
        return prefix + ": the database does not exist (%s)." % text
    if params.get("login_unix_socket") and ("no such file" in lowered or "errno 2]" in lowered):
        return prefix + ": the socket file does not exist, so the server is not running or the path is wrong."
    if "connection refused" in lowered:
        return prefix + ": nothing is listening there (connection refused); is the server running on that port?"
    if "timed out" in lowered or "timeout" in lowered:
        return prefix + (": no answer within %s seconds (host down, firewall or wrong address)."
                         % params.get("connect_timeout"))
    if "name or service not known" in lowered or "nodename nor servname" in lowered:
        return prefix + ": the host name does not resolve."
    if "mismatch" in lowered or "not valid for" in lowered or "doesn't match" in lowered:
        return prefix + (": the server's TLS certificate does not name %s (%s); connect with the name the"
                         " certificate gives, or set check_hostname: false." % (params.get("login_host"), text))
    if "certificate" in lowered and "verify" in lowered:
        return prefix + (": the server's TLS certificate is not signed by ca_cert (%s); check that ca_cert is"
                         " the CA that signed the server certificate." % text)
    if "ssl" in lowered or "certificate" in lowered or "tls" in lowered:
        return prefix + ": the TLS handshake failed (%s); check ca_cert/client_cert/client_key." % text
    return prefix + ": %s." % text.rstrip(".")


def connect(params, multi_statements=False):
    """Open an autocommit DictCursor connection or raise ConnectionFailure.

    ``multi_statements``: several statements per round trip (flashback sends its escaped statements in groups).
    """
    if not HAS_PYMYSQL:
        raise ConnectionFailure("PyMySQL is not installed on the host running the module (pip install PyMySQL).")
    try:
        kwargs = _connect_kwargs(params)
    except TLSConfigError as exc:
        raise ConnectionFailure("Cannot connect to the server at %s: %s" % (describe_target(params), exc)) from None
    if multi_statements:
        kwargs["client_flag"] = pymysql.constants.CLIENT.MULTI_STATEMENTS
    try:
        return pymysql.connect(**kwargs)
    except Exception as exc:  # PyMySQL raises several unrelated types here
        raise ConnectionFailure(explain_connect_error(exc, params)) from None


def server_bool(value):
    """A server variable's text ('ON', 'OFF', '1', '0', 'YES', ...) as a bool; None stays None."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).strip().upper() in ("ON", "1", "TRUE", "YES")


def server_int(value):
    """A server value as an int, or None when it is missing or not a number."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def placeholders(count):
    """``%s, %s, ...`` for an IN list whose values go as parameters."""
    return ", ".join(["%s"] * count)


def read_variables(cursor, names):
    """Read global variables in one statement of their own.

    ``SHOW GLOBAL VARIABLES`` keeps variables away from table reads, which
    MariaDB 10.11 gets wrong (``SELECT @@read_only, COUNT(*) FROM t``).
    Missing variables are absent from the result, not None.
    """
    names = list(names)
    if not names:
        return {}
    cursor.execute("SHOW GLOBAL VARIABLES WHERE Variable_name IN (%s)" % placeholders(len(names)), names)
    return dict((row["Variable_name"], row["Value"]) for row in cursor.fetchall())


def query_all(cursor, sql, params=None):
    """Run a read statement and return its rows as dicts."""
    cursor.execute(sql, params)
    return list(cursor.fetchall())
