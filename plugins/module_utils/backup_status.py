# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The backup status file: the last good (verified) backup of a server, and how old it is.

The backup role writes it after every verified backup; topology_facts reads it on each
database host, so the failover preflight can say, at no extra cost, whether a recent
backup exists before it changes anything.
"""
import json
import os
import time

STATUS_VERSION = 1


def status_document(backup_result, finished_at=None):
    """What the status file holds after a backup: the fields a person and the preflight need.

    backup_result is what drkit.mysql.backup returned (its ``manifest`` is the summary).
    """
    manifest = backup_result.get("manifest") or {}
    coordinates = manifest.get("coordinates") or {}
    verification = manifest.get("verification") or {}
    return dict(
        version=STATUS_VERSION,
        last_good=dict(
            path=backup_result.get("path"),
            name=backup_result.get("name"),
            engine=manifest.get("engine"),
            size=backup_result.get("size_bytes", backup_result.get("size")),
            duration_s=backup_result.get("duration_s"),
            finished_at=finished_at if finished_at is not None else time.time(),
            verified=bool(verification.get("ok")),
            gtid=coordinates.get("gtid_set"),
            binlog_file=coordinates.get("binlog_file"),
            binlog_position=coordinates.get("binlog_position"),
        ),
    )


def read_backup_status(path, now=None, max_age_seconds=None):
    """{'found', 'last_good', 'age_seconds', 'fresh', 'problem'} from a status file path.

    A missing or unreadable file is a problem to report, never an exception: a failover must not
    stop because a backup status cannot be read.
    """
    now = time.time() if now is None else now
    status = dict(path=path, found=False, last_good=None, age_seconds=None, fresh=None, problem=None)
    if not path:
        return status
    if not os.path.exists(path):
        status["problem"] = "no backup status file at %s: no verified backup recorded for this server" % path
        return status
    try:
        with open(path) as handle:
            document = json.load(handle)
        last_good = document["last_good"]
        finished = float(last_good["finished_at"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        status["problem"] = "the backup status file %s cannot be read (%s)" % (path, exc)
        return status
    status.update(found=True, last_good=last_good, age_seconds=round(max(0.0, now - finished), 1))
    if max_age_seconds is not None:
        status["fresh"] = status["age_seconds"] <= max_age_seconds and bool(last_good.get("verified"))
        if not status["fresh"]:
            status["problem"] = "the last good backup (%s) is %s old%s" % (
                last_good.get("name") or last_good.get("path"), describe_age(status["age_seconds"]),
                "" if last_good.get("verified") else " and was not verified")
    return status


def describe_age(seconds):
    if seconds is None:
        return "of unknown age"
    if seconds < 120:
        return "%d s" % seconds
    if seconds < 7200:
        return "%d min" % (seconds // 60)
    if seconds < 172800:
        return "%.1f h" % (seconds / 3600.0)
    return "%.1f days" % (seconds / 86400.0)


def backup_warnings(statuses, max_age_seconds):
    """One warning when no server has a fresh verified backup; {server: status} in."""
    fresh = [name for name, st in statuses.items() if st and st.get("found") and
             st.get("age_seconds") is not None and st["age_seconds"] <= max_age_seconds and
             (st.get("last_good") or {}).get("verified")]
    if fresh or not statuses:
        return []
    known = [(name, st) for name, st in sorted(statuses.items()) if st and st.get("found")]
    if not known:
        return ["no server has a recorded verified backup (run playbooks/backup.yml): a mistake after the "
                "failover could not be undone from a backup"]
    newest_name, newest = min(known, key=lambda pair: pair[1].get("age_seconds") or 0)
    return ["the newest verified backup (of %s) is %s old, more than the %s allowed" % (
        newest_name, describe_age(newest.get("age_seconds")), describe_age(max_age_seconds))]
