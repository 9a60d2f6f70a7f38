"""The drill report: phases from the role's time marks, the outcome, the history line and the RTO trend."""
import json

from ansible_collections.drkit.mysql.plugins.module_utils.drill_report import (
    build_drill_report,
    history_from_text,
    phase_seconds,
)

T0 = 1795520000.0


def drill(**changes):
    record = dict(host="db-dr", backup="/b/db-replica-20261124T120000Z", engine="dump",
                  method="logical restore into a fresh datadir", gtid="0-1-4711", replica="db-dr",
                  tables=["shop.*"], scratch=dict(port=3515, datadir="/lab/db-dr-drill/data"),
                  marks=dict(start=T0, server_up=T0 + 1.5, restored=T0 + 4.0, held=T0 + 4.5, replayed=T0 + 6.0,
                             validated=T0 + 6.25, compared=T0 + 7.0),
                  restore=dict(duration_s=2.4, rows=16000), replay=dict(count=120, replay_ms=1400),
                  compare=dict(match=True, summary=["shop.users: match"]), error="", scratch_removed=True,
                  replica_resumed=True)
    record.update(changes)
    return record


def validation(failed=0):
    checks = [dict(name="users_count", passed=True, expectation="= 3000", observed=3000)]
    if failed:
        checks.append(dict(name="no_negative_balance", passed=False, expectation="none", observed=1))
    return dict(passed=1, failed=failed, total=len(checks), checks=checks)


def test_phases_follow_the_marks_in_time_order():
    logical = phase_seconds(drill()["marks"])
    assert logical == dict(scratch_start=1.5, restore=2.5, hold=0.5, replay=1.5, validation=0.25, compare=0.75)
    # A physical restore fills the datadir before the server starts.
    physical = phase_seconds(dict(start=T0, prepared=T0 + 1.0, restored=T0 + 3.0, server_up=T0 + 3.5, held=T0 + 4.0))
    assert physical == dict(prepare=1.0, restore=2.0, scratch_start=0.5, hold=0.5)
    assert phase_seconds(dict(start=T0, server_up=T0 + 1.0)) == dict(scratch_start=1.0)


def test_a_matching_validated_copy_is_a_success_with_rto_to_the_validated_copy():
    report = build_drill_report(drill(), [], validation(), history=[])
    assert report["outcome"] == "success" and report["matched"] is True
    assert report["rto_seconds"] == 6.25
    assert (report["restore_seconds"], report["replay_seconds"], report["compare_seconds"]) == (2.5, 1.5, 0.75)
    line = json.loads(report["history_line"])
    assert line["outcome"] == "success" and line["rto_seconds"] == 6.25 and line["gtid"] == "0-1-4711"
    assert "\n" not in report["history_line"]
    assert "# DR drill on db-dr: SUCCESS" in report["markdown"] and "shop.users: match" in report["markdown"]


def test_a_difference_a_failed_check_or_a_failed_step_fails_the_drill():
    assert build_drill_report(drill(compare=dict(match=False, summary=["shop.users differs: 1 row(s)"])), [],
                              validation())["outcome"] == "failed"
    assert build_drill_report(drill(), [], validation(failed=1))["outcome"] == "failed"
    marks = dict(start=T0, server_up=T0 + 1.0)
    failed = build_drill_report(drill(error="Start the scratch server: port in use", marks=marks, compare={}), [], {})
    assert failed["outcome"] == "failed" and failed["rto_seconds"] is None
    assert json.loads(failed["history_line"])["error"].startswith("Start the scratch server")


def test_the_page_shows_the_drill_figures_and_the_trend_with_this_drill():
    earlier = history_from_text('{"started": "2026-11-17T04:00:00Z", "outcome": "success", "rto_seconds": 9.5}\n'
                                "not json\n")
    assert len(earlier) == 1
    page = build_drill_report(drill(), [], validation(), history=earlier)["html"]
    assert "Copy matches the replica" in page and "2.50 s" in page
    assert "<polyline" in page and page.count("<circle") == 2
    alone = build_drill_report(drill(), [], validation(), history=[])["html"]
    assert "no trend yet" in alone


def test_the_plan_says_how_the_archive_was_replayed():
    def replay_line(**replay):
        plan = build_drill_report(drill(replay=replay), [], validation(), history=[])["markdown"]
        return [line for line in plan.splitlines() if "Binlog archive replayed" in line][0]

    assert replay_line(count=120, engine="sql_thread").endswith("(by the scratch server's own SQL thread)")
    assert replay_line(count=120, engine="client").endswith("(by mariadb-binlog | mariadb)")
    assert replay_line(count=120).endswith("the position db-dr was held at")
