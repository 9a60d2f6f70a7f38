import re

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.drkit.mysql.plugins.filter.validation import FilterModule, validation_table

CHECKS = [
    dict(name="users_count", kind="sql", passed=True, expectation="= 3000", observed=3000, observed_text="3000"),
    dict(name="users_wrong", kind="sql", passed=False, expectation="= 2999", observed=3000, observed_text="3000"),
    dict(name="bad_sql", passed=False, expectation="= 0", observed=None,
         error="(1146) Table 'shop.nope' doesn't exist"),
    dict(name="shop_home", kind="http", passed=False, expectation="HTTP 200", observed=404, observed_text="HTTP 404"),
    dict(name="api", kind="http", passed=False, expected="HTTP 200", observed={"status": 500}),
    dict(name="null", passed=False, expectation="= 1", observed=None),
]


def rows(table):
    return [re.split(r"\s{2,}", line) for line in table.splitlines()]


def test_failed_checks_only_by_default():
    table = rows(validation_table(CHECKS))
    assert table[0] == ["CHECK", "KIND", "EXPECTED", "OBSERVED"]
    assert table[1][0].startswith("---")
    assert table[2] == ["users_wrong", "sql", "= 2999", "3000"]
    # kind defaults to sql
    assert table[3] == ["bad_sql", "sql", "= 0", "error: (1146) Table 'shop.nope' doesn't exist"]
    assert table[4] == ["shop_home", "http", "HTTP 200", "HTTP 404"]
    assert table[5] == ["api", "http", "HTTP 200", "{status: 500}"]  # 'expected' accepted, dicts shown compactly
    assert table[6] == ["null", "sql", "= 1", "NULL"]
    assert "users_count" not in validation_table(CHECKS)


def test_all_checks_with_status_column():
    lines = validation_table(CHECKS, failed_only=False).splitlines()
    assert lines[0].split() == ["CHECK", "KIND", "EXPECTED", "OBSERVED", "STATUS"]
    assert lines[2].startswith("users_count") and lines[2].endswith("passed")
    assert lines[3].endswith("FAILED")
    assert len(lines) == 2 + len(CHECKS)


def test_long_cells_are_shortened_and_flattened():
    check = dict(name="long", passed=False, expectation="no rows", observed_text="line one\nline two " + "x" * 200)
    line = validation_table([check], width=40).splitlines()[2]
    assert line.endswith("line one line two " + "x" * 19 + "...")


def test_nothing_failed_gives_only_the_header():
    assert validation_table([CHECKS[0]]).splitlines() == ["CHECK  KIND  EXPECTED  OBSERVED",
                                                          "-----  ----  --------  --------"]
    assert len(validation_table(None).splitlines()) == 2


def test_bad_input_is_a_filter_error():
    with pytest.raises(AnsibleFilterError, match="expects a list"):
        validation_table("users_count")
    with pytest.raises(AnsibleFilterError, match="expects dicts"):
        validation_table(["users_count"])


def test_registered_under_its_name():
    assert FilterModule().filters()["validation_table"] is validation_table
