import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.drkit.mysql.plugins.filter.gtid import gtid_contains, gtid_missing, gtid_union


def test_union_skips_empty_and_merges():
    assert gtid_union(["0-1-100", "", None, "0-1-120,1-2-5"]) == "0-1-120,1-2-5"
    assert gtid_union([]) == ""


def test_contains_and_missing():
    assert gtid_contains("0-1-120", "0-1-100") is True
    assert gtid_contains("0-1-100", "0-1-120") is False
    assert gtid_missing("0-1-100", "0-1-120") == "missing 20 transactions in domain 0 (seq 101-120)"


def test_bad_text_is_a_filter_error():
    with pytest.raises(AnsibleFilterError):
        gtid_union(["not-a-gtid"])
