"""The HTML report opens in a real browser: headless Chromium renders a recorded failover's report (with a trend)
and saves a screenshot (reports/screenshots/, kept for people to look at); the page must paint, not stay blank.
"""
import json
import os
import shutil
import struct
import subprocess
import zlib

from ansible_collections.drkit.mysql.plugins.module_utils.report_html import render_html

from helpers import ROOT

FIXTURE = os.path.join(ROOT, "tests", "unit", "fixtures", "report", "dr_failover-bench.json")
SHOTS = os.path.join(ROOT, "reports", "screenshots")


def png_pixels(path):
    """(width, height, distinct colours in the decoded image) of an 8-bit RGB/RGBA PNG, stdlib only."""
    with open(path, "rb") as handle:
        data = handle.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, colour = header[:4]
    assert depth == 8 and colour in (2, 6), header
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    colours, previous = set(), bytearray(stride)
    for row in range(height):
        kind = raw[row * (stride + 1)]
        line = bytearray(raw[row * (stride + 1) + 1:(row + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            up_left = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else up_left)) & 0xFF
        if row % 8 == 0:
            colours.update(bytes(line[i:i + 3]) for i in range(0, stride, channels * 4))
        previous = line
    return width, height, colours


def test_the_report_renders_in_headless_chromium(tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "chromium is not installed (make test installs Debian's chromium package)"
    with open(FIXTURE) as handle:
        report = json.load(handle)
    history = [dict(started="2026-11-%02dT03:00Z" % day, outcome="failed" if day == 20 else "success",
                    rto_seconds=rto) for day, rto in ((17, 6.1), (18, 5.4), (19, 5.0), (20, 9.8), (21, 4.7))]
    page = tmp_path / "report.html"
    page.write_text(render_html(report, history))
    os.makedirs(SHOTS, exist_ok=True)
    shot = os.path.join(SHOTS, "dr_failover-report.png")
    if os.path.exists(shot):
        os.unlink(shot)
    proc = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           "--window-size=1200,2000", "--screenshot=%s" % shot, "file://%s" % page],
                          capture_output=True, text=True, timeout=120, check=False,
                          env=dict(os.environ, HOME=str(tmp_path)))
    assert proc.returncode == 0 and os.path.exists(shot), proc.stderr[-2000:]
    width, height, colours = png_pixels(shot)
    assert (width, height) == (1200, 2000)
    # Painted: the page's text, the green outcome badge and the timeline bars, not one blank colour.
    assert len(colours) > 20, "the screenshot looks blank (%d colours)" % len(colours)
    assert any(c[1] > 100 and c[0] < 60 and c[2] < 80 for c in colours), "no green outcome badge or trend point"
    print("screenshot: %s" % shot)
