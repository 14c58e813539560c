"""Running a build's jobs: here, or in forked workers when there are many."""

from pathlib import Path

import pytest

from reserve_civique import parallel


class Owner:
    def square(self, n):
        return (n, n * n)

    def touch(self, path):
        Path(path).write_text("écrit", encoding="utf-8")

    def fail(self):
        raise RuntimeError("boom")


def test_many_jobs_run_in_forked_workers_and_their_results_come_back():
    results = parallel.run(Owner(), [("square", n) for n in range(300)], processes=2)
    assert sorted(results) == [(n, n * n) for n in range(300)]


@pytest.mark.parametrize("processes", [1, 2])
def test_a_few_jobs_run_here_in_order(tmp_path, processes):
    target = tmp_path / "here"
    results = parallel.run(Owner(), [("touch", str(target)), ("square", 4)], processes=processes)
    assert results == [None, (4, 16)] and target.read_text(encoding="utf-8") == "écrit"


def test_a_failing_job_in_a_worker_fails_the_run():
    with pytest.raises(RuntimeError, match="boom"):
        parallel.run(Owner(), [("fail",)] + [("square", n) for n in range(300)], processes=2)
