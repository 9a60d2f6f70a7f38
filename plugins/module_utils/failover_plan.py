# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Decide a failover from the topology facts of every database server.

The decision is pure data in, data out, so that it can be unit-tested on
recorded facts and shown in check mode before anything is touched.  The rule
that matters most (the case book's "two hours of orders lost"): a candidate
is promoted only when it holds, or can first be caught up to, every
transaction that any reachable server has; when the old primary is gone, the
play must say so explicitly, and the possible loss is stated.
"""
from ansible_collections.drkit.mysql.plugins.module_utils.backup_status import backup_warnings
from ansible_collections.drkit.mysql.plugins.module_utils.binlog_archive import archive_lag
from ansible_collections.drkit.mysql.plugins.module_utils.gtid import GtidError, describe_missing, parse_gtid_set


class PlanError(ValueError):
    """The inputs do not describe a topology a plan can be made for."""


def _gtid(facts):
    return parse_gtid_set((facts.get("gtid") or {}).get("executed") or "", facts.get("flavor"))


def _own_binlog(facts):
    """The server's own binlog position (MariaDB): which server wrote the newest event of each domain."""
    return parse_gtid_set((facts.get("gtid") or {}).get("binlog_pos") or "", facts.get("flavor"))


def errant_transactions(name, facts, others):
    """Transactions a replica wrote itself that no other server has; '' when there are none.

    MySQL: GTIDs under the replica's own server_uuid missing from every other
    server.  MariaDB: a domain whose newest binlog event carries the replica's
    own server_id while its gtid_slave_pos says otherwise (a local write), or
    the same seq_no written by two servers (diverged history).
    """
    if not facts.get("is_replica"):
        return ""
    mine = _gtid(facts)
    others_union = parse_gtid_set("", facts.get("flavor"))
    for other in others:
        others_union = others_union.union(_gtid(other))
    if facts.get("flavor") == "mysql":
        uuid = (facts.get("server_uuid") or "").lower()
        extra = mine.difference(others_union)
        local = [key for key in extra.keys() if key[0] == uuid]
        if local:
            return "%s has %d transaction(s) written on the replica itself: %s" % (
                name, sum(_count(extra.intervals(key)) for key in local), extra)
        return ""
    binlog = _own_binlog(facts)
    slave = parse_gtid_set((facts.get("gtid") or {}).get("slave_pos") or "", "mariadb")
    own_id = facts.get("server_id")
    for domain in binlog.keys():
        if binlog.server_id(domain) != own_id:
            continue
        top = binlog.intervals(domain)[-1][1]
        slave_top = slave.intervals(domain)[-1][1] if domain in slave.keys() else 0
        if top == slave_top or _has_seq_from(others, domain, top, own_id):
            continue  # applied through replication, or a former primary whose writes everyone has
        return ("%s wrote transaction(s) itself in domain %s (its binlog is at %s-%s-%s, replication at seq %s)"
                % (name, domain, domain, own_id, top, slave_top))
    for other in others:
        diverged = mine.diverged_domains(_gtid(other))
        if diverged:
            return "%s and another server hold different transactions under the same GTID in domain %s" % (
                name, ", ".join(str(d) for d in diverged))
    return ""


def _has_seq_from(others, domain, seq, server_id):
    """True when some other server's binlog has this exact seq from this server (it was replicated on)."""
    for other in others:
        binlog = _own_binlog(other)
        if domain in binlog.keys() and binlog.server_id(domain) == server_id and binlog.intervals(domain)[-1][1] >= seq:
            return True
    return False


def _count(intervals):
    return sum(end - start + 1 for start, end in intervals)


def _address(server):
    return (str(server.get("replication_host")), int(server.get("replication_port") or 0))


def _source_name(facts, servers):
    replica = facts.get("replica") or {}
    source = (str(replica.get("source_host")), int(replica.get("source_port") or 0))
    for name, server in servers.items():
        if _address(server) == source:
            return name
    return None


def _health(name, facts, max_lag):
    """Why this replica cannot be trusted to catch up, or ''."""
    replica = facts.get("replica")
    if not replica:
        return ""
    if not replica.get("sql_thread_running"):
        error = replica.get("last_sql_error")
        fetched = "" if replica.get("relay_log_applied") else " and has fetched transactions it has not applied"
        return "%s's replication SQL thread is stopped%s%s" % (
            name, fetched, (" (error %s: %s)" % (replica.get("last_sql_errno"), error)) if error else "")
    lag = replica.get("seconds_behind")
    if max_lag is not None and lag is not None and lag > max_lag:
        return "%s is %s s behind its source (more than the allowed %s s)" % (name, lag, max_lag)
    return ""


PLANNED_MODES = ("switchover", "failback")


def make_plan(servers, candidates, primary=None, candidate=None, primary_confirmed_dead=False,
              max_lag_seconds=None, last_known_primary_gtid=None, force=False, reason=None, mode="failover",
              archive=None, backup_max_age_seconds=None):
    """The failover plan.

    servers: {name: {"facts": topology facts or None when unreachable, "error": why unreachable,
                     "replication_host": address others replicate from, "replication_port": port}}
    candidates: names allowed to become primary (the DR site), in order of preference.
    primary: the current primary's name when known (else derived from the replicas' source).
    archive: the binlog archive's facts (binlog_archive_facts) plus "host", or None. With the primary
             unreachable, what the archive holds counts as the primary's last known state, and the
             candidate can be caught up from it when no reachable server has what it lacks.
    """
    if not servers:
        raise PlanError("no database servers in the play")
    unknown = [c for c in candidates if c not in servers]
    if unknown:
        raise PlanError("candidate(s) %s are not database servers of this play" % ", ".join(unknown))
    reachable = dict((n, s["facts"]) for n, s in servers.items() if s.get("facts"))
    unreachable = sorted(n for n in servers if n not in reachable)
    plan = dict(ok=True, mode=mode, refusals=[], warnings=[], forced=False, reason=reason, unreachable=unreachable,
                unreachable_errors=dict((n, servers[n].get("error")) for n in unreachable))
    flavors = set(f.get("flavor") for f in reachable.values())
    if len(flavors) > 1:
        raise PlanError("the servers mix MySQL and MariaDB (%s); GTIDs cannot be compared" % ", ".join(sorted(flavors)))
    if not reachable:
        return _refuse(plan, "no database server is reachable: %s" % _errors(plan))

    writable = sorted(n for n, f in reachable.items() if not f.get("read_only") and not f.get("is_replica"))
    primary = _current_primary(primary, reachable, servers, writable, candidates)
    plan["primary"] = primary
    plan["primary_reachable"] = primary in reachable
    plan["writable"] = writable

    union = None
    for facts in reachable.values():
        union = _gtid(facts) if union is None else union.union(_gtid(facts))
    if last_known_primary_gtid:
        try:
            union = union.union(parse_gtid_set(last_known_primary_gtid, union.flavor))
        except GtidError as exc:
            raise PlanError("last known GTID set of the primary is not valid: %s" % exc) from None
    archived = _archive(plan, archive, union.flavor, reachable.get(primary))
    if archived is not None and not plan["primary_reachable"]:
        union = union.union(archived)
        plan["archive"]["used"] = True
    plan["union_gtid"] = str(union)

    chosen, refusals = _choose(candidate, candidates, reachable, union, max_lag_seconds,
                               by_preference=plan["primary_reachable"])
    if not chosen:
        for text in refusals:
            plan["refusals"].append(text)
        return _refuse(plan, None)
    plan["candidate"] = chosen
    # Where the others (and by default the applications) reach the new primary.
    plan["candidate_host"], plan["candidate_port"] = _address(servers[chosen])
    cand = reachable[chosen]
    plan["candidate_gtid"] = str(_gtid(cand))
    errant = errant_transactions(chosen, cand, [f for n, f in reachable.items() if n != chosen])
    plan["candidate_errant"] = errant
    if errant:
        plan["refusals"].append(errant + "; promoting it would spread them, and replicas would break")

    already_primary = chosen in writable and not cand.get("is_replica")
    plan["already_primary"] = already_primary
    plan["fence"] = [n for n in writable if n != chosen]
    if primary and primary in reachable and primary != chosen and primary not in plan["fence"] \
            and not reachable[primary].get("read_only"):
        plan["fence"].append(primary)
    if mode in PLANNED_MODES and not plan["primary_reachable"] and primary != chosen:
        plan["refusals"].append("a %s needs a live primary, and %s is unreachable (%s); use dr_failover.yml"
                                % (mode, primary, plan["unreachable_errors"].get(primary)))
    elif not plan["primary_reachable"] and primary and primary != chosen:
        if primary_confirmed_dead:
            plan["warnings"].append("the primary %s is unreachable and the play confirmed it dead (%s)"
                                    % (primary, plan["unreachable_errors"].get(primary) or "no error recorded"))
        else:
            plan["refusals"].append(
                "the primary %s is unreachable (%s) and the play did not confirm it is dead; a primary that is "
                "only partitioned could still take writes. Check it, then re-run with "
                "drkit_failover_primary_confirmed_dead=true" % (primary, plan["unreachable_errors"].get(primary)))

    # A candidate that already is the primary is the newest by definition; the others lagging it
    # by a few commits read a moment apart is not something it misses.
    missing = union.difference(_gtid(cand)) if not already_primary else parse_gtid_set("", union.flavor)
    plan["missing_gtid"] = str(missing)
    plan["missing_count"] = missing.count()
    holders = [n for n, f in reachable.items() if n != chosen and missing.is_subset(_gtid(f))]
    # Even with nothing missing now, the candidate keeps replicating from its current source until
    # promotion: the role waits there for what a fenced primary committed meanwhile.
    current_source = _source_name(cand, servers)
    catch_up_from = None
    if current_source in reachable and current_source != chosen and not already_primary:
        catch_up_from = current_source
    if not missing.is_empty():
        if catch_up_from and catch_up_from in writable:
            # Its source is the live primary: once fenced, that has every transaction, whatever another
            # replica read a moment later seemed to have. No CHANGE MASTER inside the write window.
            pass
        elif holders:
            # Prefer what the candidate already replicates from: no CHANGE MASTER needed.
            if current_source not in holders:
                catch_up_from = sorted(holders, key=lambda n: (n not in writable, n))[0]
        elif archived is not None and plan["archive"]["used"] and missing.is_subset(archived):
            # Only the archive has them (the dead primary's last commits): replay them from its files.
            catch_up_from = ARCHIVE
        else:
            catch_up_from = None
            plan["refusals"].append(
                "%s is %s and no reachable server has them (the last known state of the primary is ahead); "
                "promoting it loses them" % (chosen, describe_missing(_gtid(cand), union)))
    from_server = catch_up_from if catch_up_from in servers else None
    plan["catch_up"] = dict(needed=not missing.is_empty(), source=catch_up_from,
                            method=(ARCHIVE if catch_up_from == ARCHIVE else "replication") if catch_up_from else None,
                            archive_host=(plan.get("archive") or {}).get("host") if catch_up_from == ARCHIVE else None,
                            source_is_current=bool(catch_up_from) and catch_up_from == current_source,
                            wait_for=str(union) if catch_up_from else None,
                            source_host=servers[from_server]["replication_host"] if from_server else None,
                            source_port=int(servers[from_server]["replication_port"]) if from_server else None)
    plan["require_gtid"] = dict((n, str(_gtid(f))) for n, f in reachable.items() if n != chosen)
    # Servers that record backups (backup role): warn, never refuse, when none has a recent verified one.
    backups = dict((n, f["backup"]) for n, f in reachable.items() if f.get("backup"))
    if backups and backup_max_age_seconds is not None:
        plan["warnings"].extend(backup_warnings(backups, backup_max_age_seconds))
    plan["repoint"] = sorted(n for n in reachable if n != chosen)
    plan["rpo"] = dict(
        reference=("the binlog archive on %s" % plan["archive"]["host"]) if (plan.get("archive") or {}).get("used")
        else ("the last known state of the primary" if last_known_primary_gtid else "every reachable server"),
        lost_gtid=plan["missing_gtid"] if plan["catch_up"]["needed"] and not catch_up_from else "",
        lost_transactions=plan["missing_count"] if plan["catch_up"]["needed"] and not catch_up_from else 0)
    if plan["refusals"]:
        if force:
            plan["forced"] = True
            plan["warnings"].extend("FORCED past: " + text for text in plan["refusals"])
            plan["refusals"] = []
            if not reason:
                return _refuse(plan, "force needs a reason (drkit_failover_force_reason): it goes into the report")
        else:
            return _refuse(plan, None)
    plan["nothing_to_do"] = bool(already_primary and not plan["fence"] and all(
        _source_name(reachable[n], servers) == chosen and (reachable[n].get("replica") or {}).get("sql_thread_running")
        for n in plan["repoint"]))
    plan["summary"] = summarize(plan)
    return plan


ARCHIVE = "archive"


def _archive(plan, archive, flavor, primary_facts):
    """Record the binlog archive in the plan; its GTID position as a set, or None without an archive."""
    if not archive or archive.get("gtid_state") is None:
        return None
    try:
        archived = parse_gtid_set(archive.get("gtid_state") or "", flavor)
    except GtidError as exc:
        raise PlanError("the binlog archive's GTID position is not valid: %s" % exc) from None
    streamer = archive.get("streamer") or {}
    plan["archive"] = dict(host=archive.get("host"), path=archive.get("path"), gtid=str(archived),
                           last_gtid=archive.get("last_gtid"), last_file=archive.get("last_file"),
                           streaming=bool(streamer.get("streaming")), running=bool(streamer.get("running")),
                           lag=archive_lag(archive, primary_facts), used=False)
    if primary_facts and not streamer.get("running"):
        plan["warnings"].append("the binlog archive on %s is not running: it falls behind the primary"
                                % archive.get("host"))
    return archived


def _current_primary(primary, reachable, servers, writable, candidates):
    if primary:
        return primary
    non_candidates = [n for n in writable if n not in candidates]
    if len(writable) == 1:
        return writable[0]
    if non_candidates:
        return non_candidates[0]
    votes = {}
    for facts in reachable.values():
        source = _source_name(facts, servers)
        if source:
            votes[source] = votes.get(source, 0) + 1
    if votes:
        return sorted(votes, key=lambda n: (-votes[n], n))[0]
    return writable[0] if writable else None


def _choose(pinned, candidates, reachable, union, max_lag, by_preference=False):
    """The candidate to promote, or (None, reasons).

    With a live primary every healthy candidate can catch up from it, so the order of preference
    decides (completeness read a moment apart is noise); with the primary gone, completeness decides.
    """
    refusals = []
    names = [pinned] if pinned else list(candidates)
    usable = []
    for name in names:
        facts = reachable.get(name)
        if facts is None:
            refusals.append("candidate %s is unreachable" % name)
            continue
        problem = _health(name, facts, max_lag)
        if problem:
            refusals.append(problem + "; it cannot be trusted to catch up")
            continue
        usable.append(name)
    if not usable:
        if not names:
            refusals.append("no failover candidate: the DR site group is empty")
        return None, refusals
    if by_preference:
        return usable[0], []
    ranked = sorted(usable, key=lambda n: (union.difference(_gtid(reachable[n])).count(), names.index(n)))
    return ranked[0], []


def _refuse(plan, text):
    if text:
        plan["refusals"].append(text)
    plan["ok"] = False
    plan["summary"] = summarize(plan)
    return plan


def _errors(plan):
    return "; ".join("%s: %s" % (n, e) for n, e in sorted(plan["unreachable_errors"].items()))


def summarize(plan):
    """Lines a person reads in check mode or before a refusal."""
    lines = []
    if not plan.get("ok"):
        lines.append("REFUSED: nothing was changed.")
        lines.extend("  - " + text for text in plan["refusals"])
    if plan.get("candidate"):
        if plan.get("nothing_to_do"):
            lines.append("%s is already the primary and every reachable server replicates from it: nothing to do."
                         % plan["candidate"])
        else:
            lines.append("Promote %s (old primary: %s, %s)." % (
                plan["candidate"], plan.get("primary") or "unknown",
                "reachable" if plan.get("primary_reachable") else "unreachable"))
    for name in plan.get("fence") or []:
        lines.append("Fence %s: read_only=ON, kill client sessions." % name)
    lines.extend(_archive_lines(plan))
    catch_up = plan.get("catch_up") or {}
    if catch_up.get("needed") and catch_up.get("source") == ARCHIVE:
        lines.append("Catch %s up from the binlog archive on %s: %d transaction(s) no reachable server has (%s)."
                     % (plan["candidate"], catch_up.get("archive_host"), plan["missing_count"], plan["missing_gtid"]))
    elif catch_up.get("needed") and catch_up.get("source"):
        lines.append("Catch %s up from %s: %d transaction(s) missing (%s)." % (
            plan["candidate"], catch_up["source"], plan["missing_count"], plan["missing_gtid"]))
    for name in plan.get("repoint") or []:
        lines.append("Repoint %s to replicate from %s (read-only)." % (name, plan["candidate"]))
    for name in plan.get("unreachable") or []:
        lines.append("Unreachable, left alone: %s (%s)." % (name, (plan.get("unreachable_errors") or {}).get(name)))
    for text in plan.get("warnings") or []:
        lines.append("Warning: " + text)
    return lines


def _archive_lines(plan):
    """What the binlog archive holds, and its lag behind a live primary."""
    archive = plan.get("archive")
    if not archive:
        return []
    where = "Binlog archive on %s" % archive.get("host")
    if archive.get("used"):
        return ["%s: up to %s (%s); the primary is unreachable, so RPO is judged against it." % (
            where, archive.get("gtid") or "nothing", "streamer running" if archive.get("running") else "not running")]
    lag = archive.get("lag")
    if not lag:
        return ["%s: up to %s." % (where, archive.get("gtid") or "nothing")]
    if lag.get("current"):
        return ["%s: current with %s (%s)." % (where, plan.get("primary"), archive.get("gtid"))]
    detail = []
    if lag.get("bytes_behind") is not None:
        detail.append("%d bytes" % lag["bytes_behind"])
    if lag.get("files_behind"):
        detail.append("%d file(s)" % lag["files_behind"])
    suffix = (" (" + ", ".join(detail) + ")") if detail else ""
    return ["%s: %d transaction(s) behind %s%s." % (where, lag.get("missing_count"), plan.get("primary"), suffix)]
