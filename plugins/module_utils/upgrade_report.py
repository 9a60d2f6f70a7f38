# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The upgrade guard's report: the pre-check's verdict, the verified backup and the rollback command.

Kept apart from the playbook so that what a DBA hands over before an upgrade (what blocks it, the fixes in
order, which backup to go back to and the exact command) is built and tested in one place.
"""
from ansible_collections.drkit.mysql.plugins.module_utils.text_table import markdown_table


def rollback_command(inventory, host, backup_path, databases=()):
    """The restore.yml command line that puts the pre-upgrade backup back on ``host``."""
    parts = ["ansible-playbook", "-i", inventory or "INVENTORY", "playbooks/restore.yml",
             "-e", "restore_target=%s" % host, "-e", "restore_src=%s" % backup_path, "-e", "restore_mode=replace"]
    if databases:
        parts += ["-e", "'{\"restore_databases\": [%s]}'" % ", ".join('"%s"' % name for name in databases)]
    return " ".join(parts)


def _backup_summary(backup):
    manifest = backup.get("manifest") or {}
    verification = manifest.get("verification") or {}
    coordinates = manifest.get("coordinates") or {}
    return dict(path=backup.get("path"), name=backup.get("name"), engine=manifest.get("engine"),
                size_bytes=backup.get("size_bytes"), verified=bool(verification.get("ok")),
                gtid=coordinates.get("gtid_set"), taken=not backup.get("skipped") and "manifest" in backup)


def build_report(check, host, backup=None, inventory=None, databases=()):
    """A JSON-safe report dict with ``markdown``; ``outcome`` is blocked (fix first) or ready."""
    check = dict(check or {})
    backup = _backup_summary(dict(backup or {}))
    rollback = rollback_command(inventory, host, backup["path"], databases) if backup["taken"] else None
    findings = list(check.get("findings") or [])
    outcome = "ready" if check.get("passed") else "blocked"
    report = dict(kind="upgrade_guard", host=host, target=check.get("target"), source=check.get("source"),
                  outcome=outcome, summary=check.get("summary"), error_count=check.get("error_count", 0),
                  warning_count=check.get("warning_count", 0), blocking=check.get("blocking", 0),
                  sql_mode=check.get("sql_mode"), findings=findings, fix_script=list(check.get("fix_script") or []),
                  backup=backup, rollback=rollback)
    lines = ["# Upgrade guard: %s to %s" % (host, check.get("target")), "",
             "**%s** - %s" % ("READY to upgrade" if outcome == "ready" else "BLOCKED: fix the errors first",
                              check.get("summary")), ""]
    source = check.get("source") or {}
    lines += ["- Server: %s %s" % (source.get("flavor", "?"), source.get("version", "?"))]
    if backup["taken"]:
        verified = "verified" if backup["verified"] else "NOT verified"
        lines += ["- Backup: `%s` (%s, %s bytes, %s; GTID %s)" % (
            backup["path"], backup["engine"], backup["size_bytes"], verified, backup["gtid"] or "-")]
    else:
        lines += ["- Backup: none taken (check mode)"]
    if rollback:
        lines += ["- Rollback (restore this backup): `%s`" % rollback]
    mode = check.get("sql_mode") or {}
    if mode.get("added"):
        lines += ["- sql_mode after the upgrade adds: %s" % ", ".join(mode["added"])]
    lines += [""]
    if findings:
        lines += ["## Findings", "", markdown_table(
            ["severity", "check", "object", "what breaks", "fix"],
            [[f["severity"], f["check"], f["object"], f["message"], "`%s`" % f["fix"]] for f in findings]), ""]
        lines += ["## Fixes, in order", "", "```sql"] + report["fix_script"] + ["```", ""]
    else:
        lines += ["Nothing found that breaks the upgrade.", ""]
    report["markdown"] = "\n".join(lines)
    return report
