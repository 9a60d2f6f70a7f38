"""load_dump_items with a stand-in client that records each session: chunk order and deferred keys."""
import os

import pytest

from ansible_collections.drkit.mysql.plugins.module_utils import restore_engines as re_

HEAD = (b'-- Table structure for table `big`\n'
        b'DROP TABLE IF EXISTS `big`;\n'
        b'CREATE TABLE `big` (\n'
        b'  `id` int(11) NOT NULL,\n'
        b'  `k` int(11) NOT NULL,\n'
        b'  PRIMARY KEY (`id`),\n'
        b'  KEY `k_1` (`k`)\n'
        b') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n'
        b'INSERT INTO `big` VALUES\n(1,1);\n')


@pytest.fixture
def backup(tmp_path, monkeypatch):
    root = tmp_path / 'b'
    (root / 's').mkdir(parents=True)
    (root / '_header.sql').write_bytes(b'/*!40014 SET FOREIGN_KEY_CHECKS=0 */;\n')
    (root / '_footer.sql').write_bytes(b'/*!40014 SET FOREIGN_KEY_CHECKS=1 */;\n')
    (root / 's' / 'big.sql').write_bytes(HEAD)
    for part in (2, 3):
        (root / 's' / ('big.%05d.sql' % part)).write_bytes(b'INSERT INTO `big` VALUES\n(%d,%d);\n' % (part, part))
    (root / 's' / 'big.post.sql').write_bytes(b'/*!50003 CREATE TRIGGER t */;\n')
    (root / 's' / 'small.sql').write_bytes(HEAD.replace(b'`big`', b'`small`'))
    sessions = tmp_path / 'sessions'
    sessions.mkdir()
    client = tmp_path / 'mariadb'
    client.write_text('#!/bin/sh\nn=$(ls %s | wc -l)\ncat > %s/$(printf %%04d $n)-$$.sql\n' % (sessions, sessions))
    client.chmod(0o755)
    items = [dict(source_db='s', table='big', target_db='t',
                  files=['s/big.sql', 's/big.00002.sql', 's/big.00003.sql', 's/big.post.sql'],
                  chunk_files=['s/big.00002.sql', 's/big.00003.sql']),
             dict(source_db='s', table='small', target_db='t', files=['s/small.sql'], chunk_files=[])]
    return root, items, str(client), sessions


def recorded(sessions):
    return [(sessions / name).read_bytes() for name in sorted(os.listdir(str(sessions)))]


def test_one_client_loads_structure_chunks_keys_then_triggers(backup):
    root, items, client, sessions = backup
    results = re_.load_dump_items(client, '/x.cnf', str(root), items, 1, True)
    got = recorded(sessions)
    assert len(got) == 5   # big: head, 2 chunks, keys + triggers; then small (big came first)
    assert b'CREATE TABLE `big`' in got[0] and b'KEY `k_1`' not in got[0] and b'(1,1);' in got[0]
    assert b'(2,2)' in got[1] and b'(3,3)' in got[2]
    # keys after every chunk, in the session that then creates the triggers (they must not fire on the load)
    assert got[3].index(b'ALTER TABLE `big` ADD KEY `k_1` (`k`);') < got[3].index(b'CREATE TRIGGER')
    assert b'CREATE TABLE `small`' in got[4] and b'KEY `k_1`' in got[4]
    assert all(s.startswith(b'/*!40014 SET FOREIGN_KEY_CHECKS=0') and s.endswith(b'=1 */;\n') for s in got)
    # a table not cut into chunks loads exactly as dumped, keys included
    assert [r['deferred_keys'] for r in results] == [True, False] and [r['chunks'] for r in results] == [3, 1]
    assert results[1]['bytes'] == len(HEAD.replace(b'`big`', b'`small`')) + 2 * 38


def test_defer_keys_off_and_a_parallel_load_keep_every_statement(backup):
    root, items, client, sessions = backup
    re_.load_dump_items(client, '/x.cnf', str(root), items, 2, True, defer_keys=False)
    got = recorded(sessions)
    assert len(got) == 5 and not [s for s in got if b'ALTER TABLE' in s]   # big: head, 2 chunks, post; small
    assert sum(s.count(b'KEY `k_1`') for s in got) == 2
