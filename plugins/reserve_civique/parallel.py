"""Running a build's jobs: in this process, in a pool of forked workers, or beside it in one child.

A job is ``(method name, *arguments)`` of an owner object (the generator).
Workers are forked, so they inherit the owner with everything it loaded; only
the jobs' names and arguments go to them, and their return values come back.
"""

from __future__ import annotations

import multiprocessing
import os
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

PARALLEL_FROM = 200  # below this many jobs, forking a pool costs more than it saves
CHUNK = 250
_OWNER = None  # the object whose jobs forked workers run


class ChildFailed(Exception):
    """A forked child running jobs beside this process failed (its traceback is on stderr)."""


def _run_chunk(jobs: list) -> list:
    """In a forked worker: run these jobs of the owner; return what each gives back."""
    return [getattr(_OWNER, name)(*args) for name, *args in jobs]


def run(owner, jobs: list, processes: int, parallel_from: int = PARALLEL_FROM, beside: Callable | None = None) -> list:
    """Every job's result, in no particular order.

    Many jobs (``parallel_from`` or more) go to ``processes`` forked workers.
    Otherwise they run here, except the ones ``beside(job)`` selects, which run
    in one forked child at the same time (a pool costs more to start than a
    rebuild's few jobs take; one ``fork`` is cheap); those only write files.
    """
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
    side = [job for job in jobs if beside is not None and beside(job)] if processes > 1 else []
    here = [job for job in jobs if job not in side]
    child = _fork_running(owner, side) if side else None
    try:
        return [getattr(owner, name)(*args) for name, *args in here]
    finally:
        if child is not None:
            _, status = os.waitpid(child, 0)
            if os.waitstatus_to_exitcode(status) != 0:
                raise ChildFailed()


def _fork_running(owner, jobs: list) -> int:
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child, which never returns
        code = 0
        try:
            for name, *args in jobs:
                getattr(owner, name)(*args)
        except BaseException:
            traceback.print_exc()
            code = 1
        finally:
            os._exit(code)
    return child
