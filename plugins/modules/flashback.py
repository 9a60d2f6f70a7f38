#!/usr/bin/python
# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module drkit.mysql.flashback: undo chosen row changes from their binlog row images."""

DOCUMENTATION = r"""
module: flashback
short_description: Undo the row changes of chosen binlog events on MySQL/MariaDB, keeping later changes
version_added: 0.3.0
description:
  - Undoes the row changes of chosen statements - an C(UPDATE) without C(WHERE), a mass C(DELETE), a wrong
    C(INSERT) - by applying the reverse of their binlog row images on the primary (the writes replicate).
    Events are chosen by O(gtids), by a byte range O(start_position)/O(stop_position) of one file, or by
    O(tables) and a time window.
  - Reads the binlogs with the collection's own decoder, so it works on MySQL and MariaDB alike (no
    C(mariadb-binlog --flashback)). Files come from a directory (the binlog archive, or the server's binlog
    directory) or from the server itself with O(from_server), as in M(drkit.mysql.binlog_events).
  - Newest change first, each row is reverted only while it still equals the event's after-image (on the checked
    columns); a row changed since is a conflict - counted, listed and left as it is, unless
    O(on_conflict=overwrite). O(columns) restores chosen columns only (and checks only those), so later updates of
    other columns are kept.
  - Rows are located by the primary key, else a NOT NULL unique key; a table without either is matched on the
    whole after-image with C(LIMIT 1) (said so in RV(keyless_tables)).
  - O(mode=apply) undoes the rows of one table set-based, a chunk of up to 2000 rows at a time - their images are
    loaded into a session C(TEMPORARY) work table with the table's own column types, one locking read finds the
    rows that still equal their after-image, one guarded C(UPDATE ... JOIN), C(DELETE ... JOIN) or
    C(INSERT ... SELECT) writes them, and the others are classified as conflicts, already reverted or gone exactly
    as row by row. Rows touched by several selected events go to later chunks, so the newest change is still undone
    first. Tables without a key, C(UPDATE)s that changed the key, chunks the server refuses as a whole (unique or
    foreign keys that need the row order) and servers whose C(binlog_format) is not C(ROW) are undone row by row
    (RV(apply_paths) counts each path).
  - On MariaDB, with O(server_decoding), the server itself decodes the row images (4-5x faster than decoding them in
    Python on a 200k-row C(UPDATE)) - the events are re-addressed to a load table in C(drkit_flashback) and replayed
    with a C(BINLOG) statement while the session's binlog is off (nothing of it replicates; a second connection
    loads the next group while the first writes), then one transaction per group of about O(batch_size) changes of
    one statement undoes them - an C(UPDATE) first with one guarded write straight from the loaded image pairs, and
    when that leaves a row alone (or for other statements) with the same work table, locking read and guarded
    write as above.
    This needs the C(BINLOG REPLAY) and C(BINLOG ADMIN) privileges (or C(SUPER)) and C(CREATE), C(DROP) on
    C(drkit_flashback); without them, on MySQL, and for groups it cannot take, the images are decoded in Python
    (RV(server_decoding) says why).
  - O(mode=apply) runs in batches of O(batch_size) rows, one transaction each; the progress is committed with each
    batch in C(drkit_flashback.progress), so a run that stopped resumes where it was and a finished run is
    recognised (V(changed=false)). O(mode=sql_file) writes the guarded reverse statements to O(dest) for review.
  - Refused before anything is changed - statement-logged changes (C(binlog_format=STATEMENT/MIXED)), row images
    that are not FULL (C(binlog_row_image=MINIMAL/NOBLOB)), DDL among the selected changes, tables altered since
    the events, and a read-only server in apply mode.
  - Memory stays bounded - the selection keeps a few numbers per statement, and the reverse walk holds one rows
    event at a time, whatever the number of rows.
author: drkit.mysql maintainers (@drkit)
extends_documentation_fragment:
  - drkit.mysql.connection
attributes:
  check_mode:
    support: full
    description:
      - Reads the binlogs and the current rows and reports the plan - how many rows would be reverted, which would
        be conflicts or are already reverted, and the first reverse statements. Nothing is written.
  diff_mode:
    support: none
    description: Row changes are reported as counts and conflict lists, not as a diff.
options:
  path:
    description: A binlog archive directory (its C(current) source is read) or any directory of binlog files.
    type: path
  files:
    description:
      - Binlog file names to read, oldest first - inside O(path), on the server with O(from_server), or absolute
        paths. With O(start_position)/O(stop_position) exactly one file.
    type: list
    elements: str
  from_server:
    description: Read the binlogs of the server itself through a replication connection.
    type: bool
    default: false
  binlog_binary:
    description: The C(mariadb-binlog)/C(mysqlbinlog) program for O(from_server).
    type: path
  gtids:
    description:
      - The transactions to undo - MariaDB C(0-1-1730) or C(0-1-1700..1730), MySQL C(uuid:5) or C(uuid:1-10).
        Combined with O(tables), only those tables' changes of these transactions.
    type: list
    elements: str
  start_position:
    description: Undo the transactions that start at or after this byte offset of the one file in O(files).
    type: int
  stop_position:
    description: Undo only statements that end at or before this byte offset of the one file in O(files).
    type: int
  tables:
    description:
      - Only changes of these tables, C(db.table) (shell patterns allowed). Required with a time window.
    type: list
    elements: str
  start_datetime:
    description:
      - With O(tables) and O(stop_datetime), the start of the window of changes to undo, C(YYYY-MM-DD hh:mm:ss)
        in the module host's time zone, or with an offset (C(+02:00), C(Z)).
    type: str
  stop_datetime:
    description:
      - End of the window (exclusive). Give a time in the past - the flashback's own writes come after it.
    type: str
  columns:
    description:
      - Restore only these columns of the undone UPDATEs, and check only these for conflicts (a later change of
        another column is kept and is no conflict). The selection must then hold UPDATEs only.
    type: list
    elements: str
  mode:
    description:
      - V(apply) reverts the rows on the server; V(sql_file) writes the reverse statements, each guarded by the
        after-image in its C(WHERE), to O(dest) (mode 0600) for review and a later C(mariadb < file).
    type: str
    choices: [apply, sql_file]
    default: apply
  dest:
    description: The file O(mode=sql_file) writes.
    type: path
  on_conflict:
    description:
      - V(skip) leaves a row changed since the event as it is (reported); V(overwrite) writes the before-image
        anyway (a row without a key cannot be located and stays a conflict).
    type: str
    choices: [skip, overwrite]
    default: skip
  batch_size:
    description:
      - Rows per transaction in O(mode=apply) (and between C(COMMIT)s of the SQL file). With server decoding, a
        transaction holds whole rows events of one statement, about this many rows.
    type: int
    default: 1000
  max_conflicts:
    description: At most this many conflicts are listed in RV(conflict_rows) (all are counted).
    type: int
    default: 100
  server_decoding:
    description:
      - Let a MariaDB server decode the row images itself (see the description); V(false) decodes them in Python.
        A run that was started with server decoding resumes only with it.
    type: bool
    default: true
  plan_sample:
    description: In check mode, the number of reverse statements shown in RV(plan).
    type: int
    default: 20
notes:
  - Needs C(binlog_format=ROW) and C(binlog_row_image=FULL). C(binlog_row_metadata=FULL) (MySQL 8, MariaDB 10.5+)
    makes the binlog name its columns; otherwise the table's current definition is used while it still has the
    event's number of columns.
  - TIMESTAMP values are written in UTC (the session's C(time_zone) is C(+00:00)); generated columns are neither
    written nor compared; comparisons use the columns' collations.
  - The account needs C(SELECT), C(INSERT), C(UPDATE), C(DELETE) on the tables, C(CREATE), C(CREATE TEMPORARY TABLES)
    and write access on the C(drkit_flashback) schema, and for O(from_server) C(REPLICATION SLAVE). Without
    C(CREATE TEMPORARY TABLES) every row is undone one by one (said so in RV(set_based)).
"""

EXAMPLES = r"""
- name: Plan the undo of this morning's UPDATE without WHERE (check mode shows counts, conflicts, statements)
  drkit.mysql.flashback:
    path: /var/lib/drkit/binlog-archive
    tables: [shop.user_points]
    start_datetime: "2026-11-24 09:14:00"
    stop_datetime: "2026-11-24 09:15:00"
  check_mode: true
  register: plan

- name: Undo one transaction; rows changed since are reported and kept
  drkit.mysql.flashback:
    path: /var/lib/drkit/binlog-archive
    gtids: [0-1-1730]
    batch_size: 5000

- name: The price incident - restore price only, keep later stock and description updates
  drkit.mysql.flashback:
    from_server: true
    tables: [shop.products]
    gtids: [0-1-1802]
    columns: [price]

- name: Write the reverse SQL for review instead
  drkit.mysql.flashback:
    path: /var/lib/drkit/binlog-archive
    gtids: [0-1-1730]
    mode: sql_file
    dest: /root/flashback-0-1-1730.sql
"""

RETURN = r"""
run_id:
  description: Name of this flashback (a hash of the statements undone, O(columns) and O(on_conflict)).
  returned: always
  type: str
statements:
  description: The statements undone, newest last (at most 100 listed).
  returned: always
  type: list
  elements: dict
statement_count:
  description: How many statements were selected.
  returned: always
  type: int
tables:
  description: Per table - the key used to locate rows and the counts of reverted, conflicts, skipped, overwritten.
  returned: always
  type: dict
operations:
  description: Reverse operations done (or planned), over all runs of this flashback.
  returned: always
  type: int
rows_reverted:
  description: Rows set back to their before-image (guard held).
  returned: always
  type: int
conflicts:
  description: Rows changed since the event (or gone, or whose key is taken).
  returned: always
  type: int
conflict_rows:
  description: The first O(max_conflicts) conflicts - table, operation, key, GTID, reason, resolution.
  returned: always
  type: list
  elements: dict
skipped:
  description: Rows already as the flashback would leave them (already reverted, already gone).
  returned: always
  type: int
overwritten:
  description: Conflicts overwritten with O(on_conflict=overwrite).
  returned: always
  type: int
already_done:
  description: True when this flashback had finished before (nothing was done this time).
  returned: always
  type: bool
resumed_from:
  description: Operations an earlier, interrupted run had committed (skipped this time).
  returned: always
  type: int
plan:
  description: In check mode, the first O(plan_sample) reverse statements as SQL.
  returned: always
  type: list
  elements: str
dest:
  description: The SQL file written with O(mode=sql_file).
  returned: when mode is sql_file
  type: str
keyless_tables:
  description: Tables without a primary or NOT NULL unique key (rows matched on the whole after-image).
  returned: always
  type: list
  elements: str
seconds:
  description: Wall time of the module.
  returned: always
  type: float
apply_paths:
  description:
    - Operations done (or judged, in check mode) by this run with images the server decoded (V(server)), set-based
      with images decoded in Python (V(set)), and row by row (V(row)).
  returned: always
  type: dict
server_decoding:
  description:
    - Whether the server decoded the row images (V(available)) and, when not, why (V(reason)).
    - V(groups_done_in_python) counts groups of events the server path gave back to the Python decoder (a key
      changed by an UPDATE, a row changed twice in one statement, a write that did not match its prediction);
      V(load_errors) the first server errors of refused loads (a MEMORY table full, say), whose groups went the
      same way.
    - V(second_connection) says whether a second connection loaded the next group while the first wrote.
    - V(groups_written_first) counts groups of an UPDATE undone by one guarded write straight from the loaded
      images; V(write_retries) groups whose write, tried first, left a row alone (a conflict, a row already back) -
      it was rolled back and the group was read first and then written.
  returned: always
  type: dict
set_based:
  description:
    - Whether the set-based path was available (V(available)) and, when it was not for every table (no work table
      for a very wide one, say) or not at all, why (V(reason)).
    - V(chunks_done_row_by_row) counts chunks the server refused as a whole and that were then undone row by row.
  returned: always
  type: dict
read_warnings:
  description: What the binlog reader could not know or read.
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
from ansible_collections.drkit.mysql.plugins.module_utils.binlog_search import Filters, SearchError
from ansible_collections.drkit.mysql.plugins.module_utils.binlog_source import (
    column_source_for,
    copy_from_server,
    local_paths,
)
from ansible_collections.drkit.mysql.plugins.module_utils.connection import (
    ConnectionFailure,
    connection_argument_spec,
    server_bool,
)
from ansible_collections.drkit.mysql.plugins.module_utils.flashback_apply import (
    Tally,
    apply_groups,
    apply_ops,
    predict_groups,
    predict_ops,
    read_events_done,
    read_progress,
    write_sql,
)
from ansible_collections.drkit.mysql.plugins.module_utils.flashback_plan import (
    TABLE_COLUMNS_SQL,
    TABLE_KEYS_SQL,
    FlashbackError,
    plan_ops,
    run_id,
    table_info,
)
from ansible_collections.drkit.mysql.plugins.module_utils.flashback_server import ServerUndo, file_format
from ansible_collections.drkit.mysql.plugins.module_utils.flashback_set import SetApplier
from ansible_collections.drkit.mysql.plugins.module_utils.flashback_source import (
    EventGroups,
    check_images,
    compact,
    reverse_changes,
    select_statements,
)
from ansible_collections.drkit.mysql.plugins.module_utils.server import Server, open_server_or_fail

try:
    from pymysql.err import IntegrityError, MySQLError
    INTEGRITY_ERRORS = (IntegrityError,)
    SERVER_ERRORS = (MySQLError,)
except ImportError:  # pragma: no cover - the connection helper reports the missing PyMySQL
    INTEGRITY_ERRORS = ()
    SERVER_ERRORS = ()

MODULE_OPTIONS = dict(
    supports_check_mode=True,
    mutually_exclusive=[("path", "from_server")],
    required_if=[("mode", "sql_file", ("dest",))],
    required_together=[("start_datetime", "stop_datetime")],
)
LISTED_STATEMENTS = 100
# Reverse statements sent per round trip (one round trip per row cost ~25x a mariadb-binlog --flashback replay).
PIPELINE = 200


def argument_spec():
    spec = connection_argument_spec()
    spec.update(
        path=dict(type="path"),
        files=dict(type="list", elements="str"),
        from_server=dict(type="bool", default=False),
        binlog_binary=dict(type="path"),
        gtids=dict(type="list", elements="str"),
        start_position=dict(type="int"),
        stop_position=dict(type="int"),
        tables=dict(type="list", elements="str"),
        start_datetime=dict(type="str"),
        stop_datetime=dict(type="str"),
        columns=dict(type="list", elements="str"),
        mode=dict(type="str", choices=["apply", "sql_file"], default="apply"),
        dest=dict(type="path"),
        on_conflict=dict(type="str", choices=["skip", "overwrite"], default="skip"),
        batch_size=dict(type="int", default=1000),
        max_conflicts=dict(type="int", default=100),
        plan_sample=dict(type="int", default=20),
        server_decoding=dict(type="bool", default=True),
    )
    return spec


def main():
    run(AnsibleModule(argument_spec=argument_spec(), **MODULE_OPTIONS))


def check_selection(module):
    """A flashback must name its events narrowly: GTIDs, a byte range of one file, or tables and a window."""
    params = module.params
    positions = params["start_position"] is not None or params["stop_position"] is not None
    if positions and len(params["files"] or []) != 1:
        module.fail_json(msg="start_position/stop_position are offsets of one binlog file: name it in files "
                             "(exactly one).")
    window = params["start_datetime"] is not None
    if window and not params["tables"]:
        module.fail_json(msg="A time window selects every change of every table in it: name the tables too "
                             "(tables: [db.table]).")
    if not (params["gtids"] or positions or window):
        module.fail_json(msg="Say which changes to undo: gtids, start_position/stop_position with one file, or "
                             "tables with start_datetime/stop_datetime (binlog_events finds them).")
    if params["batch_size"] < 1:
        module.fail_json(msg="batch_size must be at least 1.")


def describe_selection(params):
    parts = []
    for name in ("gtids", "tables", "files", "columns"):
        if params[name]:
            parts.append("%s=%s" % (name, ",".join(params[name])))
    for name in ("start_position", "stop_position", "start_datetime", "stop_datetime"):
        if params[name] is not None:
            parts.append("%s=%s" % (name, params[name]))
    return " ".join(parts)


def load_tables(server, column_names, json_type):
    infos = {}
    for (schema, table), names in column_names.items():
        infos[(schema, table)] = table_info(schema, table, names, server.rows(TABLE_COLUMNS_SQL, (schema, table)),
                                            server.rows(TABLE_KEYS_SQL, (schema, table)), json_type)
    return infos


def run(module):
    params = module.params
    started = time.time()
    check_selection(module)
    try:
        filters = Filters(start_datetime=params["start_datetime"], stop_datetime=params["stop_datetime"],
                          gtids=params["gtids"])
        tables = Filters(tables=params["tables"]).tables
    except SearchError as exc:
        module.fail_json(msg="Invalid selection: %s." % exc)
    server = open_server_or_fail(module, multi_statements=True)
    result = dict(changed=False, run_id=None, statements=[], statement_count=0, tables={}, operations=0,
                  rows_reverted=0, conflicts=0, conflict_rows=[], skipped=0, overwritten=0, already_done=False,
                  resumed_from=0, plan=[], keyless_tables=[], seconds=0.0, read_warnings=[],
                  apply_paths=dict(server=0, set=0, row=0), set_based=dict(available=False, reason=None),
                  server_decoding=dict(available=False, reason=None))
    workdir = tempfile.mkdtemp(prefix="drkit-flashback-") if params["from_server"] else None
    try:
        if params["mode"] == "apply" and not module.check_mode:
            read_only = server.variables(["read_only"]).get("read_only")
            if server_bool(read_only):
                module.fail_json(msg="%s is read-only: run the flashback on the primary (its writes replicate)."
                                     % server.target, **result)
        if workdir:
            os.chmod(workdir, 0o700)
            paths = copy_from_server(module, server, workdir)
        else:
            paths = local_paths(module)
        column_source = column_source_for(server)
        selected, column_names = select_statements(paths, filters, tables if params["tables"] else None,
                                                   params["start_position"], params["stop_position"],
                                                   column_source, result["read_warnings"])
        if not selected:
            module.fail_json(msg="No row changes match the selection (%s) in %s; look for them with "
                                 "drkit.mysql.binlog_events." % (describe_selection(params),
                                                                 ", ".join(os.path.basename(p) for p in paths)),
                             **result)
        infos = load_tables(server, column_names, server.dialect.flavor == "mysql")
        check_images(selected, infos)
        if params["columns"]:
            others = sorted(set(e["type"] for e, _m in selected) - set(["update"]))
            if others:
                raise FlashbackError("columns limits the undo of UPDATEs, but the selection also holds %s; select "
                                     "the UPDATE alone (gtids, or a narrower window)" % ", ".join(others).upper())
            for info in infos.values():
                info.indexes(params["columns"])
        statements = compact(selected, paths)
        del selected
        result["run_id"] = run_id([s[1:] for s in statements], params["columns"], params["on_conflict"])
        result["statement_count"] = len(statements)
        result["statements"] = [dict(gtid=s.gtid, file=os.path.basename(s.path), start=s.start, end=s.end,
                                     table="%s.%s" % (s.schema, s.table), type=s.operation)
                                for s in statements[-LISTED_STATEMENTS:]]
        result["keyless_tables"] = sorted(i.name for i in infos.values() if i.keyless)
        for info in infos.values():
            result["tables"][info.name] = dict(key=[info.columns[i] for i in info.key], key_name=info.key_name,
                                               reverted=0, conflicts=0, skipped=0, overwritten=0)

        def ops():
            return plan_ops(reverse_changes(statements, column_source), infos, params["columns"])

        def groups(skip=0):
            formats = dict((path, file_format(path)) for path in set(s.path for s in statements))
            return EventGroups(statements, infos, formats, column_source, params["batch_size"], skip)

        def plan(changes):
            return plan_ops(changes, infos, params["columns"])

        execute(module, server, params, result, ops, list(infos.values()), (groups, plan))
    except (FlashbackError, BinlogError, RowsError, OSError) as exc:
        module.fail_json(msg="Flashback refused: %s." % str(exc).rstrip("."), **result)
    except SERVER_ERRORS as exc:
        module.fail_json(msg="The server stopped the flashback: %s. The batches committed before stay undone and "
                             "are recorded in drkit_flashback.progress; run the same flashback again to resume after "
                             "them." % (exc.args[-1] if exc.args and exc.args[-1] else repr(exc)), **result)
    finally:
        server.close()
        if workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    for text in result["read_warnings"]:
        module.warn(text)
    for name in result["keyless_tables"]:
        module.warn("%s has no primary or NOT NULL unique key: its rows were located by the whole after-image "
                    "(LIMIT 1)." % name)
    result["seconds"] = round(time.time() - started, 3)
    module.exit_json(**result)


def finish(result, tally):
    counts = tally.counts
    result.update(operations=tally.done, rows_reverted=counts["reverted"], conflicts=counts["conflicts"],
                  skipped=counts["skipped"], overwritten=counts["overwritten"], conflict_rows=tally.conflict_list)
    for name, counters in tally.by_table.items():
        result["tables"][name].update(counters)


def set_applier(server, infos, result):
    """The set-based path (flashback_set), or None with the reason in the result when the server cannot take it."""
    setter = SetApplier(server.conn, infos, INTEGRITY_ERRORS, SERVER_ERRORS)
    result["set_based"] = dict(available=setter.available, reason=setter.reason)
    return setter if setter.available else None


def loader_connection(server, params, check_mode):
    """A second connection that loads the next group while the first writes (not in check mode, which writes
    nothing, nor on MySQL, where the server path is not used); None when the server refuses it
    (max_user_connections, say): loading and writing then take turns."""
    if check_mode or not server.dialect.is_mariadb:
        return None
    try:
        return Server.open(params, multi_statements=True)
    except ConnectionFailure:
        return None


def server_undo(server, infos, params, result, groups, loader=None):
    """The server-decoding path (flashback_server), or None with the reason in the result."""
    undo = ServerUndo(server.conn, infos, params["columns"], INTEGRITY_ERRORS, SERVER_ERRORS,
                      loader.conn if loader is not None else None)
    first = next(iter(groups), None)
    if first is not None:
        undo.setup(first.format, server.dialect.flavor)
    else:
        undo.reason = "no rows event to undo"
    result["server_decoding"] = dict(available=undo.available, reason=undo.reason,
                                     second_connection=undo.available and undo.loader is not None)
    return undo if undo.available else None


def execute(module, server, params, result, ops, infos=(), server_path=None):
    """Check mode predicts; sql_file writes; apply runs (or recognises a finished run). ``server_path`` (a
    function making EventGroups, and one turning changes into operations) lets the server decode row images."""
    with server.conn.cursor() as cursor:
        progress = read_progress(cursor, result["run_id"])
        events_done = read_events_done(cursor, result["run_id"]) if progress else None
    if progress and progress["finished"] and params["mode"] == "apply":
        tally = Tally(params["max_conflicts"], progress)
        finish(result, tally)
        result["already_done"] = True
        result["msg"] = "This flashback had already finished at %s, nothing to do" % progress["updated_at"]
        return
    undo = None
    wanted = params["server_decoding"] or events_done is not None
    if not wanted:
        result["server_decoding"]["reason"] = "server_decoding is false"
    fresh_or_server_run = progress is None or events_done is not None
    loader = None
    if server_path is not None and wanted and params["mode"] == "apply" and fresh_or_server_run:
        loader = loader_connection(server, params, module.check_mode)
        undo = server_undo(server, infos, params, result, server_path[0](), loader)
        if undo is None and events_done is not None:
            module.fail_json(msg="This flashback was started with server-side decoding and stopped after %s events; "
                                 "it can only resume the same way, which is not available now (%s). Restore what "
                                 "it needs and run it again." % (events_done, result["server_decoding"]["reason"]),
                             **result)
    try:
        run_paths(module, server, params, result, ops, infos, progress, undo, server_path, events_done)
    finally:
        if undo is not None:
            undo.close()
        if loader is not None:
            loader.close()


def run_paths(module, server, params, result, ops, infos, progress, undo, server_path, events_done):
    if module.check_mode:
        tally = Tally(params["max_conflicts"])
        setter = set_applier(server, infos, result) if params["mode"] == "apply" else None
        if undo is not None:
            predict_groups(server.conn, server_path[0](), undo, server_path[1], tally, result["plan"],
                           params["plan_sample"], setter, result["apply_paths"])
        else:
            predict_ops(server.conn, ops(), tally, result["plan"], params["plan_sample"], setter,
                        result["apply_paths"])
        finish(result, tally)
        result["changed"] = bool(tally.counts["reverted"]) or (params["mode"] == "sql_file" and not os.path.exists(
            params["dest"]))
        return
    if params["mode"] == "sql_file":
        header = ["drkit.mysql.flashback %s" % result["run_id"], "selection: %s" % describe_selection(params),
                  "statements undone: %d; newest first" % result["statement_count"],
                  "Each statement changes its row only while the row still equals the event's after-image:",
                  "rows changed since are left as they are. Apply with",
                  "  mariadb --default-character-set=utf8mb4 < this-file", ""]
        count, changed = write_sql(server.conn, ops(), params["dest"], header, params["batch_size"])
        result.update(changed=changed, dest=params["dest"], operations=count)
        return
    tally = Tally(params["max_conflicts"], progress)
    result["resumed_from"] = tally.done
    before = dict(tally.counts)
    setter = set_applier(server, infos, result)
    if undo is not None:
        apply_groups(server.conn, server_path[0](events_done or 0), undo, server_path[1], result["run_id"],
                     describe_selection(params), tally, params["on_conflict"], INTEGRITY_ERRORS, PIPELINE, setter,
                     result["apply_paths"])
        if undo.fallbacks:
            result["server_decoding"]["groups_done_in_python"] = undo.fallbacks
        if undo.load_errors:
            result["server_decoding"]["load_errors"] = undo.load_errors[:5]
        result["server_decoding"].update(groups_written_first=undo.written_first, write_retries=undo.write_retries)
    else:
        apply_ops(server.conn, ops(), result["run_id"], describe_selection(params), tally, params["batch_size"],
                  params["on_conflict"], INTEGRITY_ERRORS, PIPELINE, setter, result["apply_paths"])
    if setter is not None and setter.fallbacks:
        result["set_based"]["chunks_done_row_by_row"] = setter.fallbacks
    finish(result, tally)
    result["changed"] = tally.counts["reverted"] > before["reverted"] or \
        tally.counts["overwritten"] > before["overwritten"]


if __name__ == "__main__":
    main()
