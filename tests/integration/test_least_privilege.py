"""The lab's accounts are exactly the ones docs/SECURITY.md documents, and the lab uses them.

The page's ``lab-grants`` block is the contract: every account's SHOW GRANTS on each lab server must say the same
privileges on the same objects (parsed by module_utils/grant_syntax, so order and quoting do not matter), no
``drkit_*`` account may exist that the page does not list, and the lab's connections must use them: the replicas
stream with drkit_repl, the binlog archive with drkit_archive, the application writes as shop_app.
"""
import os
import re
import sys

import pytest

from helpers import COLLECTIONS, LAB_PORTS, ROOT, sql

sys.path.insert(0, COLLECTIONS)
from ansible_collections.drkit.mysql.plugins.module_utils.grant_syntax import parse_grant_line  # noqa: E402

DOC = os.path.join(ROOT, "docs", "SECURITY.md")


def grant_map(lines):
    """{(user, host): {object: (frozenset of privileges, grant option)}} of GRANT lines."""
    accounts = {}
    for line in lines:
        grant = parse_grant_line(line)
        assert grant["kind"] == "privileges", line
        user, host = grant["grantee"]
        names = frozenset(name.upper() for name, _columns in grant["privileges"])
        accounts.setdefault((user, host), {})[grant["object"]] = (names, bool(grant["grant_option"]))
    return accounts


def documented():
    text = open(DOC).read()
    block = re.search(r"<!-- lab-grants: begin -->\s*```sql\n(.*?)```\s*<!-- lab-grants: end -->", text, re.S)
    assert block, "docs/SECURITY.md lost its lab-grants block"
    return grant_map(line.rstrip(";") for line in block.group(1).splitlines() if line.strip())


def live(host):
    query = "SELECT User, Host FROM mysql.user WHERE User LIKE 'drkit\\_%' OR User = 'shop_app' ORDER BY User, Host"
    accounts = [(row[0], row[1]) for row in sql(host, query)]
    lines = []
    for user, account_host in accounts:
        lines.extend(row[0] for row in sql(host, "SHOW GRANTS FOR '%s'@'%s'" % (user, account_host)))
    return grant_map(lines)


@pytest.mark.parametrize("host", sorted(LAB_PORTS))
def test_every_lab_account_has_exactly_the_documented_grants(lab, host):
    doc = documented()
    assert {"drkit_repl", "drkit_backup", "drkit_archive", "drkit_admin", "drkit_grants", "shop_app"} == set(
        user for user, _host in doc)
    assert live(host) == doc


def test_the_least_privileged_accounts_cannot_write_or_escalate(lab):
    doc = documented()
    writes = {"INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "ALL PRIVILEGES", "SUPER", "CREATE USER"}
    for user in ("drkit_repl", "drkit_backup", "drkit_archive"):
        for names, grant_option in doc[(user, "127.0.0.1")].values():
            assert not names & writes and not grant_option, user
    admin = doc[("drkit_admin", "127.0.0.1")]
    assert not any(grant_option or names & {"SUPER", "ALL PRIVILEGES", "CREATE USER"} for names, grant_option in
                   admin.values())
    assert set(doc[("shop_app", "127.0.0.1")]) == {"*.*", "`shop`.*"} and \
        doc[("shop_app", "127.0.0.1")]["*.*"] == (frozenset(["USAGE"]), False)


def test_the_lab_connects_with_them(lab):
    dumps = sorted(row[0] for row in sql("db-primary", "SELECT USER FROM information_schema.PROCESSLIST "
                                                       "WHERE COMMAND LIKE 'Binlog Dump%'"))
    assert dumps == ["drkit_archive", "drkit_repl", "drkit_repl"], dumps
    app = sql("db-primary", "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'shop_app'")
    assert int(app[0][0]) >= 1
