"""app_reload, run the way its action runs it for a local host (in-process): the command runs or the task says why."""
from ansible_collections.drkit.mysql.plugins.plugin_utils.in_process import run_in_process


def test_runs_the_command_and_reports_it(tmp_path):
    marker = tmp_path / "reloaded"
    result = run_in_process("app_reload", dict(argv=["touch", str(marker)]))
    assert result["changed"] and result["rc"] == 0 and not result.get("failed"), result
    assert marker.exists()


def test_check_mode_runs_nothing(tmp_path):
    marker = tmp_path / "reloaded"
    result = run_in_process("app_reload", dict(argv=["touch", str(marker)]), check_mode=True)
    assert result["changed"] and "would run touch" in result["msg"], result
    assert not marker.exists()


def test_a_failing_command_fails_with_its_own_output():
    result = run_in_process("app_reload", dict(argv=["sh", "-c", "echo 'no such app' >&2; exit 3"]))
    assert result["failed"] and result["rc"] == 3 and "no such app" in result["msg"], result


def test_a_missing_program_is_a_clear_failure():
    result = run_in_process("app_reload", dict(argv=["/nonexistent/reload-app"]))
    assert result["failed"] and "Cannot run the application's reload command" in result["msg"], result


def test_a_hanging_command_is_killed():
    result = run_in_process("app_reload", dict(argv=["sleep", "5"], timeout=1))
    assert result["failed"] and "did not end within 1 s" in result["msg"], result
