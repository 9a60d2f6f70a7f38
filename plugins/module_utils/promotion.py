# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Promote one replica to primary, only when it provably has everything.

The checks and the statements are separated: ``promotion_refusals`` is a
pure function over what the server reported, so every refusal is
unit-testable; ``promote`` does the waiting and the writes.
"""
import time

from ansible_collections.drkit.mysql.plugins.module_utils.fencing import (
    FENCED,
    apply_fence,
    fence_variables,
    parse_fence_state,
)
from ansible_collections.drkit.mysql.plugins.module_utils.gtid import describe_missing, parse_gtid_set
from ansible_collections.drkit.mysql.plugins.module_utils.replica_status import relay_log_applied


def broken_replication(name, status):
    """A refusal that no waiting can fix: the SQL thread stopped on an error."""
    if status and not status.get("sql_thread_running") and status.get("last_sql_errno"):
        return ["%s's SQL thread stopped with error %s (%s)" % (
            name, status.get("last_sql_errno"), status.get("last_sql_error"))]
    return []


def promotion_refusals(name, status, executed, required):
    """Why promoting now could lose data; an empty list when it is safe.

    status: the normalised replica status (None when not a replica), with ``relay_log_applied``.
    executed: GtidSet of the server; required: {other server: GtidSet it has}.
    """
    refusals = broken_replication(name, status)
    if status:
        if not status.get("relay_log_applied"):
            refusals.append("%s has not applied its whole relay log: %s" % (name, status.get("relay_log_reason")))
    for other in sorted(required):
        if not required[other].is_subset(executed):
            refusals.append("%s lacks what %s has: %s" % (name, other, describe_missing(executed, required[other])))
    return refusals


class Promotion(object):
    """Reads a server's state, waits for its relay log, then promotes it."""

    def __init__(self, server, required_text, relay_log_timeout=30):
        self.server = server
        self.dialect = server.dialect
        self.required = dict((name, parse_gtid_set(text or "", self.dialect.flavor))
                             for name, text in (required_text or {}).items())
        self.relay_log_timeout = relay_log_timeout

    def read_state(self):
        dialect = self.dialect
        names = fence_variables(dialect) + [dialect.executed_gtid_variable]
        if dialect.replica_gtid_variable:
            names.append(dialect.replica_gtid_variable)
        variables = self.server.variables(names)
        channels = [c for c in self.server.replica_status() if c]
        status = channels[0] if channels else None
        executed = parse_gtid_set(variables.get(dialect.executed_gtid_variable) or "", dialect.flavor)
        if status:
            applied = executed
            if dialect.replica_gtid_variable:
                applied = parse_gtid_set(variables.get(dialect.replica_gtid_variable) or "", dialect.flavor)
            status = dict(status)
            status["relay_log_applied"], status["relay_log_reason"] = relay_log_applied(status, applied)
        fence = parse_fence_state(dialect, variables)
        return dict(status=status, executed=executed, read_only=fence["read_only"],
                    super_read_only=fence["super_read_only"])

    def _caught_up(self, state):
        status = state["status"]
        if not status:
            return True
        if not status["relay_log_applied"]:
            return not status.get("sql_thread_running")  # nothing more will be applied: stop waiting
        if all(required.is_subset(state["executed"]) for required in self.required.values()):
            return True
        # Still missing something: only an IO thread that runs (or is reconnecting: "Connecting",
        # "Preparing") can still bring it; a stopped one never will.
        return status.get("io_running") not in ("Yes", "Connecting", "Preparing")

    def wait_for_relay_log(self, state):
        """Let replication apply what was fetched and fetch what the required sets name (bounded).

        This is the catch-up when the candidate still replicates from the fenced primary: no
        separate task, no CHANGE MASTER.
        """
        deadline = time.time() + self.relay_log_timeout
        while not self._caught_up(state) and time.time() < deadline:
            time.sleep(0.02)
            state = self.read_state()
        return state

    @staticmethod
    def describe(state):
        status = state["status"]
        return dict(
            role="replica" if status else ("primary" if not state["read_only"] else "read-only standalone"),
            read_only=state["read_only"], super_read_only=state["super_read_only"],
            source=("%s:%s" % (status.get("source_host"), status.get("source_port"))) if status else None,
            gtid_executed=str(state["executed"]))

    def steps(self, state):
        dialect = self.dialect
        statements = []
        if state["status"]:
            statements.extend([dialect.stop_replica_sql, dialect.reset_replica_all_sql])
        if state["read_only"] or state["super_read_only"]:
            statements.extend(dialect.read_only_statements(False))
        return statements

    def fence_writers(self, fences, check_mode, kill_sessions, timeout):
        """Fence the old writers in this call, so the write window holds no task boundary.

        fences: [(name, Server)]. What each had committed once fenced becomes a set this server
        must contain. Returns {name: the fence module's result}.
        """
        results = {}
        for name, server in fences:
            result = apply_fence(server, FENCED, kill_sessions=kill_sessions, timeout=timeout,
                                 check_mode=check_mode)
            results[name] = result
            self.required[name] = parse_gtid_set(result["gtid_executed"], self.dialect.flavor)
        return results

    @staticmethod
    def lift_fences(fences, results):
        """Put back the fences this call set (a refused promotion must leave the writers writing)."""
        lifted = []
        for name, server in fences:
            result = results.get(name)
            if result and result.get("statements") and not result["before"].get("read_only"):
                undo = result["undo"]
                apply_fence(server, undo["state"], super_read_only=undo.get("super_read_only", True))
                lifted.append(name)
        return lifted

    def run(self, name, check_mode=False, force=False, reason=None, fences=(), kill_sessions=False,
            fence_timeout=10):
        state = self.read_state()
        result = dict(forced=False, reason=reason, fenced={}, fences_lifted=[])
        # A broken candidate is refused before the writers are fenced: no write window for nothing.
        # (Only what waiting cannot fix: a relay log still being applied is what the wait is for.)
        early = broken_replication(name, state["status"]) if fences and not force else []
        if fences and not early:
            result["fenced"] = self.fence_writers(fences, check_mode, kill_sessions, fence_timeout)
        # Waiting only reads, so check mode waits too: its verdict is then the real one.
        if not early:
            state = self.wait_for_relay_log(state)
        refusals = early or promotion_refusals(name, state["status"], state["executed"], self.required)
        result.update(before=self.describe(state), refusals=refusals)
        statements = self.steps(state)
        result["plan"] = statements
        if refusals and not force:
            result["failed"] = True
            lifted = [] if check_mode else self.lift_fences(fences, result["fenced"])
            result["fences_lifted"] = lifted
            result["msg"] = "Refusing to promote %s: %s. %s" % (
                name, "; ".join(refusals),
                ("Nothing was changed: the fence on %s was lifted again." % ", ".join(lifted)) if lifted
                else "Nothing was changed.")
            return result
        if refusals:
            result["forced"] = True
        result["changed"] = bool(statements) or any(f.get("changed") for f in result["fenced"].values())
        if check_mode or not statements:
            result["after"] = result["before"] if not statements else dict(
                result["before"], role="primary", read_only=False, source=None,
                super_read_only=False if self.dialect.has_super_read_only else None)
            return result
        started = time.time()
        for statement in statements:
            self.server.execute(statement)
        result["promote_ms"] = int((time.time() - started) * 1000)
        result["after"] = self.describe(self.read_state())
        return result
