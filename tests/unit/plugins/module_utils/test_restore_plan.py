"""What a logical restore loads where: selection, order, rename, objects, conflicts, safety names."""
import pytest

from ansible_collections.drkit.mysql.plugins.module_utils import restore_plan as rp


def table(name, rows=10, files=True):
    return dict(name=name, rows_estimate=rows, data_bytes=100, files=['shop/%s.sql.zst' % name] if files else [])


MANIFEST = dict(
    engine='dump',
    files=[dict(path=p, size=1, sha256='x') for p in (
        '_header.sql', '_footer.sql', 'shop/users.sql.zst', 'shop/orders.sql.zst', 'shop/products.sql.zst',
        'shop/_objects.sql.zst', 'crm/contacts.sql.zst')],
    databases=[
        dict(name='shop', create_statement='CREATE DATABASE /*!32312 IF NOT EXISTS*/ `shop` '
                                           '/*!40100 DEFAULT CHARACTER SET utf8mb4 */;',
             objects_files=['shop/_objects.sql.zst'], views=['v_orders'],
             tables=[table('users', 3000), table('orders', 10000), table('products', 500)]),
        dict(name='crm', create_statement=None, objects_files=[], views=[],
             tables=[dict(name='contacts', rows_estimate=5, data_bytes=1, files=['crm/contacts.sql.zst'])]),
    ])


def loads(plan):
    return [(item['source_db'], item['table'], item['target_db']) for item in plan['items']]


def test_whole_backup():
    plan = rp.select(MANIFEST)
    assert loads(plan) == [('shop', 'users', 'shop'), ('shop', 'orders', 'shop'), ('shop', 'products', 'shop'),
                           ('crm', 'contacts', 'crm')]
    assert [obj['source_db'] for obj in plan['objects']] == ['shop']
    assert plan['skipped_objects'] == []
    assert [db['target_db'] for db in plan['databases']] == ['shop', 'crm']


def test_tables_in_the_given_order_without_objects():
    plan = rp.select(MANIFEST, tables=['shop.orders', 'shop.users', 'shop.orders'])
    assert loads(plan) == [('shop', 'orders', 'shop'), ('shop', 'users', 'shop')]
    assert plan['objects'] == []
    assert plan['skipped_objects'][0]['reason'] == 'only chosen tables restored'


def test_one_table_into_a_renamed_schema():
    plan = rp.select(MANIFEST, tables=['shop.users'], target_database='shop_repair')
    assert loads(plan) == [('shop', 'users', 'shop_repair')]
    assert plan['databases'][0]['target_db'] == 'shop_repair'
    assert plan['databases'][0]['statement'].startswith('CREATE DATABASE')


def test_rename_a_whole_database_skips_its_views_and_routines():
    plan = rp.select(MANIFEST, databases=['shop'], rename={'shop': 'shop_repair'})
    assert {item['target_db'] for item in plan['items']} == {'shop_repair'}
    assert plan['objects'] == []
    assert plan['skipped_objects'] == [dict(source_db='shop', files=['shop/_objects.sql.zst'], views=['v_orders'],
                                            reason='restored under another name (shop_repair)')]


@pytest.mark.parametrize('kwargs, fragment', [
    (dict(databases=['nope']), 'database(s) nope are not in the backup (it has: shop, crm)'),
    (dict(tables=['shop.nope', 'crm.x']), 'table(s) shop.nope, crm.x are not in the backup'),
    (dict(tables=['users']), "'users' is not db.table"),
    (dict(databases=['crm'], tables=['shop.users']), 'outside the chosen databases'),
    (dict(target_database='x'), 'target_database needs exactly one source database; the selection has 2'),
    (dict(rename={'crm': 'x'}, target_database='y', databases=['crm']), 'either target_database or rename'),
    (dict(tables=['shop.users'], rename={'crm': 'x'}), 'rename names database(s) crm that this restore does not load'),
    (dict(rename={'shop': 'crm'}), 'several source databases would be restored into crm'),
    (dict(rename={'shop': 'x' * 65}, databases=['shop']), '1 to 64 characters'),
])
def test_requests_that_do_not_fit(kwargs, fragment):
    with pytest.raises(rp.PlanError) as error:
        rp.select(MANIFEST, **kwargs)
    assert fragment in str(error.value)


def test_a_table_without_data_file():
    manifest = dict(MANIFEST, databases=[dict(name='shop', tables=[table('users', files=False)])])
    with pytest.raises(rp.PlanError) as error:
        rp.select(manifest)
    assert 'no data file for shop.users' in str(error.value)


@pytest.mark.parametrize('text, parsed', [
    ('shop.users', ('shop', 'users')),
    ('shop.my.table', ('shop', 'my.table')),
    ('`my.db`.`t`', ('my.db', 't')),
    ('`a``b`.`c`', ('a`b', 'c')),
])
def test_parse_table_name(text, parsed):
    assert rp.parse_table_name(text) == parsed


def test_files_used_are_only_those_read():
    plan = rp.select(MANIFEST, tables=['shop.users'])
    used = [entry['path'] for entry in rp.files_used(MANIFEST, plan, ('_header.sql', '_footer.sql'))]
    assert used == ['_header.sql', '_footer.sql', 'shop/users.sql.zst']


def test_conflicts_and_safety_plan():
    plan = rp.select(MANIFEST, tables=['shop.users', 'shop.orders'])
    conflicting = rp.conflicts(plan, {('shop', 'orders'), ('shop', 'other')})
    assert conflicting == [('shop', 'orders')]
    safety = rp.safety_plan(conflicting, '20261124T081500Z')
    assert safety == dict(schema='drkit_safety_20261124t081500z',
                          moves=[dict(db='shop', table='orders', to='shop__orders', method='rename')])


def test_parents_of_tables_that_stay_are_copied_not_renamed():
    # shop.accounts -> shop.users, shop.orders -> shop.users, shop.orders -> shop.products
    references = [('shop', 'accounts', 'shop', 'users'), ('shop', 'orders', 'shop', 'users'),
                  ('shop', 'orders', 'shop', 'products')]
    replaced = [('shop', 'users'), ('shop', 'orders')]
    copy = rp.referenced_from_outside(references, replaced)
    assert copy == {('shop', 'users')}  # accounts stays and points at users; orders is replaced too
    safety = rp.safety_plan(replaced, '20261124T081500Z', copy)
    assert [(move['table'], move['method']) for move in safety['moves']] == [('users', 'copy'), ('orders', 'rename')]


def test_long_safety_names_are_shortened_uniquely():
    first = rp.safety_table_name('d' * 40, 't' * 40 + 'a')
    second = rp.safety_table_name('d' * 40, 't' * 40 + 'b')
    assert len(first) == 64 and len(second) == 64 and first != second
