"""The drkit.mysql.business_validation role against the lab, with a real local HTTP server."""
import json
import os
import socket
import subprocess
import sys
import time

import pytest
import yaml

from helpers import ROOT, recap, run_playbook

PLAYBOOK = "../tests/integration/playbooks/business_validation.yml"
LAB_CHECKS_FILE = os.path.join(ROOT, "inventories", "lab", "group_vars", "all", "business_validation.yml")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    """A tiny http.server on 127.0.0.1 serving index.html; yields its base URL."""
    docroot = tmp_path_factory.mktemp("web")
    (docroot / "index.html").write_text("<html><body>drkit shop is open</body></html>\n")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                            cwd=str(docroot), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise AssertionError("http.server did not start on port %d" % port) from None
                time.sleep(0.1)
        yield "http://127.0.0.1:%d" % port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def lab_sql_checks():
    with open(LAB_CHECKS_FILE) as handle:
        return yaml.safe_load(handle)["business_validation_sql_checks"]


def play(tmp_path, extra_vars, *args):
    """Run the playbook with extra vars from a file; return (process, business_validation_result)."""
    vars_file = tmp_path / "vars.json"
    result_file = tmp_path / "result.json"
    extra = dict(extra_vars, business_validation_result_file=str(result_file))
    vars_file.write_text(json.dumps(extra))
    proc = run_playbook(PLAYBOOK, "-e", "@%s" % vars_file, *args, check=False)
    assert result_file.exists(), proc.stdout[-4000:] + proc.stderr[-2000:]
    return proc, json.loads(result_file.read_text())


def test_passing_checks_let_the_play_succeed(lab, web, tmp_path):
    proc, result = play(tmp_path, dict(business_validation_http_checks=[
        dict(name="shop_home", url=web + "/index.html", contains="shop is open", timeout=5)]))
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert recap(proc.stdout)["app1"]["failed"] == 0
    names = [check["name"] for check in lab_sql_checks()] + ["shop_home"]
    assert (result["passed"], result["failed"], result["total"]) == (len(names), 0, len(names))
    assert [check["name"] for check in result["checks"]] == names
    assert [check["kind"] for check in result["checks"]] == ["sql"] * (len(names) - 1) + ["http"]
    assert result["target"] == "db-primary"
    assert result["summary"] == "business validation: all %d checks passed" % len(names)
    assert "business validation: all %d checks passed" % len(names) in proc.stdout
    http = result["checks"][-1]
    assert http["passed"] is True and http["observed"] == 200
    assert http["expectation"] == 'HTTP 200 containing "shop is open"'


def test_failing_sql_and_http_checks_fail_the_play_with_a_table(lab, web, tmp_path):
    sql_checks = lab_sql_checks() + [dict(name="users_count_wrong", query="SELECT COUNT(*) FROM shop.users",
                                          expect=dict(equals=2999))]
    http_checks = [dict(name="shop_home", url=web + "/index.html"),
                   dict(name="shop_missing_page", url=web + "/no-such-page.html")]
    proc, result = play(tmp_path, dict(business_validation_sql_checks=sql_checks,
                                       business_validation_http_checks=http_checks))
    assert proc.returncode != 0
    assert recap(proc.stdout)["app1"]["failed"] == 1
    assert (result["passed"], result["failed"]) == (len(sql_checks) - 1 + 1, 2)
    summary = "business validation: 2 of %d checks failed: users_count_wrong, shop_missing_page" % (
        len(sql_checks) + 2)
    assert result["summary"] == summary
    failure = proc.stdout[proc.stdout.index("fatal: [app1]"):]
    assert summary in failure
    rows = dict((line.split()[0], line.split()) for line in failure.splitlines()
                if line.strip().startswith(("users_count_wrong", "shop_missing_page", "CHECK")))
    assert rows["CHECK"] == ["CHECK", "KIND", "EXPECTED", "OBSERVED"]
    assert rows["users_count_wrong"] == ["users_count_wrong", "sql", "=", "2999", "3000"]
    assert rows["shop_missing_page"] == ["shop_missing_page", "http", "HTTP", "200", "HTTP", "404"]
    assert "users_count " not in failure.split("CHECK", 1)[1].split("\n\n")[0]  # passed checks are not in the table
    failed = [check for check in result["checks"] if not check["passed"]]
    assert [(c["name"], c["kind"], c["observed"]) for c in failed] == [
        ("users_count_wrong", "sql", 3000), ("shop_missing_page", "http", 404)]


def test_check_mode_runs_the_checks(lab, web, tmp_path):
    proc, result = play(tmp_path, dict(business_validation_http_checks=[dict(name="shop_home", url=web + "/")]),
                        "--check")
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert result["failed"] == 0 and result["passed"] == len(lab_sql_checks()) + 1
    assert result["checks"][0]["observed"] == 3000  # the query really ran


def test_unreachable_server_is_a_failed_check_not_an_abort(lab, web, tmp_path):
    proc, result = play(tmp_path, dict(business_validation_login_port=1, business_validation_fail=False,
                                       business_validation_http_checks=[dict(name="shop_home", url=web + "/")]))
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert (result["passed"], result["failed"]) == (1, 1)
    sql_check = result["checks"][0]
    assert sql_check["name"] == "sql checks on db-primary" and sql_check["passed"] is False
    assert sql_check["observed_text"].startswith("Cannot connect to the server at 127.0.0.1:1")
    assert "business validation: 1 of 2 checks failed: sql checks on db-primary" in proc.stdout
