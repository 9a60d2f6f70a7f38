"""The notify role alone on the control node: a user's template, the plain body, notify_required, check mode.

The playbooks' start and end messages are tested in the runs of test_dr_failover.py, test_dr_drill.py and
test_pitr.py (a real webhook on 127.0.0.1)."""
import json

from helpers import LAB_INVENTORY, dead_url, run_playbook

PLAYBOOK = "../tests/integration/playbooks/notify.yml"


def notify(*extra, check=True):
    return run_playbook(PLAYBOOK, *extra, inventory=LAB_INVENTORY, check=check, timeout=120)


def test_a_users_template_and_a_plain_body(webhook, tmp_path):
    template = tmp_path / "mine.j2"
    template.write_text("{{ title }} / {{ event }} / {{ status }} / {{ who | upper }}"
                        "{% for k, v in details.items() %} / {{ k }}={{ v }}{% endfor %}\n")
    settings = dict(notify_webhook_url=webhook.url(), notify_webhook_format="plain", notify_template=str(template),
                    notify_who="dba on call", notify_details={"step": 3}, notify_file=str(tmp_path / "n.log"))
    notify("-e", json.dumps(settings))
    expected = "DR failover / progress / application restarted, validating / DBA ON CALL / step=3"
    assert [p["body"] for p in webhook.posts] == [expected]
    assert webhook.posts[0]["headers"]["Content-Type"].startswith("text/plain")
    assert (tmp_path / "n.log").read_text() == expected + "\n\n"


def test_check_mode_sends_nothing_and_notify_required_fails_on_a_dead_webhook(webhook, tmp_path):
    settings = dict(notify_webhook_url=webhook.url(), notify_file=str(tmp_path / "n.log"))
    out = notify("--check", "-e", json.dumps(settings)).stdout
    assert "notify (check mode): would send this progress message" in out and "[UPDATE] DR failover" in out
    assert webhook.posts == [] and not (tmp_path / "n.log").exists()

    proc = notify("-e", json.dumps(dict(notify_webhook_url=dead_url(), notify_required=True)), check=False)
    assert proc.returncode != 0 and "notify_required is set: the run fails" in proc.stdout + proc.stderr
