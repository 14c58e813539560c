"""One function over many items (catalog.pool): here, or in forked workers when there are many."""

import functools
import operator
import os
from pathlib import Path

import pytest

from catalog import pool


def square(n):
    return (n, n * n)


def touch(path):
    Path(path).write_text("écrit", encoding="utf-8")


def fail(n):
    if n == 7:
        raise RuntimeError("boom")
    return n


def test_many_items_run_in_forked_workers_and_their_results_come_back_in_order():
    here = os.getpid()
    results = pool.run(lambda n: (square(n), os.getpid()), list(range(300)), 2, parallel_from=200)
    assert [result for result, _ in results] == [(n, n * n) for n in range(300)]
    assert {pid for _, pid in results} - {here}  # a lambda: inherited by the workers, never pickled


@pytest.mark.parametrize("processes", [1, 2])
def test_a_few_items_run_here_in_order(tmp_path, processes):
    target = tmp_path / "here"
    jobs = [functools.partial(touch, target), functools.partial(square, 4)]
    assert pool.run(operator.call, jobs, processes, parallel_from=200) == [None, (4, 16)]
    assert target.read_text(encoding="utf-8") == "écrit"


def test_a_failing_item_in_a_worker_fails_the_run():
    with pytest.raises(RuntimeError, match="boom"):
        pool.run(fail, list(range(300)), 2, parallel_from=200)
