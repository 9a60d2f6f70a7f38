"""Planning a point-in-time replay from the files alone: continuity, stop points, partial replays."""
import calendar

import pytest

from ansible_collections.drkit.mysql.plugins.module_utils.binlog_window import (
    Stop,
    WindowError,
    check_names,
    manifest_start,
    plan_window,
    state_at,
)

from binlog_builder import binlog, ddl, rotate, transaction

T0 = 1795500000


def write_archive(tmp_path, skip_file=None):
    """Three files: seq 1-10, 11-20, 21-30 of domain 0 (one transaction a second, shop.users on odd seqs)."""
    paths = []
    for number, first in ((1, 1), (2, 11), (3, 21)):
        events = [transaction(0, 1, seq, "shop.users" if seq % 2 else "shop.app_writes", T0 + seq)
                  for seq in range(first, first + 10)]
        start = ((0, 1, first - 1),) if first > 1 else ()
        path = tmp_path / ("bin.%06d" % number)
        path.write_bytes(binlog(*events, rotate("bin.%06d" % (number + 1)), start=start))
        if number != skip_file:
            paths.append(str(path))
        else:
            path.unlink()
    return paths


def test_whole_window_from_a_start_position(tmp_path):
    plan = plan_window(write_archive(tmp_path), {0: (1, 12)})
    assert [p.rsplit("/", 1)[1] for p in plan["files"]] == ["bin.000002", "bin.000003"]
    assert plan["count"] == 18 and plan["first_gtid"] == "0-1-13" and plan["last_gtid"] == "0-1-30"
    assert plan["stop_offset"] is None and plan["expected_state"] == "0-1-30"


def test_stop_before_a_gtid_is_the_offset_of_its_event(tmp_path):
    paths = write_archive(tmp_path)
    plan = plan_window(paths, {0: (1, 5)}, Stop("before_gtid", "0-1-15"))
    assert plan["count"] == 9 and plan["last_gtid"] == "0-1-14" and plan["stop_found"]
    assert len(plan["files"]) == 2
    offsets = []
    state_at(paths[1], 0)  # reads; the offset of 0-1-15 is where the plan stops
    from ansible_collections.drkit.mysql.plugins.module_utils.binlog import read_binlog
    read_binlog(paths[1], on_transaction=lambda t: offsets.append((t["gtid"], t["offset"])))
    assert plan["stop_offset"] == dict(offsets)["0-1-15"]


def test_stop_gtid_is_included_and_datetime_excludes_its_second(tmp_path):
    paths = write_archive(tmp_path)
    assert plan_window(paths, {0: (1, 5)}, Stop("gtid", "0-1-15"))["last_gtid"] == "0-1-15"
    moment = Stop("datetime", "2026-11-24 00:00:00")
    moment.epoch = T0 + 20
    plan = plan_window(paths, {0: (1, 5)}, moment)
    assert plan["last_gtid"] == "0-1-19" and plan["count"] == 14


def test_stop_position_keeps_whole_transactions(tmp_path):
    paths = write_archive(tmp_path)
    offsets = {}
    from ansible_collections.drkit.mysql.plugins.module_utils.binlog import read_binlog
    read_binlog(paths[2], on_transaction=lambda t: offsets.__setitem__(t["gtid"], (t["offset"], t["end"])))
    middle = offsets["0-1-25"][0] + 3  # inside 0-1-25: it is left out
    plan = plan_window(paths, {0: (1, 10)}, Stop("position", middle, "bin.000003"))
    assert plan["last_gtid"] == "0-1-24" and plan["stop_offset"] == offsets["0-1-25"][0]


def test_a_missing_file_fails_before_anything(tmp_path):
    paths = write_archive(tmp_path, skip_file=2)
    with pytest.raises(WindowError, match="bin.000002 is missing between bin.000001 and bin.000003"):
        plan_window(paths, {0: (1, 5)}, Stop("before_gtid", "0-1-25"))
    # Past the gap, only the files after it are needed: nothing is missing.
    assert plan_window(paths, {0: (1, 22)})["count"] == 8


def test_a_file_that_does_not_chain_is_a_gap(tmp_path):
    paths = write_archive(tmp_path)
    # bin.000002 loses its last transactions (truncated copy): bin.000003 starts after them.
    (tmp_path / "bin.000002").write_bytes(binlog(*[transaction(0, 1, s) for s in range(11, 15)], start=((0, 1, 10),)))
    with pytest.raises(WindowError, match=r"transactions 0-\?-15..20 are in no file"):
        plan_window(paths, {0: (1, 5)})
    with pytest.raises(WindowError, match="not files of one binlog sequence"):
        check_names(["a.000001", "b.000002"])


def test_start_before_the_oldest_file_is_refused(tmp_path):
    paths = write_archive(tmp_path)[1:]
    with pytest.raises(WindowError, match="after the start position 0-1-5"):
        plan_window(paths, {0: (1, 5)})


def test_a_stop_point_before_the_start_is_refused(tmp_path):
    paths = write_archive(tmp_path)
    for stop in (Stop("before_gtid", "0-1-12"), Stop("gtid", "0-1-11"), Stop("position", 100, "bin.000001")):
        with pytest.raises(WindowError, match="before the start position"):
            plan_window(paths, {0: (1, 12)}, stop)
    late = Stop("datetime", "2026-11-24 00:00:00")
    late.epoch = T0 + 3
    with pytest.raises(WindowError, match="after the stop point"):
        plan_window(paths, {0: (1, 12)}, late)
    # Right at the start: nothing to do, not an error.
    assert plan_window(paths, {0: (1, 12)}, Stop("before_gtid", "0-1-13"))["count"] == 0


def test_a_stop_gtid_not_in_the_files_is_refused(tmp_path):
    with pytest.raises(WindowError, match="not in the binlog files, which end at 0-1-30"):
        plan_window(write_archive(tmp_path), {0: (1, 5)}, Stop("before_gtid", "0-1-99"))


def test_chosen_tables_skip_and_statements(tmp_path):
    paths = write_archive(tmp_path)
    plan = plan_window(paths, {0: (1, 10)}, Stop("before_gtid", "0-1-21"), skip_gtids=["0-1-13"],
                       tables=[("shop", "users")])
    assert plan["count"] == 4 and plan["skipped"] == ["0-1-13"] and plan["filtered"] == 5
    assert plan["listed"][0] == dict(gtid="0-1-11", time=plan["listed"][0]["time"], tables=["shop.users"],
                                     statements=[])
    path = tmp_path / "bin.000004"
    path.write_bytes(binlog(ddl(0, 1, 31, b"ALTER TABLE users ADD COLUMN x INT"),
                            ddl(0, 1, 32, b"CREATE TABLE users (id INT)", db=b"other"), start=((0, 1, 30),)))
    with pytest.raises(WindowError, match="0-1-31 .* runs a statement on the replayed tables"):
        plan_window(paths + [str(path)], {0: (1, 25)}, tables=[("shop", "users")])
    # A statement on another schema's table of the same name is not ours; the one on shop.users stops it.
    assert plan_window(paths + [str(path)], {0: (1, 25)}, Stop("before_gtid", "0-1-31"),
                       tables=[("shop", "users")])["count"] == 2  # 0-1-27, 0-1-29
    assert plan_window([str(path)], {0: (1, 31)}, tables=[("shop", "users")])["filtered"] == 1


def test_state_at_a_byte_position_and_the_manifest_start(tmp_path):
    paths = write_archive(tmp_path)
    assert state_at(paths[1], 4) == {0: (1, 10)}
    assert state_at(paths[1], 10 ** 9) == {0: (1, 20)}
    manifest = dict(name="b", started_at="2026-11-24T07:45:41Z",
                    coordinates=dict(gtid_flavor="mariadb", gtid_set="0-1-888", binlog_file="x.000001"))
    gtid_set, _file, _position, epoch = manifest_start(manifest)
    assert gtid_set == "0-1-888" and epoch == calendar.timegm((2026, 11, 24, 7, 45, 41))
    with pytest.raises(WindowError, match="MariaDB binlogs only"):
        manifest_start(dict(name="m", coordinates=dict(gtid_flavor="mysql")))


def test_a_stop_datetime_in_another_time_zone_is_the_same_instant(monkeypatch):
    import time as time_module

    from ansible_collections.drkit.mysql.plugins.module_utils.binlog_window import parse_datetime

    instant = 1795536000  # 2026-11-24 16:00:00 UTC
    for text in ("2026-11-24 18:00:00+02:00", "2026-11-24T16:00:00Z", "2026-11-24 11:00:00-0500",
                 "2026-11-24 17:00:00 Europe/Berlin", "2026-11-24 16:00:00 UTC"):
        assert parse_datetime(text) == instant, text
    assert parse_datetime("2026-11-24 18:00:00.250+02:00") == instant + 0.25
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time_module.tzset()
    try:
        assert parse_datetime("2026-11-25 01:00:00") == instant  # no zone: this host's
    finally:
        monkeypatch.delenv("TZ")
        time_module.tzset()
    assert Stop("datetime", "2026-11-24 18:00:00+02:00").describe() == \
        "just before 2026-11-24 18:00:00+02:00 (2026-11-24 16:00:00 UTC)"
    for bad in ("2026-11-24", "24.11.2026 18:00:00", "2026-11-24 18:00:00 Mars/Olympus", "2026-13-24 18:00:00"):
        with pytest.raises(WindowError):
            parse_datetime(bad)
