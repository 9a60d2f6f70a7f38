"""The report's numbers come from the timeline and the app probe, not from guesses."""
from ansible_collections.drkit.mysql.plugins.module_utils.dr_report import (
    build_report,
    parse_jsonl,
    timeline_steps,
    write_outage,
)

EVENTS = [
    dict(event="playbook_start", at=100.0),
    dict(event="task_start", task="preflight : Read", uuid="a", at=100.5),
    dict(event="task_end", task="preflight : Read", uuid="a", host="db-primary", status="ok", changed=False, at=101.0),
    dict(event="task_end", task="preflight : Read", uuid="a", host="db-dr", status="ok", changed=False, at=101.2),
    dict(event="task_start", task="promote : Fence", uuid="b", at=101.3),
    dict(event="task_end", task="promote : Fence", uuid="b", host="db-primary", status="ok", changed=True, at=101.6),
    dict(event="task_end", task="promote : Fence", uuid="b", host="db-dr", status="skipped", changed=False, at=101.6),
    dict(event="task_start", task="skipped everywhere", uuid="c", at=101.7),
    dict(event="task_end", task="skipped everywhere", uuid="c", host="db-dr", status="skipped", at=101.7),
]
PLAN = dict(ok=True, primary="db-primary", primary_reachable=True, candidate="db-dr", summary=["Promote db-dr."],
            rpo=dict(lost_transactions=0, lost_gtid="", reference="every reachable server"), warnings=[])


def test_steps_merge_hosts_and_drop_tasks_skipped_everywhere():
    steps = timeline_steps(EVENTS)
    assert [s["task"] for s in steps] == ["preflight : Read", "promote : Fence"]
    assert steps[0]["end"] == 101.2 and steps[1]["hosts"] == {"db-primary": "changed", "db-dr": "skipped"}


def test_write_outage_pairs_down_with_next_up_after_start():
    events = {"app1": [dict(kind="down", at=90.0), dict(kind="up", at=91.0),
                       dict(kind="down", at=101.4), dict(kind="up", at=102.9)]}
    assert write_outage(events, 100.0) == [dict(host="app1", down=101.4, up=102.9, seconds=1.5, error=None)]
    assert write_outage({"app1": [dict(kind="down", at=101.0)]}, 100.0)[0]["error"] == "still cannot write"
    # Down before the run started (the primary was killed first): the outage counts from then.
    already_down = {"app1": [dict(kind="up", at=80.0), dict(kind="down", at=95.0), dict(kind="up", at=103.0)]}
    assert write_outage(already_down, 100.0) == [dict(host="app1", down=95.0, up=103.0, seconds=8.0, error=None)]


def test_report_figures_and_markdown():
    probe = {"app1": [dict(kind="down", at=101.4), dict(kind="up", at=102.9)]}
    report = build_report("dr_failover", PLAN, EVENTS, probe,
                          dict(passed=1, failed=0, checks=[dict(name="users", passed=True, expectation="= 3000",
                                                                observed=3000)]), finished_at=104.0)
    assert report["outcome"] == "success" and report["rto_seconds"] == 4.0
    assert report["write_unavailable_seconds"] == 1.5
    assert report["steps"][1]["offset_seconds"] == 1.3
    md = report["markdown"]
    assert md.startswith("# dr_failover report: SUCCESS")
    assert "| RTO (start to validated) | 4.00 s |" in md and "| users | pass | = 3000 | 3000 |" in md


def test_failed_validation_makes_a_failed_outcome_and_bad_lines_are_skipped():
    report = build_report("dr_failover", PLAN, parse_jsonl('{"event": "playbook_start", "at": 1}\nnot json\n'),
                          None, dict(failed=1, checks=[]), finished_at=3.0)
    assert report["outcome"] == "failed" and report["rto_seconds"] == 2.0
    assert report["write_unavailable_seconds"] is None


def test_only_the_last_playbook_of_a_shared_timeline_file_counts():
    earlier = [dict(event="playbook_start", at=10.0), dict(event="task_start", task="old", uuid="x", at=11.0),
               dict(event="task_end", task="old", uuid="x", host="h", status="ok", at=12.0)]
    report = build_report("dr_failover", PLAN, earlier + EVENTS, None, {}, finished_at=104.0)
    assert report["rto_seconds"] == 4.0 and "old" not in [s["task"] for s in report["steps"]]


def test_a_refused_plan_is_reported_as_refused_with_its_reasons():
    refused = dict(ok=False, primary="db-primary", primary_reachable=True, candidate=None,
                   refusals=["db-dr's replication SQL thread is stopped"], summary=["REFUSED: nothing was changed."])
    report = build_report("dr_failover", refused, EVENTS, None, {}, finished_at=104.0)
    assert report["outcome"] == "refused" and report["refusals"] == ["db-dr's replication SQL thread is stopped"]
    assert "## Refused: nothing was changed" in report["markdown"]
    assert "- db-dr's replication SQL thread is stopped" in report["markdown"]


def test_a_failed_step_makes_a_failed_outcome():
    events = EVENTS + [dict(event="task_start", task="Promote", uuid="p", at=102.5),
                       dict(event="task_end", task="Promote", uuid="p", host="db-dr", status="failed", at=102.9,
                            error="Refusing to promote db-dr: it lacks 0-1-5")]
    report = build_report("dr_failover", PLAN, events, None, {}, finished_at=104.0)
    assert report["outcome"] == "failed"
    errors = {"db-dr": "Refusing to promote db-dr: it lacks 0-1-5"}
    assert report["failed_steps"] == [dict(task="Promote", errors=errors)]
    assert "## Failed steps" in report["markdown"] and "  - db-dr: Refusing to promote" in report["markdown"]


def test_a_host_the_plan_knew_unreachable_is_not_a_failed_step():
    events = EVENTS + [dict(event="task_start", task="Read", uuid="r", at=102.5),
                       dict(event="task_end", task="Read", uuid="r", host="db-primary", status="unreachable", at=102.9,
                            error="Data could not be sent to remote host"),
                       dict(event="task_end", task="Read", uuid="r", host="db-dr", status="ok", at=102.9)]
    plan = dict(PLAN, primary_reachable=False, unreachable=["db-primary"])
    assert build_report("dr_failover", plan, events, None, {}, finished_at=104.0)["outcome"] == "success"
    # Another host unreachable is still a failure.
    plan = dict(PLAN, primary_reachable=False, unreachable=["db-replica"])
    assert build_report("dr_failover", plan, events, None, {}, finished_at=104.0)["outcome"] == "failed"


def test_changed_steps_name_what_the_run_changed():
    assert build_report("dr_failover", PLAN, EVENTS, finished_at=102.0)["changed_steps"] == ["promote : Fence"]
    unchanged = [e for e in EVENTS if e.get("uuid") != "b"]
    assert build_report("dr_failover", PLAN, unchanged, finished_at=102.0)["changed_steps"] == []
