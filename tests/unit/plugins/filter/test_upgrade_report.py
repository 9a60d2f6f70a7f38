"""The upgrade guard's report: outcome, backup, rollback command and Markdown."""
from ansible_collections.drkit.mysql.plugins.filter.upgrade import FilterModule

CHECK = dict(target="mysql-8.0", source=dict(flavor="mysql", version="5.7.44-log"), passed=False, error_count=1,
             warning_count=0, blocking=1, summary="1 error(s), 0 warning(s) for the upgrade to MySQL 8.0",
             sql_mode=dict(added=["NO_ZERO_DATE"]),
             findings=[dict(check="invalid_json", severity="error", object="erp.products.attrs",
                            message="1 row(s) are not valid JSON | really", fix="UPDATE `erp`.`products` SET ...;")],
             fix_script=["UPDATE `erp`.`products` SET ...;"])
BACKUP = dict(path="/b/db1-pre-upgrade-20261124T100000Z", name="db1-pre-upgrade-20261124T100000Z", size_bytes=1234,
              manifest=dict(engine="dump", verification=dict(ok=True), coordinates=dict(gtid_set="0-1-42")))


def report(**kwargs):
    return FilterModule().filters()["upgrade_report"](CHECK, **kwargs)


def test_blocked_report_with_backup_and_rollback():
    result = report(host="db1", backup=BACKUP, inventory="inventories/prod", databases=["erp"])
    assert result["outcome"] == "blocked" and result["backup"]["verified"] and result["backup"]["gtid"] == "0-1-42"
    assert result["rollback"] == (
        "ansible-playbook -i inventories/prod playbooks/restore.yml -e restore_target=db1 "
        "-e restore_src=/b/db1-pre-upgrade-20261124T100000Z -e restore_mode=replace "
        "-e '{\"restore_databases\": [\"erp\"]}'")
    markdown = result["markdown"]
    assert "**BLOCKED: fix the errors first**" in markdown and "not valid JSON \\| really" in markdown
    assert "```sql\nUPDATE `erp`.`products` SET ...;\n```" in markdown and result["rollback"] in markdown


def test_check_mode_has_no_backup_and_no_rollback():
    result = report(host="db1", backup=dict(path="/b/x", changed=False, plan={}))
    assert result["rollback"] is None and "none taken (check mode)" in result["markdown"]
    ready = FilterModule().filters()["upgrade_report"](dict(CHECK, passed=True, findings=[], fix_script=[]), "db1")
    assert ready["outcome"] == "ready" and "Nothing found that breaks the upgrade." in ready["markdown"]
