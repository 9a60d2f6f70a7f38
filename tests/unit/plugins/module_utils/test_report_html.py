"""The HTML report: every section from the report dict, escaped text, a bar per step, a trend from the history."""
import json
import os
import re

from ansible_collections.drkit.mysql.plugins.module_utils.report_html import history_svg, render_html

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "report", "dr_failover-bench.json")


def recorded():
    """A report dr_failover.yml wrote in a benchmark run (bench/.runs, 2026-11-24), without its renderings."""
    with open(FIXTURE) as handle:
        return json.load(handle)


def test_every_section_of_a_recorded_failover():
    report = recorded()
    page = render_html(report)
    assert page.startswith("<!DOCTYPE html>") and page.endswith("</html>")
    assert ">success</span>" in page and "#1a7f37" in page
    assert "%.2f s" % report["rto_seconds"] in page
    assert page.count("<rect ") == len(report["steps"])  # one bar per step
    for check in report["validation"]["checks"]:
        assert ">%s<" % check["name"] in page
    assert "Application write outages" in page and "Trend" not in page
    assert not re.search(r"<(script|link|img)\b", page) and "http://" not in page.replace("http://www.w3.org", "")


def test_text_from_the_run_is_escaped():
    report = recorded()
    report["outcome"] = "failed"
    report["failed_steps"] = [dict(task="<script>alert(1)</script>", errors={"db-dr": "a & b < c"})]
    report["steps"][0]["task"] = "x\" onload=\"evil()"
    page = render_html(report)
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "a &amp; b &lt; c" in page and 'onload="evil' not in page
    assert ">failed</span>" in page and "#cf222e" in page


def test_trend_needs_two_runs_and_marks_failures():
    assert "no trend yet" in history_svg([dict(started="d1", outcome="success", rto_seconds=4.0)])
    chart = history_svg([dict(started="d1", outcome="success", rto_seconds=4.0),
                         dict(started="d2", outcome="failed", rto_seconds=8.0),
                         dict(started="d3", outcome="success", rto_seconds=None),
                         dict(started="d4", outcome="success", rto_seconds=5.0)])
    assert chart.count("<circle") == 3 and chart.count("#cf222e") == 1
    page = render_html(recorded(), history=[dict(started="d1", outcome="success", rto_seconds=4.0),
                                            dict(started="d2", outcome="success", rto_seconds=4.5)])
    assert "Trend: RTO of the recorded runs" in page and "<polyline" in page
