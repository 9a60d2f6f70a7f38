"""drkit.mysql.backup and drkit.mysql.restore against the real lab primary.

Round trips for the three engines compare CHECKSUM TABLE of the seeded shop
tables (static; the stand-in app only writes shop.app_writes) before and
after.  Restores go into other schemas on the primary, binlogged (the default)
so that the replicas follow and the statements of later tests replicate; one
restore is not binlogged and nothing touches its schema afterwards but a
DROP DATABASE IF EXISTS.  The physical copy goes into a throwaway mariadbd.
The last test checks that replication is still running.
"""
import json
import os
import shutil
import stat
import subprocess
import tempfile
import time

import pytest

from helpers import LAB_PORT_BASE, LAB_PORTS, LAB_ROOT, run_module, sql

PRIMARY = "db-primary"
SEEDED = ("users", "accounts", "user_points", "products", "orders")
BACKUP_USER = dict(login_host="127.0.0.1", login_port=LAB_PORTS[PRIMARY], login_user="drkit_backup",
                   login_password="lab-backup-secret")
RESTORE_USER = dict(login_host="127.0.0.1", login_port=LAB_PORTS[PRIMARY], login_user="drkit_restore_t",
                    login_password="restore-t-secret")
SCRATCH_SCHEMAS = ["shop_rt_dump", "shop_rt_myd", "shop_one", "shop_two", "shop_flip", "drkit_rt", "drkit_ck",
                   "drkit_ck2"]


def checksums(schema, tables=SEEDED):
    rows = sql(PRIMARY, "CHECKSUM TABLE " + ", ".join("`%s`.`%s`" % (schema, t) for t in tables))
    return dict((row[0].split(".", 1)[1], row[1]) for row in rows)


def schemas():
    return set(row[0] for row in sql(PRIMARY, "SHOW DATABASES"))


def drop_scratch():
    for schema in SCRATCH_SCHEMAS + [s for s in schemas() if s.startswith("drkit_safety_")]:
        sql(PRIMARY, "DROP DATABASE IF EXISTS `%s`" % schema)


def backup(dest, check_mode=False, **args):
    params = dict(BACKUP_USER, dest=str(dest))
    params.update(args)
    return run_module("backup", params, check_mode=check_mode)


def restore(src, check_mode=False, **args):
    params = dict(RESTORE_USER, src=str(src))
    params.update(args)
    return run_module("restore", params, check_mode=check_mode)


@pytest.fixture(scope="module")
def env(lab, tmp_path_factory):
    """A restore account (the lab's drkit_admin has no CREATE VIEW/ROUTINE) and clean scratch schemas."""
    sql(PRIMARY, "CREATE USER IF NOT EXISTS 'drkit_restore_t'@'127.0.0.1' IDENTIFIED BY 'restore-t-secret'; "
                 "GRANT ALL PRIVILEGES ON *.* TO 'drkit_restore_t'@'127.0.0.1'")
    drop_scratch()
    dest = tmp_path_factory.mktemp("backups")
    yield dict(dest=dest, reference=checksums("shop"))
    drop_scratch()
    sql(PRIMARY, "DROP USER IF EXISTS 'drkit_restore_t'@'127.0.0.1'")


@pytest.fixture(scope="module")
def dump_backup(env):
    result = backup(env["dest"], prefix="shop", databases=["shop"], verify=True)
    assert not result.get("failed"), result.get("msg")
    return result


def test_dump_backup_writes_a_verified_private_backup(env, dump_backup):
    result = dump_backup
    assert result["changed"] is True
    path = result["path"]
    assert os.path.basename(path).startswith("shop-") and os.path.isdir(path)
    assert not os.path.exists(path + ".partial")
    with open(os.path.join(path, "manifest.json")) as handle:
        manifest = json.load(handle)
    assert manifest["engine"] == "dump" and manifest["tool"]["name"] == "mariadb-dump"
    assert manifest["compression"] == "zstd"
    assert manifest["server"]["flavor"] == "mariadb" and manifest["server"]["server_id"] >= 1
    coordinates = manifest["coordinates"]
    assert coordinates["binlog_file"].startswith("db-primary-bin.") and coordinates["binlog_position"] > 4
    assert coordinates["gtid_set"].startswith("0-")
    assert manifest["verification"]["ok"] is True and manifest["verification"]["compression_tested"] is True
    tables = dict((t["name"], t) for t in manifest["databases"][0]["tables"])
    assert set(SEEDED) <= set(tables)
    assert tables["users"]["files"] == ["shop/users.sql.zst"] and tables["users"]["rows_estimate"] > 0
    paths = [entry["path"] for entry in manifest["files"]]
    assert {"_header.sql", "_footer.sql", "shop/users.sql.zst", "shop/_objects.sql.zst"} <= set(paths)
    for directory, _dirnames, filenames in os.walk(path):
        assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
        for name in filenames:
            assert stat.S_IMODE(os.stat(os.path.join(directory, name)).st_mode) == 0o600
    assert result["size_bytes"] == manifest["total_bytes"] and result["manifest"]["table_count"] == len(tables)
    assert result["mode"] == "0700"  # Ansible's own stat of the returned path


def test_dump_round_trip_into_a_renamed_schema(env, dump_backup):
    result = restore(dump_backup["path"], databases=["shop"], rename={"shop": "shop_rt_dump"}, parallel=2,
                     binlog=False)
    assert not result.get("failed"), result.get("msg")
    assert checksums("shop_rt_dump") == env["reference"]
    loaded = dict((t["target"], t) for t in result["tables"])
    assert loaded["shop_rt_dump.users"]["rows"] == 3000 and loaded["shop_rt_dump.orders"]["rows"] == 10000
    assert result["rows"] >= 3000 * 3 + 500 + 10000 and result["bytes"] > 0
    assert result["skipped_objects"][0]["reason"] == "restored under another name (shop_rt_dump)"
    # the tables, the header and the footer; not the views/routines file, which a renamed restore skips
    assert result["verified"]["files_checked"] == len(loaded) + 2


def test_one_table_into_a_renamed_schema_then_refuse_then_replace(env, dump_backup):
    result = restore(dump_backup["path"], tables=["shop.users"], target_database="shop_one")
    assert not result.get("failed"), result.get("msg")
    assert [t["target"] for t in result["tables"]] == ["shop_one.users"] and result["rows"] == 3000
    assert sql(PRIMARY, "SHOW TABLES FROM shop_one") == [["users"]]
    assert checksums("shop_one", ["users"]) == {"users": env["reference"]["users"]}

    # a second run finds the table there and refuses, changing nothing
    sql(PRIMARY, "DELETE FROM shop_one.users WHERE id > 2990")
    damaged = checksums("shop_one", ["users"])
    refused = restore(dump_backup["path"], tables=["shop.users"], target_database="shop_one")
    assert refused["failed"] and "1 table(s) to restore already exist" in refused["msg"]
    assert "shop_one.users" in refused["msg"] and "mode=replace" in refused["msg"]
    assert checksums("shop_one", ["users"]) == damaged

    # check mode shows the plan: what would be replaced and where it would be saved
    planned = restore(dump_backup["path"], check_mode=True, tables=["shop.users"], target_database="shop_one",
                      mode="replace")
    assert not planned.get("failed"), planned.get("msg")
    assert planned["plan"]["replaces"] == ["shop_one.users"] and planned["safety_schema"].startswith("drkit_safety_")
    assert checksums("shop_one", ["users"]) == damaged
    assert planned["safety_schema"] not in schemas()

    replaced = restore(dump_backup["path"], tables=["shop.users"], target_database="shop_one", mode="replace")
    assert not replaced.get("failed"), replaced.get("msg")
    safety = replaced["safety_schema"]
    assert replaced["replaced"] == ["shop_one.users"]
    assert checksums("shop_one", ["users"]) == {"users": env["reference"]["users"]}
    assert sql(PRIMARY, "SELECT COUNT(*) FROM `%s`.`shop_one__users`" % safety) == [["2990"]]


def test_essential_tables_first_in_parallel(env, dump_backup):
    essential = ["shop.orders", "shop.users", "shop.products"]
    planned = restore(dump_backup["path"], check_mode=True, tables=essential, target_database="shop_two", parallel=2)
    assert not planned.get("failed"), planned.get("msg")
    assert [load["target"] for load in planned["plan"]["loads"]] == ["shop_two.orders", "shop_two.users",
                                                                     "shop_two.products"]
    assert "shop_two" not in schemas()
    result = restore(dump_backup["path"], tables=essential, target_database="shop_two", parallel=2)
    assert not result.get("failed"), result.get("msg")
    assert [t["target"] for t in result["tables"]] == [load["target"] for load in planned["plan"]["loads"]]
    wanted = ["orders", "users", "products"]
    assert checksums("shop_two", wanted) == dict((t, env["reference"][t]) for t in wanted)
    assert result["duration_s"] > 0 and all(t["seconds"] > 0 and t["bytes"] > 0 for t in result["tables"])


def test_a_big_table_in_chunks_with_its_keys_built_after_the_rows(env, tmp_path):
    """chunk_mb=1 cuts a 6 MB table; the restore loads the chunks in parallel, adds the KEYs, then the trigger."""
    sql(PRIMARY, "CREATE DATABASE drkit_ck; CREATE TABLE drkit_ck.log (id INT AUTO_INCREMENT PRIMARY KEY, n INT); "
                 "CREATE TABLE drkit_ck.big (id INT AUTO_INCREMENT PRIMARY KEY, k INT NOT NULL, c CHAR(100) NOT NULL, "
                 "UNIQUE KEY u (c), KEY k_1 (k), KEY kc (k, c(10)) COMMENT 'two, columns') ENGINE=InnoDB; "
                 "INSERT INTO drkit_ck.big (k, c) SELECT seq % 977, CONCAT('row-', seq, REPEAT('x', 80)) "
                 "FROM drkit_ck.seq_1_to_60000; "
                 "USE drkit_ck; CREATE TRIGGER big_ai AFTER INSERT ON big FOR EACH ROW "  # unqualified: renamed restore
                 "INSERT INTO log (n) VALUES (NEW.id)")
    made = backup(tmp_path, prefix="ck", databases=["drkit_ck"], chunk_mb=1)
    assert not made.get("failed"), made.get("msg")
    manifest = json.loads(open(os.path.join(made["path"], "manifest.json")).read())
    big = [t for t in manifest["databases"][0]["tables"] if t["name"] == "big"][0]
    assert len(big["chunk_files"]) >= 2 and big["files"][0] == "drkit_ck/big.sql.zst"
    assert big["files"][-1] == "drkit_ck/big.post.sql.zst"
    result = restore(made["path"], databases=["drkit_ck"], target_database="drkit_ck2", parallel=2)
    assert not result.get("failed"), result.get("msg")
    loaded = dict((t["target"], t) for t in result["tables"])
    assert loaded["drkit_ck2.big"]["chunks"] == len(big["chunk_files"]) + 1
    assert loaded["drkit_ck2.big"]["deferred_keys"] is True and loaded["drkit_ck2.log"]["deferred_keys"] is False
    assert checksums("drkit_ck2", ["big", "log"]) == checksums("drkit_ck", ["big", "log"])
    # the same table definition (keys included) and the trigger, which did not fire during the load
    assert sql(PRIMARY, "SHOW CREATE TABLE drkit_ck2.big")[0][1] == sql(PRIMARY, "SHOW CREATE TABLE drkit_ck.big")[0][1]
    assert sql(PRIMARY, "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA='drkit_ck2'"
               ) == [["big_ai"]]
    sql(PRIMARY, "DROP DATABASE drkit_ck; DROP DATABASE drkit_ck2")


def test_refuse_a_non_empty_target(env, dump_backup):
    before = checksums("shop", ["products"])
    result = restore(dump_backup["path"], tables=["shop.products"])
    assert result["failed"] and "already exist on 127.0.0.1:%d (shop.products)" % LAB_PORTS[PRIMARY] in result["msg"]
    assert checksums("shop", ["products"]) == before


def test_a_flipped_byte_fails_before_anything_is_touched(env, dump_backup, tmp_path):
    copy = tmp_path / os.path.basename(dump_backup["path"])
    shutil.copytree(dump_backup["path"], str(copy))
    target = copy / "shop" / "users.sql.zst"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    result = restore(copy, tables=["shop.users"], target_database="shop_flip")
    assert result["failed"]
    assert result["msg"].startswith("Nothing was changed: The backup %s is damaged" % copy)
    assert "shop/users.sql.zst has SHA-256" in result["msg"]
    assert "shop_flip" not in schemas()
    before = checksums("shop", ["users"])
    schemas_before = schemas()
    replaced = restore(copy, tables=["shop.users"], mode="replace")
    assert replaced["failed"] and "is damaged" in replaced["msg"]
    assert checksums("shop", ["users"]) == before
    assert schemas() == schemas_before


def test_wrong_credentials_write_nothing(env, tmp_path):
    dest = tmp_path / "bad"
    result = backup(dest, login_password="wrong", prefix="bad")
    assert result["failed"] and "access denied" in result["msg"]
    assert not dest.exists()


def test_objects_round_trip_and_retention(env, tmp_path):
    """A whole database with a view, a trigger and a procedure, dropped and restored under its own name."""
    sql(PRIMARY, "CREATE DATABASE drkit_rt; CREATE TABLE drkit_rt.t (id INT PRIMARY KEY, v VARCHAR(20), n INT); "
                 "INSERT INTO drkit_rt.t VALUES (1, 'a''b\\n', 1), (2, NULL, 2), (3, 'zz', 3); "
                 "CREATE TABLE drkit_rt.log (id INT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(40)); "
                 "CREATE VIEW drkit_rt.v AS SELECT id, v FROM drkit_rt.t WHERE id > 1; "
                 "CREATE TRIGGER drkit_rt.t_ai AFTER INSERT ON drkit_rt.t FOR EACH ROW "
                 "INSERT INTO drkit_rt.log (note) VALUES (CONCAT('added ', NEW.id)); "
                 "CREATE PROCEDURE drkit_rt.p() SELECT COUNT(*) FROM drkit_rt.t")
    before = checksums("drkit_rt", ["t", "log"])
    dest = tmp_path / "rt"
    made = []
    for number in range(3):
        if number:
            time.sleep(1.05)  # names have a one-second stamp
        result = backup(dest, prefix="rt", databases=["drkit_rt"], compression="gzip", keep_last=2)
        assert not result.get("failed"), result.get("msg")
        made.append(result["name"])
        assert result["removed"] == ([made[0]] if number == 2 else [])
    assert sorted(os.listdir(str(dest))) == made[1:]

    time.sleep(1.05)
    planned = backup(dest, check_mode=True, prefix="rt", databases=["drkit_rt"], keep_last=1)
    assert not planned.get("failed"), planned.get("msg")
    assert planned["removed"] == made[1:] and planned["plan"]["tables"] == 2
    assert sorted(os.listdir(str(dest))) == made[1:]

    sql(PRIMARY, "DROP DATABASE drkit_rt")
    result = restore(dest / made[-1], databases=["drkit_rt"])
    assert not result.get("failed"), result.get("msg")
    assert checksums("drkit_rt", ["t", "log"]) == before
    assert result["objects"] == [dict(source_db="drkit_rt", target_db="drkit_rt", views=["v"])]
    assert sql(PRIMARY, "SELECT id FROM drkit_rt.v ORDER BY id") == [["2"], ["3"]]
    assert sql(PRIMARY, "SELECT ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA='drkit_rt'") == [
        ["p"]]
    sql(PRIMARY, "INSERT INTO drkit_rt.t VALUES (4, 'x', 4)")
    assert sql(PRIMARY, "SELECT note FROM drkit_rt.log ORDER BY id DESC LIMIT 1") == [["added 4"]]

    # replacing a table with a trigger: RENAME TABLE cannot move it to another schema, so it is copied
    replaced = restore(dest / made[-1], tables=["drkit_rt.t"], mode="replace")
    assert not replaced.get("failed"), replaced.get("msg")
    assert replaced["plan"]["safety_moves"] == [dict(table="drkit_rt.t", to="drkit_rt__t", method="copy")]
    assert checksums("drkit_rt", ["t"]) == {"t": before["t"]}
    assert sql(PRIMARY, "SELECT COUNT(*) FROM `%s`.drkit_rt__t" % replaced["safety_schema"]) == [["4"]]
    assert sql(PRIMARY, "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA='drkit_rt'"
               ) == [["t_ai"]]


def test_mydumper_round_trip(env):
    result = backup(env["dest"], engine="mydumper", prefix="myd", databases=["shop"], parallel=2, verify=True)
    assert not result.get("failed"), result.get("msg")
    manifest = result["manifest"]
    # plain files by default (gzip only when asked for): zlib inside mydumper's threads was ~10x slower
    assert manifest["tool"]["name"] == "mydumper" and manifest["compression"] == "none"
    assert manifest["coordinates"]["binlog_file"].startswith("db-primary-bin.")
    assert manifest["verification"]["ok"] is True
    restored = restore(result["path"], databases=["shop"], target_database="shop_rt_myd", parallel=2)
    assert not restored.get("failed"), restored.get("msg")
    assert checksums("shop_rt_myd") == env["reference"]
    assert dict((t["target"], t["rows"]) for t in restored["tables"])["shop_rt_myd.users"] == 3000


@pytest.mark.parametrize("compression", ["auto", "zstd"])
def test_physical_round_trip(env, tmp_path, compression):
    # auto keeps the prepared directory (restored by --copy-back); zstd writes data.tar.zst (--move-back)
    result = backup(env["dest"], engine="physical", prefix="phys-" + compression, verify=True, compression=compression)
    assert not result.get("failed"), result.get("msg")
    manifest = result["manifest"]
    assert manifest["tool"]["name"] == "mariabackup"
    assert manifest["compression"] == ("none" if compression == "auto" else "zstd")
    on_disk = json.loads(open(os.path.join(result["path"], "manifest.json")).read())
    assert on_disk["layout"]["layout"] == ("directory" if compression == "auto" else "archive")
    assert manifest["coordinates"]["gtid_set"].startswith("0-")
    root = tempfile.mkdtemp(prefix="phys-", dir=LAB_ROOT)
    datadir = os.path.join(root, "data")
    port = LAB_PORT_BASE + 50
    socket_path = os.path.join(root, "s.sock")
    try:
        restored = restore(result["path"], datadir=datadir)
        assert not restored.get("failed"), restored.get("msg")
        assert restored["bytes"] > 0 and restored["safety_copy"] is None
        again = restore(result["path"], datadir=datadir)
        assert again["failed"] and "is not empty" in again["msg"]
        server = subprocess.Popen(["mariadbd", "--no-defaults", "--user=root", "--datadir=%s" % datadir,
                                   "--port=%d" % port, "--bind-address=127.0.0.1", "--socket=%s" % socket_path,
                                   "--pid-file=%s" % os.path.join(root, "s.pid"), "--innodb-buffer-pool-size=64M",
                                   "--log-error=%s" % os.path.join(root, "error.log")],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.time() + 30
            while not os.path.exists(socket_path) and time.time() < deadline:
                time.sleep(0.1)
            refused = restore(result["path"], datadir=datadir, mode="replace")
            assert refused["failed"] and "is running" in refused["msg"]
            out = subprocess.run(["mariadb", "--socket=%s" % socket_path, "-N", "--batch", "-e",
                                  "CHECKSUM TABLE " + ", ".join("shop.%s" % t for t in SEEDED)],
                                 capture_output=True, text=True, check=True, timeout=60).stdout
            after = dict((line.split("\t")[0].split(".", 1)[1], line.split("\t")[1]) for line in out.splitlines())
            assert after == env["reference"]
        finally:
            server.terminate()
            server.wait(timeout=60)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_a_full_disk_fails_clearly_and_leaves_nothing(env, tmp_path):
    mount = tmp_path / "small"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], check=True)
    try:
        result = backup(mount, prefix="full", databases=["shop"], compression="none")
        assert result["failed"]
        assert "no space left on the device" in result["msg"] and "nothing was kept" in result["msg"]
        assert os.listdir(str(mount)) == []
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def slave_status(host):
    """SHOW SLAVE STATUS of a lab replica as a dict (the client's header line names the columns)."""
    socket_path = os.path.join(LAB_ROOT, host, "run", "mysqld.sock")
    proc = subprocess.run(["mariadb", "--socket=%s" % socket_path, "--batch", "-e", "SHOW SLAVE STATUS"],
                          check=True, capture_output=True, text=True, timeout=60)
    lines = proc.stdout.splitlines()
    return dict(zip(lines[0].split("\t"), lines[1].split("\t"))) if len(lines) > 1 else {}


def test_replication_still_runs(env):
    """The replicas applied everything the tests above did (the restores are binlogged)."""
    primary_gtid = sql(PRIMARY, "SELECT @@gtid_binlog_pos")[0][0]
    for host in ("db-replica", "db-dr"):
        status = slave_status(host)
        assert status.get("Slave_SQL_Running") == "Yes", "%s: %s" % (host, status.get("Last_SQL_Error"))
        caught_up = sql(host, "SELECT MASTER_GTID_WAIT('%s', 30)" % primary_gtid)[0][0]
        assert caught_up == "0", "%s did not reach %s: %s" % (host, primary_gtid, slave_status(host))
