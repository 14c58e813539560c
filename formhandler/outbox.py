"""The outbox: mails are stored with their application, then delivered by a worker.

- A mail is rendered once (its Message-ID never changes across retries).
- A worker *claims* due mails in a transaction (status ``sending`` with a
  lease), so several threads or processes never send the same mail twice;
  a worker that dies mid-send leaves a lease that expires, and the mail is
  sent again with the same Message-ID (the only possible duplicate).
- Temporary failures (refused connection, timeout, 4xx) are retried with
  exponential backoff up to ``OUTBOX_LIFETIME``; a 5xx fails at once and
  is reported to ``OPERATOR_EMAIL``.
- One loop (:class:`OutboxWorker`) delivers, in a thread of the web process
  (``OUTBOX_WORKER = "thread"``, the default: nothing else to start; one process per host, giving
  way to its requests: :mod:`formhandler.background_delivery`) or in ``flask outbox run``
  (:func:`run_forever`).
"""

from __future__ import annotations

import logging
import smtplib
import threading
import time

from flask import Flask, current_app
from jinja2 import TemplateNotFound, TemplateSyntaxError

from . import db
from .answer_mails import STRUCTURE_WITHDRAWN
from .background_delivery import HostTurn, Traffic, turn_path
from .db import StorageError
from .mails import fits_smtp, operator_mail, render
from .smtp import DeliveryError, SmtpSender, classify

log = logging.getLogger(__name__)

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
ERASE_ONCE_SENT = STRUCTURE_WITHDRAWN


def retry_delay(attempts: int, base: int, cap: int) -> float:
    """Exponential backoff: base, 2·base, 4·base… capped at ``cap`` (attempts ≥ 1)."""
    return float(min(base * 2 ** max(0, attempts - 1), cap))


def claim(database, now: float, lease: int, limit: int = 20) -> list:
    """Reserve up to ``limit`` due mails for this worker (atomic across processes)."""
    with database.transaction() as store:
        return store.claim_mails(now, lease, limit)


def _no_pace() -> None:
    """No one to give way to (``flask outbox run``, tests, commands)."""


class UnbuildableMail(Exception):
    """A stored spec that cannot make a mail (a header value with a line break, a broken context)."""


def _render_row(row) -> bytes:
    try:
        return render(row["kind"], row["message_id"], row["context"], row["recipients"])
    except (TemplateNotFound, TemplateSyntaxError):
        raise  # a template missing or broken fails every mail alike: retried, not given up
    except Exception as error:  # this mail's own data
        raise UnbuildableMail(f"courrier impossible à composer ({type(error).__name__})") from error


def _wire_all(database, rows, failed: dict[int, UnbuildableMail], pace=_no_pace) -> dict[int, bytes]:
    """Each claimed mail's bytes: rendered on its first attempt and stored (one transaction for
    the batch) before anything is sent, so every retry sends the same bytes.

    Each mail is rendered on its own: one that cannot be built goes into ``failed`` and the
    others are sent. Bytes stored by an older version with lines too long for SMTP are
    rendered again, with the same Message-ID.
    """
    wires = {
        row["id"]: row["message"]
        for row in rows
        if row["message"] is not None and (row["context"] is None or fits_smtp(row["message"]))
    }
    fresh = {}
    for row in rows:
        if row["id"] in wires:
            continue
        pace()
        try:
            fresh[row["id"]] = _render_row(row)
        except UnbuildableMail as error:
            failed[row["id"]] = error
    if fresh:
        with database.transaction() as store:
            store.save_rendered(fresh)
        wires.update(fresh)
    return wires


def _mark_failed_attempt(database, row, error: DeliveryError, now: float, config) -> str:
    expired = now - row["created_at"] >= config["OUTBOX_LIFETIME"]
    if error.permanent or expired:
        reason = str(error) if error.permanent else f"abandonné après {row['attempts']} tentative(s) : {error}"
        with database.transaction() as store:
            store.mark_failed(row["id"], reason)
            report = operator_mail(row, reason, now)
            if report is not None:
                store.add_mails([report], now, application_id=row["application_id"], proposal_id=row["proposal_id"])
        log.error("courrier %s en échec définitif (%s) : %s", row["id"], row["kind"], reason)
        return FAILED
    delay = retry_delay(row["attempts"], config["OUTBOX_RETRY_BASE"], config["OUTBOX_RETRY_MAX"])
    with database.transaction() as store:
        store.retry_later(row["id"], now + delay, str(error))
    log.warning("courrier %s reporté de %d s : %s", row["id"], delay, error)
    return PENDING


def deliver_due(app: Flask | None = None, *, now: float | None = None, pace=_no_pace) -> dict[str, int]:
    """Send every due mail once; return counts by outcome (sent, pending, failed).

    ``pace`` is called before each claim, each rendering and each send: a delivery thread
    sharing its process with requests waits there for them
    (:class:`formhandler.background_delivery.Traffic`)."""
    app = app or current_app._get_current_object()
    counts = {SENT: 0, PENDING: 0, FAILED: 0}
    with app.app_context():
        database = db.database(app)
        config = app.config
        with database.delivering(), SmtpSender(config) as sender:  # one connection for every batch of this pass
            while True:
                pace()
                database.checkpoint()  # at most every few seconds, outside any transaction
                moment = now if now is not None else time.time()
                rows = claim(database, moment, config["OUTBOX_LEASE_SECONDS"])
                if not rows:
                    return counts
                _deliver_batch(database, rows, sender, config, counts, now, pace)
                if now is not None:  # a fixed clock: one pass only (tests)
                    return counts


# Mails accepted by the server are marked sent together, at least every MARK_BATCH mails and every
# MARK_EVERY seconds: fewer turns of the writer lock than one transaction per mail, and a process
# killed mid-batch sends again (same Message-ID) at most MARK_BATCH mails per sender.
MARK_BATCH = 5
MARK_EVERY = 2.0  # seconds, well within a lease


def _deliver_batch(database, rows, sender: SmtpSender, config, counts, now, pace=_no_pace) -> None:
    """Send a claimed batch, marking what the server accepted as it goes (see ``MARK_BATCH``).

    Until marked, a mail stays claimed: should the process die in between, its lease
    expires and it goes once more, with its Message-ID (as for a crash mid-send).
    """
    remaining = list(rows)
    sent: list[tuple[int, float]] = []
    erase: list[str] = []  # withdrawn volunteers whose structure has now been told
    marked = time.monotonic()

    def mark() -> None:
        nonlocal marked
        if sent:
            with database.transaction() as store:
                store.mark_sent(sent)
                # the volunteer's identity goes with the mail that told the structure (its row included):
                # only the application's history, without identity, stays
                store.erase_applications(erase)
        counts[SENT] += len(sent)
        sent.clear()
        erase.clear()
        marked = time.monotonic()

    def failed(row, problem: DeliveryError) -> None:
        counts[_mark_failed_attempt(database, row, problem, now or time.time(), config)] += 1

    try:
        unbuildable: dict[int, UnbuildableMail] = {}
        wires = _wire_all(database, rows, unbuildable, pace)
        while remaining:
            pace()
            row = remaining[0]
            if row["id"] in unbuildable:
                remaining.pop(0)
                failed(row, DeliveryError(str(unbuildable[row["id"]]), permanent=True))
                continue
            try:
                sender.send(row["sender"], row["recipients"], wires[row["id"]])
            except (ValueError, smtplib.SMTPNotSupportedError) as error:
                # this mail's envelope cannot be written (smtplib refused an address): it fails alone;
                # the connection is left mid-command, so the next mail opens another
                sender.drop()
                remaining.pop(0)
                failed(row, DeliveryError(f"adresse impossible à transmettre ({type(error).__name__})", permanent=True))
                continue
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as error:
                # the server refused this message; the connection may still be usable (not after a 421)
                remaining.pop(0)
                failed(row, classify(error))
                if getattr(error, "smtp_code", None) == 421:
                    raise
                continue
            remaining.pop(0)
            sent.append((row["id"], now or time.time()))
            if row["kind"] == ERASE_ONCE_SENT and row["application_id"]:
                erase.append(row["application_id"])
            log.info("courrier %s envoyé (%s)", row["id"], row["kind"])
            if len(sent) >= MARK_BATCH or time.monotonic() - marked >= MARK_EVERY:
                mark()
    except Exception as error:  # connection-level failure: every mail left is retried later
        sender.drop()
        # a connection-level problem says nothing about the message: always retry
        problem = DeliveryError(classify(error).message, permanent=False)
        for row in remaining:
            failed(row, problem)
    finally:
        mark()


BUSY_POLL = 0.1  # seconds between looks at the outbox while mail keeps coming, when no request wakes the loop


def _deliver_logged(app: Flask, pace=_no_pace) -> bool:
    """:func:`deliver_due`, errors logged rather than raised (a delivery thread never dies);
    whether any mail was handled."""
    try:
        return any(deliver_due(app, pace=pace).values())
    except StorageError as error:
        log.error("outbox : base de données indisponible (%s)", type(error).__name__)
    except Exception:
        log.exception("outbox : erreur inattendue")
    return False


class OutboxWorker:
    """``senders`` threads that deliver what is due, then wait for :meth:`notify` or, at most,
    ``OUTBOX_POLL_SECONDS``.

    Each thread claims its own mails (leases: never the same mail twice) and keeps its own
    database and SMTP connections, so that one mail's wait for the SMTP server overlaps with the
    next one's rendering. ``busy_poll``: how soon to look again after a pass that handled mail,
    for a process whose requests do not wake it (``flask outbox run``, another process stores).
    In a web process (:mod:`formhandler.background_delivery`): ``turn``, whether this process is
    its host's deliverer (the others only wait for their turn); ``traffic``, the process's
    requests, which the thread gives way to.
    """

    def __init__(
        self,
        app: Flask,
        senders: int = 1,
        busy_poll: float | None = None,
        turn: HostTurn | None = None,
        traffic: Traffic | None = None,
    ):
        self.app = app
        self.senders = senders
        self.busy_poll = busy_poll
        self.turn = turn
        self.traffic = traffic
        self.wake = threading.Event()
        self.stop_event = threading.Event()
        self.threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            if not any(thread.is_alive() for thread in self.threads):
                names = ["outbox-worker"] if self.senders == 1 else [f"outbox-{n}" for n in range(self.senders)]
                self.threads = [threading.Thread(target=self._run, name=name, daemon=True) for name in names]
                for thread in self.threads:
                    thread.start()

    def notify(self) -> None:
        """A new mail is waiting: deliver it now rather than at the next poll."""
        self.start()
        self.wake.set()

    def stop(self, timeout: float = 5) -> None:
        self.stop_event.set()
        self.wake.set()
        for thread in self.threads:
            thread.join(timeout)

    def _run(self) -> None:
        poll = self.app.config["OUTBOX_POLL_SECONDS"]
        # a claimed batch (at most 41 steps) pauses for a fifth of its lease at most: it is sent
        # long before another worker may claim it again
        pace = self.traffic.pacer(longest=self.app.config["OUTBOX_LEASE_SECONDS"] / 200) if self.traffic else _no_pace
        try:
            while not self.stop_event.is_set():
                if self.turn is not None and not self.turn.take():
                    # another process of the host delivers: look again in a poll, not woken by each request
                    self.stop_event.wait(poll)
                    continue
                self.wake.clear()
                busy = _deliver_logged(self.app, pace)
                if self.stop_event.is_set():
                    break
                self.wake.wait(self.busy_poll if busy and self.busy_poll is not None else poll)
        finally:
            if self.turn is not None:
                self.turn.release()


def init_app(app: Flask) -> None:
    """Attach the worker; it starts with the first request when ``OUTBOX_WORKER == "thread"``,
    and delivers if this process has its host's turn, giving way to the process's requests."""
    if app.config["OUTBOX_WORKER"] != "thread":
        app.extensions["outbox_worker"] = OutboxWorker(app)
        return
    traffic = Traffic()
    app.wsgi_app = traffic.wrap(app.wsgi_app)
    worker = OutboxWorker(app, turn=HostTurn(turn_path(app.config["DATABASE"])), traffic=traffic)
    app.extensions["outbox_worker"] = worker

    @app.before_request
    def _start_worker():
        worker.start()


def notify(app: Flask | None = None) -> None:
    """Wake the delivery thread, if this process runs one."""
    app = app or current_app._get_current_object()
    if app.config["OUTBOX_WORKER"] == "thread":
        app.extensions["outbox_worker"].notify()


def run_forever(app: Flask, stop: threading.Event | None = None) -> None:
    """The ``flask outbox run`` loop: ``OUTBOX_SENDERS`` threads of :class:`OutboxWorker` deliver
    until ``stop`` is set (Ctrl-C from the command)."""
    stop = stop or threading.Event()
    worker = OutboxWorker(app, senders=max(1, app.config["OUTBOX_SENDERS"]), busy_poll=BUSY_POLL)
    worker.start()
    try:
        while not stop.wait(0.5):
            pass
    finally:
        worker.stop(timeout=app.config["MAIL_TIMEOUT"] + 5)
