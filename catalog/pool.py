"""One function run over many items: here, or by forked worker processes when there are many.

The workers are forked, so they inherit the function and the items with all
they refer to (a loaded catalog, a template environment): nothing but chunk
numbers is sent to them, and each chunk's results come back pickled. Few items
are run here, in order: forking beside a large process costs more (its memory
copied on write) than they take.

Fork is for a process without threads (a build, a command): the form handler,
which has threads, calls with ``processes=1``.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor

CHUNK = 250  # items per round trip to a worker; at least one chunk per worker

_WORK: tuple[Callable, Sequence] | None = None  # what forked workers run: inherited, never pickled


def _run_chunk(part: tuple[int, int]) -> list:
    """In a forked worker: the results of every ``step``-th item from ``start``."""
    function, items = _WORK
    start, step = part
    return [function(item) for item in items[start::step]]


def forks(count: int, processes: int, parallel_from: int) -> bool:
    """Whether :func:`run` gives ``count`` items to forked workers."""
    return processes > 1 and count >= parallel_from


def run(function: Callable, items: Sequence, processes: int, *, parallel_from: int) -> list:
    """``[function(item) for item in items]``, by ``processes`` forked workers when there are at
    least ``parallel_from`` items. An exception in a worker is raised here.

    Each worker takes every n-th item (items sorted biggest first spread evenly).
    """
    global _WORK
    if not forks(len(items), processes, parallel_from):
        return [function(item) for item in items]
    count = max(processes, len(items) // CHUNK)
    results: list = [None] * len(items)
    _WORK = (function, items)
    try:
        with ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("fork")) as pool:
            for start, part in enumerate(pool.map(_run_chunk, [(start, count) for start in range(count)])):
                results[start::count] = part
    finally:
        _WORK = None
    return results
