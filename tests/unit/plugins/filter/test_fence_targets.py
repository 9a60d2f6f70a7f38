"""fence_targets: the plan's servers to fence, reachable from the candidate, with their own accounts."""
from ansible_collections.drkit.mysql.plugins.filter.failover import fence_targets

HOSTVARS = {
    "db-primary": {"drkit_mysql_replication_host": "10.0.1.10", "drkit_mysql_port": 3307,
                   "drkit_mysql_login_user": "dr_admin", "drkit_mysql_login_password": "s3cret"},
    "db-old": {"drkit_mysql_login_host": "10.0.1.11"},
}


def test_address_is_the_replication_address_and_account_the_servers_own():
    assert fence_targets({"fence": ["db-primary"]}, HOSTVARS) == [dict(
        name="db-primary", login_host="10.0.1.10", login_port=3307, login_user="dr_admin", login_password="s3cret")]


def test_defaults_to_login_host_and_port_3306_without_account():
    assert fence_targets({"fence": ["db-old"]}, HOSTVARS) == [dict(name="db-old", login_host="10.0.1.11",
                                                                   login_port=3306)]


def test_nothing_to_fence():
    assert fence_targets({"fence": []}, HOSTVARS) == [] and fence_targets(None, HOSTVARS) == []
