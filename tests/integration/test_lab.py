"""The lab is a real GTID-replicated MariaDB topology, built idempotently."""
import json
import os
import stat
import time

from helpers import LAB_PORTS, LAB_ROOT, recap, run_playbook, sql


def test_absent_removed_everything(lab):
    if "after_absent" not in lab:
        return  # DRKIT_KEEP_LAB: the session did not tear the lab down
    assert lab["after_absent"] == dict(root_exists=False, open_ports=[])


def test_first_run_changed_every_host(lab):
    assert set(lab["first_run"]) == {"db-primary", "db-replica", "db-dr", "app1"}
    assert all(c["failed"] == 0 and c["changed"] > 0 for c in lab["first_run"].values()), lab["first_run"]


def test_second_run_changes_nothing(lab):
    counters = recap(run_playbook("lab.yml").stdout)
    assert counters and all(c["changed"] == 0 and c["failed"] == 0 for c in counters.values()), counters


def test_servers_have_dr_settings(lab):
    for host, port in LAB_PORTS.items():
        rows = dict(sql(host, "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('port', 'binlog_format',"
                              " 'binlog_row_image', 'binlog_row_metadata', 'gtid_strict_mode', 'log_slave_updates',"
                              " 'log_bin', 'read_only')"))
        assert rows == {"port": str(port), "binlog_format": "ROW", "binlog_row_image": "FULL",
                        "binlog_row_metadata": "FULL", "gtid_strict_mode": "ON", "log_slave_updates": "ON",
                        "log_bin": "ON", "read_only": "OFF" if host == "db-primary" else "ON"}
        mode = stat.S_IMODE(os.stat(os.path.join(LAB_ROOT, host, "data")).st_mode)
        assert mode == 0o700, (host, oct(mode))


def test_replicas_use_gtid_from_primary(lab):
    for host in ("db-replica", "db-dr"):
        status = sql(host, "SHOW SLAVE STATUS")[0]
        joined = "\t".join(status)
        assert "127.0.0.1\tdrkit_repl\t%d" % LAB_PORTS["db-primary"] in joined, joined
        assert "Slave_Pos" in status, status


def test_seeded_data_reached_every_server(lab):
    primary_gtid = sql("db-primary", "SELECT @@gtid_binlog_pos")[0][0]
    for host in ("db-replica", "db-dr"):
        assert sql(host, "SELECT MASTER_GTID_WAIT('%s', 30)" % primary_gtid) == [["0"]]
    counts = "SELECT (SELECT COUNT(*) FROM shop.users), (SELECT COUNT(*) FROM shop.orders)," \
             " (SELECT COUNT(*) FROM shop.products), (SELECT SUM(balance) FROM shop.accounts)"
    expected = sql("db-primary", counts)
    assert expected[0][:3] == ["3000", "10000", "500"]
    for host in ("db-replica", "db-dr"):
        assert sql(host, counts) == expected


def test_accounts_are_least_privilege(lab):
    grants = " ".join(r[0] for r in sql("db-primary", "SHOW GRANTS FOR 'drkit_repl'@'127.0.0.1'"))
    assert "REPLICATION SLAVE ON *.*" in grants and "SELECT" not in grants and "SUPER" not in grants
    app = " ".join(r[0] for r in sql("db-primary", "SHOW GRANTS FOR 'shop_app'@'127.0.0.1'"))
    assert "ON `shop`.*" in app and "ON *.*" in app and "USAGE ON *.*" in app and "ALL PRIVILEGES" not in app
    admin = " ".join(r[0] for r in sql("db-primary", "SHOW GRANTS FOR 'drkit_admin'@'127.0.0.1'"))
    assert "READ_ONLY ADMIN" in admin and "REPLICATION SLAVE ADMIN" in admin and "SUPER" not in admin


def test_app_keeps_committing_to_the_primary(lab):
    status_file = os.path.join(LAB_ROOT, "app1", "status.json")
    deadline = time.time() + 15
    while not os.path.exists(status_file) and time.time() < deadline:
        time.sleep(0.2)
    first = json.load(open(status_file))
    time.sleep(2.5)
    second = json.load(open(status_file))
    assert second["target"] == "127.0.0.1:%d" % LAB_PORTS["db-primary"] and second["can_write"] is True
    assert second["committed"] > first["committed"]
    rows = int(sql("db-primary", "SELECT COUNT(*) FROM shop.app_writes WHERE writer = 'app1'")[0][0])
    assert rows >= second["committed"] - 1
    mode = stat.S_IMODE(os.stat(os.path.join(LAB_ROOT, "app1", "db.cnf")).st_mode)
    assert mode == 0o600
