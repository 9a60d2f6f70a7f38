"""Notification payloads, the file sink and the POST: no URL path and no token in anything printed or written."""
import json
import os
import stat

from ansible_collections.drkit.mysql.plugins.plugin_utils import notify

FIELDS = dict(event="resolved", status="succeeded", title="DR failover", rto_seconds=4.2, report="/r/x.html",
              details={"RPO": "0"}, time="2026-11-24T13:00:00Z")


def test_webhook_url_is_named_by_scheme_and_host_only():
    assert notify.redact_url("https://hooks.slack.com/services/T0/B0/secret") == "https://hooks.slack.com/…"
    assert notify.redact_url("http://user:pw@127.0.0.1:8080/x?token=1") == "http://127.0.0.1:8080/…"


def test_payload_shapes():
    body, kind = notify.payload("text", "hello", FIELDS)
    assert json.loads(body) == {"text": "hello"} and kind == "application/json"
    body, kind = notify.payload("json", "hello", FIELDS)
    data = json.loads(body)
    assert data["text"] == "hello" and data["rto_seconds"] == 4.2 and data["report"] == "/r/x.html"
    assert data["eta"] is None
    body, kind = notify.payload("plain", "hello", FIELDS)
    assert body == b"hello" and kind.startswith("text/plain")


def test_file_sink_appends_blocks_or_lines_with_mode_0600(tmp_path):
    path = str(tmp_path / "new" / "incident.log")
    notify.append(path, notify.file_record("text", "one\ntwo\n", FIELDS))
    notify.append(path, notify.file_record("text", "three", FIELDS))
    assert open(path).read() == "one\ntwo\n\nthree\n\n"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
    os.chmod(path, 0o644)
    notify.append(path, notify.file_record("json", "four", FIELDS))
    assert json.loads(open(path).read().splitlines()[-1])["text"] == "four"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


class FakeResponse(object):
    def __init__(self, code):
        self.code = code

    def getcode(self):
        return self.code

    def close(self):
        pass


def test_post_sends_the_token_header_and_reports_success():
    seen = {}

    def open_url(url, **kwargs):
        seen.update(kwargs, url=url)
        return FakeResponse(204)

    status, error = notify.post(open_url, "https://h.example/x/secret", b"{}", "application/json", token="t0k",
                                timeout=2)
    assert (status, error) == (204, None)
    assert seen["headers"]["Authorization"] == "Bearer t0k" and seen["timeout"] == 2 and seen["method"] == "POST"


def test_post_errors_never_carry_the_url_path_or_the_token():
    def refused(url, **kwargs):
        raise OSError("cannot reach %s with t0k" % url)

    status, error = notify.post(refused, "https://h.example/x/secret", b"{}", "application/json", token="t0k")
    assert status is None and "could not be reached" in error
    assert "secret" not in error and "t0k" not in error and "https://h.example/…" in error

    class HTTPError(Exception):
        code = 403
        reason = "Forbidden"

    def forbidden(url, **kwargs):
        raise HTTPError()

    status, error = notify.post(forbidden, "https://h.example/x/secret", b"{}", "application/json")
    assert status == 403 and "HTTP 403" in error


def test_outcome():
    assert notify.outcome_ok("succeeded") and notify.outcome_ok("success")
    assert not notify.outcome_ok("failed") and not notify.outcome_ok("refused")
