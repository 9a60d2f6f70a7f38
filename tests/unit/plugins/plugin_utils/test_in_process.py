"""Modules run in-process validate like AnsibleModule, end like sys.exit and mask no_log values."""
import sys

import pytest

from ansible_collections.drkit.mysql.plugins.plugin_utils import in_process
from ansible_collections.drkit.mysql.plugins.plugin_utils.in_process import InProcessModule, ModuleExit


def test_arguments_are_validated_with_defaults_and_types():
    module = InProcessModule(dict(port=dict(type="int", default=3306), name=dict(type="str", required=True)),
                             dict(name="db", port="3310"))
    assert module.params == dict(name="db", port=3310)


def test_invalid_arguments_fail_like_a_module():
    with pytest.raises(ModuleExit) as ended:
        InProcessModule(dict(port=dict(type="int")), dict(port="abc", bogus=1))
    assert ended.value.result["failed"]
    assert "bogus" in ended.value.result["msg"] and "port" in ended.value.result["msg"]


def test_required_if_is_checked():
    spec = dict(force=dict(type="bool", default=False), reason=dict(type="str"))
    with pytest.raises(ModuleExit) as ended:
        InProcessModule(spec, dict(force=True), required_if=[("force", True, ("reason",))])
    assert "reason" in ended.value.result["msg"]


def test_check_mode_only_when_the_module_supports_it():
    assert InProcessModule({}, {}, check_mode=True).check_mode
    assert not InProcessModule({}, {}, check_mode=True, supports_check_mode=False).check_mode


def test_fail_json_is_not_swallowed_by_except_exception():
    module = InProcessModule({}, {})
    with pytest.raises(ModuleExit):
        try:
            module.fail_json(msg="cannot connect")
        except Exception:  # the pattern the modules use around server calls
            pytest.fail("fail_json must end the module like sys.exit does")


class FakeModuleCode(object):
    """A module file: argument_spec(), MODULE_OPTIONS and run(module)."""

    MODULE_OPTIONS = dict(supports_check_mode=True)

    @staticmethod
    def argument_spec():
        return dict(login_password=dict(type="str", no_log=True), state=dict(type="str", default="on"))

    @staticmethod
    def run(module):
        module.warn("careful")
        module.exit_json(changed=not module.check_mode, said="password was %s" % module.params["login_password"],
                         state=module.params["state"])


def test_result_is_masked_and_carries_warnings(monkeypatch):
    monkeypatch.setitem(sys.modules, in_process.MODULE_PACKAGE + "fake", FakeModuleCode)
    result = in_process.run_in_process("fake", dict(login_password="s3cret-pw"), check_mode=True)
    assert result["said"] == "password was ********" and result["state"] == "on"
    assert result["changed"] is False and result["warnings"] == ["careful"]
    assert result["in_process_seconds"] >= 0


def test_a_module_that_returns_without_exit_is_a_failure(monkeypatch):
    class Silent(FakeModuleCode):
        @staticmethod
        def run(module):
            return None

    monkeypatch.setitem(sys.modules, in_process.MODULE_PACKAGE + "silent", Silent)
    result = in_process.run_in_process("silent", {})
    assert result["failed"] and "without a result" in result["msg"]


def test_every_module_with_an_action_exposes_spec_options_and_run():
    import importlib
    for name in ("topology_facts", "fence", "replica", "promote", "validate", "config_settings", "write_probe",
                 "binlog_archive_facts", "upgrade_check"):
        code = importlib.import_module("ansible_collections.drkit.mysql.plugins.modules." + name)
        assert isinstance(code.argument_spec(), dict) and callable(code.run)
        assert code.MODULE_OPTIONS.get("supports_check_mode") is True
