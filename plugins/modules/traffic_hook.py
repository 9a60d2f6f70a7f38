#!/usr/bin/python
# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module drkit.mysql.traffic_hook: run the operator's command or webhook that moves traffic."""

DOCUMENTATION = r"""
module: traffic_hook
short_description: Move traffic to the new primary with a command or a webhook of your own (DNS, cloud LB, registry)
version_added: 0.1.0
description:
  - For traffic that neither a config file, HAProxy nor ProxySQL steers, for example a DNS record, a cloud load
    balancer or a service registry. Runs O(argv) (an argument list, no shell) or sends a webhook (O(url)) with the new
    primary's name, address and port.
  - The command gets them as environment variables C(DRKIT_NEW_PRIMARY), C(DRKIT_NEW_PRIMARY_HOST) and
    C(DRKIT_NEW_PRIMARY_PORT) (and in its arguments when the play templates them). The webhook's JSON body is
    O(body), by default an object with the keys C(new_primary), C(host) and C(port).
  - O(unless_argv) makes the hook idempotent. It is a read-only check of your own (for example a C(dig) of the
    record); when it exits 0 the traffic already goes to the new primary and nothing runs.
  - Used by the C(drkit.mysql.app_repoint) role for app hosts with C(app_repoint_backend=command).
author: drkit.mysql maintainers (@drkit)
attributes:
  check_mode:
    support: full
    description: Runs only O(unless_argv) (a check) and reports the command or request it would run; runs nothing else.
  diff_mode:
    support: none
    description: A command has no before and after.
options:
  argv:
    description: The command and its arguments.
    type: list
    elements: str
  url:
    description: Webhook URL. Keep secrets in O(headers) (never logged), not in the URL.
    type: str
  method:
    description: HTTP method of the webhook.
    type: str
    default: POST
  body:
    description: JSON body of the webhook (a dict, or a string sent as it is); default the new primary's name, host
      and port.
    type: raw
  headers:
    description: HTTP headers of the webhook, for example an C(Authorization) token. Never logged.
    type: dict
    default: {}
  validate_certs:
    description: Check the webhook's TLS certificate.
    type: bool
    default: true
  new_primary:
    description: Inventory name of the new primary.
    type: str
    default: ""
  host:
    description: Address applications reach the new primary at.
    type: str
    required: true
  port:
    description: Port applications reach the new primary at.
    type: int
    required: true
  env:
    description: More environment variables for O(argv) and O(unless_argv).
    type: dict
    default: {}
  unless_argv:
    description: A check command (no shell); exit code 0 means the traffic already goes to the new primary.
    type: list
    elements: str
    default: []
  timeout:
    description: Seconds the command, the check or the request may take.
    type: int
    default: 30
notes:
  - Without O(unless_argv) the hook runs, and reports a change, on every run (a re-run of C(dr_failover.yml)
    included); a check command makes re-runs report no change.
"""

EXAMPLES = r"""
- name: Point the DNS name at the new primary
  drkit.mysql.traffic_hook:
    argv: [/usr/local/bin/update-db-dns, db-rw.shop.example.net, "{{ new_host }}"]
    unless_argv: [sh, -c, 'test "$(dig +short db-rw.shop.example.net)" = "$DRKIT_NEW_PRIMARY_HOST"']
    new_primary: db1.ams.example.com
    host: "{{ new_host }}"
    port: 3306

- name: Tell the load balancer's API
  drkit.mysql.traffic_hook:
    url: https://lb.example.net/api/pools/shop-db/primary
    method: PUT
    headers:
      Authorization: "Bearer {{ vault_lb_token }}"
    host: 10.0.2.15
    port: 3306
"""

RETURN = r"""
cmd:
  description: The command run (or that would be).
  returned: with O(argv)
  type: list
  elements: str
env:
  description: The environment variables naming the new primary.
  returned: always
  type: dict
  sample: {DRKIT_NEW_PRIMARY: db-dr, DRKIT_NEW_PRIMARY_HOST: 127.0.0.1, DRKIT_NEW_PRIMARY_PORT: "3312"}
rc:
  description: The command's exit code.
  returned: when O(argv) ran
  type: int
stdout:
  description: What the command printed.
  returned: when O(argv) ran
  type: str
stderr:
  description: What the command printed on stderr.
  returned: when O(argv) ran
  type: str
status:
  description: HTTP status of the webhook's answer.
  returned: when O(url) was called
  type: int
answer:
  description: The first 2000 characters of the webhook's answer.
  returned: when O(url) was called
  type: str
request:
  description: The webhook's method, URL (without its query string) and body.
  returned: with O(url)
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.drkit.mysql.plugins.module_utils.traffic_hook import (
    HookFailure,
    call_webhook,
    primary_env,
    run_argv,
    shown_url,
    webhook_body,
)

MODULE_OPTIONS = dict(supports_check_mode=True, mutually_exclusive=[["argv", "url"]],
                      required_one_of=[["argv", "url"]])


def argument_spec():
    return dict(
        argv=dict(type="list", elements="str"),
        url=dict(type="str"),
        method=dict(type="str", default="POST"),
        body=dict(type="raw"),
        headers=dict(type="dict", default={}, no_log=True),
        validate_certs=dict(type="bool", default=True),
        new_primary=dict(type="str", default=""),
        host=dict(type="str", required=True),
        port=dict(type="int", required=True),
        env=dict(type="dict", default={}),
        unless_argv=dict(type="list", elements="str", default=[]),
        timeout=dict(type="int", default=30),
    )


def main():
    run(AnsibleModule(argument_spec=argument_spec(), **MODULE_OPTIONS))


def run(module):
    params = module.params
    env = primary_env(params["new_primary"], params["host"], params["port"])
    all_env = dict((str(k), str(v)) for k, v in params["env"].items())
    all_env.update(env)
    result = dict(changed=True, env=env)
    if params["argv"]:
        result["cmd"] = params["argv"]
        what = " ".join(params["argv"])
    else:
        body = webhook_body(params["body"], params["new_primary"], params["host"], params["port"])
        result["request"] = dict(method=params["method"], url=shown_url(params["url"]), body=body)
        what = "%s %s" % (params["method"], shown_url(params["url"]))
    try:
        if params["unless_argv"]:
            rc, out, err = run_argv(params["unless_argv"], all_env, params["timeout"])
            if rc == 0:
                result["changed"] = False
                module.exit_json(msg="%s says the traffic already goes to %s:%s; nothing run." % (
                    params["unless_argv"][0], params["host"], params["port"]), **result)
        if module.check_mode:
            module.exit_json(msg="would run %s" % what, **result)
        if params["argv"]:
            rc, out, err = run_argv(params["argv"], all_env, params["timeout"])
            result.update(rc=rc, stdout=out, stderr=err)
            if rc != 0:
                module.fail_json(msg="The traffic hook %s failed (rc=%d): %s" % (
                    what, rc, (err or out).strip() or "no output"), **result)
        else:
            result["status"], result["answer"] = call_webhook(
                params["url"], params["method"], result["request"]["body"], params["headers"], params["timeout"],
                params["validate_certs"])
    except HookFailure as exc:
        module.fail_json(msg=str(exc), **result)
    module.exit_json(msg="ran %s for %s:%s" % (what, params["host"], params["port"]), **result)


if __name__ == "__main__":
    main()
