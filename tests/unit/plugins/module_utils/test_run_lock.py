import json
import os

import pytest

from ansible_collections.drkit.mysql.plugins.module_utils import run_lock


def holder(pid=100, host="ctl1", start=5, run="dr_failover"):
    value = dict(run=run, host=host, user="root", pid=pid, pid_start=start, started_at="2026-11-24T16:50:01Z",
                 playbook="DR failover | read every server and decide")
    value["token"] = "%s:%s:%s" % (host, pid, start)
    return value


def alive(pids):
    return lambda pid: pid in pids


def test_first_run_takes_the_lock_and_records_its_holder(tmp_path):
    path = str(tmp_path / "locks" / ".dr_run.lock")
    result = run_lock.acquire(path, holder())
    assert result["acquired"] and result["changed"]
    assert json.load(open(path))["token"] == "ctl1:100:5"
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"


def test_a_second_run_is_refused_naming_the_first(tmp_path):
    path = str(tmp_path / ".dr_run.lock")
    run_lock.acquire(path, holder(pid=100))
    with pytest.raises(run_lock.LockError) as error:
        run_lock.acquire(path, holder(pid=200), hostname="ctl1", alive=alive({100, 200}), started=lambda pid: 5)
    text = str(error.value)
    assert "Another DR run holds the lock %s: dr_failover started 2026-11-24T16:50:01Z by root on ctl1 " \
           "(ansible-playbook pid 100" % path in text
    assert "This run changed nothing" in text and "remove %s" % path in text
    assert json.load(open(path))["pid"] == 100


def test_the_same_run_taking_it_again_is_a_no_op(tmp_path):
    path = str(tmp_path / ".dr_run.lock")
    run_lock.acquire(path, holder())
    again = run_lock.acquire(path, holder())
    assert again["acquired"] and not again["changed"]


def test_a_lock_left_by_a_dead_run_on_this_host_is_taken_over(tmp_path):
    path = str(tmp_path / ".dr_run.lock")
    run_lock.acquire(path, holder(pid=100))
    result = run_lock.acquire(path, holder(pid=200), hostname="ctl1", alive=alive({200}))
    assert result["acquired"] and result["previous"]["pid"] == 100
    assert "left behind" in result["warning"] and "no longer running: taken over" in result["warning"]
    assert json.load(open(path))["pid"] == 200


def test_a_reused_pid_is_not_the_holder(tmp_path):
    path = str(tmp_path / ".dr_run.lock")
    run_lock.acquire(path, holder(pid=100, start=5))
    result = run_lock.acquire(path, holder(pid=200), hostname="ctl1", alive=alive({100, 200}), started=lambda pid: 9)
    assert result["acquired"] and result["previous"]["pid"] == 100


def test_a_lock_from_another_host_is_refused(tmp_path):
    path = str(tmp_path / ".dr_run.lock")
    run_lock.acquire(path, holder(host="ctl2"))
    with pytest.raises(run_lock.LockError, match="on ctl2"):
        run_lock.acquire(path, holder(pid=200), hostname="ctl1", alive=alive(set()))


def test_an_unreadable_lock_file_is_refused_not_overwritten(tmp_path):
    path = tmp_path / ".dr_run.lock"
    path.write_text("garbage")
    with pytest.raises(run_lock.LockError, match="unreadable lock file"):
        run_lock.acquire(str(path), holder())
    assert path.read_text() == "garbage"


def test_check_mode_writes_nothing_and_a_held_lock_is_a_warning(tmp_path):
    path = str(tmp_path / ".dr_run.lock")
    assert not run_lock.acquire(path, holder(), check_mode=True)["acquired"] and not os.path.exists(path)
    run_lock.acquire(path, holder(pid=100))
    result = run_lock.acquire(path, holder(pid=200), check_mode=True, hostname="ctl1", alive=alive({100}))
    assert not result["acquired"] and "another DR run holds the lock" in result["warning"]


def test_release_removes_only_this_runs_lock(tmp_path):
    path = str(tmp_path / ".dr_run.lock")
    run_lock.acquire(path, holder(pid=100))
    other = run_lock.release(path, holder(pid=200))
    assert not other["released"] and "not this run's" in other["warning"] and os.path.exists(path)
    mine = run_lock.release(path, holder(pid=100))
    assert mine["released"] and not os.path.exists(path)
    assert run_lock.release(path, holder(pid=100)) == dict(released=False, changed=False, warning=None, path=path)


def test_new_holder_of_this_process():
    value = run_lock.new_holder("dr_failover", pid=os.getpid())
    assert value["pid"] == os.getpid() and value["pid_start"] == run_lock.process_start(os.getpid())
    assert run_lock.holder_alive(value) is True
