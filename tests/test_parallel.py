"""Running a build's jobs: here, in forked workers, or beside this process in one forked child."""

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


def test_a_few_jobs_run_here_with_the_selected_ones_beside(tmp_path):
    target = tmp_path / "data.json"
    jobs = [("touch", str(target)), ("square", 3)]
    results = parallel.run(Owner(), jobs, processes=2, beside=lambda job: job[0] == "touch")
    assert results == [(3, 9)]  # the child's jobs only write files
    assert target.read_text(encoding="utf-8") == "écrit"


def test_a_failing_job_beside_fails_the_run(capfd):
    with pytest.raises(parallel.ChildFailed):
        parallel.run(Owner(), [("fail",), ("square", 2)], processes=2, beside=lambda job: job[0] == "fail")
    assert "RuntimeError: boom" in capfd.readouterr().err


def test_one_process_runs_everything_here(tmp_path):
    target = tmp_path / "here"
    results = parallel.run(Owner(), [("touch", str(target)), ("square", 4)], processes=1, beside=lambda j: True)
    assert results == [None, (4, 16)] and target.exists()
