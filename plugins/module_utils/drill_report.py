# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report of a DR drill: restore time, replay time, comparison, RTO, and the trend over past drills.

Built on dr_report.build_report (timeline, failed steps, validation) and report_html.render_html (the page
and its RTO trend), so a drill reads like the failover reports. The drill's RTO is what a real recovery onto
the DR host would take: from the drill's start to a validated copy. The comparison with the live replica
proves the copy and is a drill-only step, so it is timed apart and not counted in the RTO.
"""
import json

from ansible_collections.drkit.mysql.plugins.module_utils.dr_report import _iso, build_report, parse_jsonl
from ansible_collections.drkit.mysql.plugins.module_utils.report_html import render_html
from ansible_collections.drkit.mysql.plugins.module_utils.text_table import markdown_table

# Marks the drill role sets (epoch seconds) and the phase that ends at each. A phase is the time since the mark
# before it in time (a physical restore happens before the scratch server starts, a logical one after).
PHASES = dict(prepared="prepare", server_up="scratch_start", restored="restore", held="hold", replayed="replay",
              validated="validation", compared="compare")
HISTORY_KEYS = ("started", "finished", "outcome", "rto_seconds", "restore_seconds", "replay_seconds",
                "compare_seconds", "matched", "host", "backup", "engine", "gtid", "error")


def phase_seconds(marks):
    """{phase: seconds} for each phase mark reached, from the mark before it (``start`` first)."""
    result = {}
    reached = sorted((float(at), name) for name, at in marks.items() if at is not None and name in PHASES)
    previous = marks.get("start")
    for at, name in reached:
        if previous is not None:
            result[PHASES[name]] = round(at - float(previous), 3)
        previous = at
    return result


def history_from_text(text):
    """Earlier drills' lines of the history file, oldest first; lines that are not JSON objects are skipped."""
    return [entry for entry in parse_jsonl(text) if isinstance(entry, dict)]


def outcome_of(drill, validation, base_outcome):
    if drill.get("error") or base_outcome == "failed":
        return "failed"
    if not (drill.get("compare") or {}).get("match") or (validation or {}).get("failed", 0):
        return "failed"
    return "success"


def build_drill_report(drill, events, validation=None, history=None, finished_at=None):
    """``drill``: host, backup, engine, method, gtid, replica, scratch, marks, restore, replay, compare, error.

    Returns the report dict with ``markdown``, ``html`` and ``history_line`` (the JSON line to append).
    """
    marks = dict((k, float(v)) for k, v in (drill.get("marks") or {}).items() if v not in (None, ""))
    phases = phase_seconds(marks)
    compare = drill.get("compare") or {}
    comparison = [line for line in [compare.get("msg")] + list(compare.get("summary") or []) if line]
    plan = dict(ok=True, summary=plan_lines(drill), warnings=list(drill.get("warnings") or []))
    # RTO ends at the validated copy; a drill that never got there has no RTO.
    report = build_report("dr_drill", plan, list(events), None, validation or {},
                          dict(restore=drill.get("restore") or {}, replay=drill.get("replay") or {},
                               compare=compare), finished_at=marks.get("validated"), started_at=marks.get("start"))
    if marks.get("validated") is None:
        report["rto_seconds"] = None
    report["finished"] = report["finished"] or _iso_or_none(finished_at)
    report["outcome"] = outcome_of(drill, validation, report["outcome"])
    report.update(
        host=drill.get("host"), backup=drill.get("backup"), engine=drill.get("engine"), method=drill.get("method"),
        gtid=drill.get("gtid"), replica=drill.get("replica"), scratch=drill.get("scratch"),
        error=drill.get("error"), matched=bool(compare.get("match")), comparison=comparison,
        phases=phases, restore_seconds=phases.get("restore"), replay_seconds=phases.get("replay"),
        compare_seconds=phases.get("compare"), scratch_removed=drill.get("scratch_removed"),
        replica_resumed=drill.get("replica_resumed"),
        cards=[("RTO (start to validated copy)", _seconds(report.get("rto_seconds"))),
               ("Restore", _seconds(phases.get("restore"))), ("Binlog replay", _seconds(phases.get("replay"))),
               ("Compare with %s" % drill.get("replica"), _seconds(phases.get("compare"))),
               ("Copy matches the replica", "yes" if compare.get("match") else "NO")])
    line = dict((key, report.get(key)) for key in HISTORY_KEYS)
    report["history_line"] = json.dumps(line, sort_keys=True)
    report["markdown"] = render_markdown(report)
    report["html"] = render_html(report, list(history or []) + [line])
    return report


# How binlog_replay applied the archive (its ``engine``; the drill's own ``engine`` is the backup's).
REPLAY_WAYS = dict(sql_thread=" (by the scratch server's own SQL thread)", client=" (by mariadb-binlog | mariadb)")


def plan_lines(drill):
    scratch = drill.get("scratch") or {}
    return [
        "Backup %s (%s), restored by %s into a scratch server on port %s (%s)" % (
            drill.get("backup"), drill.get("engine"), drill.get("method"), scratch.get("port"), scratch.get("datadir")),
        "Binlog archive replayed from the backup's point up to %s, the position %s was held at%s" % (
            drill.get("gtid") or "-", drill.get("replica"),
            REPLAY_WAYS.get((drill.get("replay") or {}).get("engine"), "")),
        "Tables compared with %s: %s" % (drill.get("replica"), ", ".join(drill.get("tables") or [])),
        "Scratch server removed at the end: %s" % ("yes" if drill.get("scratch_removed") else "no"),
        "Replication on %s left as it was: %s" % (drill.get("replica"),
                                                  "yes" if drill.get("replica_resumed") else "no"),
    ]


def _seconds(value):
    return "-" if value is None else "%.2f s" % value


def _iso_or_none(epoch):
    return _iso(float(epoch)) if epoch is not None else None


def render_markdown(report):
    lines = ["# DR drill on %s: %s" % (report.get("host"), report["outcome"].upper()), ""]
    rows = [[label, value] for label, value in report["cards"]]
    rows += [["Backup", "%s (%s, %s)" % (report.get("backup"), report.get("engine"), report.get("method"))],
             ["Recorded GTID", report.get("gtid")], ["Started", report.get("started")],
             ["Finished", report.get("finished")]]
    if report.get("error"):
        rows.append(["Error", report["error"]])
    lines += [markdown_table(["", ""], rows), "", "## Plan", ""]
    lines += ["- " + line for line in report.get("plan") or []] + ["", "## Comparison", ""]
    lines += ["- " + line for line in report.get("comparison") or ["not run"]] + [""]
    checks = (report.get("validation") or {}).get("checks") or []
    if checks:
        lines += ["## Business validation", "", markdown_table(
            ["check", "result", "expected", "observed"],
            [[c.get("name"), "pass" if c.get("passed") else "FAIL", c.get("expectation"), c.get("observed")]
             for c in checks]), ""]
    lines += ["## Timeline", "", markdown_table(
        ["at", "took", "step", "hosts"],
        [["+%.2f s" % s["offset_seconds"], "%.2f s" % s["seconds"], s["task"],
          ", ".join("%s: %s" % (h, st) for h, st in sorted(s["hosts"].items()))] for s in report["steps"]]), ""]
    return "\n".join(lines)
