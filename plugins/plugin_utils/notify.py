# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The parts of the drkit.mysql.notify action that need no Ansible: payloads, redaction, the file sink, the POST.

Secrets (the webhook URL, whose path is often the secret itself, and the token) never go into a payload, a file,
a message or an error text: errors name the webhook by scheme and host only.
"""
import json
import os
import socket

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover - Python 2
    from urlparse import urlsplit

EVENTS = ("start", "progress", "resolved")
DEFAULT_STATUS = {"start": "started", "progress": "in progress", "resolved": "succeeded"}
WEBHOOK_FORMATS = ("text", "json", "plain")
FILE_FORMATS = ("text", "json")
# Fields of a message, in the order of the generic JSON body.
FIELDS = ("event", "status", "title", "summary", "severity", "impact", "eta", "who", "rto_seconds", "report",
          "details", "time")


def redact_url(url):
    """``https://hooks.example.com/…``: where the webhook is, without its path, query or credentials."""
    try:
        parts = urlsplit(str(url))
        host = parts.hostname or "?"
        if parts.port:
            host = "%s:%d" % (host, parts.port)
        return "%s://%s/…" % (parts.scheme or "?", host)
    except ValueError:
        return "(unparsable URL)"


def outcome_ok(status):
    """Whether a resolved message's status means success (for the subject line)."""
    return str(status).strip().lower() in ("succeeded", "success", "ok", "resolved", "done", "changed")


def payload(fmt, message, fields):
    """The webhook body (bytes) and its content type. ``text``: ``{"text": ...}`` (Slack, Teams, Mattermost,
    Rocket.Chat incoming webhooks); ``json``: every field plus ``text``; ``plain``: the message as text/plain."""
    if fmt == "plain":
        return message.encode("utf-8"), "text/plain; charset=utf-8"
    if fmt == "json":
        body = dict((name, fields.get(name)) for name in FIELDS)
        body["text"] = message
    else:
        body = {"text": message}
    return json.dumps(body, sort_keys=False, default=str).encode("utf-8"), "application/json"


def file_record(fmt, message, fields):
    """What one message appends to the file sink: a text block and a blank line, or one JSON line."""
    if fmt == "json":
        body = dict((name, fields.get(name)) for name in FIELDS)
        body["text"] = message
        return json.dumps(body, default=str) + "\n"
    return message.rstrip("\n") + "\n\n"


def append(path, record):
    """Append ``record`` to ``path`` (created 0600 in a 0700 directory if missing; kept 0600)."""
    path = os.path.abspath(os.path.expanduser(path))
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        os.makedirs(directory, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, record.encode("utf-8"))
    finally:
        os.close(fd)
    return path


def post(open_url, url, body, content_type, token="", token_header="Authorization",  # noqa: S107 - header names
         token_prefix="Bearer ", headers=None, timeout=3.0, validate_certs=True):  # noqa: S107
    """POST ``body``; returns (HTTP status, None) or (status or None, error text without the URL or the token)."""
    all_headers = {"Content-Type": content_type, "User-Agent": "drkit.mysql-notify"}
    all_headers.update(headers or {})
    if token:
        all_headers[token_header] = "%s%s" % (token_prefix or "", token)
    where = redact_url(url)
    try:
        response = open_url(url, data=body, headers=all_headers, method="POST", timeout=timeout,
                            validate_certs=validate_certs, follow_redirects="safe")
        status = response.getcode()
        response.close()
    except (socket.timeout, TimeoutError):
        return None, "the webhook %s did not answer within %s s" % (where, timeout)
    except Exception as exc:  # noqa: BLE001 - HTTPError, URLError, ssl, socket: all are a failed notification
        status = getattr(exc, "code", None)
        reason = getattr(exc, "reason", None) or exc
        text = str(reason).replace(str(url), where)
        if token:
            text = text.replace(str(token), "********")
        if status:
            return status, "the webhook %s answered HTTP %s (%s)" % (where, status, text)
        return None, "the webhook %s could not be reached: %s" % (where, text)
    if status is not None and status >= 300:
        return status, "the webhook %s answered HTTP %s" % (where, status)
    return status, None
