"""Secondary keys of a big InnoDB table taken out of its CREATE TABLE and added after the rows."""
from ansible_collections.drkit.mysql.plugins.module_utils import deferred_keys as dk

SYSBENCH = [
    b'CREATE TABLE `sbtest1` (\n',
    b'  `id` int(11) NOT NULL AUTO_INCREMENT,\n',
    b"  `c` char(120) NOT NULL DEFAULT ',',\n",
    b'  PRIMARY KEY (`id`),\n',
    b'  UNIQUE KEY `u` (`c`),\n',
    b'  KEY `k_1` (`k`),\n',
    b'  KEY `odd``name` (`c`(10),`id`) COMMENT \'a, b\'\n',
    b') ENGINE=InnoDB AUTO_INCREMENT=1000001 DEFAULT CHARSET=utf8mb4;\n',
]


def test_plain_keys_are_deferred_and_the_rest_stays():
    lines, alter = dk.split_create_table(SYSBENCH)
    assert b''.join(lines) == (b'CREATE TABLE `sbtest1` (\n'
                               b'  `id` int(11) NOT NULL AUTO_INCREMENT,\n'
                               b"  `c` char(120) NOT NULL DEFAULT ',',\n"
                               b'  PRIMARY KEY (`id`),\n'
                               b'  UNIQUE KEY `u` (`c`)\n'
                               b') ENGINE=InnoDB AUTO_INCREMENT=1000001 DEFAULT CHARSET=utf8mb4;\n')
    assert alter == (b"ALTER TABLE `sbtest1` ADD KEY `k_1` (`k`), ADD KEY `odd``name` (`c`(10),`id`) "
                     b"COMMENT 'a, b';\n")


def test_other_shapes_are_left_as_dumped():
    myisam = SYSBENCH[:-1] + [b') ENGINE=MyISAM DEFAULT CHARSET=utf8mb4;\n']
    assert dk.split_create_table(myisam) == (myisam, None)
    fk = SYSBENCH[:-2] + [b'  KEY `k_1` (`k`),\n', b'  CONSTRAINT `f` FOREIGN KEY (`k`) REFERENCES `p` (`id`)\n',
                          SYSBENCH[-1]]
    assert dk.split_create_table(fk) == (fk, None)
    parted = SYSBENCH[:-1] + [b') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4\n',
                              b' PARTITION BY HASH (`id`) PARTITIONS 4;\n']
    assert dk.split_create_table(parted) == (parted, None)
    no_keys = SYSBENCH[:4] + [b'  PRIMARY KEY (`id`)\n', SYSBENCH[-1]]
    assert dk.split_create_table(no_keys) == (no_keys, None)


def test_the_stream_is_passed_through_with_one_statement_rewritten():
    head = [b'-- Table structure for table `sbtest1`\n', b'DROP TABLE IF EXISTS `sbtest1`;\n',
            b'/*!40101 SET character_set_client = utf8mb4 */;\n']
    rows = [b'INSERT INTO `sbtest1` VALUES\n', b'(1,\'CREATE TABLE `x` (\'),\n', b"(2,'b');\n"]
    generator, result = dk.defer_in_stream(iter(head + SYSBENCH + rows))
    out = list(generator)
    assert out[:3] == head and out[-3:] == rows
    assert b'  KEY `k_1`' not in b''.join(out) and result['alter'].startswith(b'ALTER TABLE `sbtest1` ADD KEY')
    generator, result = dk.defer_in_stream(iter(head + rows))
    assert list(generator) == head + rows and result['alter'] is None
