"""After converge: shop.user_points equals the copy taken before the UPDATE without WHERE, except the two rows the app
changed afterwards, which were reported as conflicts and keep their values; the replicas agree; flashback.yml --check
and a second run change nothing."""
import json
import os
import re
import subprocess
import time

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
DIFFERING = ("SELECT GROUP_CONCAT(c.user_id ORDER BY c.user_id) FROM drk_molecule.points_copy c "
             "JOIN shop.user_points u USING (user_id) "
             "WHERE NOT (c.points <=> u.points AND c.updated_at <=> u.updated_at)")
CHECKSUM = "SELECT SUM(CRC32(CONCAT_WS('|', user_id, points, updated_at))) FROM shop.user_points"


def load(variable):
    path = os.environ.get(variable)
    assert path, "%s is not set (molecule.yml, provisioner env)" % variable
    with open(path) as handle:
        return json.load(handle)


@pytest.fixture(scope="module")
def incident():
    return load("DRKIT_MOLECULE_INCIDENT_FILE")


def playbook(incident, *extra):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"),
               ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, ".collections"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_FORCE_COLOR="0")
    selection = dict(flashback_target="db-primary", flashback_tables=["shop.user_points"],
                     flashback_start_datetime=incident["start"], flashback_stop_datetime=incident["stop"])
    proc = subprocess.run(["ansible-playbook", "-i", os.path.join(ROOT, "inventories", "lab"),
                           os.path.join(ROOT, "playbooks", "flashback.yml"), "-e", json.dumps(selection)] + list(extra),
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:]
    return proc.stdout


def test_every_row_is_back_but_the_two_changed_since(server):
    primary = server("db-primary")
    assert primary.sql(DIFFERING) == "5,7"
    assert primary.sql("SELECT GROUP_CONCAT(points) FROM shop.user_points WHERE user_id IN (5, 7)") == "4242,4242"
    assert primary.sql("SELECT COUNT(*) FROM shop.user_points WHERE points = 0") == primary.sql(
        "SELECT COUNT(*) FROM drk_molecule.points_copy WHERE points = 0")


def test_the_two_rows_were_reported_as_conflicts(incident):
    result = load("DRKIT_MOLECULE_REPORT_FILE")
    assert [s["gtid"] for s in result["statements"]] == [incident["gtid"]]
    assert result["conflicts"] == 2 and result["rows_reverted"] == result["operations"] - 2
    assert sorted(c["key"]["user_id"] for c in result["conflict_rows"]) == [5, 7]


def test_the_replicas_agree(server):
    primary = server("db-primary").sql(CHECKSUM)
    for name in ("db-replica", "db-dr"):
        replica = server(name)
        deadline = time.time() + 30
        while replica.sql(CHECKSUM) != primary and time.time() < deadline:
            time.sleep(0.5)
        assert replica.sql(CHECKSUM) == primary, name


def test_check_mode_and_a_second_run_change_nothing(incident):
    planned = playbook(incident, "--check")
    assert "already finished" in planned and re.search(r"db-primary\s+: ok=\d+\s+changed=0 ", planned), planned[-3000:]
    again = playbook(incident)
    assert re.search(r"db-primary\s+: ok=\d+\s+changed=0 ", again), again[-3000:]
