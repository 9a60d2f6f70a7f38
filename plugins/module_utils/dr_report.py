# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turn a DR run (plan, step results, timeline, app probe) into a report people read.

RTO is measured from the first recorded event of the run to the moment the
report is built (after validation).  The write-unavailability window comes
from the stand-in application's own probe, which is the honest measure: it
is what a customer would have seen.
"""
import datetime
import json

from ansible_collections.drkit.mysql.plugins.module_utils.report_html import render_html
from ansible_collections.drkit.mysql.plugins.module_utils.text_table import markdown_table


def parse_jsonl(text):
    events = []
    for line in (text or "").splitlines():
        line = line.strip()
        if line:
            try:
                events.append(json.loads(line))
            except ValueError:
                continue
    return events


def timeline_steps(events):
    """One row per task: start, end, hosts and their outcomes, in order."""
    steps, by_uuid = [], {}
    for event in events:
        if event.get("event") == "task_start":
            step = dict(task=event.get("task"), start=event["at"], end=event["at"], hosts={})
            by_uuid[event.get("uuid")] = step
            steps.append(step)
        elif event.get("event") == "task_end" and event.get("uuid") in by_uuid:
            step = by_uuid[event["uuid"]]
            step["end"] = max(step["end"], event["at"])
            status = event.get("status")
            if status == "ok" and event.get("changed"):
                status = "changed"
            step["hosts"][event.get("host")] = status
            if event.get("error"):
                step.setdefault("errors", {})[event.get("host")] = event["error"]
    return [s for s in steps if any(status != "skipped" for status in s["hosts"].values())]


def write_outage(app_events, since):
    """Times the app could not write during the run, from its up/down transitions.

    An outage that began before ``since`` (the app was already down when the run started) counts
    from its real beginning: that is what the application's users saw.
    """
    windows = []
    for host, events in (app_events or {}).items():
        down_at = None
        for event in sorted(events, key=lambda e: e.get("at", 0)):
            if event.get("at", 0) < since:
                # An app already down when the run started (the primary died first): its outage began then.
                down_at = event["at"] if event.get("kind") == "down" else None
                continue
            if event.get("kind") == "down" and down_at is None:
                down_at = event["at"]
            elif event.get("kind") == "up" and down_at is not None:
                windows.append(dict(host=host, down=down_at, up=event["at"], seconds=round(event["at"] - down_at, 3),
                                    error=None))
                down_at = None
        if down_at is not None:
            windows.append(dict(host=host, down=down_at, up=None, seconds=None, error="still cannot write"))
    return windows


def _iso(epoch):
    if epoch is None:
        return None
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).isoformat(timespec="milliseconds")


def build_report(kind, plan, events, app_events=None, validation=None, steps_results=None, finished_at=None,
                 started_at=None, history=None):
    """The report as a JSON-safe dict, plus its Markdown and HTML renderings under ``markdown`` and ``html``.

    ``history``: earlier runs' summaries (started, outcome, rto_seconds), oldest first, for the HTML trend chart.
    """
    # A timeline file may hold earlier runs (a fixed DRKIT_TIMELINE_FILE): keep the last playbook's events.
    for index in range(len(events) - 1, -1, -1):
        if events[index].get("event") == "playbook_start":
            events = events[index:]
            break
    # The timeline's first event is the real start (the playbook's); started_at is for runs without it.
    starts = [e["at"] for e in events if "at" in e]
    started = min(starts) if starts else (started_at or finished_at)
    steps = timeline_steps(events)
    outages = write_outage(app_events, started or 0)
    closed = [w["seconds"] for w in outages if w["seconds"] is not None]
    # A host the plan already knew unreachable (a dead or partitioned primary it went ahead without) being
    # unreachable again is the plan, not a failed step; any other host's failure or unreachability is.
    expected = set(plan.get("unreachable") or []) if plan.get("ok") else set()
    failed_steps = [dict(task=s["task"], errors=s.get("errors") or {}) for s in steps
                    if any(st == "failed" or (st == "unreachable" and h not in expected)
                           for h, st in s["hosts"].items())]
    if not plan.get("ok"):
        outcome = "refused"
    elif failed_steps or (validation or {}).get("failed", 0):
        outcome = "failed"
    else:
        outcome = "success"
    report = dict(
        kind=kind,
        outcome=outcome,
        refusals=list(plan.get("refusals") or []),
        failed_steps=failed_steps,
        started=_iso(started), finished=_iso(finished_at),
        rto_seconds=round(finished_at - started, 3) if started and finished_at else None,
        write_unavailable_seconds=max(closed) if closed else (0.0 if app_events else None),
        write_outages=[dict(w, down=_iso(w["down"]), up=_iso(w["up"])) for w in outages],
        old_primary=plan.get("primary"), old_primary_reachable=plan.get("primary_reachable"),
        new_primary=plan.get("candidate"), forced=plan.get("forced"), reason=plan.get("reason"),
        rpo=dict(plan.get("rpo") or {}), plan=plan.get("summary") or [], warnings=plan.get("warnings") or [],
        steps=[dict(task=s["task"], start=_iso(s["start"]), offset_seconds=round(s["start"] - started, 3),
                    seconds=round(s["end"] - s["start"], 3), hosts=s["hosts"]) for s in steps],
        validation=validation or {}, results=steps_results or {},
        # What this run changed (a re-run whose plan had nothing to do may still have moved an app host).
        changed_steps=[s["task"] for s in steps if "changed" in s["hosts"].values()],
    )
    report["markdown"] = render_markdown(report)
    report["html"] = render_html(report, history)
    return report


def _fmt_seconds(value):
    return "-" if value is None else "%.2f s" % value


def render_markdown(report):
    rpo = report.get("rpo") or {}
    lines = ["# %s report: %s" % (report["kind"], report["outcome"].upper()), ""]
    summary = [
        ["Outcome", report["outcome"]],
        ["Old primary", "%s (%s)" % (report.get("old_primary"),
                                     "reachable" if report.get("old_primary_reachable") else "unreachable")],
        ["New primary", report.get("new_primary")],
        ["RTO (start to validated)", _fmt_seconds(report.get("rto_seconds"))],
        ["Application could not write for", _fmt_seconds(report.get("write_unavailable_seconds"))],
        ["RPO", "%s transaction(s) lost%s (against %s)" % (
            rpo.get("lost_transactions", "?"), (": " + rpo["lost_gtid"]) if rpo.get("lost_gtid") else "",
            rpo.get("reference", "?"))],
        ["Started", report.get("started")],
        ["Finished", report.get("finished")],
    ]
    if report.get("forced"):
        summary.append(["FORCED", report.get("reason")])
    lines += [markdown_table(["", ""], summary), ""]
    if report.get("refusals"):
        lines += ["## Refused: nothing was changed", ""] + ["- " + r for r in report["refusals"]] + [""]
    if report.get("failed_steps"):
        lines += ["## Failed steps", ""]
        for step in report["failed_steps"]:
            lines.append("- " + step["task"])
            lines += ["  - %s: %s" % (host, error) for host, error in sorted(step["errors"].items())]
        lines.append("")
    lines += ["## Plan", ""]
    lines += ["- " + line for line in report.get("plan") or []] + [""]
    if report.get("warnings"):
        lines += ["## Warnings", ""] + ["- " + w for w in report["warnings"]] + [""]
    lines += ["## Timeline", ""]
    rows = [["+%.2f s" % s["offset_seconds"], "%.2f s" % s["seconds"], s["task"],
             ", ".join("%s: %s" % (h, st) for h, st in sorted(s["hosts"].items()))] for s in report["steps"]]
    lines += [markdown_table(["at", "took", "step", "hosts"], rows), ""]
    checks = (report.get("validation") or {}).get("checks") or []
    if checks:
        lines += ["## Business validation", ""]
        lines += [markdown_table(["check", "result", "expected", "observed"],
                                 [[c.get("name"), "pass" if c.get("passed") else "FAIL", c.get("expectation"),
                                   c.get("observed")] for c in checks]), ""]
    if report.get("write_outages"):
        lines += ["## Application write outages", ""]
        lines += [markdown_table(["app host", "could not write from", "until", "seconds"],
                                 [[w["host"], w["down"], w["up"] or "still down", w["seconds"]]
                                  for w in report["write_outages"]]), ""]
    return "\n".join(lines)
