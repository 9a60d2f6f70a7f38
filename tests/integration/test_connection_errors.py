"""Bad connection input gives one sentence that names the server."""
from helpers import LAB_PORTS, admin_args, run_module


def failure(args):
    result = run_module("topology_facts", args)
    assert result.get("failed") is True, result
    message = result["msg"]
    assert "\n" not in message and message.count(". ") == 0, message
    assert "Traceback" not in message
    return message


def test_wrong_password(lab):
    message = failure(admin_args("db-primary", login_password="not-the-lab-password"))
    assert message.startswith("Cannot connect to the server at 127.0.0.1:%d as drkit_admin: access denied"
                              % LAB_PORTS["db-primary"])
    assert "not-the-lab-password" not in message


def test_unreachable_port(lab):
    closed_port = LAB_PORTS["db-primary"] + 89
    message = failure(admin_args("db-primary", login_port=closed_port))
    assert "127.0.0.1:%d" % closed_port in message and "connection refused" in message


def test_missing_socket(lab, tmp_path):
    socket_path = str(tmp_path / "nope.sock")
    message = failure(dict(login_unix_socket=socket_path, login_user="drkit_admin",
                           login_password="irrelevant-password"))
    assert ("socket %s" % socket_path) in message and "does not exist" in message


def test_option_file_supplies_credentials(lab, tmp_path):
    option_file = tmp_path / "my.cnf"
    option_file.write_text("[client]\nuser = drkit_admin\npassword = lab-admin-secret\nport = %d\n"
                           % LAB_PORTS["db-replica"])
    option_file.chmod(0o600)
    result = run_module("topology_facts", dict(login_host="127.0.0.1", config_file=str(option_file)))
    assert not result.get("failed"), result
    assert result["ansible_facts"]["drkit_mysql_topology"]["server_id"] == 2
