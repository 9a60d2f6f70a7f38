"""The order in which parallel loaders take a chunked dump's files (load_queue, restore_plan.split_files/load_order)."""
import threading
import time

import pytest

from ansible_collections.drkit.mysql.plugins.module_utils import load_queue as lq
from ansible_collections.drkit.mysql.plugins.module_utils import restore_plan as rp


def drain(queue):
    """Take and finish tasks one at a time (one loader): the order a single client follows."""
    order = []
    while True:
        task = queue.take()
        if task is None:
            return order
        order.append(tuple(task['files']))
        queue.finish(task, True)


def test_stages_run_in_order_and_tables_by_priority():
    queue = lq.LoadQueue([(['a.sql'], ['a.2', 'a.3'], ['a.post']), (['b.sql'], [], [])])
    assert drain(queue) == [('a.sql',), ('a.2',), ('a.3',), ('a.post',), ('b.sql',)]
    assert queue.done()


def test_a_second_loader_takes_the_next_table_while_the_first_builds_the_structure():
    queue = lq.LoadQueue([(['a.sql'], ['a.2', 'a.3'], ['a.post']), (['b.sql'], [], [])])
    first = queue.take()
    second = queue.take()   # a.2 is not ready until a.sql is in
    assert (first['files'], second['files']) == (['a.sql'], ['b.sql'])
    queue.finish(first, True)
    chunks = [queue.take(), queue.take()]
    assert sorted(task['files'][0] for task in chunks) == ['a.2', 'a.3']
    queue.finish(chunks[0], True)
    queue.finish(second, True)
    # the post part waits for the last chunk
    got = []
    waiter = threading.Thread(target=lambda: got.append(queue.take()))
    waiter.start()
    time.sleep(0.05)
    assert not got
    queue.finish(chunks[1], True)
    waiter.join(2)
    assert got[0]['files'] == ['a.post']
    queue.finish(got[0], True)
    assert queue.take() is None and queue.done()


def test_a_failure_stops_what_has_not_started():
    queue = lq.LoadQueue([(['a.sql'], ['a.2'], []), (['b.sql'], [], [])])
    task = queue.take()
    queue.finish(task, False)
    assert queue.take() is None
    assert not queue.done()


def test_workers_load_chunks_in_parallel_and_never_before_the_structure():
    groups = [(['t%d.sql' % n], ['t%d.%d' % (n, c) for c in range(2, 6)], ['t%d.post' % n]) for n in range(3)]
    queue = lq.LoadQueue(groups)
    lock = threading.Lock()
    done, running, peak = set(), [0], [0]

    def work(task):
        rel = task['files'][0]
        table, _dot, part = rel.partition('.')
        with lock:
            if part != 'sql':
                assert table + '.sql' in done
            if part == 'post':
                assert all('%s.%d' % (table, c) in done for c in range(2, 6))
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.005)
        with lock:
            running[0] -= 1
            done.add(rel)
        return True

    lq.run_workers(queue, 3, work)
    assert queue.done() and len(done) == 3 * 6
    assert peak[0] == 3


def test_split_files_and_old_backups():
    item = dict(source_db='s', table='t', files=['s/t.sql', 's/t.00002.sql', 's/t.00003.sql', 's/t.post.sql'],
                chunk_files=['s/t.00002.sql', 's/t.00003.sql'])
    assert rp.split_files(item) == (['s/t.sql'], ['s/t.00002.sql', 's/t.00003.sql'], ['s/t.post.sql'])
    assert rp.split_files(dict(item, chunk_files=[])) == (item['files'], [], [])
    assert rp.split_files(dict(source_db='s', table='t', files=['s/t.sql'])) == (['s/t.sql'], [], [])
    with pytest.raises(rp.PlanError):
        rp.split_files(dict(item, chunk_files=['s/t.00002.sql', 's/t.post.sql']))


def test_load_order_largest_first_unless_the_order_was_asked_for():
    items = [dict(table='small', data_bytes=10), dict(table='big', data_bytes=1000),
             dict(table='none', data_bytes=None), dict(table='mid', data_bytes=500)]
    assert [i['table'] for i in rp.load_order(items, keep_order=False)] == ['big', 'mid', 'small', 'none']
    assert [i['table'] for i in rp.load_order(items, keep_order=True)] == ['small', 'big', 'none', 'mid']
