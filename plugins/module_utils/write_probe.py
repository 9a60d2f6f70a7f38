# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An application's write probe: a JSON-lines file of up/down transitions, as the lab's stand-in app writes.

Reading it tells whether (and since when) the application can write again after a failover;
waiting on it turns "the config was changed" into "the application writes again".
"""
import time

from ansible_collections.drkit.mysql.plugins.module_utils.dr_report import parse_jsonl


def parse_events(text):
    """The events of a JSON-lines text; lines that are not JSON objects are skipped (a half-written last line)."""
    return [event for event in parse_jsonl(text) if isinstance(event, dict)]


def current_state(events):
    """'up' or 'down' from the last transition, else 'unknown'."""
    for event in reversed(events):
        if event.get("kind") in ("up", "down"):
            return event["kind"]
    return "unknown"


def read_probe(path, wait_for_up=0.0, clock=time.monotonic, sleep=time.sleep, poll=0.05):
    """(text, state, waited_seconds): the file, and whether the app writes, waiting up to ``wait_for_up`` s."""
    started = clock()
    while True:
        with open(path) as handle:
            text = handle.read()
        state = current_state(parse_events(text))
        waited = clock() - started
        if state == "up" or waited >= wait_for_up:
            return text, state, round(waited, 3)
        sleep(poll)
