"""traffic_hook, run in-process: the command gets the new primary, check mode runs nothing, a webhook is sent."""
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from ansible_collections.drkit.mysql.plugins.plugin_utils.in_process import run_in_process

PRIMARY = dict(new_primary="db-dr", host="127.0.0.1", port=3312)
RECORD = 'import os, sys; open(sys.argv[1], "w").write(" ".join(sys.argv[2:]) + "|" + os.environ["DRKIT_NEW_PRIMARY"]' \
         ' + " " + os.environ["DRKIT_NEW_PRIMARY_HOST"] + ":" + os.environ["DRKIT_NEW_PRIMARY_PORT"])'


def test_the_command_gets_the_new_primary_in_its_arguments_and_environment(tmp_path):
    out = tmp_path / "ran"
    result = run_in_process("traffic_hook", dict(PRIMARY, argv=["python3", "-c", RECORD, str(out), "set", "db-rw"]))
    assert result["changed"] and result["rc"] == 0, result
    assert out.read_text() == "set db-rw|db-dr 127.0.0.1:3312"


def test_check_mode_says_what_would_run_and_runs_nothing(tmp_path):
    out = tmp_path / "ran"
    result = run_in_process("traffic_hook", dict(PRIMARY, argv=["touch", str(out)]), check_mode=True)
    assert result["changed"] and result["msg"] == "would run touch %s" % out
    assert not out.exists()


def test_unless_makes_it_idempotent(tmp_path):
    marker = tmp_path / "dns"
    args = dict(PRIMARY, argv=["sh", "-c", 'echo "$DRKIT_NEW_PRIMARY_HOST" > %s' % marker],
                unless_argv=["sh", "-c", 'test "$(cat %s 2>/dev/null)" = "$DRKIT_NEW_PRIMARY_HOST"' % marker])
    assert run_in_process("traffic_hook", args, check_mode=True)["changed"]
    assert run_in_process("traffic_hook", args)["changed"]
    again = run_in_process("traffic_hook", args)
    assert not again["changed"] and "nothing run" in again["msg"], again


def test_a_failing_hook_fails_with_its_output():
    result = run_in_process("traffic_hook", dict(PRIMARY, argv=["sh", "-c", "echo 'zone locked' >&2; exit 4"]))
    assert result["failed"] and result["rc"] == 4 and "zone locked" in result["msg"], result


def test_argv_or_url_is_needed():
    result = run_in_process("traffic_hook", dict(PRIMARY))
    assert result["failed"] and "argv, url" in result["msg"]


@pytest.fixture
def webhook():
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(dict(path=self.path, body=json.loads(body), auth=self.headers.get("Authorization")))
            self.send_response(204 if self.path.startswith("/ok") else 409)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield "http://127.0.0.1:%d" % server.server_port, received
    server.shutdown()


def test_the_webhook_gets_the_new_primary_and_the_token_stays_hidden(webhook):
    base, received = webhook
    args = dict(PRIMARY, url=base + "/ok/pool?token=abc", method="PUT", headers=dict(Authorization="Bearer tok-123"))
    result = run_in_process("traffic_hook", args)
    assert result["changed"] and result["status"] == 204, result
    assert received == [dict(path="/ok/pool?token=abc", body=dict(new_primary="db-dr", host="127.0.0.1", port=3312),
                             auth="Bearer tok-123")]
    assert "tok-123" not in repr(result) and "token=abc" not in repr(result)


def test_a_refused_webhook_fails(webhook):
    base = webhook[0]
    result = run_in_process("traffic_hook", dict(PRIMARY, url=base + "/busy", method="PUT"))
    assert result["failed"] and "409" in result["msg"], result


def test_check_mode_sends_no_request(webhook):
    base, received = webhook
    result = run_in_process("traffic_hook", dict(PRIMARY, url=base + "/ok", method="PUT"), check_mode=True)
    assert result["changed"] and result["msg"] == "would run PUT %s/ok" % base and received == []
