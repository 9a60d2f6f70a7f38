# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tell the rest of the world about the new primary: a command of the operator's, or a webhook.

DNS updates, cloud load balancers and service registries differ too much to be modules of their own;
what they share is "run this with the new primary's name, address and port". The command gets them
as environment variables (and in its arguments, which the role templates), never through a shell.
"""
import json

from ansible.module_utils.urls import open_url

from ansible_collections.drkit.mysql.plugins.module_utils import commands


class HookFailure(Exception):
    """The hook could not run or said no; ``str()`` is the sentence to show."""


def primary_env(name, host, port):
    """The environment variables a hook command gets."""
    return {"DRKIT_NEW_PRIMARY": name or "", "DRKIT_NEW_PRIMARY_HOST": host, "DRKIT_NEW_PRIMARY_PORT": str(port)}


def run_argv(argv, env, timeout):
    """Run ``argv`` (no shell) with ``env`` added to this process's environment: (rc, stdout, stderr)."""
    try:
        return commands.run_argv(argv, timeout, env)
    except commands.CommandNotRun as exc:
        if exc.timed_out:
            raise HookFailure("%s did not end within %s s; it was killed." % (" ".join(argv), timeout)) from None
        raise HookFailure("Cannot run %s: %s." % (argv[0], exc)) from None


def webhook_body(body, name, host, port):
    """The JSON document sent: ``body`` when given, else the new primary's name, host and port."""
    if body is None:
        body = dict(new_primary=name, host=host, port=int(port))
    return body if isinstance(body, str) else json.dumps(body, sort_keys=True)


def call_webhook(url, method, body, headers, timeout, validate_certs=True):
    """Send the request; returns (status, first 2000 characters of the answer); raises HookFailure."""
    all_headers = {"Content-Type": "application/json"}
    all_headers.update(headers or {})
    try:
        response = open_url(url, data=body, method=method, headers=all_headers, timeout=timeout,
                            validate_certs=validate_certs, follow_redirects="safe")
        return response.getcode(), response.read(2000).decode("utf-8", "replace")
    except Exception as exc:  # urllib raises HTTPError, URLError, socket errors, ...
        status = getattr(exc, "code", None)
        detail = ""
        if hasattr(exc, "read"):
            try:
                detail = ": " + exc.read(500).decode("utf-8", "replace").strip()
            except Exception:
                detail = ""
        raise HookFailure("The webhook %s %s failed (%s)%s" % (
            method, shown_url(url), status if status else exc, detail)) from None


def shown_url(url):
    """The URL without its query string, which may carry a token."""
    return url.split("?", 1)[0]
