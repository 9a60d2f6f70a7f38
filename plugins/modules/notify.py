#!/usr/bin/python
# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation of the drkit.mysql.notify action (it runs on the control node)."""

DOCUMENTATION = r"""
module: notify
short_description: Send an incident message to a webhook and/or a file, from a Jinja2 template
version_added: 0.1.0
description:
  - Renders one message (start, progress or resolved) from a Jinja2 template - the case book's communication
    template, what, impact, status, ETA, who, and for the end the RTO and the report - and POSTs it to an incoming
    webhook and/or appends it to a file, on the B(control node), whatever host the task runs for.
  - An action without a module round trip. The settings a playbook leaves to the inventory - O(severity),
    O(impact), O(eta), O(who), O(template), the C(webhook_*) options, O(validate_certs), O(timeout), O(file),
    O(file_format) and O(required) - are read from the variable C(notify_<option>) when the task does not give
    them (for example O(webhook_url) from C(notify_webhook_url) in the inventory or a vault file); when neither
    O(webhook_url) nor O(file) is set the task is skipped at once.
  - A webhook that fails or does not answer within O(timeout) seconds gives a warning and the task succeeds,
    unless O(required) is set.
  - The webhook URL (its path is often the secret) and the token never appear in the output, the result or the
    file; the action prints its own line (what was sent where, the webhook named by scheme and host only), so put
    C(no_log) on the task.
author: drkit.mysql maintainers (@drkit)
attributes:
  check_mode:
    support: full
    description: Prints the message and where it would go; sends and writes nothing.
  diff_mode:
    support: none
    description: A message has no before and after.
options:
  event:
    description: What the message is.
    type: str
    required: true
    choices: [start, progress, resolved]
  status:
    description: Status line; the event's own when omitted (started, in progress, succeeded).
    type: str
  title:
    description: Subject of the message.
    type: str
    default: MySQL/MariaDB incident
  summary:
    description: One line of what is happening.
    type: str
    default: ""
  severity:
    description: Severity, for example C(L1) to C(L3). Default from C(notify_severity).
    type: str
    default: ""
  impact:
    description: Which systems and users are affected. Default from C(notify_impact).
    type: str
    default: ""
  eta:
    description: When it should be over. Default from C(notify_eta).
    type: str
    default: ""
  who:
    description: Who to contact. Default from C(notify_who).
    type: str
    default: ""
  rto_seconds:
    description: Measured recovery time in seconds.
    type: float
  report:
    description: Where the report is.
    type: str
    default: ""
  details:
    description: More lines, one per key.
    type: dict
    default: {}
  template:
    description:
      - Path of a Jinja2 template on the control node; its variables are event, status, ok (the status means
        success), title, summary, severity, impact, eta, who, rto_seconds, report, details, time (UTC) and
        controller. Default from C(notify_template), else the collection's C(roles/notify/templates/notify_message.j2).
    type: path
  webhook_url:
    description: Incoming webhook URL. Default from C(notify_webhook_url).
    type: str
    default: ""
  webhook_token:
    description:
      - Token sent in O(webhook_token_header) after O(webhook_token_prefix). Default from C(notify_webhook_token).
    type: str
    default: ""
  webhook_token_header:
    description: Header that carries the token.
    type: str
    default: Authorization
  webhook_token_prefix:
    description: Text before the token in its header.
    type: str
    default: "Bearer "
  webhook_format:
    description:
      - C(text) posts a JSON object whose C(text) field is the message (Slack, Teams, Mattermost incoming
        webhooks); C(json) posts every field and C(text); C(plain) posts the message as C(text/plain).
    type: str
    choices: [text, json, plain]
    default: text
  webhook_headers:
    description: More HTTP headers.
    type: dict
    default: {}
  validate_certs:
    description: Verify the webhook's TLS certificate.
    type: bool
    default: true
  timeout:
    description: Seconds to wait for the webhook.
    type: float
    default: 3.0
  file:
    description: File on the control node the message is appended to, created with mode 0600 (kept 0600).
    type: path
  file_format:
    description: C(text) appends the message and a blank line; C(json) appends one JSON object on one line.
    type: str
    choices: [text, json]
    default: text
  required:
    description: Fail when the message cannot be delivered.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Tell the incident channel the failover starts
  drkit.mysql.notify:
    event: start
    title: DR failover
    summary: Promoting the DR site
    webhook_url: "{{ vault_incident_webhook }}"
    impact: Orders cannot be placed
    eta: 15 minutes
    who: DBA on call, +1 555 0100
  no_log: true

- name: Append the end to the incident log only
  drkit.mysql.notify:
    event: resolved
    status: succeeded
    rto_seconds: 42.1
    report: /srv/dr/reports/dr_failover-20261124T101500Z.html
    file: /var/log/drkit/incidents.log
  no_log: true
"""

RETURN = r"""
message:
  description: The rendered message.
  returned: when a webhook or a file is set
  type: str
fields:
  description: The message's fields (what the template saw, without the controller's name).
  returned: when a webhook or a file is set
  type: dict
epoch:
  description: When the message was made (seconds since the epoch); a later message can compute a duration from it.
  returned: when a webhook or a file is set
  type: float
sent:
  description: Whether the webhook accepted the message.
  returned: always
  type: bool
http_status:
  description: The webhook's HTTP status, if it answered.
  returned: when a webhook is set and not in check mode
  type: int
file:
  description: The file the message was appended to.
  returned: always
  type: str
errors:
  description: What could not be delivered (no URL path, no token).
  returned: when something failed
  type: list
  elements: str
"""
