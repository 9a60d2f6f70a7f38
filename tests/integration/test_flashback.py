"""flashback on the real lab: the UPDATE without WHERE (by table + time window, from the binlog archive), the price
incident (columns: [price], by GTID, through the server), and a round trip of awkward types and keys (apply, then
the same undo as a reviewed SQL file fed to the client). Rows the app changed after the incident are conflicts and
keep their new values; everything else equals the copy taken before the incident."""
import os
import stat
import subprocess
import time

import pytest
from helpers import LAB_ROOT, admin_args, run_module, sql

ARCHIVE = os.path.join(LAB_ROOT, "db-dr", "binlog-archive")
SOCKET = os.path.join(LAB_ROOT, "db-primary", "run", "mysqld.sock")


def archived_seq():
    facts = run_module("binlog_archive_facts", dict(path=ARCHIVE))["ansible_facts"]["drkit_binlog_archive"]
    return int(facts["gtid_state"].split(",")[0].rsplit("-", 1)[1]) if facts["gtid_state"] else 0


def wait_archived(gtid):
    deadline = time.time() + 20
    while archived_seq() < int(gtid.rsplit("-", 1)[1]) and time.time() < deadline:
        time.sleep(0.2)


def checksum(table):
    return sql("db-primary", "CHECKSUM TABLE %s" % table)[0][1]


def differing(copy, table, key):
    """Keys of rows whose values differ between a copy and the table (NULL-safe, every column)."""
    columns = [row[0] for row in sql("db-primary", "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE "
                                                   "TABLE_SCHEMA = SUBSTRING_INDEX('%s', '.', 1) AND TABLE_NAME = "
                                                   "SUBSTRING_INDEX('%s', '.', -1)" % (table, table))]
    same = " AND ".join("c.`%s` <=> t.`%s`" % (c, c) for c in columns)
    query = "SELECT c.%s FROM %s c JOIN %s t USING (%s) WHERE NOT (%s)" % (key, copy, table, key, same)
    return sorted(int(row[0]) for row in sql("db-primary", query))


def binlog_tables_since(name, position):
    """(tables of the primary's row events from file ``name`` at ``position`` on, the oldest event timestamp)."""
    from ansible_collections.drkit.mysql.plugins.module_utils.binlog_stream import Reader

    directory = os.path.dirname(sql("db-primary", "SELECT @@log_bin_basename")[0][0])
    names = sorted(n for n in os.listdir(directory) if n.startswith(name.rsplit(".", 1)[0] + ".") and n >= name
                   and not n.endswith((".index", ".state")))
    tables, oldest = set(), None
    for index, current in enumerate(names):
        for event in Reader(os.path.join(directory, current)).events(int(position) if index == 0 else None):
            if event.kind == "format_description":
                continue
            oldest = event.timestamp if oldest is None else min(oldest, event.timestamp)
            if event.kind == "table_map":
                tables.add(event.table_map.name)
    return tables, oldest


def second_boundary():
    """The next whole second as text, after waiting for it: a window's exclusive end."""
    stop = int(time.time()) + 1
    time.sleep(max(0.0, stop + 0.05 - time.time()))
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(stop))


def test_update_without_where_by_table_and_window(lab):
    sql("db-primary", "CREATE DATABASE IF NOT EXISTS drk_fb; DROP TABLE IF EXISTS drk_fb.points_copy; "
                      "CREATE TABLE drk_fb.points_copy AS SELECT * FROM shop.user_points")
    before = checksum("shop.user_points")
    start = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(time.time() - 1))
    [[changed, gtid]] = sql("db-primary", "UPDATE shop.user_points SET points = 0; SELECT ROW_COUNT(), @@last_gtid")
    stop = second_boundary()
    # The app goes on: two rows change after the incident.
    sql("db-primary", "UPDATE shop.user_points SET points = 4242, updated_at = NOW(6) WHERE user_id IN (5, 7)")
    try:
        wait_archived(gtid)
        args = admin_args("db-primary", path=ARCHIVE, tables=["shop.user_points"], start_datetime=start,
                          stop_datetime=stop, batch_size=500)
        plan = run_module("flashback", args, check_mode=True)
        assert not plan.get("failed"), plan
        assert (plan["rows_reverted"], plan["conflicts"]) == (int(changed) - 2, 2) and len(plan["plan"]) == 20
        assert checksum("shop.user_points") != before  # check mode changed nothing
        done = run_module("flashback", args)
        assert not done.get("failed"), done
        assert done["changed"] and [s["gtid"] for s in done["statements"]] == [gtid]
        assert (done["rows_reverted"], done["conflicts"], done["skipped"]) == (int(changed) - 2, 2, 0)
        assert sorted(c["key"]["user_id"] for c in done["conflict_rows"]) == [5, 7]
        assert set(c["resolution"] for c in done["conflict_rows"]) == {"left as it is"}
        # Every row equals its pre-incident copy except the two the app changed since, which keep their values.
        assert differing("drk_fb.points_copy", "shop.user_points", "user_id") == [5, 7]
        assert sql("db-primary", "SELECT DISTINCT points FROM shop.user_points WHERE user_id IN (5, 7)") == [["4242"]]
        sql("db-primary", "UPDATE shop.user_points u JOIN drk_fb.points_copy c USING (user_id) "
                          "SET u.points = c.points, u.updated_at = c.updated_at WHERE user_id IN (5, 7)")
        assert checksum("shop.user_points") == before
        # A second run recognises the finished flashback.
        again = run_module("flashback", args)
        assert not again["changed"] and again["already_done"] and again["rows_reverted"] == int(changed) - 2
    finally:
        sql("db-primary", "UPDATE shop.user_points u JOIN drk_fb.points_copy c USING (user_id) "
                          "SET u.points = c.points, u.updated_at = c.updated_at")


def test_price_incident_restores_price_only(lab):
    sql("db-primary", "CREATE DATABASE IF NOT EXISTS drk_fb; DROP TABLE IF EXISTS drk_fb.products_copy; "
                      "CREATE TABLE drk_fb.products_copy AS SELECT * FROM shop.products")
    [[gtid]] = sql("db-primary", "UPDATE shop.products SET price = price * 1.5; SELECT @@last_gtid")
    # Later: stock and description of products 1 and 2 change (kept, no conflict); the price of 3 is set by hand.
    sql("db-primary", "UPDATE shop.products SET stock = stock + 5, description = 'restocked' WHERE id IN (1, 2); "
                      "UPDATE shop.products SET price = 5.00 WHERE id = 3")
    try:
        current = sql("db-primary", "SHOW MASTER STATUS")[0][0]
        result = run_module("flashback", admin_args("db-primary", from_server=True, files=[current], gtids=[gtid],
                                                    columns=["price"]))
        assert not result.get("failed"), result
        assert [(c["key"], c["reason"]) for c in result["conflict_rows"]] == [(dict(id=3), "changed since the event")]
        rows = int(sql("db-primary", "SELECT COUNT(*) FROM shop.products")[0][0])
        assert (result["rows_reverted"], result["conflicts"]) == (rows - 1, 1)
        assert differing("drk_fb.products_copy", "shop.products", "id") == [1, 2, 3]
        assert sql("db-primary", "SELECT p.id, p.price = c.price, p.stock - c.stock, p.description FROM shop.products "
                                 "p JOIN drk_fb.products_copy c USING (id) WHERE id IN (1, 2, 3) ORDER BY id") == [
            ["1", "1", "5", "restocked"], ["2", "1", "5", "restocked"], ["3", "0", "0", "Description of product 3"]]
        assert sql("db-primary", "SELECT price FROM shop.products WHERE id = 3") == [["5.00"]]
    finally:
        sql("db-primary", "UPDATE shop.products p JOIN drk_fb.products_copy c USING (id) SET p.price = c.price, "
                          "p.stock = c.stock, p.description = c.description")


AWKWARD = """
CREATE TABLE drk_fb.parent (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL);
CREATE TABLE drk_fb.awkward (
  a INT NOT NULL, b VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  parent_id INT NULL, n INT NULL, txt VARCHAR(50) CHARACTER SET utf8mb4 NULL, bl BLOB NULL, j JSON NULL,
  dt DATETIME(6) NULL, ts TIMESTAMP(6) NULL DEFAULT NULL, dc DECIMAL(20,6) NULL, f FLOAT NULL, d DOUBLE NULL,
  bin BINARY(4) NULL, e ENUM('red','green') NULL, s SET('x','y','z') NULL, bt BIT(5) NULL, u BIGINT UNSIGNED NULL,
  tm TIME(3) NULL, lat VARCHAR(10) CHARACTER SET latin1 NULL,
  g INT AS (a * 2) STORED, gv VARCHAR(30) AS (CONCAT(b, '!')) VIRTUAL,
  PRIMARY KEY (a, b),
  CONSTRAINT fk_awkward_parent FOREIGN KEY (parent_id) REFERENCES drk_fb.parent (id)
);
CREATE TABLE drk_fb.nokey (x INT NULL, y VARCHAR(10) NULL, z BLOB NULL);
INSERT INTO drk_fb.parent VALUES (1, 'one'), (2, 'two');
INSERT INTO drk_fb.awkward (a, b, parent_id, n, txt, bl, j, dt, ts, dc, f, d, bin, e, s, bt, u, tm, lat)
SELECT seq, CONCAT('k', seq, IF(seq % 3 = 0, ' ', '')), IF(seq % 4 = 0, NULL, 1 + seq % 2), IF(seq % 5 = 0, NULL, seq),
       CONCAT('hé 😀 ', seq), IF(seq % 2 = 0, NULL, UNHEX(REPEAT('00FF7F', seq))),
       JSON_OBJECT('k', seq, 'emoji', '\U0001F389', 'arr', JSON_ARRAY(1, 2.5, NULL)),
       TIMESTAMP('2024-02-29 23:59:59.999999') - INTERVAL seq SECOND,
       IF(seq % 3 = 0, NULL, FROM_UNIXTIME(1700000000 + seq, '%Y-%m-%d %H:%i:%s.123456')),
       seq * 1000.000001 - 5000, seq / 3, seq * 1e300 / 7, IF(seq % 2 = 0, UNHEX('0100'), 'ab'),
       IF(seq % 2 = 0, 'red', 'green'), IF(seq % 3 = 0, 'x,z', ''), seq % 32, 18446744073709551615 - seq,
       SEC_TO_TIME(seq * 61.5), CONCAT('café', seq % 10)
FROM seq_1_to_60;
INSERT INTO drk_fb.nokey VALUES (1, 'a', NULL), (1, 'a', NULL), (NULL, NULL, x'00'), (2, 'b', x'ff');
"""

INCIDENT = """
SET time_zone = '+05:00';
START TRANSACTION;
UPDATE drk_fb.awkward SET n = NULL, txt = '\U0001F4A5', j = JSON_ARRAY('x'), dt = NOW(6), ts = NOW(6), dc = 0,
  f = 0, d = 0, bin = 'zz', e = NULL, s = 'y', bt = 31, u = 0, tm = '-01:00:00', lat = 'x', bl = x'00' WHERE a <= 40;
UPDATE drk_fb.awkward SET a = a + 1000 WHERE a BETWEEN 41 AND 45;
DELETE FROM drk_fb.awkward WHERE a BETWEEN 46 AND 60;
INSERT INTO drk_fb.awkward (a, b, parent_id) VALUES (9000, 'new', 2);
DELETE FROM drk_fb.awkward WHERE parent_id = 2;
DELETE FROM drk_fb.parent WHERE id = 2;
UPDATE drk_fb.nokey SET y = 'changed' WHERE x = 1;
DELETE FROM drk_fb.nokey WHERE x IS NULL;
INSERT INTO drk_fb.nokey VALUES (3, 'c', NULL);
COMMIT;
SELECT @@last_gtid;
"""

TABLES = ("drk_fb.parent", "drk_fb.awkward", "drk_fb.nokey")


def test_awkward_schema_round_trip_applied_and_as_sql_file(lab, tmp_path):
    sql("db-primary", "DROP DATABASE IF EXISTS drk_fb; CREATE DATABASE drk_fb;" + AWKWARD.replace(
        "seq_1_to_60", "drk_fb.seq_1_to_60"))
    before = dict((t, checksum(t)) for t in TABLES)
    [[gtid]] = sql("db-primary", INCIDENT)
    assert all(checksum(t) != before[t] for t in TABLES)
    current = sql("db-primary", "SHOW MASTER STATUS")[0][0]
    args = admin_args("db-primary", from_server=True, files=[current], gtids=[gtid], batch_size=7)
    result = run_module("flashback", args)
    assert not result.get("failed"), result
    assert result["conflicts"] == 0 and result["keyless_tables"] == ["drk_fb.nokey"]
    assert result["tables"]["drk_fb.awkward"]["key"] == ["a", "b"]
    assert dict((t, checksum(t)) for t in TABLES) == before
    # The same incident again, undone through a reviewed SQL file fed to the client.
    [[gtid]] = sql("db-primary", INCIDENT)
    dest = str(tmp_path / "undo.sql")
    written = run_module("flashback", dict(args, gtids=[gtid], mode="sql_file", dest=dest))
    assert not written.get("failed"), written
    assert written["changed"] and stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    assert all(checksum(t) != before[t] for t in TABLES)  # writing the file changed nothing
    with open(dest, "rb") as handle:
        proc = subprocess.run(["mariadb", "--socket=%s" % SOCKET, "--default-character-set=utf8mb4"], stdin=handle,
                              capture_output=True, check=False, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert dict((t, checksum(t)) for t in TABLES) == before
    assert not run_module("flashback", dict(args, gtids=[gtid], mode="sql_file", dest=dest))["changed"]
    sql("db-primary", "DROP DATABASE IF EXISTS drk_fb")


SET_TABLE = """
CREATE TABLE drk_fb2.pts (id INT PRIMARY KEY,
  name VARCHAR(30) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL, points INT NULL,
  updated_at DATETIME(6) NOT NULL, doc JSON NULL, price DECIMAL(12,4) NULL, note BLOB NULL,
  UNIQUE KEY uk_name (name));
INSERT INTO drk_fb2.pts SELECT seq, CONCAT('Usér ', seq), IF(seq % 7 = 0, NULL, seq), '2026-01-01 00:00:00.000001'
  + INTERVAL seq SECOND, JSON_OBJECT('n', seq, 'tag', 'é😀'), seq / 3, IF(seq % 2, UNHEX(HEX(seq)), NULL)
FROM drk_fb2.seq_1_to_5000;
"""

SET_INCIDENT = """
START TRANSACTION;
UPDATE drk_fb2.pts SET points = 0, price = NULL, updated_at = '2026-11-24 09:14:00.5' WHERE id <= 4000;
UPDATE drk_fb2.pts SET points = -1 WHERE id <= 50;
DELETE FROM drk_fb2.pts WHERE id > 4500;
INSERT INTO drk_fb2.pts (id, name, updated_at) SELECT 9000 + seq, CONCAT('new ', seq), NOW(6) FROM drk_fb2.seq_1_to_300;
COMMIT;
SELECT @@last_gtid;
"""


@pytest.mark.parametrize("server_decoding", [True, False], ids=["images-decoded-by-the-server", "decoded-in-python"])
def test_set_based_undo_keeps_conflicts_and_replicates(lab, server_decoding):
    """Thousands of rows undone set-based: rows touched twice, DELETEs and INSERTs, conflicts of every kind left as
    they are, and the replica equal to the primary afterwards; with row images decoded by the server (BINLOG into a
    load table, nothing of it in the binlog) and by Python."""
    path = "server" if server_decoding else "set"
    sql("db-primary", "DROP DATABASE IF EXISTS drk_fb2; CREATE DATABASE drk_fb2;" + SET_TABLE)
    sql("db-primary", "CREATE TABLE drk_fb2.copy AS SELECT * FROM drk_fb2.pts")
    [[gtid]] = sql("db-primary", SET_INCIDENT)
    # Later: rows 10 and 20 (touched twice) and 3000 change; 4600 (deleted) comes back with other values; the new
    # row 9002 changes, 9003 is deleted by the app already.
    sql("db-primary", "UPDATE drk_fb2.pts SET points = 999 WHERE id IN (10, 20, 3000); "
                      "INSERT INTO drk_fb2.pts (id, name, updated_at) VALUES (4600, 'back again', NOW()); "
                      "UPDATE drk_fb2.pts SET name = 'renamed' WHERE id = 9002; "
                      "DELETE FROM drk_fb2.pts WHERE id = 9003")
    current = sql("db-primary", "SHOW MASTER STATUS")[0][0]
    args = admin_args("db-primary", from_server=True, files=[current], gtids=[gtid], batch_size=1000,
                      server_decoding=server_decoding)
    binlog_before, started = sql("db-primary", "SHOW MASTER STATUS")[0][:2], time.time()
    plan = run_module("flashback", args, check_mode=True)
    assert not plan.get("failed"), plan
    assert plan["server_decoding"]["available"] is server_decoding, plan["server_decoding"]
    assert plan["apply_paths"][path] > 4000, plan["apply_paths"]
    done = run_module("flashback", args)
    assert not done.get("failed"), done
    assert done["set_based"]["available"] and done["apply_paths"][path] > 4000, done["apply_paths"]
    if server_decoding:
        # Clean UPDATE groups go by the write alone; the ones with rows 10, 20 and 3000 are written again the
        # careful way (and the DELETE/INSERT groups always go that way).
        assert done["server_decoding"]["groups_written_first"] >= 1, done["server_decoding"]
        assert done["server_decoding"]["second_connection"] is True, done["server_decoding"]
        assert done["server_decoding"]["write_retries"] >= 1, done["server_decoding"]
    conflicts = sorted((c["key"]["id"], c["operation"], c["reason"]) for c in done["conflict_rows"])
    # Rows 10 and 20 were changed twice by the incident: both undos are conflicts.
    changed = "changed since the event"
    assert conflicts == [(10, "update", changed)] * 2 + [(20, "update", changed)] * 2 + [
        (3000, "update", changed), (4600, "insert", "a row with this key exists with other values"),
        (9002, "delete", changed)]
    assert done["conflicts"] == 7 and done["skipped"] == 1  # 9003: already gone
    # Check mode judges every change on the rows as they are now: the older change of rows 1-50 (changed twice,
    # 10 and 20 are conflicts anyway) looks like a conflict until the newer one is undone.
    assert (plan["rows_reverted"], plan["conflicts"], plan["skipped"]) == (
        done["rows_reverted"] - 48, done["conflicts"] + 48, done["skipped"]), (plan["seconds"], done["seconds"])
    assert differing("drk_fb2.copy", "drk_fb2.pts", "id") == [10, 20, 3000, 4600]
    assert sql("db-primary", "SELECT COUNT(*) FROM drk_fb2.pts WHERE id > 9000") == [["1"]]  # 9002 kept
    # The undo replicates: the replica holds the same rows.
    pos = sql("db-primary", "SELECT @@gtid_binlog_pos")[0][0]
    assert sql("db-replica", "SELECT MASTER_GTID_WAIT('%s', 60)" % pos) == [["0"]]
    assert sql("db-replica", "CHECKSUM TABLE drk_fb2.pts")[0][1] == checksum("drk_fb2.pts")
    again = run_module("flashback", args)
    assert again["already_done"] and not again["changed"]
    # What went to the binlog: the undo's row changes of drk_fb2.pts only (no load table, no work table), with
    # today's timestamps (a BINLOG statement leaves the session clock at the event's time unless reset).
    logged, oldest = binlog_tables_since(*binlog_before)
    ours = set(t for t in logged if t.startswith(("drk_fb2.", "drkit_flashback.")))  # the lab's app writes too
    events_table = {"drkit_flashback.progress_events"} if server_decoding else set()
    assert ours == {"drk_fb2.pts", "drkit_flashback.progress"} | events_table, logged
    assert oldest >= int(started) - 1, (oldest, started)
    assert not sql("db-primary", "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = "
                                 "'drkit_flashback' AND TABLE_NAME LIKE 'load%'")
    sql("db-primary", "DROP DATABASE IF EXISTS drk_fb2")


def test_server_decoded_undo_stopped_half_way_resumes_after_its_last_batch(lab):
    """A trigger stops the undo half-way: the failure says so, the committed batches stay, and the re-run resumes
    by events (not rows) and ends with the pre-incident table on the primary and the replica."""
    sql("db-primary", "DROP DATABASE IF EXISTS drk_fb3; CREATE DATABASE drk_fb3; "
                      "CREATE TABLE drk_fb3.pts (id INT PRIMARY KEY, points INT NOT NULL, note VARCHAR(20)); "
                      "INSERT INTO drk_fb3.pts SELECT seq, seq, CONCAT('n', seq) FROM drk_fb3.seq_1_to_5000")
    before = checksum("drk_fb3.pts")
    [[gtid]] = sql("db-primary", "UPDATE drk_fb3.pts SET points = 0; SELECT @@last_gtid")
    sql("db-primary", "DELIMITER //\nCREATE TRIGGER drk_fb3.stop_here BEFORE UPDATE ON drk_fb3.pts FOR EACH ROW "
                      "IF OLD.id = 1000 THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'drill: stopped here'; "
                      "END IF//\nDELIMITER ;")
    current = sql("db-primary", "SHOW MASTER STATUS")[0][0]
    args = admin_args("db-primary", from_server=True, files=[current], gtids=[gtid], batch_size=500)
    stopped = run_module("flashback", args)
    assert stopped.get("failed") and "drill: stopped here" in stopped["msg"] and "resume" in stopped["msg"], stopped
    [[done, finished]] = sql("db-primary", "SELECT done, finished FROM drkit_flashback.progress WHERE run_id = '%s'"
                                           % stopped["run_id"])
    assert 0 < int(done) < 5000 and finished == "0"
    sql("db-primary", "DROP TRIGGER drk_fb3.stop_here")
    resumed = run_module("flashback", args)
    assert not resumed.get("failed"), resumed
    assert resumed["server_decoding"]["available"] and resumed["resumed_from"] == int(done)
    assert resumed["rows_reverted"] == 5000 and resumed["apply_paths"]["server"] == 5000 - int(done)
    assert checksum("drk_fb3.pts") == before
    pos = sql("db-primary", "SELECT @@gtid_binlog_pos")[0][0]
    assert sql("db-replica", "SELECT MASTER_GTID_WAIT('%s', 60)" % pos) == [["0"]]
    assert sql("db-replica", "CHECKSUM TABLE drk_fb3.pts")[0][1] == before
    sql("db-primary", "DROP DATABASE IF EXISTS drk_fb3")


def test_an_account_allowed_one_connection_loads_and_writes_in_turn(lab):
    """The second connection (the next group loaded while this one is written) is refused by
    MAX_USER_CONNECTIONS 1: the same undo runs on the one connection, all rows back, none lost."""
    sql("db-primary", "DROP DATABASE IF EXISTS drk_fb4; CREATE DATABASE drk_fb4; "
                      "CREATE TABLE drk_fb4.pts (id INT PRIMARY KEY, points INT NOT NULL); "
                      "INSERT INTO drk_fb4.pts SELECT seq, seq FROM drk_fb4.seq_1_to_3000; "
                      "CREATE OR REPLACE USER 'drk_fb_one'@'127.0.0.1' IDENTIFIED BY 'one-connection-only' "
                      "WITH MAX_USER_CONNECTIONS 1; GRANT ALL PRIVILEGES ON *.* TO 'drk_fb_one'@'127.0.0.1'")
    before = checksum("drk_fb4.pts")
    [[gtid]] = sql("db-primary", "UPDATE drk_fb4.pts SET points = 0; SELECT @@last_gtid")
    current = sql("db-primary", "SHOW MASTER STATUS")[0][0]
    # The files read where they are (from_server would need a second connection for the copy).
    args = admin_args("db-primary", login_user="drk_fb_one", login_password="one-connection-only",
                      path=os.path.join(LAB_ROOT, "db-primary", "binlog"), files=[current], gtids=[gtid],
                      batch_size=500)
    try:
        done = run_module("flashback", args)
        assert not done.get("failed"), done
        decoding = done["server_decoding"]
        assert decoding["available"] and decoding["second_connection"] is False, decoding
        assert done["rows_reverted"] == 3000 and decoding["groups_written_first"] >= 1, done
        assert checksum("drk_fb4.pts") == before
    finally:
        sql("db-primary", "DROP USER IF EXISTS 'drk_fb_one'@'127.0.0.1'; DROP DATABASE IF EXISTS drk_fb4")
