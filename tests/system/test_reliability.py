"""Faults with real processes (gunicorn, `flask outbox run`, aiosmtpd, SQLite files or a PostgreSQL
server): nothing lost. The tests where the database matters run on both; the last one is the
two-server layout (two instances, one PostgreSQL database, docs/production.md).

Quick versions for `make test`; `make reliability` runs the full-size ones.
"""

import contextlib
import os
import random
import signal
import socket
import subprocess
import threading
import time
from collections import Counter

import pytest

from devtools.mailcatcher import MailCatcher, free_port
from formhandler.outbox import MARK_BATCH
from tests.helpers import wait_for

POSTS = int(os.environ.get("RELIABILITY_POSTS", "60"))


def message_ids(smtp):
    return Counter(m.message["Message-ID"] for m in smtp.mails)


@pytest.mark.backends("sqlite", "postgresql")
def test_smtp_down_while_applications_arrive_then_every_mail_once(make_stack):
    port = free_port()  # no SMTP server there yet
    stack = make_stack(port).start_web().start_worker()
    statuses = [stack.post(n) for n in range(POSTS)]
    assert statuses == [201] * POSTS  # every one acknowledged while mail is down
    assert len(stack.rows("SELECT id FROM applications")) == POSTS
    with MailCatcher(port=port) as smtp:
        assert wait_for(lambda: len(smtp.mails) >= 2 * POSTS, timeout=max(60, POSTS / 10))
        time.sleep(1.5)  # one more worker pass: nothing else may arrive
        ids = message_ids(smtp)
    assert len(ids) == 2 * POSTS and set(ids.values()) == {1}
    assert stack.rows("SELECT COUNT(*) FROM outbox WHERE status != 'sent'") == [(0,)]


class SilentServer:
    """Accepts TCP connections and never answers (a hung SMTP server)."""

    def __init__(self, port):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(50)
        self.clients = []
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while self.running:
            try:
                client, _ = self.sock.accept()
                self.clients.append(client)
            except OSError:
                return

    def close(self):
        self.running = False
        for client in self.clients:
            client.close()
        self.sock.shutdown(socket.SHUT_RDWR)  # wakes the accept() blocked in the thread
        self.sock.close()


def test_smtp_that_never_answers_times_out_and_recovers(make_stack):
    port = free_port()
    silent = SilentServer(port)
    stack = make_stack(port).start_web().start_worker()
    try:
        assert [stack.post(n) for n in range(10)] == [201] * 10  # answers do not wait for mail
        assert wait_for(
            lambda: stack.rows("SELECT COUNT(*) FROM outbox WHERE last_error LIKE '%délai%'")[0][0] > 0, timeout=30
        )
        assert stack.rows("SELECT COUNT(*) FROM outbox WHERE status = 'sent'") == [(0,)]
    finally:
        silent.close()
    with MailCatcher(port=port) as smtp:
        assert wait_for(lambda: len(smtp.mails) >= 20, timeout=60)
        time.sleep(1.5)
        assert set(message_ids(smtp).values()) == {1} and len(message_ids(smtp)) == 20


def test_pending_mails_go_out_once_after_a_restart(make_stack):
    port = free_port()
    stack = make_stack(port).start_web().start_worker()
    assert [stack.post(n) for n in range(10)] == [201] * 10
    stack.web.send_signal(signal.SIGTERM)
    stack.worker.send_signal(signal.SIGTERM)
    stack.web.wait(15)
    stack.worker.wait(15)
    with MailCatcher(port=port) as smtp:
        stack.start_web().start_worker()
        assert wait_for(lambda: len(smtp.mails) >= 20, timeout=60)
        time.sleep(1.5)
        ids = message_ids(smtp)
    assert len(ids) == 20 and set(ids.values()) == {1}


@pytest.mark.backends("sqlite", "postgresql")
def test_kill_9_of_web_and_delivery_workers_loses_nothing(make_stack):
    with MailCatcher() as smtp:
        stack = make_stack(smtp.port).start_web().start_worker()
        acknowledged, lock = [], threading.Lock()

        def poster(offset):
            for n in range(offset, POSTS * 2, 4):
                if stack.post(n, timeout=5) == 201:
                    with lock:
                        acknowledged.append(f"Fiable{n}")

        threads = [threading.Thread(target=poster, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        rng = random.Random(7)
        for _ in range(4):
            time.sleep(rng.uniform(0.2, 0.8))
            for pid in stack.web_worker_pids()[:1]:
                os.kill(pid, signal.SIGKILL)  # the master starts a new worker
            stack.worker.send_signal(signal.SIGKILL)
            stack.worker.wait()
            stack.start_worker()
        for t in threads:
            t.join()
        stored = {row[0] for row in stack.rows("SELECT last_name FROM applications")}
        assert set(acknowledged) <= stored  # every acknowledged application is stored
        expected = 2 * len(stored)
        # count cheaply while waiting (parsing thousands of mails in a loop would starve the server)
        assert wait_for(lambda: len(smtp.mails) >= expected, timeout=max(90, expected / 20))
        time.sleep(1.5)
        ids = message_ids(smtp)
    assert len(ids) == expected
    # a duplicate is only possible after a crash between the server's acceptance and the mark "sent"
    # (at most MARK_BATCH mails per sender and kill), and then it carries the same Message-ID:
    # distinct ids are exactly the expected mails
    assert len(smtp.mails) - expected <= 4 * stack.senders * MARK_BATCH
    assert len(acknowledged) >= POSTS // 2


def _mount_tmpfs(path, size):
    path.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    return result.returncode == 0


@pytest.fixture
def small_disk(tmp_path):
    disk = tmp_path / "disk"
    if os.geteuid() != 0 or not _mount_tmpfs(disk, "4m"):
        pytest.skip("mounting a small tmpfs needs root with CAP_SYS_ADMIN; not allowed on this machine")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


def test_full_disk_answers_503_acknowledges_nothing_unstored_and_recovers(make_stack, small_disk):
    with MailCatcher() as smtp:
        stack = make_stack(smtp.port, DATABASE=small_disk / "db.sqlite3").start_web()
        assert stack.post(0) == 201
        filler = small_disk / "filler"
        try:
            with open(filler, "wb") as f:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
        except OSError:
            pass  # the disk is full
        statuses = {n: stack.post(n) for n in range(1, 40)}
        assert 503 in statuses.values()
        assert set(statuses.values()) <= {201, 503}
        stored = {row[0] for row in stack.rows("SELECT last_name FROM applications")}
        assert {f"Fiable{n}" for n, s in statuses.items() if s == 201} <= stored
        filler.unlink()
        assert wait_for(lambda: stack.post(1000) == 201, timeout=20)  # recovers by itself


# -- two hosts, one PostgreSQL database ------------------------------------------------------------

HOSTS_POSTS = max(300, POSTS)


def _kill_host(stack) -> None:
    """SIGKILL to everything of one instance, as when its host dies: web workers, master, delivery."""
    for pid in [stack.web.pid, *stack.web_worker_pids(), stack.worker.pid]:  # the master first: no new workers
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    stack.web.wait()
    stack.worker.wait()


@pytest.mark.backends("postgresql")
def test_two_instances_on_one_database_one_killed_every_mail_once(make_stack):
    """Two gunicorn masters on two ports and a `flask outbox run` each, one PostgreSQL database.

    SMTP does not answer while a few hundred applications arrive, spread over both instances
    (as nginx spreads them, retrying on the other when one refuses connections); one instance is
    killed with SIGKILL in the middle, its delivery worker holding claims; it comes back, then SMTP:
    every acknowledged application is stored once, and each of its mails arrives exactly once.
    """
    port = free_port()
    silent = SilentServer(port)  # accepts and never answers: senders hold their claims until MAIL_TIMEOUT
    hosts = [make_stack(port).start_web().start_worker(), make_stack(port).start_web().start_worker()]
    first, second = hosts
    acknowledged, lock = [], threading.Lock()
    refused_then_retried = Counter()

    def poster(offset):
        for n in range(offset, HOSTS_POSTS, 4):
            stack = hosts[n % 2]
            status = stack.post(n, timeout=5)
            if status is None:  # the instance is gone: the load balancer tries the other
                refused_then_retried[n % 2] += 1
                status = hosts[1 - n % 2].post(n, timeout=5)
            if status == 201:
                with lock:
                    acknowledged.append(f"Fiable{n}")

    threads = [threading.Thread(target=poster, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    assert wait_for(lambda: len(acknowledged) >= HOSTS_POSTS // 2, timeout=120)
    claimed_at_kill = first.rows("SELECT COUNT(*) FROM outbox WHERE status = 'sending'")[0][0]
    _kill_host(first)
    for t in threads:
        t.join()
    stored = [row[0] for row in second.rows("SELECT last_name FROM applications")]
    assert set(acknowledged) <= set(stored)  # every acknowledged application is stored…
    assert len(stored) == len(set(stored))  # …once, even when sent again to the other instance
    assert second.rows("SELECT COUNT(*) FROM outbox WHERE status = 'sent'") == [(0,)]
    first.start_web().start_worker()  # the host is back
    silent.close()
    with MailCatcher(port=port) as smtp:
        expected = 2 * len(stored)
        assert wait_for(lambda: len(smtp.mails) >= expected, timeout=max(90, expected / 10))
        time.sleep(6)  # longer than a lease: a claim taken twice would show now
        ids = message_ids(smtp)
    assert set(ids.values()) == {1}  # each mail exactly once…
    assert set(ids) == {row[0] for row in second.rows("SELECT message_id FROM outbox")}  # …every one
    assert len(ids) == expected
    assert second.rows("SELECT COUNT(*) FROM outbox WHERE status != 'sent'") == [(0,)]
    print(
        f"\ndeux instances, une base PostgreSQL : {HOSTS_POSTS} envois, {len(acknowledged)} acquittés,"
        f" {len(stored)} enregistrés, {refused_then_retried[0]} renvoyés à l'autre instance après l'arrêt brutal,"
        f" {claimed_at_kill} courriers réservés à l'arrêt, {len(ids)} courriers reçus, chacun une fois"
    )
