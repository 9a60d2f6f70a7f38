"""A drkit.mysql module run in-process (local hosts) gives the result the usual module run gives."""
import json
import os
import shutil
import subprocess
import tempfile

from helpers import ADMIN, LAB_INVENTORY, LAB_PORTS, ROOT, ansible_env


def adhoc(host, module, args, *extra):
    """Run one module with ``ansible`` and return (rc, result) as the tree callback saved it."""
    tree = tempfile.mkdtemp(prefix="drkit-tree-")
    try:
        proc = subprocess.run(
            ["ansible", "-i", LAB_INVENTORY, host, "-m", module, "-a", json.dumps(args)] + list(extra),
            check=False, capture_output=True, text=True, cwd=ROOT, timeout=120,
            env=ansible_env(ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_CALLBACKS_ENABLED="ansible.builtin.tree",
                            ANSIBLE_CALLBACK_TREE_DIR=tree),
        )
        with open(os.path.join(tree, host)) as handle:
            return proc.returncode, json.load(handle)
    finally:
        shutil.rmtree(tree, ignore_errors=True)


def both_ways(host, module, args):
    in_process = adhoc(host, module, args)
    as_module = adhoc(host, module, args, "-e", "drkit_mysql_in_process=false")
    return in_process, as_module


def test_topology_facts_are_the_same_either_way(lab):
    args = dict(ADMIN, login_port=LAB_PORTS["db-replica"])
    (rc1, here), (rc2, there) = both_ways("db-replica", "drkit.mysql.topology_facts", args)
    assert rc1 == rc2 == 0
    assert "in_process_seconds" in here and "in_process_seconds" not in there
    mine, theirs = here["ansible_facts"]["drkit_mysql_topology"], there["ansible_facts"]["drkit_mysql_topology"]
    assert set(mine) == set(theirs)
    for key in ("flavor", "version", "server_id", "read_only", "is_replica"):
        assert mine[key] == theirs[key], key


def test_a_failure_reads_the_same_and_hides_the_password(lab):
    args = dict(ADMIN, login_port=LAB_PORTS["db-primary"], login_password="wrong-secret-xyz")
    (rc1, here), (rc2, there) = both_ways("db-primary", "drkit.mysql.fence", args)
    assert rc1 == rc2 != 0
    assert here["msg"] == there["msg"] and "access denied" in here["msg"]
    assert "wrong-secret-xyz" not in json.dumps(here)


def test_check_mode_reaches_the_module(lab, tmp_path):
    config = tmp_path / "db.cnf"
    config.write_text("host = a\nport = 1\n")
    os.chmod(config, 0o640)
    args = dict(path=str(config), settings=dict(host="b", port=2))
    rc, checked = adhoc("app1", "drkit.mysql.config_settings", args, "--check")
    assert rc == 0 and checked["changed"] and "in_process_seconds" in checked
    assert config.read_text() == "host = a\nport = 1\n"
    rc, done = adhoc("app1", "drkit.mysql.config_settings", args)
    assert rc == 0 and done["changed"] and config.read_text() == "host = b\nport = 2\n"
    assert os.stat(config).st_mode & 0o777 == 0o640 and os.path.exists(done["backup_file"])
    rc, again = adhoc("app1", "drkit.mysql.config_settings", args)
    assert rc == 0 and not again["changed"]
