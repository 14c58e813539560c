"""Running a build's jobs: in this process, or in a pool of forked workers when there are many.

A job is ``(method name, *arguments)`` of an owner object (the generator).
Workers are forked, so they inherit the owner with everything it loaded; only
the jobs' names and arguments go to them, and their return values come back.
A rebuild's few jobs run here: forking even one child beside the build cost
more (copy-on-write of the whole catalog) than its jobs took.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

PARALLEL_FROM = 200  # below this many jobs, forking a pool costs more than it saves
CHUNK = 250
_OWNER = None  # the object whose jobs forked workers run


def _run_chunk(jobs: list) -> list:
    """In a forked worker: run these jobs of the owner; return what each gives back."""
    return [getattr(_OWNER, name)(*args) for name, *args in jobs]


def run(owner, jobs: list, processes: int, parallel_from: int = PARALLEL_FROM) -> list:
    """Every job's result: from ``processes`` forked workers for ``parallel_from`` jobs or more
    (in no particular order), else from this process, in order."""
    global _OWNER
    if processes > 1 and len(jobs) >= parallel_from:
        _OWNER = owner
        count = max(processes, len(jobs) // CHUNK)
        chunks = [jobs[i::count] for i in range(count)]
        try:
            with ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("fork")) as pool:
                return [result for part in pool.map(_run_chunk, chunks) for result in part]
        finally:
            _OWNER = None
    return [getattr(owner, name)(*args) for name, *args in jobs]
