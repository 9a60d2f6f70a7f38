# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action drkit.mysql.notify: render an incident message and send it to a webhook and/or a file, on the controller.

No module round trip (a notification costs milliseconds, not an interpreter start); the settings (FROM_VARS) not
given in the task are read from the variables ``notify_<option>`` (inventory, vault), so a playbook passes only what
it knows and a run where neither ``notify_webhook_url`` nor ``notify_file`` is set skips at once. The task carrying it should be
``no_log: true``: the action prints its own line (what was sent where, never the URL's path or the token) and its
warnings.
"""
import datetime
import os
import socket

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.urls import open_url
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.drkit.mysql.plugins.plugin_utils import notify as sink

try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core < 2.19 renders any string
    def trust_as_template(value):
        return value

display = Display()

DEFAULT_TEMPLATE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                "roles", "notify", "templates", "notify_message.j2")

ARGUMENT_SPEC = dict(
    event=dict(type="str", required=True, choices=list(sink.EVENTS)),
    status=dict(type="str"),
    title=dict(type="str", default="MySQL/MariaDB incident"),
    summary=dict(type="str", default=""),
    severity=dict(type="str", default=""),
    impact=dict(type="str", default=""),
    eta=dict(type="str", default=""),
    who=dict(type="str", default=""),
    rto_seconds=dict(type="float"),
    report=dict(type="str", default=""),
    details=dict(type="dict", default={}),
    template=dict(type="path"),
    webhook_url=dict(type="str", default="", no_log=True),
    webhook_token=dict(type="str", default="", no_log=True),
    webhook_token_header=dict(type="str", default="Authorization"),
    webhook_token_prefix=dict(type="str", default="Bearer "),
    webhook_format=dict(type="str", default="text", choices=list(sink.WEBHOOK_FORMATS)),
    webhook_headers=dict(type="dict", default={}),
    validate_certs=dict(type="bool", default=True),
    timeout=dict(type="float", default=3.0),
    file=dict(type="path"),
    file_format=dict(type="str", default="text", choices=list(sink.FILE_FORMATS)),
    required=dict(type="bool", default=False),
)
# Options a playbook leaves to the inventory: read from notify_<name> when the task does not give them.
FROM_VARS = ("severity", "impact", "eta", "who", "template", "webhook_url", "webhook_token", "webhook_token_header",
             "webhook_token_prefix", "webhook_format", "webhook_headers", "validate_certs", "timeout", "file",
             "file_format", "required")


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)
    _supports_check_mode = True

    def _options(self, task_vars):
        args = dict(self._task.args)
        for name in FROM_VARS:
            var = "notify_" + name
            if args.get(name) is None and var in task_vars:
                value = self._templar.template(task_vars[var])
                if value is not None:
                    # A vaulted string (ansible-core 2.19 EncryptedString) is decrypted by str().
                    str_option = ARGUMENT_SPEC[name]["type"] in ("str", "path")
                    args[name] = to_text(value) if str_option and not isinstance(value, str) else value
        validated = ArgumentSpecValidator(ARGUMENT_SPEC).validate(args)
        if validated.error_messages:
            raise AnsibleActionFail("notify: %s" % "; ".join(validated.error_messages))
        return validated.validated_parameters

    def _render(self, options, fields):
        path = options["template"] or DEFAULT_TEMPLATE
        try:
            with open(path, "rb") as handle:
                source = to_text(handle.read())
        except Exception as exc:  # noqa: BLE001 - any unreadable template is the same error
            raise AnsibleActionFail("notify: cannot read the message template %s: %s" % (path, exc)) from None
        templar = self._templar.copy_with_new_env(available_variables=dict(fields))
        try:
            return to_text(templar.template(trust_as_template(source), escape_backslashes=False)).strip("\n")
        except Exception as exc:  # noqa: BLE001
            raise AnsibleActionFail("notify: the message template %s failed: %s" % (path, exc)) from None

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        task_vars = task_vars or {}
        options = self._options(task_vars)
        url = options["webhook_url"].strip()
        path = options["file"]
        result.update(changed=False, sent=False, file=None)
        if not url and not path:
            result.update(skipped=True, skip_reason="no notify_webhook_url or notify_file set")
            return result
        event = options["event"]
        fields = dict(event=event, status=options["status"] or sink.DEFAULT_STATUS[event],
                      time=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                      controller=socket.gethostname())
        for name in ("title", "summary", "severity", "impact", "eta", "who", "rto_seconds", "report", "details"):
            fields[name] = options[name]
        fields["ok"] = sink.outcome_ok(fields["status"])
        message = self._render(options, fields)
        body, content_type = sink.payload(options["webhook_format"], message, fields)
        public = dict((k, v) for k, v in fields.items() if k != "controller")
        result.update(message=message, fields=public, epoch=round(datetime.datetime.now().timestamp(), 3))
        targets = ([sink.redact_url(url)] if url else []) + ([path] if path else [])
        if self._task.check_mode:
            display.display("notify (check mode): would send this %s message to %s:\n%s"
                            % (event, " and ".join(targets), _indent(message)))
            return result

        problems = []
        if path:
            try:
                result["file"] = sink.append(path, sink.file_record(options["file_format"], message, public))
            except OSError as exc:
                problems.append("the notification file %s could not be written: %s" % (path, exc))
        if url:
            status, error = sink.post(open_url, url, body, content_type, token=options["webhook_token"],
                                      token_header=options["webhook_token_header"],
                                      token_prefix=options["webhook_token_prefix"],
                                      headers=options["webhook_headers"], timeout=options["timeout"],
                                      validate_certs=options["validate_certs"])
            result["http_status"] = status
            result["sent"] = error is None
            if error:
                problems.append(error)
        done = (["webhook %s (HTTP %s)" % (sink.redact_url(url), result["http_status"])] if result["sent"] else []) \
            + ([result["file"]] if result["file"] else [])
        display.display("notify: %s message %s:\n%s"
                        % (event, ("sent to " + " and ".join(done)) if done else "NOT sent", _indent(message)))
        if problems:
            result["errors"] = problems
            text = "; ".join(problems)
            if options["required"]:
                display.warning("notify: %s (notify_required is set: the run fails)" % text)
                result.update(failed=True, msg="The %s notification failed: %s" % (event, text))
            else:
                display.warning("notify: %s; the run goes on (set notify_required: true to make this fatal)" % text)
        return result


def _indent(text):
    return "\n".join("    " + line for line in text.splitlines())
