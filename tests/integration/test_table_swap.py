"""table_swap on the real lab when foreign keys point at the repaired table (the PITR playbook's last step).

A renamed parent would take the children's foreign keys along (they would point at the damaged copy), so such a
table is copied instead: the damaged rows saved into the side schema, the live rows replaced in one transaction.
The children's rows and foreign keys must stay as they are, and the replicas must get the same result.
"""
from helpers import admin_args, run_module, sql

SETUP = """
DROP DATABASE IF EXISTS swapfk; DROP DATABASE IF EXISTS swapfk_pitr;
CREATE DATABASE swapfk; CREATE DATABASE swapfk_pitr;
CREATE TABLE swapfk.customers (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL) ENGINE=InnoDB;
CREATE TABLE swapfk.orders (id INT PRIMARY KEY, customer_id INT NOT NULL, total DECIMAL(8,2) NOT NULL,
  FOREIGN KEY (customer_id) REFERENCES swapfk.customers (id) ON DELETE CASCADE) ENGINE=InnoDB;
CREATE TABLE swapfk.notes (id INT PRIMARY KEY, body TEXT) ENGINE=InnoDB;
INSERT INTO swapfk.customers VALUES (1, 'ann'), (2, 'bob'), (3, 'cy');
INSERT INTO swapfk.orders VALUES (10, 1, 5.00), (11, 2, 7.50), (12, 3, 9.99), (13, 3, 1.25);
INSERT INTO swapfk.notes VALUES (1, 'kept'), (2, 'kept too');
CREATE TABLE swapfk_pitr.customers LIKE swapfk.customers;
INSERT INTO swapfk_pitr.customers SELECT * FROM swapfk.customers;
CREATE TABLE swapfk_pitr.notes LIKE swapfk.notes;
INSERT INTO swapfk_pitr.notes VALUES (1, 'kept'), (2, 'kept too'), (3, 'restored');
UPDATE swapfk.customers SET name = 'DAMAGED';
DELETE FROM swapfk.notes WHERE id = 2;
"""


def fk_targets():
    return sql("db-primary", "SELECT REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME FROM "
                             "information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = 'swapfk' "
                             "AND REFERENCED_TABLE_NAME IS NOT NULL")


def checksums(host):
    return sql(host, "CHECKSUM TABLE swapfk.customers, swapfk.orders, swapfk.notes, swapfk_pitr.customers__damaged, "
                     "swapfk_pitr.notes__damaged")


def test_a_parent_table_is_copied_in_place_and_the_children_keep_their_rows_and_keys(lab):
    sql("db-primary", SETUP)
    args = admin_args("db-primary", side_schema="swapfk_pitr", tables=["swapfk.customers", "swapfk.notes"],
                      action="swap")

    planned = run_module("table_swap", args, check_mode=True)
    assert not planned.get("failed"), planned.get("msg")
    plan = "\n".join(planned["statements"])
    assert "DELETE FROM `swapfk`.`customers`" in plan          # the parent: copied, not renamed
    assert "RENAME TABLE" in plan and "`swapfk`.`notes` TO `swapfk_pitr`.`notes__damaged`" in plan
    assert sql("db-primary", "SELECT DISTINCT name FROM swapfk.customers") == [["DAMAGED"]]   # check mode: untouched

    done = run_module("table_swap", args)
    assert done.get("changed") and not done.get("failed"), done.get("msg")
    repaired = sql("db-primary", "SELECT id, name FROM swapfk.customers ORDER BY id")
    assert repaired == [["1", "ann"], ["2", "bob"], ["3", "cy"]]
    assert sql("db-primary", "SELECT DISTINCT name FROM swapfk_pitr.customers__damaged") == [["DAMAGED"]]
    # ON DELETE CASCADE did not fire while the parent's rows were replaced: every child row is still there.
    assert sql("db-primary", "SELECT COUNT(*), SUM(total) FROM swapfk.orders") == [["4", "23.74"]]
    assert fk_targets() == [["swapfk", "customers"]]                 # the key still points at the live table
    assert sql("db-primary", "SELECT id, body FROM swapfk.notes ORDER BY id")[-1] == ["3", "restored"]
    assert sql("db-primary", "SELECT COUNT(*) FROM swapfk_pitr.notes__damaged") == [["1"]]
    sql("db-primary", "INSERT INTO swapfk.orders VALUES (14, 2, 3.00)")   # the key is enforced against it
    again = run_module("table_swap", args)   # the record says it was swapped: a re-run changes nothing
    assert again.get("changed") is False and not again.get("failed"), again.get("msg")
    assert sql("db-primary", "SELECT COUNT(*) FROM swapfk.customers WHERE name <> 'DAMAGED'") == [["3"]]

    position = sql("db-primary", "SELECT @@gtid_binlog_pos")[0][0]
    for host in ("db-replica", "db-dr"):
        assert sql(host, "SELECT MASTER_GTID_WAIT('%s', 30)" % position) == [["0"]], host
        assert checksums(host) == checksums("db-primary"), host
    sql("db-primary", "DROP DATABASE swapfk; DROP DATABASE swapfk_pitr")
