"""The failover decision on synthetic topology facts: the safety rules, one by one."""
import pytest

from ansible_collections.drkit.mysql.plugins.module_utils.failover_plan import PlanError, make_plan

PORTS = {"db-primary": 3310, "db-replica": 3311, "db-dr": 3312}
IDS = {"db-primary": 1, "db-replica": 2, "db-dr": 3}


def mariadb(name, executed, source=None, read_only=None, sql_running=True, applied=True, lag=0,
            binlog_pos=None, slave_pos=None, sql_error=""):
    facts = dict(flavor="mariadb", server_id=IDS[name], server_uuid=None,
                 read_only=bool(source) if read_only is None else read_only, is_replica=bool(source),
                 gtid=dict(executed=executed, binlog_pos=binlog_pos if binlog_pos is not None else executed,
                           slave_pos=slave_pos if slave_pos is not None else (executed if source else "")),
                 replica=None)
    if source:
        facts["replica"] = dict(source_host="127.0.0.1", source_port=PORTS[source], sql_thread_running=sql_running,
                                io_thread_running=True, relay_log_applied=applied, seconds_behind=lag,
                                last_sql_errno=1062 if sql_error else 0, last_sql_error=sql_error)
    return facts


def servers(facts_by_name=None):
    facts_by_name = facts_by_name or {}
    result = {}
    for name in PORTS:
        facts = facts_by_name.get(name.replace("-", "_"))
        result[name] = dict(facts=facts, error=None if facts else "connection refused",
                            replication_host="127.0.0.1", replication_port=PORTS[name])
    return result


def merged(**changes):
    """HEALTHY with some servers replaced."""
    result = dict(HEALTHY)
    result.update(changes)
    return result


HEALTHY = dict(db_primary=mariadb("db-primary", "0-1-100"),
               db_replica=mariadb("db-replica", "0-1-100", source="db-primary"),
               db_dr=mariadb("db-dr", "0-1-100", source="db-primary"))


def test_planned_failover_with_live_primary_fences_it_and_repoints_everyone():
    plan = make_plan(servers(HEALTHY), ["db-dr"])
    assert plan["ok"], plan["refusals"]
    assert (plan["primary"], plan["candidate"], plan["primary_reachable"]) == ("db-primary", "db-dr", True)
    assert plan["fence"] == ["db-primary"]
    assert plan["repoint"] == ["db-primary", "db-replica"]
    assert plan["catch_up"]["needed"] is False and plan["rpo"]["lost_transactions"] == 0
    assert plan["catch_up"]["source"] == "db-primary" and plan["catch_up"]["source_is_current"]
    assert plan["require_gtid"] == {"db-primary": "0-1-100", "db-replica": "0-1-100"}
    assert (plan["candidate_host"], plan["candidate_port"]) == ("127.0.0.1", 3312)
    assert "Promote db-dr (old primary: db-primary, reachable)." in plan["summary"]


def test_lagging_candidate_is_caught_up_from_its_own_source():
    facts = merged(db_dr=mariadb("db-dr", "0-1-90", source="db-primary", lag=3))
    plan = make_plan(servers(facts), ["db-dr"])
    assert plan["ok"]
    assert plan["catch_up"] == dict(needed=True, source="db-primary", source_is_current=True, wait_for="0-1-100",
                                    source_host="127.0.0.1", source_port=3310, method="replication",
                                    archive_host=None)
    assert plan["missing_count"] == 10


def test_dead_primary_needs_confirmation():
    facts = merged(db_primary=None)
    plan = make_plan(servers(facts), ["db-dr"])
    assert not plan["ok"]
    assert any("did not confirm it is dead" in r for r in plan["refusals"])
    assert plan["summary"][0] == "REFUSED: nothing was changed."
    confirmed = make_plan(servers(facts), ["db-dr"], primary_confirmed_dead=True)
    assert confirmed["ok"] and confirmed["primary"] == "db-primary" and confirmed["fence"] == []
    assert confirmed["repoint"] == ["db-replica"]


def test_dead_primary_candidate_behind_another_replica_catches_up_from_it():
    facts = dict(db_primary=None, db_replica=mariadb("db-replica", "0-1-120", source="db-primary"),
                 db_dr=mariadb("db-dr", "0-1-100", source="db-primary"))
    plan = make_plan(servers(facts), ["db-dr"], primary_confirmed_dead=True)
    assert plan["ok"]
    assert plan["catch_up"]["source"] == "db-replica" and plan["catch_up"]["source_is_current"] is False
    assert plan["catch_up"]["wait_for"] == "0-1-120"


def test_loss_beyond_every_reachable_server_is_refused_then_forced_with_reason():
    facts = merged(db_primary=None)
    plan = make_plan(servers(facts), ["db-dr"], primary_confirmed_dead=True, last_known_primary_gtid="0-1-150")
    assert not plan["ok"] and any("missing 50 transactions" in r for r in plan["refusals"])
    no_reason = make_plan(servers(facts), ["db-dr"], primary_confirmed_dead=True,
                          last_known_primary_gtid="0-1-150", force=True)
    assert not no_reason["ok"] and "force needs a reason" in no_reason["refusals"][-1]
    forced = make_plan(servers(facts), ["db-dr"], primary_confirmed_dead=True, last_known_primary_gtid="0-1-150",
                       force=True, reason="primary's disks are gone")
    assert forced["ok"] and forced["forced"] and forced["rpo"]["lost_transactions"] == 50
    assert any(w.startswith("FORCED past:") for w in forced["warnings"])


def test_stopped_sql_thread_candidate_is_refused():
    facts = merged(db_dr=mariadb("db-dr", "0-1-90", source="db-primary", sql_running=False, applied=False))
    plan = make_plan(servers(facts), ["db-dr"])
    assert not plan["ok"]
    assert "db-dr's replication SQL thread is stopped and has fetched transactions it has not applied" in \
        plan["refusals"][0]


def test_lag_above_limit_is_refused():
    facts = merged(db_dr=mariadb("db-dr", "0-1-90", source="db-primary", lag=7200))
    plan = make_plan(servers(facts), ["db-dr"], max_lag_seconds=300)
    assert not plan["ok"] and "7200 s behind" in plan["refusals"][0]


def test_errant_local_write_on_candidate_is_refused():
    # db-dr wrote 0-3-101 itself; replication had applied up to 0-1-100.
    dr = mariadb("db-dr", "0-3-101", source="db-primary", binlog_pos="0-3-101", slave_pos="0-1-100")
    plan = make_plan(servers(merged(db_dr=dr)), ["db-dr"])
    assert not plan["ok"]
    assert any("db-dr wrote transaction(s) itself in domain 0" in r for r in plan["refusals"])


def test_former_primary_is_not_errant():
    # db-dr was primary before (its own server id in its binlog) and everyone has its writes.
    primary = mariadb("db-primary", "0-3-100", binlog_pos="0-3-100")
    dr = mariadb("db-dr", "0-3-100", source="db-primary", binlog_pos="0-3-100", slave_pos="")
    plan = make_plan(servers(dict(db_primary=primary, db_dr=dr,
                                  db_replica=mariadb("db-replica", "0-3-100", source="db-primary"))), ["db-dr"])
    assert plan["ok"], plan["refusals"]


def test_mysql_errant_gtid_under_candidate_uuid():
    uuid_p, uuid_dr = "11111111-1111-1111-1111-111111111111", "33333333-3333-3333-3333-333333333333"

    def mysql(name, executed, source=None):
        facts = mariadb(name, executed, source=source)
        facts.update(flavor="mysql", server_uuid=uuid_dr if name == "db-dr" else uuid_p)
        return facts
    base = "%s:1-100" % uuid_p
    topology = dict(db_primary=mysql("db-primary", base), db_replica=mysql("db-replica", base, "db-primary"),
                    db_dr=mysql("db-dr", base + ",%s:1-2" % uuid_dr, "db-primary"))
    plan = make_plan(servers(topology), ["db-dr"])
    assert not plan["ok"] and "2 transaction(s) written on the replica itself" in plan["refusals"][0]


def test_rerun_after_success_has_nothing_to_do():
    after = dict(db_primary=mariadb("db-primary", "0-3-120", source="db-dr"),
                 db_replica=mariadb("db-replica", "0-3-120", source="db-dr"),
                 db_dr=mariadb("db-dr", "0-3-120", read_only=False, slave_pos="0-1-100"))
    plan = make_plan(servers(after), ["db-dr"])
    assert plan["ok"] and plan["candidate"] == "db-dr" and plan["already_primary"] and plan["nothing_to_do"]
    assert plan["fence"] == []
    # Replicas read a moment after the primary may hold a few newer commits: not a catch-up.
    racing = merged(db_primary=mariadb("db-primary", "0-3-124", source="db-dr"),
                    db_replica=mariadb("db-replica", "0-3-123", source="db-dr"),
                    db_dr=mariadb("db-dr", "0-3-120", read_only=False, slave_pos="0-1-100"))
    plan = make_plan(servers(racing), ["db-dr"])
    assert plan["nothing_to_do"] and plan["catch_up"]["source"] is None and plan["missing_count"] == 0
    assert not any(line.startswith("Catch") for line in plan["summary"])


def test_returning_old_primary_that_is_writable_gets_fenced():
    after = dict(db_primary=mariadb("db-primary", "0-1-100", read_only=False),
                 db_replica=mariadb("db-replica", "0-3-120", source="db-dr"),
                 db_dr=mariadb("db-dr", "0-3-120", read_only=False, slave_pos="0-1-100"))
    plan = make_plan(servers(after), ["db-dr"])
    assert plan["candidate"] == "db-dr" and plan["fence"] == ["db-primary"] and not plan["nothing_to_do"]


def test_candidate_choice_prefers_the_most_complete_when_the_primary_is_gone():
    facts = merged(db_primary=None, db_dr=mariadb("db-dr", "0-1-90", source="db-primary"),
                   db_replica=mariadb("db-replica", "0-1-100", source="db-primary"))
    plan = make_plan(servers(facts), ["db-dr", "db-replica"], primary_confirmed_dead=True)
    assert plan["candidate"] == "db-replica"


def test_candidate_choice_follows_preference_while_the_primary_lives():
    facts = merged(db_dr=mariadb("db-dr", "0-1-90", source="db-primary"),
                   db_replica=mariadb("db-replica", "0-1-100", source="db-primary"))
    plan = make_plan(servers(facts), ["db-dr", "db-replica"])
    assert plan["candidate"] == "db-dr" and plan["catch_up"]["source"] == "db-primary"


def test_bad_inputs():
    with pytest.raises(PlanError, match="not database servers"):
        make_plan(servers(HEALTHY), ["db-nowhere"])
    mixed = dict(HEALTHY)
    mixed["db_dr"] = dict(mixed["db_dr"], flavor="mysql")
    with pytest.raises(PlanError, match="mix MySQL and MariaDB"):
        make_plan(servers(mixed), ["db-dr"])
    nothing = make_plan(servers(), ["db-dr"])
    assert not nothing["ok"] and "no database server is reachable" in nothing["refusals"][-1]


def test_switchover_needs_a_live_primary():
    plan = make_plan(servers(merged(db_primary=None)), ["db-dr"], primary_confirmed_dead=True,
                     mode="switchover")
    assert not plan["ok"] and "a switchover needs a live primary" in plan["refusals"][0]
    live = make_plan(servers(HEALTHY), ["db-dr"], mode="switchover")
    assert live["ok"] and live["mode"] == "switchover" and live["fence"] == ["db-primary"]


def test_failback_promotes_the_primary_site_again():
    after = dict(db_primary=mariadb("db-primary", "0-3-120", source="db-dr"),
                 db_replica=mariadb("db-replica", "0-3-120", source="db-dr"),
                 db_dr=mariadb("db-dr", "0-3-120", read_only=False, slave_pos="0-1-100"))
    plan = make_plan(servers(after), ["db-primary", "db-replica"], mode="failback")
    assert plan["ok"], plan["refusals"]
    assert (plan["candidate"], plan["primary"], plan["fence"]) == ("db-primary", "db-dr", ["db-dr"])
    assert plan["repoint"] == ["db-dr", "db-replica"]


def test_live_primary_source_wins_over_a_replica_read_later():
    # db-replica was read a moment after the primary and looks more complete than both.
    facts = merged(db_replica=mariadb("db-replica", "0-1-104", source="db-primary"),
                   db_dr=mariadb("db-dr", "0-1-99", source="db-primary"))
    plan = make_plan(servers(facts), ["db-dr"], mode="switchover")
    assert plan["ok"] and plan["catch_up"]["source"] == "db-primary" and plan["catch_up"]["source_is_current"]
    assert plan["rpo"]["lost_transactions"] == 0


def test_stale_backup_is_a_warning_never_a_refusal():
    old = dict(found=True, age_seconds=3 * 86400, last_good=dict(verified=True))
    replica = dict(HEALTHY["db_replica"], backup=old)
    plan = make_plan(servers(merged(db_replica=replica)), ["db-dr"], backup_max_age_seconds=26 * 3600)
    assert plan["ok"] and any("newest verified backup (of db-replica) is 3.0 days old" in w for w in plan["warnings"])
    fresh = dict(old, age_seconds=600)
    plan = make_plan(servers(merged(db_replica=dict(replica, backup=fresh))), ["db-dr"],
                     backup_max_age_seconds=26 * 3600)
    assert not any("backup" in w for w in plan["warnings"])
    # Servers that do not record backups are not nagged.
    assert not any("backup" in w for w in make_plan(servers(HEALTHY), ["db-dr"], backup_max_age_seconds=1)["warnings"])


def archive(gtid_state, running=True, last_file="db-primary-bin.000002", complete_until=5000, server_id=1):
    return dict(host="db-dr", path="/arch", gtid_state=gtid_state, last_gtid=gtid_state, last_file=last_file,
                complete_until=complete_until, source_server_id=server_id,
                streamer=dict(running=running, streaming=running))


def with_binlog(facts, file, position):
    facts = dict(facts)
    facts["binlog"] = dict(file=file, position=position)
    return facts


def test_dead_primary_last_commits_only_in_the_archive_are_replayed_from_it():
    facts = dict(db_primary=None, db_replica=mariadb("db-replica", "0-1-110", source="db-primary"),
                 db_dr=mariadb("db-dr", "0-1-100", source="db-primary"))
    plan = make_plan(servers(facts), ["db-dr"], primary_confirmed_dead=True, archive=archive("0-1-130"))
    assert plan["ok"], plan["refusals"]
    assert plan["union_gtid"] == "0-1-130" and plan["missing_count"] == 30
    assert plan["catch_up"]["source"] == "archive" and plan["catch_up"]["method"] == "archive"
    assert plan["catch_up"]["archive_host"] == "db-dr" and plan["catch_up"]["source_host"] is None
    assert plan["rpo"]["lost_transactions"] == 0 and plan["rpo"]["reference"] == "the binlog archive on db-dr"
    assert plan["archive"]["used"] is True
    assert "Catch db-dr up from the binlog archive on db-dr: 30 transaction(s) no reachable server has " \
           "(0-1-101..130)." in plan["summary"]
    assert any(line.startswith("Binlog archive on db-dr: up to 0-1-130") for line in plan["summary"])


def test_archive_behind_a_replica_is_not_needed_the_replica_is_the_source():
    facts = dict(db_primary=None, db_replica=mariadb("db-replica", "0-1-120", source="db-primary"),
                 db_dr=mariadb("db-dr", "0-1-100", source="db-primary"))
    plan = make_plan(servers(facts), ["db-dr"], primary_confirmed_dead=True, archive=archive("0-1-110"))
    assert plan["ok"] and plan["catch_up"]["source"] == "db-replica" and plan["catch_up"]["method"] == "replication"


def test_archive_matters_only_when_it_has_everything_missing():
    facts = dict(db_primary=None, db_replica=mariadb("db-replica", "0-1-100", source="db-primary"),
                 db_dr=mariadb("db-dr", "0-1-100", source="db-primary"))
    plan = make_plan(servers(facts), ["db-dr"], primary_confirmed_dead=True, archive=archive("0-1-130"),
                     last_known_primary_gtid="0-1-140")
    assert not plan["ok"] and any("missing 40 transactions" in r for r in plan["refusals"])


def test_live_primary_archive_lag_is_reported_not_used():
    primary = with_binlog(mariadb("db-primary", "0-1-100"), "db-primary-bin.000002", 5400)
    plan = make_plan(servers(merged(db_primary=primary)), ["db-dr"], archive=archive("0-1-97"))
    assert plan["ok"] and plan["archive"]["used"] is False and plan["union_gtid"] == "0-1-100"
    assert plan["archive"]["lag"]["missing_count"] == 3 and plan["archive"]["lag"]["bytes_behind"] == 400
    assert "Binlog archive on db-dr: 3 transaction(s) behind db-primary (400 bytes)." in plan["summary"]
    current = make_plan(servers(merged(db_primary=primary)), ["db-dr"], archive=archive("0-1-100"))
    assert "Binlog archive on db-dr: current with db-primary (0-1-100)." in current["summary"]


def test_stopped_archive_with_a_live_primary_is_a_warning():
    plan = make_plan(servers(HEALTHY), ["db-dr"], archive=archive("0-1-100", running=False))
    assert plan["ok"] and any("binlog archive on db-dr is not running" in w for w in plan["warnings"])


def test_no_archive_changes_nothing():
    assert make_plan(servers(HEALTHY), ["db-dr"], archive={})["summary"] == make_plan(servers(HEALTHY),
                                                                                      ["db-dr"])["summary"]
