"""GTID set arithmetic: the numbers behind every promote/refuse decision."""
import json
import random

import pytest

from ansible_collections.drkit.mysql.plugins.module_utils.gtid import (
    GtidError,
    GtidSet,
    describe_missing,
    parse_gtid_set,
)

U1 = '3e11fa47-71ca-11e1-9e33-c80aa9429562'
U2 = '73f86016-978b-11ee-ade5-8d2a2a562feb'
U3 = 'd5e3c1b2-0000-11ef-8000-0242ac110002'


# -- parsing and formatting: MySQL -------------------------------------------

@pytest.mark.parametrize('text, expected', [
    (U1 + ':1-5', U1 + ':1-5'),
    (U1.upper() + ':1-5:7-9', U1 + ':1-5:7-9'),
    (U1 + ':7', U1 + ':7'),
    (U1 + ':7-7', U1 + ':7'),
    (U1 + ':1-3:4-5', U1 + ':1-5'),               # adjacent intervals merge
    (U1 + ':5-9:1-6', U1 + ':1-9'),               # overlapping, unsorted
    (U2 + ':1-3,' + U1 + ':1-5', U1 + ':1-5,' + U2 + ':1-3'),  # uuids sorted
    (U1 + ':1-5,' + U1 + ':6-8', U1 + ':1-8'),    # same uuid twice
])
def test_mysql_canonical_form(text, expected):
    gtids = parse_gtid_set(text)
    assert gtids.flavor == 'mysql'
    assert str(gtids) == expected
    assert parse_gtid_set(str(gtids)) == gtids


def test_mysql_multiline_server_output():
    # @@gtid_executed as the server prints it: ",\n" between uuids.
    text = U1.upper() + ':1-5,\n' + U2 + ':1-3:5,\n  ' + U3 + ':1\n'
    gtids = parse_gtid_set(text)
    assert str(gtids) == '%s:1-5,%s:1-3:5,%s:1' % (U1, U2, U3)
    assert gtids.count() == 5 + 4 + 1


def test_mysql_tagged_gtids():
    gtids = parse_gtid_set(U1 + ':1-5:Domain_1:1-3:11:zz:2,' + U1 + ':domain_1:4-10')
    assert gtids.keys() == [(U1, ''), (U1, 'domain_1'), (U1, 'zz')]
    assert gtids.intervals((U1, 'domain_1')) == [(1, 11)]
    assert str(gtids) == U1 + ':1-5:domain_1:1-11:zz:2'
    assert gtids.count() == 5 + 11 + 1
    assert parse_gtid_set(str(gtids)) == gtids
    # a tagged GTID is a different transaction from the untagged one
    assert parse_gtid_set(U1 + ':t:1').intersection(U1 + ':1').is_empty()


def test_mysql_tag_only_set():
    gtids = parse_gtid_set(U1 + ':tag_a:1-3')
    assert str(gtids) == U1 + ':tag_a:1-3'
    assert gtids.to_dict()['intervals'] == {U1 + ':tag_a': [[1, 3]]}


# -- parsing and formatting: MariaDB -----------------------------------------

def test_mariadb_positions():
    gtids = parse_gtid_set('1-2-50,0-1-100')
    assert gtids.flavor == 'mariadb'
    assert str(gtids) == '0-1-100,1-2-50'
    assert gtids.intervals(0) == [(1, 100)]
    assert gtids.server_id(0) == 1 and gtids.server_id(1) == 2
    assert gtids.count() == 150


def test_mariadb_recorded_output_is_unsorted():
    # Gtid_IO_Pos as recorded from MariaDB 10.11: domains not in order.
    gtids = parse_gtid_set('1-1-1,0-1-7')
    assert str(gtids) == '0-1-7,1-1-1'


def test_mariadb_binlog_state_keeps_highest_seq_per_domain():
    # @@gtid_binlog_state lists one entry per (domain, server_id).
    gtids = parse_gtid_set('0-1-11,0-2-12,1-1-1')
    assert str(gtids) == '0-2-12,1-1-1'


def test_mariadb_seq_zero_is_nothing():
    assert parse_gtid_set('0-1-0', 'mariadb').is_empty()


def test_mariadb_readable_form_round_trips():
    primary = parse_gtid_set('0-1-150,1-1-20')
    replica = parse_gtid_set('0-1-100,1-1-20')
    missing = primary.difference(replica)
    assert str(missing) == '0-1-101..150'
    assert parse_gtid_set(str(missing)) == missing
    gap = parse_gtid_set('0-1-100').difference('0-?-40..60')
    assert str(gap) == '0-?-1..39,0-1-61..100'
    assert parse_gtid_set(str(gap)) == gap
    unknown = GtidSet('mariadb', {3: [(1, 9)]})
    assert str(unknown) == '3-0-9'            # server_id unknown -> 0


# -- empty sets --------------------------------------------------------------

@pytest.mark.parametrize('text', [None, '', '  \n', b''])
def test_empty_text(text):
    gtids = parse_gtid_set(text)
    assert gtids.is_empty() and not gtids
    assert gtids.flavor is None
    assert gtids.count() == 0
    assert str(gtids) == ''


def test_flavorless_empty_set_combines_with_both():
    empty = parse_gtid_set('')
    assert empty.union(U1 + ':1-3').flavor == 'mysql'
    assert empty.union('0-1-3').flavor == 'mariadb'
    assert empty.is_subset('0-1-3') and empty.is_subset(U1 + ':1')
    assert parse_gtid_set('', 'mariadb').flavor == 'mariadb'
    assert parse_gtid_set(U1 + ':1-3').difference('') == U1 + ':1-3'
    assert parse_gtid_set(U1 + ':1-3').difference(U1 + ':1-3').is_empty()


# -- algebra -----------------------------------------------------------------

def test_union_intersection_difference_mysql():
    a = parse_gtid_set(U1 + ':1-10,' + U2 + ':1-3')
    b = parse_gtid_set(U1 + ':5-20,' + U3 + ':7')
    assert str(a.union(b)) == '%s:1-20,%s:1-3,%s:7' % (U1, U2, U3)
    assert str(a.intersection(b)) == U1 + ':5-10'
    assert str(a.difference(b)) == '%s:1-4,%s:1-3' % (U1, U2)
    assert str(b.difference(a)) == '%s:11-20,%s:7' % (U1, U3)
    assert str(a | b) == str(a.union(b)) and str(a & b) == str(a.intersection(b)) and str(a - b) == str(a.difference(b))


def test_difference_splits_intervals():
    a = parse_gtid_set(U1 + ':1-100')
    assert str(a.difference(U1 + ':10-19:50:90-200')) == U1 + ':1-9:20-49:51-89'


def test_subset():
    small = parse_gtid_set(U1 + ':2-4')
    big = parse_gtid_set(U1 + ':1-5,' + U2 + ':1')
    assert small.is_subset(big) and small <= big
    assert not big.is_subset(small)
    assert big.is_subset(big)


def test_operands_may_be_strings_and_eq_accepts_text():
    a = parse_gtid_set(U1 + ':1-5')
    assert a == U1.upper() + ':1-3:4-5'
    assert a != U1 + ':1-4'
    assert a != 'not a gtid set'
    assert (a == 42) is False


def test_mixing_flavors_is_refused():
    mysql = parse_gtid_set(U1 + ':1-5')
    mariadb = parse_gtid_set('0-1-5')
    with pytest.raises(GtidError, match='cannot combine a mysql GTID set with a mariadb one'):
        mysql.union(mariadb)
    with pytest.raises(GtidError):
        mariadb.is_subset(mysql)
    with pytest.raises(GtidError):
        mysql.union('0-1-5')            # parsed as MySQL: not a uuid
    with pytest.raises(GtidError):
        parse_gtid_set(mysql, 'mariadb')
    assert mysql != mariadb


def test_mariadb_union_keeps_server_id_of_highest_seq():
    a = parse_gtid_set('0-1-100,1-5-3')
    b = parse_gtid_set('0-2-120')
    merged = a.union(b)
    assert str(merged) == '0-2-120,1-5-3'
    assert str(b.union(a)) == '0-2-120,1-5-3'
    assert str(a.intersection(b)) == '0-1-100'


def test_mariadb_diverged_domains():
    # recorded: errant write on the replica (0-2-12) vs primary's 0-1-12
    replica = parse_gtid_set('0-2-12,1-1-1')
    primary = parse_gtid_set('0-1-12,1-1-1')
    assert replica == primary                      # same seq numbers ...
    assert replica.diverged_domains(primary) == [0]  # ... written by different servers
    assert primary.diverged_domains('0-1-12,1-1-1') == []
    assert primary.diverged_domains('0-2-15') == []  # cannot tell from positions
    assert parse_gtid_set(U1 + ':1').diverged_domains(U1 + ':1') == []


# -- the replication scenarios ------------------------------------------------

def test_lagging_replica():
    primary = parse_gtid_set(U1 + ':1-99,' + U2 + ':1-10')
    replica = parse_gtid_set(U1 + ':1-57,' + U2 + ':1-10')
    assert replica.is_subset(primary)
    missing = primary.difference(replica)
    assert missing.count() == 42
    assert str(missing) == U1 + ':58-99'
    assert describe_missing(replica, primary) == 'missing 42 transactions: %s:58-99' % U1
    assert replica.difference(primary).is_empty()          # no errant transactions


def test_errant_transaction():
    primary = parse_gtid_set(U1 + ':1-99')
    replica = parse_gtid_set(U1 + ':1-99,' + U3 + ':1-2')   # written locally on the replica
    assert not replica.is_subset(primary)
    errant = replica.difference(primary)
    assert str(errant) == U3 + ':1-2'
    assert errant.count() == 2
    assert describe_missing(primary, replica) == 'missing 2 transactions: %s:1-2' % U3
    assert describe_missing(replica, primary) == 'missing no transactions'


def test_errant_interval_of_the_primary_uuid():
    primary = parse_gtid_set(U1 + ':1-50')
    replica = parse_gtid_set(U1 + ':1-50:60')
    assert str(replica.difference(primary)) == U1 + ':60'
    assert describe_missing(primary, replica) == 'missing 1 transaction: %s:60' % U1


def test_mariadb_lagging_and_multi_domain():
    primary = parse_gtid_set('0-1-150,1-2-50,2-3-7')
    replica = parse_gtid_set('0-1-100,1-2-50')
    assert replica.is_subset(primary)
    assert primary.difference(replica).count() == 57
    assert describe_missing(parse_gtid_set('0-1-100'), '0-1-150') == \
        'missing 50 transactions in domain 0 (seq 101-150)'
    assert describe_missing(replica, primary) == \
        'missing 57 transactions: 50 in domain 0 (seq 101-150), 7 in domain 2 (seq 1-7)'
    assert describe_missing('0-1-7', '0-1-8') == 'missing 1 transaction in domain 0 (seq 8)'


def test_to_dict_is_json_friendly():
    mysql = parse_gtid_set(U1 + ':1-5:7,' + U1 + ':t:1')
    assert mysql.to_dict() == {
        'flavor': 'mysql',
        'gtid_set': U1 + ':1-5:7:t:1',
        'count': 7,
        'intervals': {U1: [[1, 5], [7, 7]], U1 + ':t': [[1, 1]]},
    }
    mariadb = parse_gtid_set('0-1-10,1-2-3').difference('0-1-4')
    assert json.loads(json.dumps(mariadb.to_dict())) == {
        'flavor': 'mariadb',
        'gtid_set': '0-1-5..10,1-2-3',
        'count': 9,
        'intervals': {'0': [[5, 10]], '1': [[1, 3]]},
        'server_ids': {'0': 1, '1': 2},
    }


# -- invalid input -------------------------------------------------------------

@pytest.mark.parametrize('text, flavor, fragment', [
    ('3e11fa47:1-5', None, "'3e11fa47:1-5' does not start with a server UUID"),
    (U1, None, 'has a UUID but no transaction numbers'),
    (U1 + ':', None, "'' in"),
    (U1 + ':5-1', None, "interval '5-1'"),
    (U1 + ':0-3', None, "interval '0-3'"),
    (U1 + ':1-9223372036854775808', None, 'out of range'),
    (U1 + ':1-5:tag', None, "tag 'tag'"),
    (U1 + ':tag:other:1', None, "tag 'tag'"),
    (U1 + ':1-5:9tag:1', None, "'9tag'"),
    (U1 + ':1-5,garbage', None, "'garbage' does not start"),
    ('0-1', None, "'0-1' is not domain-server_id-seq_no"),
    ('0-1-x', None, "'0-1-x'"),
    ('0-1-5,' + U1 + ':1', None, 'is not domain-server_id-seq_no'),
    ('0-1-9..5', None, 'is empty'),
    ('4294967296-1-5', None, 'out of range'),
    ('0-1-5', 'mysql', 'does not start with a server UUID'),
    (U1 + ':1', 'mariadb', 'is not domain-server_id-seq_no'),
    ('0-1-5', 'oracle', 'unknown GTID flavor'),
    (42, None, 'must be text'),
])
def test_invalid_input(text, flavor, fragment):
    with pytest.raises(GtidError) as excinfo:
        parse_gtid_set(text, flavor)
    assert fragment in str(excinfo.value)
    assert isinstance(excinfo.value, ValueError)


# -- property check against Python sets ---------------------------------------------

def _random_mysql(rng):
    parts = []
    for uuid in (U1, U2, U3):
        if rng.random() < 0.3:
            continue
        for _round in range(rng.randint(1, 4)):
            start = rng.randint(1, 60)
            parts.append('%s:%d-%d' % (uuid, start, start + rng.randint(0, 12)))
    return ','.join(parts)


def _as_python_set(gtids):
    return set((key, n) for key in gtids.keys() for s, e in gtids.intervals(key) for n in range(s, e + 1))


def _random_mariadb(rng):
    return ','.join('%d-%d-%d' % (d, rng.randint(1, 3), rng.randint(0, 40)) for d in range(3) if rng.random() < 0.8)


def test_algebra_matches_python_sets():
    rng = random.Random(20240611)
    for _round in range(400):
        a = parse_gtid_set(_random_mysql(rng), 'mysql')
        b = parse_gtid_set(_random_mysql(rng), 'mysql')
        pa, pb = _as_python_set(a), _as_python_set(b)
        assert _as_python_set(a.union(b)) == pa | pb
        assert _as_python_set(a.difference(b)) == pa - pb
        assert _as_python_set(a.intersection(b)) == pa & pb
        assert a.is_subset(b) == (pa <= pb)
        assert a.count() == len(pa)
        assert (a == b) == (pa == pb)
        assert parse_gtid_set(str(a), 'mysql') == a
        for key in a.keys():   # canonical: sorted, disjoint, non-adjacent
            ivs = a.intervals(key)
            assert all(ivs[i][1] + 1 < ivs[i + 1][0] for i in range(len(ivs) - 1))


def test_mariadb_algebra_matches_python_sets():
    rng = random.Random(7)
    for _round in range(300):
        a = parse_gtid_set(_random_mariadb(rng), 'mariadb')
        b = parse_gtid_set(_random_mariadb(rng), 'mariadb')
        pa, pb = _as_python_set(a), _as_python_set(b)
        for result, expected in ((a.union(b), pa | pb), (a.difference(b), pa - pb),
                                 (a.intersection(b), pa & pb)):
            assert _as_python_set(result) == expected
            assert parse_gtid_set(str(result), 'mariadb') == result   # readable form round-trips
        assert a.is_subset(b) == (pa <= pb)
