"""Retention: which finished backups of a prefix go, never the new one, never foreign directories."""
import datetime
import json
import os

import pytest

from ansible_collections.drkit.mysql.plugins.module_utils import retention

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 11, 24, 8, 0, 0, tzinfo=UTC)


def backup(name, days_ago):
    return dict(name=name, path='/b/' + name, finished_at=NOW - datetime.timedelta(days=days_ago))


BACKUPS = [backup('shop-2026111%dT080000Z' % day, 24 - (10 + day)) for day in range(0, 10)]  # 14..5 days old


@pytest.mark.parametrize('text, seconds', [('30m', 1800), ('12h', 43200), ('7d', 604800), ('2w', 1209600),
                                           ('90', 90), ('1.5d', 129600), (' 7D ', 604800), (3600, 3600)])
def test_parse_age(text, seconds):
    assert retention.parse_age(text) == seconds


@pytest.mark.parametrize('text', ['7 days', 'd', '-1d', '0', 'week'])
def test_parse_age_rejects(text):
    with pytest.raises(retention.RetentionError):
        retention.parse_age(text)


def names(items):
    return [item['name'] for item in items]


def test_no_rule_removes_nothing():
    assert retention.select_expired(BACKUPS, NOW) == []


def test_keep_last_keeps_the_newest():
    expired = retention.select_expired(BACKUPS, NOW, keep_last=3)
    assert names(expired) == names(BACKUPS[:7])


def test_max_age_removes_the_old_ones():
    expired = retention.select_expired(BACKUPS, NOW, max_age=retention.parse_age('7d'))
    # 14..8 days old go (7 backups); 7 days old exactly is not younger than 7d either
    assert names(expired) == names(BACKUPS[:8])


def test_both_rules_keep_what_either_keeps():
    expired = retention.select_expired(BACKUPS, NOW, keep_last=5, max_age=retention.parse_age('12d'))
    assert names(expired) == names(BACKUPS[:3])


def test_the_new_backup_is_protected():
    old_only = [backup('shop-20260101T000000Z', 300)]
    assert retention.select_expired(old_only, NOW, max_age=60, protect={'shop-20260101T000000Z'}) == []


def test_keep_last_zero_is_refused():
    with pytest.raises(retention.RetentionError):
        retention.select_expired(BACKUPS, NOW, keep_last=0)


def test_is_backup_name():
    assert retention.is_backup_name('shop-20261124T080000Z', 'shop')
    assert not retention.is_backup_name('shop-20261124T080000Z.partial', 'shop')
    assert not retention.is_backup_name('shopx-20261124T080000Z', 'shop')
    assert not retention.is_backup_name('shop-eu-20261124T080000Z', 'shop')
    assert retention.is_backup_name('shop-eu-20261124T080000Z', 'shop-eu')


def test_scan_only_sees_finished_backups_of_the_prefix(tmp_path):
    def make(name, finished_at=None, manifest=True):
        path = tmp_path / name
        path.mkdir()
        if manifest:
            (path / 'manifest.json').write_text(json.dumps(dict(finished_at=finished_at)))
    make('shop-20261120T080000Z', '2026-11-20T08:00:05Z')
    make('shop-20261121T080000Z', '2026-11-21T08:00:05Z')
    make('shop-20261122T080000Z', manifest=False)                       # no manifest: not ours to delete
    make('shop-20261123T080000Z.partial', '2026-11-23T08:00:05Z')       # unfinished
    make('other-20261119T080000Z', '2026-11-19T08:00:05Z')              # another prefix
    make('shop-20261118T080000Z', 'garbage')                             # unreadable time
    (tmp_path / 'shop-20261117T080000Z').write_text('a file')            # not a directory
    os.symlink(str(tmp_path / 'shop-20261121T080000Z'), str(tmp_path / 'shop-20261116T080000Z'))
    found = retention.scan(str(tmp_path), 'shop')
    assert names(found) == ['shop-20261120T080000Z', 'shop-20261121T080000Z']
    assert found[0]['finished_at'] == datetime.datetime(2026, 11, 20, 8, 0, 5, tzinfo=UTC)


def test_scan_of_a_missing_dest(tmp_path):
    assert retention.scan(str(tmp_path / 'none'), 'shop') == []
