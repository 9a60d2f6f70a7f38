#!/usr/bin/python
# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module drkit.mysql.binlog_events: find statements in binlogs, with their GTID and row changes."""

DOCUMENTATION = r"""
module: binlog_events
short_description: Find the statements of MySQL/MariaDB binlogs by table, type, time, GTID or SQL text
version_added: 0.3.0
description:
  - Reads binary logs with the collection's own decoder (no C(mariadb-binlog --flashback), no server needed for
    local files) and returns each matching statement with its transaction's GTID, file and byte positions, time,
    type (insert, update, delete, ddl, query), database, table, number of rows changed and SQL text (the Query
    event, or the Annotate_rows statement MariaDB logs before row events).
  - The first step of a flashback or a point-in-time recovery - locate the C(UPDATE ... without WHERE) or the
    C(DROP TABLE), then undo it or replay up to it.
  - "Reads MariaDB (10.x/11.x, compressed events too) and MySQL (5.7/8.x, v2 row events, binary JSON) binlogs. Not
    read: encrypted binlogs, MySQL compressed transaction payloads (zstd), partial JSON updates - refused with a
    message."
  - Files come from a directory (the binlog archive of the C(binlog_archive) role, or a server's own binlog
    directory when the module runs on the database host), or from a live server with O(from_server) (copied with
    C(mariadb-binlog --read-from-remote-server --raw) into a private temporary directory, then read).
  - Column names, signedness and character sets come from the binlog when it has them
    (C(binlog_row_metadata=FULL) gives all; MINIMAL gives signedness and character sets). Otherwise, when
    connection options are given, from the server's C(information_schema) (the table's current definition, used
    only while its column count matches the event's); else columns are named C(@1), C(@2), ...
  - Read-only. Check mode runs the same search.
author: drkit.mysql maintainers (@drkit)
extends_documentation_fragment:
  - drkit.mysql.connection
attributes:
  check_mode:
    support: full
    description: Reads and reports the same; it never changes anything.
  diff_mode:
    support: none
    description: Nothing changes.
options:
  path:
    description:
      - A binlog archive directory (its C(current) source is read) or any directory of binlog files.
    type: path
  files:
    description:
      - Binlog file names to read, oldest first - inside O(path), on the server with O(from_server), or absolute
        paths when O(path) is unset. Default is every binlog file of O(path) or of the server.
    type: list
    elements: str
  from_server:
    description:
      - Read the binlogs of the server named by the connection options through a replication connection (the
        account needs C(REPLICATION SLAVE) or C(BINLOG MONITOR)/C(REPLICATION CLIENT) and C(REPLICATION SLAVE)).
    type: bool
    default: false
  databases:
    description: Only statements on these databases (shell patterns such as C(shop*) allowed).
    type: list
    elements: str
  tables:
    description: Only statements on these tables, C(db.table) or C(table) (shell patterns allowed).
    type: list
    elements: str
  types:
    description: Only these kinds of statement.
    type: list
    elements: str
    choices: [insert, update, delete, ddl, query]
  start_datetime:
    description:
      - Only statements at or after this time, C(YYYY-MM-DD hh:mm:ss) in the time zone of the host running the
        module (as C(mariadb-binlog) reads it), or with an offset (C(+02:00), C(Z)).
    type: str
  stop_datetime:
    description: Only statements before this time (same format as O(start_datetime)).
    type: str
  gtids:
    description:
      - Only these transactions. MariaDB C(0-1-1730), a range C(0-1-1700..1730) (C(0-?-...) for any server id);
        MySQL GTID sets C(uuid:5) or C(uuid:1-10).
    type: list
    elements: str
  sql_regex:
    description:
      - Only statements whose SQL text (Query event or Annotate_rows statement) matches this regular expression
        (Python syntax, case-insensitive). Row events without an annotation have no text and never match.
    type: str
  with_rows:
    description: Return the decoded row images (before and after) of matching row statements.
    type: bool
    default: false
  max_rows:
    description: At most this many row images in the whole result (counting still covers every row).
    type: int
    default: 1000
  max_events:
    description: Stop after this many matching statements.
    type: int
    default: 1000
  binlog_binary:
    description: The C(mariadb-binlog) program for O(from_server) (found on the PATH when unset; C(mysqlbinlog) too).
    type: path
notes:
  - Values in O(with_rows) results are JSON-safe - DECIMAL as text, binary strings as C(0x...) hex,
    TIMESTAMP columns in UTC with a C(Z), dates as ISO text; ENUM and SET values are their labels when the binlog or
    the server names them, otherwise their index and bit mask.
  - A statement whose row image is not FULL (C(binlog_row_image=MINIMAL/NOBLOB)) is returned with
    RV(events[].full_image) false; a flashback refuses it.
"""

EXAMPLES = r"""
- name: Find the UPDATE without WHERE on shop.users this morning
  drkit.mysql.binlog_events:
    path: /var/lib/drkit/binlog-archive
    tables: [shop.users]
    types: [update]
    start_datetime: "2026-11-24 09:00:00"
    stop_datetime: "2026-11-24 09:30:00"
  register: found

- name: Where was users dropped (read from the primary itself)
  drkit.mysql.binlog_events:
    from_server: true
    login_host: 10.0.1.10
    login_user: drkit_admin
    login_password: "{{ vault_drkit_admin_password }}"
    types: [ddl]
    sql_regex: 'DROP\s+TABLE.*users'

- name: The rows one transaction changed
  drkit.mysql.binlog_events:
    path: /var/lib/mysql
    files: [db-bin.000042]
    gtids: [0-1-1730]
    with_rows: true
    max_rows: 50
"""

RETURN = r"""
events:
  description: Matching statements in binlog order.
  returned: always
  type: list
  elements: dict
  contains:
    gtid:
      description: The transaction's GTID (MariaDB C(D-S-N), MySQL C(uuid:N)); null for anonymous MySQL transactions.
      type: str
    file:
      description: Binlog file name.
      type: str
    transaction_start:
      description: Byte offset of the transaction's GTID event.
      type: int
    transaction_end:
      description: Byte offset just after the transaction's last event (its XID or COMMIT).
      type: int
    start:
      description: Byte offset of the statement's first event (its Annotate_rows, Table_map or Query event).
      type: int
    end:
      description: Byte offset just after the statement's last event.
      type: int
    timestamp:
      description: When the statement started, seconds since the epoch.
      type: int
    datetime:
      description: The same in the module host's time zone.
      type: str
    server_id:
      description: The server that executed it.
      type: int
    type:
      description: insert, update, delete, ddl or query.
      type: str
    db:
      description: Database (the table's, or the Query event's default database).
      type: str
    table:
      description: Table name (for DDL, the first table the statement names), or null.
      type: str
    rows:
      description: Rows changed by a row statement; null for Query events.
      type: int
    sql:
      description: The statement text, or null for row events without annotation.
      type: str
    full_image:
      description: Whether every row image holds every column (binlog_row_image=FULL).
      type: bool
    columns:
      description: Column names of a row statement (C(@1)... when unknown).
      type: list
      elements: str
    row_images:
      description: With O(with_rows), C({before, after}) per row (null before for inserts, null after for deletes).
      type: list
      elements: dict
    rows_truncated:
      description: Present and true when O(max_rows) cut this statement's row images.
      type: bool
count:
  description: Number of matching statements.
  returned: always
  type: int
transactions:
  description: Number of distinct transactions among them.
  returned: always
  type: int
truncated:
  description: True when O(max_events) statements were found (there may be more).
  returned: always
  type: bool
files:
  description: The files read, oldest first.
  returned: always
  type: list
  elements: str
bytes_read:
  description: Their total size.
  returned: always
  type: int
read_ms:
  description: Milliseconds the search took (reading and decoding).
  returned: always
  type: int
column_source:
  description: Where column details came from besides the binlog - C(server) (information_schema) or C(binlog).
  returned: always
  type: str
read_warnings:
  description:
    - What could not be read or known (tables altered since the event, a file still being written). Each is also
      shown as an Ansible warning.
  returned: always
  type: list
  elements: str
"""

import os
import shutil
import tempfile
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.drkit.mysql.plugins.module_utils.binlog import BinlogError
from ansible_collections.drkit.mysql.plugins.module_utils.binlog_rows import RowsError
from ansible_collections.drkit.mysql.plugins.module_utils.binlog_search import TYPES, Filters, SearchError, search
from ansible_collections.drkit.mysql.plugins.module_utils.binlog_source import (
    column_source_for,
    copy_from_server,
    local_paths,
    wants_server,
)
from ansible_collections.drkit.mysql.plugins.module_utils.connection import connection_argument_spec
from ansible_collections.drkit.mysql.plugins.module_utils.server import open_server_or_fail

MODULE_OPTIONS = dict(supports_check_mode=True, mutually_exclusive=[("path", "from_server")])


def argument_spec():
    spec = connection_argument_spec()
    spec.update(
        path=dict(type="path"),
        files=dict(type="list", elements="str"),
        from_server=dict(type="bool", default=False),
        databases=dict(type="list", elements="str"),
        tables=dict(type="list", elements="str"),
        types=dict(type="list", elements="str", choices=list(TYPES)),
        start_datetime=dict(type="str"),
        stop_datetime=dict(type="str"),
        gtids=dict(type="list", elements="str"),
        sql_regex=dict(type="str"),
        with_rows=dict(type="bool", default=False),
        max_rows=dict(type="int", default=1000),
        max_events=dict(type="int", default=1000),
        binlog_binary=dict(type="path"),
    )
    return spec


def main():
    run(AnsibleModule(argument_spec=argument_spec(), **MODULE_OPTIONS))


def run(module):
    params = module.params
    try:
        filters = Filters(databases=params["databases"], tables=params["tables"], types=params["types"],
                          start_datetime=params["start_datetime"], stop_datetime=params["stop_datetime"],
                          gtids=params["gtids"], sql_regex=params["sql_regex"])
    except SearchError as exc:
        module.fail_json(msg="Invalid filter: %s." % exc)
    want_server = wants_server(params)
    server = open_server_or_fail(module) if want_server else None
    workdir = tempfile.mkdtemp(prefix="drkit-events-") if params["from_server"] else None
    result = dict(changed=False, events=[], count=0, transactions=0, truncated=False, files=[], bytes_read=0,
                  read_ms=0, column_source="server" if server else "binlog", read_warnings=[])
    try:
        if workdir:
            os.chmod(workdir, 0o700)
            paths = copy_from_server(module, server, workdir)
        else:
            paths = local_paths(module)
        result["files"] = [os.path.basename(p) for p in paths]
        result["bytes_read"] = sum(os.path.getsize(p) for p in paths)
        started = time.time()
        events = list(search(paths, filters, with_rows=params["with_rows"], max_rows=params["max_rows"],
                             max_events=params["max_events"],
                             column_source=column_source_for(server) if server else None,
                             warnings=result["read_warnings"]))
        result["read_ms"] = int((time.time() - started) * 1000)
        result.update(events=events, count=len(events), truncated=len(events) >= params["max_events"],
                      transactions=len(set((e["file"], e["transaction_start"]) for e in events)))
    except (BinlogError, RowsError, OSError) as exc:
        module.fail_json(msg="Cannot read the binlogs: %s." % exc, **result)
    finally:
        if server is not None:
            server.close()
        if workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    for text in result["read_warnings"]:
        module.warn(text)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
