"""The delivery thread of the default layout (``OUTBOX_WORKER = "thread"``), at full speed for the
web: one delivering process per host, and its thread gives way to that process's requests.

Why (measured, docs/benchmarks.md): rendering and sending an application's two mails costs about
three times the CPU of storing the application. A delivery thread in every web process kept pace
with the applications under load, so the service stored a third as many; and a request holding
the database's writer lock waited for its own process's interpreter while the thread rendered,
so every other process's requests waited for the lock too. Hence:

- :class:`HostTurn`: the web processes of one host (gunicorn's workers, even two gunicorn masters
  on one database) take turns at a lock file; the one holding it delivers, the others do not run
  any delivery, and one of them takes over within a poll when the holder exits (the kernel
  releases an ``flock`` with its process).
- :class:`Traffic`: in the delivering process, the thread goes at full speed only when the process
  is idle (no request for ``QUIET`` seconds); under load it pauses after each step (a claim, a
  rendering, a send), so as to take no more of the process's time than the process was idle, and
  never less than ``BUSY_SHARE``. During a burst, mail waits in the database (a little keeps
  going out) and leaves at full speed once the burst has passed.

Neither changes what is stored nor when an application is acknowledged; a paused batch stays
claimed well within its lease (the pauses are bounded), so no mail is sent twice or lost.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
import time
from contextlib import suppress

from .db import is_postgres, local_folder, sqlite_path

QUIET = 0.01  # seconds without a request after which the process is idle and delivery goes at full speed
BUSY_SHARE = 0.02  # the least share of the process's time left to delivery, however busy it is


def turn_path(database: str) -> str:
    """The lock file of the processes delivering ``database`` on this host: beside a SQLite file;
    in ``var/`` for a database server, named for the database (its URL's digest: no password in a
    file name), so that two instances of one host on one database share it."""
    identity = database if is_postgres(database) else os.path.abspath(sqlite_path(database))
    digest = hashlib.sha256(identity.encode()).hexdigest()[:16]
    return os.path.join(local_folder(database), f"outbox-{digest}.lock")


class HostTurn:
    """Whether this process is the one of its host that delivers (an exclusive ``flock``, never
    waited for: :meth:`take` answers at once)."""

    def __init__(self, path: str):
        self.path = path
        self._fd: int | None = None
        self._pid = 0

    def take(self) -> bool:
        """Hold the turn, or say that another process holds it."""
        if self._fd is not None and self._pid == os.getpid():
            return True
        self._fd = None  # a descriptor inherited across a fork is the parent's turn, not ours
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError:
            return True  # no lock file possible: deliver anyway (claims keep each mail to one sender)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd, self._pid = fd, os.getpid()
        return True

    def release(self) -> None:
        if self._fd is not None and self._pid == os.getpid():
            with suppress(OSError):
                os.close(self._fd)  # closing the last descriptor releases the lock
        self._fd = None


class Traffic:
    """The requests a web process is serving, for a delivery thread that gives way to them (see
    the module's docstring)."""

    def __init__(self):
        self._changed = threading.Condition(threading.Lock())
        self._serving = 0
        self._last_end = time.monotonic() - QUIET
        self._idle_total = 0.0  # seconds idle (no request for QUIET seconds) up to the last request
        self._waiting = False

    def wrap(self, wsgi_app):
        """WSGI middleware that counts the requests in progress and the time the process is idle."""

        def counted(environ, start_response):
            with self._changed:
                if not self._serving:
                    self._idle_total += max(0.0, time.monotonic() - self._last_end - QUIET)
                self._serving += 1
            try:
                return wsgi_app(environ, start_response)
            finally:
                with self._changed:
                    self._serving -= 1
                    self._last_end = time.monotonic()
                    if self._waiting and not self._serving:
                        self._changed.notify()

        return counted

    @property
    def serving(self) -> int:
        """Requests in progress."""
        with self._changed:
            return self._serving

    def idle_time(self, now: float) -> float:
        """Seconds the process has been idle so far."""
        with self._changed:
            if self._serving:
                return self._idle_total
            return self._idle_total + max(0.0, now - self._last_end - QUIET)

    def pacer(self, longest: float = 1.0):
        """A ``pace`` for :func:`formhandler.outbox.deliver_due`, called before each step of one
        delivery thread, that pauses for at most ``longest`` seconds at a time."""
        cpu, wall = time.thread_time(), time.monotonic()
        idle = self.idle_time(wall)

        def pace() -> None:
            nonlocal cpu, wall, idle
            now = time.monotonic()
            worked, elapsed = time.thread_time() - cpu, now - wall
            share = max(BUSY_SHARE, (self.idle_time(now) - idle) / elapsed) if elapsed > 0 else 1.0
            self.give_way(min(longest, worked * (1 / min(share, 1.0) - 1)))
            cpu, wall = time.thread_time(), time.monotonic()
            idle = self.idle_time(wall)

        return pace

    def give_way(self, longest: float) -> None:
        """Return once the process is idle (no request for ``QUIET`` seconds) or, after ``longest``
        seconds, at the end of the request in progress (waiting at most ``QUIET`` for it): the next
        step starts between two requests, not inside one."""
        deadline = time.monotonic() + longest
        with self._changed:
            while True:
                now = time.monotonic()
                quiet_at = self._last_end + QUIET
                if not self._serving and now >= quiet_at:
                    return
                if now >= deadline:
                    if self._serving:
                        self._waiting = True
                        self._changed.wait(QUIET)
                        self._waiting = False
                    return
                # a look every QUIET seconds at most: no wake-up at the end of every request
                self._changed.wait(min(deadline, now + QUIET if self._serving else quiet_at) - now)
