#!/usr/bin/python
# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module drkit.mysql.table_checksum: compare tables between servers by chunked checksums."""

DOCUMENTATION = r"""
module: table_checksum
short_description: Compare tables between a source and one or more target servers, down to the differing rows
version_added: 0.1.0
description:
  - Compares tables by row count and checksums over key ranges (chunks), each computed in SQL by every server at
    the same time; only the ranges that differ are narrowed down, to the primary keys of the rows that are missing,
    extra or changed on a target.
  - Needs no replication between the servers (unlike pt-table-checksum) and runs only SELECT statements, so it
    suits a restored scratch server, a DR replica, or a migrated copy. Works on MySQL and MariaDB.
  - Chunks are sized so that one takes about O(chunk_time) seconds on the source, which keeps the load on a busy
    server bounded. Tables without a primary key use a NOT NULL unique key; without either they are compared as
    a whole (said so in the result, and their differing rows cannot be named).
  - A range that differs is checked again O(recheck) times after O(recheck_delay) seconds before it counts, so
    that a replica that is just behind does not show up as a difference.
extends_documentation_fragment:
  - drkit.mysql.connection
author: drkit.mysql maintainers (@drkit)
attributes:
  check_mode:
    support: full
    description: The module only reads; check mode runs the same comparison.
  diff_mode:
    support: none
    description: Nothing is changed, so there is no diff.
options:
  tables:
    description:
      - Tables to compare, as C(db.table). A C(db.*) entry means every base table of that database.
    type: list
    elements: str
    required: true
  exclude:
    description: Tables (C(db.table)) to leave out of a C(db.*) entry.
    type: list
    elements: str
    default: []
  targets:
    description:
      - The servers compared with the source (the server of the login options). Unset options default to the
        source's (user, password, socket excepted).
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Name of the server in the result.
        type: str
        required: true
      login_host:
        description: Its address.
        type: str
      login_port:
        description: Its port.
        type: int
      login_user:
        description: Account to read it with (default O(login_user)).
        type: str
      login_password:
        description: Its password (default O(login_password)).
        type: str
      login_unix_socket:
        description: Its socket, instead of host and port.
        type: path
  source_name:
    description: Name of the source server in the result.
    type: str
    default: source
  chunk_time:
    description: Seconds one chunk should take on the source; the chunk size follows the measured rate.
    type: float
    default: 0.5
  parallel:
    description: Tables compared at the same time (each with its own connection to every server).
    type: int
    default: 2
  algorithm:
    description: Row hash. C(crc32) is fast (a changed chunk goes unseen with probability 2^-32); C(md5) uses 64 bits.
    type: str
    choices: [crc32, md5]
    default: crc32
  drill_rows:
    description: A differing chunk is narrowed to sub-ranges of this many rows before rows are listed.
    type: int
    default: 2000
  max_differences:
    description: Differing rows listed per table (all are counted).
    type: int
    default: 100
  recheck:
    description: Times a differing chunk is compared again before it counts.
    type: int
    default: 1
  recheck_delay:
    description: Seconds before each recheck.
    type: float
    default: 1.0
  fail_on_difference:
    description: Fail the task when a table differs or is missing (the result still holds every table's findings).
    type: bool
    default: true
notes:
  - Compare servers that hold the same data at the same moment (a stopped replica, a restored copy at a known GTID,
    a source fenced for the check); rows written during the comparison show up as differences unless a recheck
    sees them equal.
  - Column types must be the same on every server; a table whose columns differ is reported as C(schema_differs).
"""

EXAMPLES = r"""
- name: Compare the shop database between the primary and the DR server
  drkit.mysql.table_checksum:
    login_host: db-primary.example.net
    login_user: drkit_check
    login_password: "{{ vault_drkit_check_password }}"
    source_name: db-primary
    tables: [shop.*]
    targets:
      - name: db-dr
        login_host: db-dr.example.net
"""

RETURN = r"""
match:
  description: Whether every table matched on every target.
  returned: always
  type: bool
tables:
  description:
    - One entry per table. C(status) is C(match), C(differ), C(missing_on_target), C(missing_on_source) or
      C(schema_differs); C(method) C(chunked) or C(whole_table); C(rows) the row count per server; C(differences)
      the differing rows (C(key), C(kind) changed/missing_on_target/extra_on_target, C(target)); C(seconds).
  returned: always
  type: list
  elements: dict
summary:
  description: One line per table that does not match, for people.
  returned: always
  type: list
  elements: str
report:
  description: Every table as a text table (TABLE, STATUS, ROWS per server, CHUNKS, DIFFERING, SECONDS) for people.
  returned: always
  type: str
rows_per_second:
  description: Source rows compared per second over the whole run.
  returned: always
  type: float
"""

import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.drkit.mysql.plugins.module_utils.connection import (
    ConnectionFailure,
    connection_argument_spec,
    other_server_spec,
)
from ansible_collections.drkit.mysql.plugins.module_utils.server import Server, open_server_or_fail
from ansible_collections.drkit.mysql.plugins.module_utils.table_compare import compare_tables
from ansible_collections.drkit.mysql.plugins.module_utils.table_selection import TableSelectionError, expand_tables
from ansible_collections.drkit.mysql.plugins.module_utils.text_table import text_table

MODULE_OPTIONS = dict(supports_check_mode=True)
TARGET_KEYS = ("login_host", "login_port", "login_user", "login_password", "login_unix_socket")


def argument_spec():
    spec = connection_argument_spec()
    spec.update(
        tables=dict(type="list", elements="str", required=True),
        exclude=dict(type="list", elements="str", default=[]),
        targets=dict(type="list", elements="dict", required=True, options=other_server_spec()),
        source_name=dict(type="str", default="source"),
        chunk_time=dict(type="float", default=0.5),
        parallel=dict(type="int", default=2),
        algorithm=dict(type="str", choices=["crc32", "md5"], default="crc32"),
        drill_rows=dict(type="int", default=2000),
        max_differences=dict(type="int", default=100),
        recheck=dict(type="int", default=1),
        recheck_delay=dict(type="float", default=1.0),
        fail_on_difference=dict(type="bool", default=True),
    )
    return spec


def main():
    run(AnsibleModule(argument_spec=argument_spec(), **MODULE_OPTIONS))


def target_params(params, target):
    """A target's connection options: its own, else the source's (never the source's socket or address)."""
    merged = dict(params)
    merged.update(login_host=None, login_port=None, login_unix_socket=None)
    merged.update((key, target[key]) for key in TARGET_KEYS if target.get(key) is not None)
    return merged


def summary_line(table):
    rows = ", ".join("%s %d" % (name, count) for name, count in table["rows"].items())
    if table["status"] == "differ":
        return "%s differs: %d row(s) (%s); %d chunk(s) of %d differ" % (
            table["table"], table["difference_count"], rows, table["differing_chunks"], table["chunks"])
    return "%s: %s%s" % (table["table"], table["status"].replace("_", " "),
                         (" (%s)" % "; ".join(table["notes"])) if table["notes"] else "")


def report(results, names):
    rows = [[table["table"], table["status"], " / ".join(str(table["rows"].get(name, "-")) for name in names),
             table["chunks"], table.get("difference_count", 0), table["seconds"]] for table in results]
    return text_table(["TABLE", "STATUS", "ROWS (%s)" % " / ".join(names), "CHUNKS", "DIFFERING", "SECONDS"], rows)


def run(module):
    params = module.params
    names = [params["source_name"]] + [target["name"] for target in params["targets"]]
    if len(set(names)) != len(names):
        module.fail_json(msg="Server names must differ: %s." % ", ".join(names))
    connections = [params] + [target_params(params, target) for target in params["targets"]]
    source = open_server_or_fail(module)  # the first connection says clearly when the source is wrong
    try:
        tables = expand_tables(source, params["tables"], params["exclude"])
    except TableSelectionError as exc:
        module.fail_json(msg=str(exc))
    finally:
        source.close()

    def open_sides():
        sides = []
        try:
            for name, connection in zip(names, connections):
                sides.append((name, Server.open(connection)))
        except ConnectionFailure:
            for _name, server in sides:
                server.close()
            raise
        return sides

    options = dict((key, params[key]) for key in ("chunk_time", "parallel", "algorithm", "drill_rows",
                                                  "max_differences", "recheck", "recheck_delay"))
    started = time.monotonic()
    try:
        results = compare_tables(open_sides, tables, options)
    except ConnectionFailure as exc:
        module.fail_json(msg=str(exc))
    except Exception as exc:
        module.fail_json(msg="Comparing tables failed: %s" % exc)
    seconds = time.monotonic() - started
    source_rows = sum(table["rows"][names[0]] for table in results)
    not_matching = [table for table in results if table["status"] != "match"]
    result = dict(changed=False, match=not not_matching, tables=results,
                  summary=[summary_line(table) for table in not_matching], report=report(results, names),
                  rows_per_second=round(source_rows / seconds, 1) if seconds > 0 else 0.0,
                  seconds=round(seconds, 3))
    if not_matching and params["fail_on_difference"]:
        module.fail_json(msg="%d of %d table(s) do not match: %s" % (
            len(not_matching), len(results), "; ".join(result["summary"])), **result)
    result["msg"] = "%d table(s) match on %s (%d rows)." % (len(results), ", ".join(names), source_rows) \
        if not not_matching else "%d of %d table(s) do not match." % (len(not_matching), len(results))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
