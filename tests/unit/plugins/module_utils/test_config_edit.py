from ansible_collections.drkit.mysql.plugins.module_utils.config_edit import set_settings

APP = "# app db\nhost = 127.0.0.1\nport = 3310\nuser = shop_app\n"


def test_changes_host_and_port_in_one_pass_keeping_the_rest():
    text, changes = set_settings(APP, {"host": "127.0.0.1", "port": 3312})
    assert text == "# app db\nhost = 127.0.0.1\nport = 3312\nuser = shop_app\n"
    assert changes == [("port", "3310", "3312")]


def test_same_values_change_nothing():
    text, changes = set_settings(APP, {"host": "127.0.0.1", "port": "3310"})
    assert text == APP and changes == []


def test_spacing_and_indentation_are_kept():
    text, dummy = set_settings("  host=a\nport =1\n", {"host": "b", "port": 2})
    assert text == "  host=b\nport =2\n"


def test_a_key_that_only_starts_the_same_is_not_touched():
    text, changes = set_settings("hostname = x\nhost = a\n", {"host": "b"})
    assert text == "hostname = x\nhost = b\n" and changes == [("host", "a", "b")]


def test_missing_key_is_appended_and_missing_final_newline_added():
    text, changes = set_settings("host = a", {"port": 3306})
    assert text == "host = a\nport = 3306\n" and changes == [("port", None, "3306")]


def test_only_the_named_section_is_edited():
    ini = "[client]\nhost = a\n[app]\nhost = a\nport = 1\n[other]\nport = 1\n"
    text, changes = set_settings(ini, {"host": "b", "port": 2}, section="app")
    assert text == "[client]\nhost = a\n[app]\nhost = b\nport = 2\n[other]\nport = 1\n"
    assert [c[0] for c in changes] == ["host", "port"]


def test_key_missing_from_section_goes_at_its_end():
    ini = "[app]\nhost = a\n\n[other]\nx = 1\n"
    text, dummy = set_settings(ini, {"port": 2}, section="app")
    assert text == "[app]\nhost = a\n\nport = 2\n[other]\nx = 1\n"


def test_missing_section_is_added():
    text, dummy = set_settings("[client]\nuser = x\n", {"host": "b"}, section="app")
    assert text == "[client]\nuser = x\n\n[app]\nhost = b\n"


def test_first_of_duplicate_keys_wins():
    text, changes = set_settings("host = a\nhost = z\n", {"host": "b"})
    assert text == "host = b\nhost = z\n" and len(changes) == 1


def test_redact_masks_secret_values_for_the_diff():
    from ansible_collections.drkit.mysql.plugins.module_utils.config_edit import redact

    text = ("[client]\nhost = 127.0.0.1\npassword = lab-app-secret\n  passwd=x\nPWD= y\napi_key = k1\n"
            "ssl-key = /tls/c.key\nkeyring = open\npassive = yes\n# password = in a comment\nuser = app\n")
    redacted = redact(text)
    for secret in ("lab-app-secret", "x\n", " y\n", "k1", "/tls/c.key"):
        assert secret not in redacted, secret
    assert "password = ********\n" in redacted and "  passwd=********\n" in redacted
    assert "host = 127.0.0.1\n" in redacted and "user = app\n" in redacted
    assert "keyring = open\n" in redacted and "passive = yes\n" in redacted
    assert "# password = in a comment\n" in redacted  # a comment is not a setting
    assert redact("password =\n") == "password =\n"  # nothing to hide


def test_redact_changes_shows_that_a_secret_changed_not_its_value():
    from ansible_collections.drkit.mysql.plugins.module_utils.config_edit import redact_changes, set_settings

    wanted = {"host": "b", "password": "new-secret", "token": "t"}
    _text, changes = set_settings("host = a\npassword = old-secret\n", wanted)
    assert redact_changes(changes) == [("host", "a", "b"), ("password", "********", "********"),
                                       ("token", None, "********")]
