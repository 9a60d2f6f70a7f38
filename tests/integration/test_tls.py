"""TLS to MariaDB, with a CA this test makes: the modules' own sessions, the tools they run, replication.

The test makes a CA, a server certificate (subject alternative names 127.0.0.1 and localhost), a client
certificate and a second, unrelated CA with ``openssl``, and starts its own small mariadbd with ssl_ca/ssl_cert/
ssl_key on LAB_PORT_BASE + 80 (and a replica of it on + 81), so the shared lab is left as it is.  Accounts:
``tls_user`` is REQUIRE SSL, ``x509_user`` REQUIRE X509 (so a tool that connects as it proves it got the client
certificate), ``tls_repl`` REQUIRE SSL for replication (``tls_admin`` manages the replica).
"""
import os
import shutil
import subprocess

import pymysql
import pytest

from helpers import LAB_PORT_BASE, ProcessWatch, run_module
from scratch_server import ScratchServer

PORT = LAB_PORT_BASE + 80
REPLICA_PORT = LAB_PORT_BASE + 81
SECRETS = {"tls_user": "tls-user-secret", "x509_user": "x509-user-secret", "tls_repl": "tls-repl-secret",
           "tls_admin": "tls-admin-secret"}


def openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True, capture_output=True, timeout=60)


def make_pki(directory):
    """CA, server and client certificates signed by it, and another CA that signed nothing of ours."""
    directory.mkdir()
    d = str(directory)
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=drkit test CA",
            "-keyout", "ca.key", "-out", "ca.pem", cwd=d)
    (directory / "server.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    for name, subject in (("server", "/CN=drkit test server"), ("client", "/CN=drkit test client")):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", name + ".key",
                "-out", name + ".csr", cwd=d)
        extra = ["-extfile", "server.ext"] if name == "server" else []
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "2", "-out", name + ".pem", *extra, cwd=d)
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=some other CA",
            "-keyout", "other-ca.key", "-out", "other-ca.pem", cwd=d)
    return dict((name, str(directory / name)) for name in (
        "ca.pem", "server.pem", "server.key", "client.pem", "client.key", "other-ca.pem"))


class TlsServer(ScratchServer):
    def __init__(self, base, port, server_id, pki):
        ScratchServer.__init__(self, base, port, server_id, bind_address="127.0.0.1,127.0.0.2", options=[
            "--ssl-ca=%s" % pki["ca.pem"], "--ssl-cert=%s" % pki["server.pem"], "--ssl-key=%s" % pki["server.key"]])
        self.pki = pki


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    root = tmp_path_factory.mktemp("tls")
    pki = make_pki(root / "pki")
    primary = TlsServer(root / "primary", PORT, 80, pki)
    replica = TlsServer(root / "replica", REPLICA_PORT, 81, pki)
    try:
        primary.start()
        replica.start()
        primary.sql(
            "CREATE USER 'tls_user'@'127.0.0.1' IDENTIFIED BY '%(tls_user)s' REQUIRE SSL;"
            "GRANT ALL PRIVILEGES ON *.* TO 'tls_user'@'127.0.0.1';"
            "CREATE USER 'x509_user'@'127.0.0.1' IDENTIFIED BY '%(x509_user)s' REQUIRE X509;"
            "GRANT ALL PRIVILEGES ON *.* TO 'x509_user'@'127.0.0.1';"
            "CREATE USER 'tls_repl'@'127.0.0.1' IDENTIFIED BY '%(tls_repl)s' REQUIRE SSL;"
            "GRANT REPLICATION SLAVE ON *.* TO 'tls_repl'@'127.0.0.1';"
            "CREATE DATABASE tlsdb; CREATE TABLE tlsdb.t (id INT PRIMARY KEY, v VARCHAR(20));"
            "INSERT INTO tlsdb.t VALUES (1, 'one'), (2, 'two'), (3, 'three');" % SECRETS)
        replica.sql("SET SESSION sql_log_bin = 0;"
                    "CREATE USER 'tls_admin'@'127.0.0.1' IDENTIFIED BY '%(tls_admin)s' REQUIRE SSL;"
                    "GRANT ALL PRIVILEGES ON *.* TO 'tls_admin'@'127.0.0.1';" % SECRETS)
        yield dict(pki=pki, root=root, primary=primary, replica=replica)
    finally:
        primary.stop()
        replica.stop()
        shutil.rmtree(str(root), ignore_errors=True)


def login(user, port=PORT, **options):
    return dict(dict(login_host="127.0.0.1", login_port=port, login_user=user, login_password=SECRETS[user]),
                **options)


def attempt(args):
    """topology_facts' result."""
    return run_module("topology_facts", args)


def facts(args):
    """topology_facts' result and its facts."""
    result = attempt(args)
    return result, result.get("ansible_facts", {}).get("drkit_mysql_topology")


def test_module_sessions_are_encrypted_and_verified(tls):
    pki = tls["pki"]
    result, topology = facts(login("tls_user", ca_cert=pki["ca.pem"]))
    assert not result.get("failed"), result.get("msg")
    assert topology["session_tls"]["cipher"] and topology["session_tls"]["version"].startswith("TLSv1.")
    # a REQUIRE X509 account: only with the client certificate (the old ssl_* names are aliases)
    result, topology = facts(login("x509_user", ssl_ca=pki["ca.pem"], ssl_cert=pki["client.pem"],
                                   ssl_key=pki["client.key"]))
    assert not result.get("failed"), result.get("msg")
    assert topology["session_tls"]["cipher"]
    refused = attempt(login("x509_user", ca_cert=pki["ca.pem"]))
    assert refused["failed"] and "access denied" in refused["msg"] and "client_cert" in refused["msg"]
    # the certificate names 127.0.0.1 and localhost: the server also listens on 127.0.0.2, a name it lacks
    result = attempt(login("tls_user", ca_cert=pki["ca.pem"], login_host="localhost"))
    assert not result.get("failed"), result.get("msg")
    other_name = login("tls_user", ca_cert=pki["ca.pem"], login_host="127.0.0.2")
    result = attempt(other_name)
    assert result["failed"] and "does not name 127.0.0.2" in result["msg"] and "check_hostname" in result["msg"], result
    result, topology = facts(dict(other_name, check_hostname=False))
    assert not result.get("failed"), result.get("msg")
    assert topology["session_tls"]["cipher"]


def test_a_wrong_ca_fails_with_a_clear_message(tls):
    result = attempt(login("tls_user", ca_cert=tls["pki"]["other-ca.pem"]))
    assert result["failed"]
    message = result["msg"]
    assert message.startswith("Cannot connect to the server at 127.0.0.1:%d as tls_user: the server's TLS "
                              "certificate is not signed by ca_cert" % PORT), message
    assert SECRETS["tls_user"] not in str(result)
    contradiction = attempt(login("tls_user", check_hostname=True))
    assert contradiction["failed"] and "check_hostname needs ca_cert" in contradiction["msg"]


def test_plain_connections_are_refused_for_the_tls_accounts(tls):
    for user in ("tls_user", "x509_user"):
        with pytest.raises(pymysql.err.OperationalError) as refused:
            pymysql.connect(host="127.0.0.1", port=PORT, user=user, password=SECRETS[user], ssl_disabled=True)
        assert refused.value.args[0] == 1045
    plain = subprocess.run(["mariadb", "--no-defaults", "--skip-ssl", "-h127.0.0.1", "-P%d" % PORT, "-utls_user",
                            "-e", "SELECT 1"], input="", capture_output=True, text=True, timeout=30,
                           env=dict(os.environ, MYSQL_PWD=SECRETS["tls_user"]), check=False)
    assert plain.returncode != 0 and "Access denied" in plain.stderr


def test_backup_and_restore_tools_connect_over_tls_through_the_option_file(tls, tmp_path):
    pki = tls["pki"]
    x509 = login("x509_user", ca_cert=pki["ca.pem"], client_cert=pki["client.pem"], client_key=pki["client.key"])
    with ProcessWatch(list(SECRETS.values()) + [pki["client.key"], pki["client.pem"]]) as watch:
        dump = run_module("backup", dict(x509, dest=str(tmp_path / "b"), prefix="tls", databases=["tlsdb"],
                                         verify=True))
        assert not dump.get("failed"), dump.get("msg")
        mydumper = run_module("backup", dict(x509, dest=str(tmp_path / "m"), prefix="tls", engine="mydumper",
                                             databases=["tlsdb"]))
        assert not mydumper.get("failed"), mydumper.get("msg")
        restored = run_module("restore", dict(x509, src=dump["path"], databases=["tlsdb"],
                                              target_database="tlsdb_back"))
        assert not restored.get("failed"), restored.get("msg")
        events = run_module("binlog_events", dict(x509, from_server=True, databases=["tlsdb"], with_rows=True))
        assert not events.get("failed"), events.get("msg")
    # x509_user is REQUIRE X509: mariadb-dump, mydumper, the mariadb client and mariadb-binlog had the client
    # certificate, and neither it nor the password nor any TLS option was on a command line (ps -eo args)
    assert watch.leaks == []
    assert not [shown for shown in watch.started.values() if "ssl" in shown or pki["ca.pem"] in shown]
    assert watch.samples >= 10
    assert tls["primary"].sql("SELECT COUNT(*) FROM tlsdb_back.t") == [["3"]]
    assert [e["type"] for e in events["events"] if e["db"] == "tlsdb"][-1:] == ["insert"], events["events"]
    for directory, _dirnames, filenames in os.walk(dump["path"]):
        assert os.stat(directory).st_mode & 0o777 == 0o700
        assert all(os.stat(os.path.join(directory, name)).st_mode & 0o777 == 0o600 for name in filenames)


def test_physical_backup_over_tls(tls, tmp_path):
    pki = tls["pki"]
    x509 = login("x509_user", ca_cert=pki["ca.pem"], client_cert=pki["client.pem"], client_key=pki["client.key"])
    result = run_module("backup", dict(x509, dest=str(tmp_path), prefix="tls", engine="physical"))
    assert not result.get("failed"), result.get("msg")
    assert result["manifest"]["tool"]["name"] == "mariabackup"


def test_a_tool_given_the_wrong_ca_fails(tls, tmp_path):
    """The option file the modules write is what the tools obey: mariadb-dump with another CA is refused."""
    from ansible_collections.drkit.mysql.plugins.module_utils.option_file import (
        client_options, defaults_option, private_option_file)

    params = login("tls_user", ca_cert=tls["pki"]["other-ca.pem"])
    with private_option_file(client_options(params)) as cnf:
        proc = subprocess.run(["mariadb-dump", defaults_option(cnf), "tlsdb"], capture_output=True, text=True,
                              timeout=30, check=False)
    assert proc.returncode != 0 and "TLS/SSL error" in proc.stderr, proc.stderr


def test_replication_over_tls(tls):
    pki = tls["pki"]
    replica = tls["replica"]
    result = run_module("replica", dict(
        login("tls_admin", port=REPLICA_PORT, ca_cert=pki["ca.pem"]), source_host="127.0.0.1", source_port=PORT,
        source_user="tls_repl", source_password=SECRETS["tls_repl"], source_ssl_ca=pki["ca.pem"],
        wait_for_gtid=tls["primary"].sql("SELECT @@gtid_binlog_pos")[0][0], timeout=30, read_only=True))
    assert not result.get("failed"), result.get("msg")
    assert SECRETS["tls_repl"] not in str(result)
    status = dict(zip(*[line.split("\t") for line in subprocess.run(
        ["mariadb", "--no-defaults", "--socket=%s" % replica.socket, "--batch", "-e", "SHOW SLAVE STATUS"],
        capture_output=True, text=True, check=True, timeout=30).stdout.splitlines()[:2]]))
    assert status["Slave_IO_Running"] == "Yes" and status["Master_SSL_Allowed"] == "Yes", status
    assert status["Master_SSL_CA_File"] == pki["ca.pem"]
    assert replica.sql("SELECT COUNT(*) FROM tlsdb.t") == [["3"]]
