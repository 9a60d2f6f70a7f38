# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A DR report as one self-contained HTML page: the page a DBA forwards to the people who were not there.

Everything is inline (CSS, SVG charts, no scripts, no fonts or images fetched), so the file opens from an
e-mail attachment or a ticket, offline, and prints. The step timeline is a Gantt chart in SVG; the drill
history (when given) is a line chart of RTO per drill. Every text taken from the report is HTML-escaped.
"""
from html import escape

OUTCOME_COLOURS = {"success": "#1a7f37", "failed": "#cf222e", "refused": "#9a6700"}
STATUS_COLOURS = {"ok": "#54aeff", "changed": "#d4a72c", "failed": "#cf222e", "unreachable": "#cf222e",
                  "skipped": "#afb8c1"}

STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;margin:24px auto;
max-width:1100px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.badge{display:inline-block;color:#fff;border-radius:12px;padding:2px 12px;font-weight:600;text-transform:uppercase}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.card{border:1px solid #d0d7de;border-radius:8px;padding:10px 16px;min-width:180px}
.card .label{color:#656d76;font-size:12px;text-transform:uppercase}.card .value{font-size:22px;font-weight:600}
table{border-collapse:collapse;width:100%}
th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.num{text-align:right;font-variant-numeric:tabular-nums}
.pass{color:#1a7f37;font-weight:600}.fail{color:#cf222e;font-weight:600}
.note{color:#656d76}ul{margin:4px 0 4px 20px;padding:0}svg text{font:11px system-ui,sans-serif;fill:#1f2328}
"""


def _text(value):
    return escape("-" if value is None else str(value))


def _seconds(value):
    return "-" if value is None else "%.2f s" % value


def _table(headers, rows, numeric=()):
    head = "".join("<th>%s</th>" % _text(h) for h in headers)
    body = []
    for row in rows:
        cells = []
        for index, value in enumerate(row):
            if isinstance(value, tuple):  # (html, css class): already escaped
                cells.append('<td class="%s">%s</td>' % (value[1], value[0]))
            else:
                cells.append('<td%s>%s</td>' % (' class="num"' if index in numeric else "", _text(value)))
        body.append("<tr>%s</tr>" % "".join(cells))
    return "<table><thead><tr>%s</tr></thead><tbody>%s</tbody></table>" % (head, "".join(body))


def timeline_svg(steps, width=1060, row_height=18, label_width=420):
    """Gantt chart of the steps: one bar per step from its offset, coloured by its worst host status."""
    if not steps:
        return '<p class="note">No timeline was recorded.</p>'
    total = max(s["offset_seconds"] + s["seconds"] for s in steps) or 1.0
    plot = width - label_width - 60
    scale = plot / total
    height = row_height * len(steps) + 30
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" role="img" '
             'aria-label="timeline of the steps">' % (width, height)]
    ticks = max(1, int(total) // 10 or 1)
    second = 0
    while second <= total:
        x = label_width + second * scale
        parts.append('<line x1="%.1f" y1="0" x2="%.1f" y2="%d" stroke="#eaeef2"/>' % (x, x, height - 20))
        parts.append('<text x="%.1f" y="%d" text-anchor="middle">%d s</text>' % (x, height - 6, second))
        second += ticks
    for index, step in enumerate(steps):
        y = index * row_height
        statuses = set((step.get("hosts") or {}).values())
        worst = next((s for s in ("failed", "unreachable", "changed", "ok") if s in statuses), "skipped")
        label = step["task"] if len(step["task"]) <= 62 else step["task"][:59] + "..."
        parts.append('<text x="%d" y="%d" text-anchor="end">%s</text>' % (label_width - 6, y + 13, escape(label)))
        length = max(2.0, step["seconds"] * scale)
        values = (label_width + step["offset_seconds"] * scale, y + 3, length, row_height - 6, STATUS_COLOURS[worst],
                  escape(step["task"]), step["offset_seconds"], step["seconds"])
        parts.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" rx="2" fill="%s">'
                     '<title>%s: +%.2f s, %.2f s</title></rect>' % values)
    parts.append("</svg>")
    return "".join(parts)


def history_svg(history, width=1060, height=220, key="rto_seconds"):
    """Line chart of ``key`` over past runs (oldest first); failed runs are red points."""
    points = [h for h in history if h.get(key) is not None]
    if len(points) < 2:
        return '<p class="note">Fewer than two recorded runs: no trend yet.</p>'
    top = max(p[key] for p in points) * 1.15 or 1.0
    left, bottom, plot_w, plot_h = 50, height - 30, width - 70, height - 50
    step = plot_w / float(len(points) - 1)
    coords = [(left + i * step, bottom - p[key] / top * plot_h) for i, p in enumerate(points)]
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" role="img" aria-label="trend">'
             % (width, height)]
    for fraction in (0, 0.5, 1):
        y = bottom - fraction * plot_h
        parts.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#eaeef2"/>' % (left, y, width - 20, y))
        parts.append('<text x="%d" y="%.1f" text-anchor="end">%.1f s</text>' % (left - 4, y + 4, fraction * top))
    parts.append('<polyline fill="none" stroke="#0969da" stroke-width="2" points="%s"/>'
                 % " ".join("%.1f,%.1f" % c for c in coords))
    for (x, y), point in zip(coords, points):
        colour = "#1a7f37" if point.get("outcome") == "success" else "#cf222e"
        parts.append('<circle cx="%.1f" cy="%.1f" r="4" fill="%s"><title>%s: %.2f s (%s)</title></circle>'
                     % (x, y, colour, escape(str(point.get("started"))), point[key], escape(str(point.get("outcome")))))
    parts.append('<text x="%d" y="%d">%s</text>' % (left, height - 8, escape(str(points[0].get("started")))))
    last = escape(str(points[-1].get("started")))
    parts.append('<text x="%d" y="%d" text-anchor="end">%s</text>' % (width - 20, height - 8, last))
    parts.append("</svg>")
    return "".join(parts)


def render_html(report, history=None):
    """The whole page for a report dict as build_report makes it; ``history`` a list of earlier runs' summaries."""
    rpo = report.get("rpo") or {}
    outcome = report.get("outcome", "?")
    # A report may bring its own figures (a drill: restore and replay times); a failover's are these.
    cards = report.get("cards") or [
        ("RTO (start to validated)", _seconds(report.get("rto_seconds"))),
        ("Application could not write", _seconds(report.get("write_unavailable_seconds"))),
        ("RPO (transactions lost)", rpo.get("lost_transactions", "?")),
        ("New primary", report.get("new_primary")),
        ("Old primary", "%s (%s)" % (report.get("old_primary"),
                                     "reachable" if report.get("old_primary_reachable") else "unreachable")),
    ]
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           "<title>%s report: %s</title><style>%s</style></head><body>"
           % (_text(report.get("kind")), _text(outcome), STYLE),
           '<h1>%s report <span class="badge" style="background:%s">%s</span></h1>'
           % (_text(report.get("kind")), OUTCOME_COLOURS.get(outcome, "#57606a"), _text(outcome)),
           '<div class="note">%s to %s</div>' % (_text(report.get("started")), _text(report.get("finished"))),
           '<div class="cards">%s</div>' % "".join(
               '<div class="card"><div class="label">%s</div><div class="value">%s</div></div>'
               % (_text(label), _text(value)) for label, value in cards)]
    if report.get("forced"):
        out.append('<p class="fail">FORCED: %s</p>' % _text(report.get("reason")))
    if rpo.get("lost_gtid"):
        out.append("<p>Lost transactions: <code>%s</code> (against %s)</p>"
                   % (_text(rpo["lost_gtid"]), _text(rpo.get("reference"))))
    if report.get("refusals"):
        out.append("<h2>Refused: nothing was changed</h2><ul>%s</ul>"
                   % "".join("<li>%s</li>" % _text(r) for r in report["refusals"]))
    if report.get("failed_steps"):
        out.append("<h2>Failed steps</h2><ul>%s</ul>" % "".join(
            "<li>%s<ul>%s</ul></li>" % (_text(s["task"]), "".join("<li>%s: %s</li>" % (_text(h), _text(e))
                                                                  for h, e in sorted(s["errors"].items())))
            for s in report["failed_steps"]))
    legend = " ".join('<span style="color:%s">&#9632;</span> %s' % (STATUS_COLOURS[key], key)
                      for key in ("ok", "changed", "failed"))
    out.append('<h2>Timeline</h2>%s<div class="note">%s (the worst of a step\'s hosts); seconds from the start</div>'
               % (timeline_svg(report.get("steps") or []), legend))
    checks = (report.get("validation") or {}).get("checks") or []
    if checks:
        out.append("<h2>Checks</h2>" + _table(
            ["check", "result", "expected", "observed"],
            [[c.get("name"), ("PASS", "pass") if c.get("passed") else ("FAIL", "fail"), c.get("expectation"),
              c.get("observed_text", c.get("observed"))] for c in checks]))
    if report.get("write_outages"):
        out.append("<h2>Application write outages</h2>" + _table(
            ["app host", "could not write from", "until", "seconds"],
            [[w["host"], w["down"], w["up"] or "still down", w["seconds"]] for w in report["write_outages"]],
            numeric=(3,)))
    if history is not None:
        out.append("<h2>Trend: RTO of the recorded runs</h2>%s" % history_svg(history))
    out.append("<h2>Plan</h2><ul>%s</ul>" % "".join("<li>%s</li>" % _text(p) for p in report.get("plan") or []))
    if report.get("warnings"):
        out.append("<h2>Warnings</h2><ul>%s</ul>" % "".join("<li>%s</li>" % _text(w) for w in report["warnings"]))
    out.append("<h2>Steps</h2>" + _table(
        ["at", "took", "step", "hosts"],
        [["+%.2f s" % s["offset_seconds"], "%.2f s" % s["seconds"], s["task"],
          ", ".join("%s: %s" % (h, st) for h, st in sorted((s.get("hosts") or {}).items()))]
         for s in report.get("steps") or []], numeric=(0, 1)))
    out.append('<p class="note">Written by drkit.mysql. The JSON file next to this page holds the same data.</p>')
    out.append("</body></html>")
    return "\n".join(out)
