"""The write probe says up or down from the application's own transitions, and can wait for up."""
from ansible_collections.drkit.mysql.plugins.module_utils.write_probe import current_state, parse_events, read_probe

TEXT = '{"kind": "start", "at": 1}\n{"kind": "up", "at": 2}\n{"kind": "config", "at": 3}\n{"kind": "down", "at": 4}\n'


def test_state_is_the_last_transition_and_bad_lines_are_skipped():
    events = parse_events(TEXT + '{"kind": "up", "at"')
    assert len(events) == 4 and current_state(events) == "down"
    assert current_state(parse_events(TEXT + '{"kind": "up", "at": 5}\n')) == "up"
    assert current_state(parse_events('{"kind": "start", "at": 1}\n')) == "unknown"


def test_waits_until_the_app_writes_again(tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_text(TEXT)
    ticks = {"now": 0.0}

    def sleep(seconds):
        ticks["now"] += seconds
        if ticks["now"] >= 0.2:
            path.write_text(TEXT + '{"kind": "up", "at": 9}\n')

    text, state, waited = read_probe(str(path), wait_for_up=5, clock=lambda: ticks["now"], sleep=sleep)
    assert state == "up" and 0.2 <= waited < 0.5 and text.endswith('"at": 9}\n')


def test_gives_up_after_the_wait(tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_text(TEXT)
    ticks = {"now": 0.0}

    def sleep(seconds):
        ticks["now"] += seconds

    text, state, waited = read_probe(str(path), wait_for_up=1, clock=lambda: ticks["now"], sleep=sleep)
    assert state == "down" and waited >= 1
