"""The default layout's delivery (formhandler.background_delivery): one delivering process per host,
whose thread gives way to the process's requests; every mail still sent once.

No test here bounds a duration: they check who holds the turn, what the pacing asks for, and that
every mail arrives exactly once.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time

import pytest

from formhandler.background_delivery import BUSY_SHARE, HostTurn, Traffic, turn_path
from tests.helpers import SITE, VALID, wait_for


def turn_holders(path: str) -> set[int]:
    """The processes holding an ``flock`` on ``path`` (the kernel's table, /proc/locks)."""
    inode = os.stat(path).st_ino
    holders = set()
    with open("/proc/locks", encoding="ascii") as locks:
        for line in locks:
            fields = line.split()
            if "->" in fields:  # a process blocked on the lock, not holding it
                continue
            if fields[1] == "FLOCK" and int(fields[5].rsplit(":", 1)[1]) == inode:
                holders.add(int(fields[4]))
    return holders


def message_ids(smtp) -> list[str]:
    return [mail.message["Message-ID"] for mail in smtp.mails]


# -- one delivering process per host -----------------------------------------------------------


def test_one_process_of_the_host_holds_the_turn_and_another_takes_it_when_it_goes(tmp_path):
    path = str(tmp_path / "outbox.lock")
    first, second = HostTurn(path), HostTurn(path)
    assert first.take() and first.take()  # held: asking again keeps it
    assert not second.take()
    first.release()
    assert second.take()
    assert not first.take()
    second.release()


def test_the_turn_is_named_for_the_database_so_two_instances_of_one_host_share_it(tmp_path):
    sqlite = str(tmp_path / "reserve-civique.sqlite3")
    assert turn_path(sqlite) == turn_path(f"sqlite://{sqlite}")
    assert os.path.dirname(turn_path(sqlite)) == str(tmp_path)
    one, other = "postgresql://127.0.0.1:5432/reserve", "postgresql://127.0.0.1:5432/autre"
    assert turn_path(one) == turn_path(one) != turn_path(other)
    assert "reserve" not in os.path.basename(turn_path("postgresql://moi:secret@db/reserve"))


@pytest.mark.backends("sqlite", "postgresql")
def test_gunicorn_workers_deliver_from_one_process_and_another_takes_over_when_it_dies(make_stack, smtp):
    stack = make_stack(smtp.port, OUTBOX_WORKER="thread", OUTBOX_POLL_SECONDS=1).start_web()
    assert [stack.post(n) for n in range(20)] == [201] * 20
    assert wait_for(lambda: len(smtp.mails) >= 40)
    path = turn_path(stack.database)
    workers = set(stack.web_worker_pids())
    holders = turn_holders(path)
    assert len(holders) == 1 and holders <= workers  # both workers served requests; one delivers

    os.kill(holders.pop(), signal.SIGKILL)  # gunicorn starts another worker; the survivor takes over
    assert wait_for(lambda: stack.get("/healthz")[0] == 200)
    assert [stack.post(n) for n in range(20, 30)] == [201] * 10
    assert wait_for(lambda: len(smtp.mails) >= 60)
    ids = message_ids(smtp)
    assert len(ids) == 60 and len(set(ids)) == 60
    assert len(turn_holders(path)) == 1


def test_two_apps_on_one_database_deliver_every_mail_once_from_one_of_them(make_app, smtp):
    apps = [make_app(OUTBOX_WORKER="thread") for _ in range(2)]
    for n in range(6):
        response = (
            apps[n % 2]
            .test_client()
            .post(
                "/api/missions/colis-laon/applications",
                data={**VALID, "email": f"tour{n}@exemple.fr"},
                headers={"Origin": SITE},
            )
        )
        assert response.status_code == 303
    assert wait_for(lambda: len(smtp.mails) >= 12)
    ids = message_ids(smtp)
    assert len(ids) == 12 and len(set(ids)) == 12
    holding = [app.extensions["outbox_worker"].turn._fd is not None for app in apps]
    assert sorted(holding) == [False, True]


# -- giving way to requests ----------------------------------------------------------------------


class HeldRequest:
    """A request kept in progress through ``traffic``'s middleware until :meth:`release`."""

    def __init__(self, traffic: Traffic, fail: bool = False):
        self.entered, self.released = threading.Event(), threading.Event()

        def app(environ, start_response):
            self.entered.set()
            self.released.wait(30)
            if fail:
                raise RuntimeError("la vue a échoué")
            start_response("200 OK", [])
            return [b""]

        self.thread = threading.Thread(target=self._call, args=(traffic.wrap(app),), daemon=True)
        self.thread.start()
        assert self.entered.wait(10)

    @staticmethod
    def _call(app):
        with contextlib.suppress(RuntimeError):  # the failing view's error, as a server would log it
            app({}, lambda status, headers: None)

    def release(self) -> None:
        self.released.set()
        self.thread.join(10)


class RecordedTraffic(Traffic):
    """Traffic that notes how long each step asked to give way for."""

    def __init__(self):
        super().__init__()
        self.asked: list[float] = []

    def give_way(self, longest: float) -> None:
        self.asked.append(longest)
        super().give_way(min(longest, 0.05))


def burn(seconds: float) -> None:
    """Spend ``seconds`` of this thread's CPU time (a step of delivery)."""
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def test_requests_in_progress_are_counted_failed_ones_too():
    traffic = Traffic()
    request = HeldRequest(traffic)
    failing = HeldRequest(traffic, fail=True)
    assert traffic.serving == 2
    failing.release()
    request.release()
    assert traffic.serving == 0


def test_while_a_request_runs_delivery_waits_for_its_end_and_goes_on_as_soon_as_it_ends():
    traffic = Traffic()
    request = HeldRequest(traffic)
    done = threading.Event()
    waiter = threading.Thread(target=lambda: (traffic.give_way(60), done.set()), daemon=True)
    waiter.start()
    assert not done.wait(0.3)  # its step waits while the request runs
    request.release()
    assert done.wait(10)  # then goes on, well before the 60 s it was allowed to wait


def test_while_busy_each_step_gives_way_in_proportion_to_its_work_and_not_once_idle():
    traffic = RecordedTraffic()
    pace = traffic.pacer(longest=100.0)
    request = HeldRequest(traffic)
    try:
        pace()
        burn(0.02)
        pace()
        assert traffic.asked[-1] >= 0.02 * (1 / BUSY_SHARE - 1) * 0.9  # at most its share of the process
    finally:
        request.release()
    assert wait_for(lambda: traffic.idle_time(time.monotonic()) > 0, step=0.01)
    pace()  # the pause while idle ends the debt
    burn(0.02)
    pace()
    assert traffic.asked[-1] < 0.02 * (1 / BUSY_SHARE - 1) / 2  # idle: delivery takes what is free


def test_a_pause_never_outlasts_its_bound_however_long_the_step():
    """A batch stays claimed while it pauses: its pauses must end well within its lease."""
    traffic = RecordedTraffic()
    pace = traffic.pacer(longest=0.2)
    request = HeldRequest(traffic)
    try:
        pace()
        burn(0.05)  # would be owed 2.45 s
        pace()
        assert traffic.asked[-1] == 0.2
    finally:
        request.release()


def test_the_delivery_thread_delivers_everything_during_a_long_request(make_app, smtp):
    """A web process that never stops serving still sends its mail, in the time left by requests."""
    app = make_app(OUTBOX_WORKER="thread")
    entered, released = threading.Event(), threading.Event()

    def slow():
        entered.set()
        released.wait(60)
        return "fini"

    app.add_url_rule("/lent", view_func=slow)
    long_request = threading.Thread(target=lambda: app.test_client().get("/lent"), daemon=True)
    long_request.start()
    assert entered.wait(10)
    try:
        client = app.test_client()
        for n in range(5):
            response = client.post(
                "/api/missions/colis-laon/applications",
                data={**VALID, "email": f"occupe{n}@exemple.fr"},
                headers={"Origin": SITE},
            )
            assert response.status_code == 303
        assert app.extensions["outbox_worker"].traffic.serving == 1
        assert wait_for(lambda: len(smtp.mails) >= 10)
        ids = message_ids(smtp)
        assert len(ids) == 10 and len(set(ids)) == 10
    finally:
        released.set()
        long_request.join(10)


@pytest.mark.parametrize("worker", ["thread", "none"])
def test_only_the_thread_layout_counts_requests_and_takes_turns(make_app, worker):
    outbox_worker = make_app(OUTBOX_WORKER=worker).extensions["outbox_worker"]
    assert (outbox_worker.traffic is not None) == (outbox_worker.turn is not None) == (worker == "thread")
