"""Target checks and the undo of a failed restore, against a stand-in server that records every statement."""
import re

import pytest

from ansible_collections.drkit.mysql.plugins.module_utils import restore_job
from ansible_collections.drkit.mysql.plugins.module_utils import restore_plan as rp

MANIFEST = dict(engine='dump', files=[], databases=[dict(name='shop', tables=[
    dict(name=name, rows_estimate=1, data_bytes=1, files=['shop/%s.sql.zst' % name])
    for name in ('users', 'orders', 'accounts')])])


class FakeServer(object):
    target = '127.0.0.1:3410'

    def __init__(self, tables, references=(), fail_on=None, triggers=()):
        self.triggers = list(triggers)
        self.tables = set(tables)
        self.references = list(references)
        self.statements = []
        self.fail_on = fail_on

    def rows(self, sql, params=None):
        if sql == 'SHOW DATABASES':
            return [dict(Database=db) for db in sorted(set(db for db, _table in self.tables))]
        if 'REFERENTIAL_CONSTRAINTS' in sql:
            return [dict(cdb=c, ctable=ct, pdb=p, ptable=pt) for c, ct, p, pt in self.references if p in params]
        if 'information_schema.TRIGGERS' in sql:
            return [dict(db=db, tbl=table, name=name) for db, table, name in self.triggers if db in params]
        if sql.startswith('SHOW CREATE TRIGGER'):
            return [{'SQL Original Statement': 'CREATE TRIGGER %s ...' % sql.split('.')[-1]}]
        if 'information_schema.TABLES' in sql:
            return [dict(db=db, name=name) for db, name in sorted(self.tables) if db in params]
        if sql.startswith('SHOW CREATE TABLE'):
            return [{'Create Table': 'CREATE TABLE `x` (id INT)'}]
        raise AssertionError(sql)

    def execute(self, sql, params=None):
        if self.fail_on and self.fail_on in sql:
            raise RuntimeError('(1435, "Trigger in wrong schema")')
        self.statements.append(sql)
        if sql.startswith('RENAME TABLE'):
            for pair in sql[len('RENAME TABLE '):].split(', '):
                source, target = pair.split(' TO ')
                self.tables.discard(_name(source))
                self.tables.add(_name(target))
        elif sql.startswith('DROP TABLE'):
            self.tables.discard(_name(sql.split()[-1]))
        elif sql.startswith('CREATE TABLE') and ' LIKE ' in sql:
            self.tables.add(_name(sql.split(' LIKE ')[0]))


def _name(text):
    return tuple(re.findall(r'`([^`]*)`', text))


def planned(tables, server, mode='replace'):
    plan = rp.select(MANIFEST, tables=tables)
    return restore_job.check_target(server, plan, mode, '20261124T081500Z')


def test_existing_tables_are_refused_without_replace():
    server = FakeServer({('shop', 'users'), ('shop', 'orders')})
    with pytest.raises(restore_job.RestoreFailure) as error:
        planned(['shop.users', 'shop.accounts'], server, mode='create')
    assert str(error.value) == (
        'Nothing was changed: 1 table(s) to restore already exist on 127.0.0.1:3410 (shop.users). Restore into another '
        'schema (rename or target_database), or set mode=replace to move them into a safety schema first.')
    assert server.statements == []


def test_replace_plans_renames_and_copies():
    server = FakeServer({('shop', 'users'), ('shop', 'orders'), ('shop', 'accounts')},
                        references=[('shop', 'accounts', 'shop', 'users'), ('shop', 'orders', 'shop', 'users')])
    plan = planned(['shop.users', 'shop.orders'], server)
    assert plan['conflicts'] == ['shop.users', 'shop.orders']
    assert [(m['table'], m['method']) for m in plan['safety']['moves']] == [('users', 'copy'), ('orders', 'rename')]
    view = restore_job.plan_view(plan, MANIFEST)
    assert view['safety_schema'] == 'drkit_safety_20261124t081500z'
    assert view['safety_moves'][0] == dict(table='shop.users', to='shop__users', method='copy')


def test_undo_after_a_failed_save_never_drops_the_original():
    server = FakeServer({('shop', 'users')}, fail_on='RENAME TABLE')
    plan = planned(['shop.users'], server)
    moved = []
    with pytest.raises(RuntimeError):
        restore_job._save_tables(server, plan['safety']['moves'], plan['safety']['schema'], moved)
    server.fail_on = None
    restore_job._undo(server, plan, moved, plan['safety'], [])
    assert ('shop', 'users') in server.tables
    assert not [s for s in server.statements if s.startswith('DROP TABLE')]


def test_undo_after_a_failed_load_puts_the_saved_tables_back():
    server = FakeServer({('shop', 'users')})
    plan = planned(['shop.users', 'shop.orders'], server)
    moved = []
    restore_job._save_tables(server, plan['safety']['moves'], plan['safety']['schema'], moved)
    assert ('drkit_safety_20261124t081500z', 'shop__users') in server.tables
    server.tables.update({('shop', 'users'), ('shop', 'orders')})  # the load created both, then failed
    done = restore_job._undo(server, plan, moved, plan['safety'], ['shop_new'])
    assert server.tables == {('shop', 'users')}
    assert 'DROP TABLE IF EXISTS `shop`.`orders`' in server.statements
    assert 'RENAME TABLE `drkit_safety_20261124t081500z`.`shop__users` TO `shop`.`users`' in server.statements
    assert done.startswith('loaded tables dropped, replaced tables moved back')


def test_tables_with_triggers_are_copied_and_their_triggers_come_back_on_undo():
    server = FakeServer({('shop', 'orders')}, triggers=[('shop', 'orders', 'orders_ai'), ('shop', 'other', 'x')])
    plan = planned(['shop.orders'], server)
    assert [(m['table'], m['method']) for m in plan['safety']['moves']] == [('orders', 'copy')]
    moved = []
    restore_job._save_tables(server, plan['safety']['moves'], plan['safety']['schema'], moved, plan['triggers'])
    assert server.statements[-2:] == ['SET SESSION foreign_key_checks = 0', 'DROP TABLE `shop`.`orders`']
    assert server.tables == {('drkit_safety_20261124t081500z', 'shop__orders')}
    server.tables.add(('shop', 'orders'))  # loaded, then something failed
    restore_job._undo(server, plan, moved, plan['safety'], [])
    tail = server.statements[-6:]
    assert tail[:2] == ['DROP TABLE IF EXISTS `shop`.`orders`', 'USE `shop`']
    assert tail[2] == 'CREATE TABLE `x` (id INT)'
    assert tail[3] == 'INSERT INTO `shop`.`orders` SELECT * FROM `drkit_safety_20261124t081500z`.`shop__orders`'
    assert tail[4] == 'CREATE TRIGGER `orders_ai` ...'
