"""After converge: shop.users, dropped on the primary, is back with every row committed before the DROP; what was
written to other tables after the DROP is still there; the replicas agree; a second run changes nothing."""
import json
import os
import re
import subprocess

import pytest

CHECKSUM = ("SELECT CONCAT(COUNT(*), ' ', SUM(CRC32(CONCAT_WS('|', id, email, name, country, created_at)))) "
            "FROM shop.users")
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))


@pytest.fixture(scope="module")
def incident():
    path = os.environ.get("DRKIT_MOLECULE_INCIDENT_FILE")
    assert path, "DRKIT_MOLECULE_INCIDENT_FILE is not set (molecule.yml, provisioner env)"
    with open(path) as handle:
        return json.load(handle)


def test_users_is_back_with_every_row_committed_before_the_drop(server, incident):
    primary = server("db-primary")
    assert primary.sql(CHECKSUM) == incident["users_before_drop"]
    # The rows only the binlogs had (written after the backup) are there, the deleted one is not.
    assert primary.sql("SELECT name FROM shop.users WHERE id IN (7, 900001, 900002) ORDER BY id").split("\n") == [
        "Renamed after the backup", "Late One", "Late Two"]
    assert primary.sql("SELECT COUNT(*) FROM shop.users WHERE id = 9") == "0"


def test_rows_written_elsewhere_after_the_drop_are_kept(server, incident):
    primary = server("db-primary")
    count, top = incident["app_writes_after_drop"].split()
    assert primary.sql("SELECT COUNT(*) FROM shop.app_writes WHERE writer = 'after-drop'") == "2"
    assert int(primary.sql("SELECT MAX(id) FROM shop.app_writes")) >= int(top)
    assert int(primary.sql("SELECT COUNT(*) FROM shop.app_writes")) >= int(count)


def test_foreign_keys_point_at_the_recovered_table(server):
    primary = server("db-primary")
    refs = primary.sql("SELECT CONCAT(UNIQUE_CONSTRAINT_SCHEMA, '.', REFERENCED_TABLE_NAME) FROM "
                       "information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = 'shop' "
                       "AND TABLE_NAME = 'orders' AND REFERENCED_TABLE_NAME = 'users'")
    assert refs == "shop.users"
    orphans = primary.sql("SELECT COUNT(*) FROM shop.orders o LEFT JOIN shop.users u ON u.id = o.user_id "
                          "WHERE u.id IS NULL")
    assert orphans == "0"


def test_the_recovery_is_recorded_and_replicated(server, incident):
    primary = server("db-primary")
    record = dict(line.split("\t", 1) for line in primary.sql("SELECT name, value FROM shop_pitr.drkit_pitr")
                  .splitlines())
    assert json.loads(record["request"])["stop"] == "before %s" % incident["drop_gtid"]
    assert int(json.loads(record["applied"])) >= 1 and json.loads(record["swapped_at"])
    for name in ("db-replica", "db-dr"):
        replica = server(name)
        assert replica.sql(CHECKSUM) == incident["users_before_drop"], name
        status = replica.replica_status()
        assert status["Slave_SQL_Running"] == "Yes", status.get("Last_SQL_Error")


def test_a_second_run_changes_nothing(incident):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"),
               ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, ".collections"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_FORCE_COLOR="0")
    proc = subprocess.run(["ansible-playbook", "-i", os.path.join(ROOT, "inventories", "lab"),
                           os.path.join(ROOT, "playbooks", "pitr.yml"), "-e", "pitr_target=db-primary",
                           "-e", '{"pitr_tables": ["shop.users"]}', "-e", "pitr_swap=true",
                           "-e", "pitr_stop_before_gtid=%s" % incident["drop_gtid"]],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert re.search(r"db-primary\s+: ok=\d+\s+changed=0 ", proc.stdout), proc.stdout[-3000:]
    assert "were swapped into place at" in proc.stdout
