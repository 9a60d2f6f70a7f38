"""haproxy_backend without a running HAProxy (the lab test has one): file rewrite, haproxy -c, reload, refusals."""
import os
import shutil

import pytest

from ansible_collections.drkit.mysql.plugins.plugin_utils.in_process import run_in_process

CONFIG = """global
    maxconn 100

defaults
    mode tcp
    timeout connect 2s
    timeout client 60s
    timeout server 60s

listen mysql_writer
    bind 127.0.0.1:3306
    server primary 127.0.0.1:3310 check
"""
needs_haproxy = pytest.mark.skipif(not shutil.which("haproxy"), reason="haproxy is not installed")


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "haproxy.cfg"
    path.write_text(CONFIG)
    os.chmod(path, 0o640)
    return path


def args(config, **extra):
    base = dict(config=str(config), backend="mysql_writer", server="primary", host="127.0.0.1", port=3312,
                validate=False)
    base.update(extra)
    return base


def test_check_mode_shows_the_diff_and_writes_nothing(config):
    result = run_in_process("haproxy_backend", args(config), check_mode=True, diff=True)
    assert result["changed"] and result["config_changed"] and not result["runtime_changed"], result
    assert "server primary 127.0.0.1:3312 check" in result["diff"][0]["after"]
    assert config.read_text() == CONFIG


def test_rewrite_keeps_mode_and_a_backup_then_rerun_is_no_change(config, tmp_path):
    marker = tmp_path / "reloaded"
    result = run_in_process("haproxy_backend", args(config, reload_argv=["touch", str(marker)]))
    assert result["changed"] and result["reload"]["rc"] == 0 and marker.exists(), result
    assert "server primary 127.0.0.1:3312 check" in config.read_text()
    assert os.stat(config).st_mode & 0o777 == 0o640
    assert open(result["backup_file"]).read() == CONFIG
    marker.unlink()
    again = run_in_process("haproxy_backend", args(config, reload_argv=["touch", str(marker)]))
    assert not again["changed"] and not marker.exists()


def test_without_socket_or_reload_it_warns(config):
    result = run_in_process("haproxy_backend", args(config))
    assert result["changed"] and "still uses 127.0.0.1:3310" in result["warnings"][0]


@needs_haproxy
def test_haproxy_c_refuses_and_the_file_stays(config, tmp_path):
    result = run_in_process("haproxy_backend", args(config, host="no-such-host.invalid", validate=True))
    assert result["failed"] and "haproxy -c refused" in result["msg"], result
    assert config.read_text() == CONFIG
    assert sorted(os.listdir(tmp_path)) == ["haproxy.cfg"]  # neither the temporary file nor a backup left


@needs_haproxy
def test_haproxy_c_accepts(config):
    result = run_in_process("haproxy_backend", args(config, validate=True))
    assert result["changed"] and not result.get("failed"), result


def test_runtime_api_needs_an_ip(config):
    result = run_in_process("haproxy_backend", args(config, host="db-dr.example.net", socket="/nonexistent.sock"))
    assert result["failed"] and "not an IP address" in result["msg"]


def test_wrong_names_fail_clearly(config):
    result = run_in_process("haproxy_backend", args(config, backend="mysql_rw"))
    assert result["failed"] and "no 'backend mysql_rw'" in result["msg"]
    result = run_in_process("haproxy_backend", args(config, socket="/nonexistent.sock"))
    assert result["failed"] and "Cannot use HAProxy's runtime API" in result["msg"]
    assert config.read_text() == CONFIG
