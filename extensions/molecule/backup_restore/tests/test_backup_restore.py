"""The lab after converge: db-replica has a verified backup on record and a schedule; shop.orders was
restored from it into shop_restored on db-primary (and replicated to the others)."""
import json
import os

import pytest


@pytest.fixture(scope="module")
def backup_source(server):
    return server("db-replica")


@pytest.fixture(scope="module")
def status(backup_source):
    path = backup_source.host.ansible("ansible.builtin.debug", "msg={{ drkit_backup_status_file }}",
                                      check=False)["msg"]
    return json.loads(backup_source.host.file(path).content_string)


def test_last_good_backup_is_recorded_verified(status, backup_source):
    last = status["last_good"]
    assert last["verified"] is True and last["engine"] == "dump"
    assert last["gtid"], "the consistent point's GTID set is recorded"
    manifest = backup_source.host.file(os.path.join(last["path"], "manifest.json"))
    assert manifest.exists and manifest.mode == 0o600
    assert json.loads(manifest.content_string)["verification"]["ok"] is True


def test_restored_table_matches_the_original(server):
    primary = server("db-primary")
    original = primary.sql("CHECKSUM TABLE shop.orders").split()[-1]
    restored = primary.sql("CHECKSUM TABLE shop_restored.orders").split()[-1]
    assert original == restored and original != "NULL"


def test_the_restore_replicated_like_any_write(server):
    dr = server("db-dr")
    primary = server("db-primary")
    assert dr.sql("CHECKSUM TABLE shop_restored.orders").split()[-1] == \
        primary.sql("CHECKSUM TABLE shop_restored.orders").split()[-1]
    status = dr.replica_status()
    assert status["Slave_SQL_Running"] == "Yes", status.get("Last_SQL_Error")


def test_schedule_runs_the_backup_playbook_for_the_source(backup_source):
    directory = os.environ.get("DRKIT_MOLECULE_SCHEDULE_DIR")
    assert directory, "DRKIT_MOLECULE_SCHEDULE_DIR is not set (molecule.yml, provisioner env)"
    entry = backup_source.host.file(os.path.join(directory, "drkit-backup-db-replica")).content_string
    assert "30 2 * * * root cd " in entry and "playbooks/backup.yml --limit db-replica" in entry
