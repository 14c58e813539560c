"""Delivery: SMTP down then up, 4xx then success, 5xx, leases, the background thread."""

import threading
import time

from devtools.mailcatcher import free_port
from formhandler.outbox import claim, deliver_due, retry_delay
from tests.helpers import SITE, VALID, another_database


def post_applications(app, count: int, prefix: str) -> None:
    """Post ``count`` valid applications from distinct addresses (two mails each)."""
    client = app.test_client()
    for n in range(count):
        client.post("/api/missions/colis-laon/applications", data={**VALID, "email": f"{prefix}{n}@exemple.fr"},
                    headers={"Origin": SITE})  # fmt: skip


def marked_before_each_send(monkeypatch, rows) -> list[int]:
    """Filled, as delivery goes, with how many mails were marked sent before each one went out."""
    from formhandler import outbox

    seen = []
    send = outbox.SmtpSender.send

    def observed(self, *args):
        seen.append(len(rows("SELECT id FROM outbox WHERE status = 'sent'")))
        return send(self, *args)

    monkeypatch.setattr(outbox.SmtpSender, "send", observed)
    return seen


def test_smtp_down_then_up_delivers_once(make_app, smtp, rows):
    app = make_app(MAIL_PORT=free_port())  # nobody listens there
    client = app.test_client()
    assert client.post("/api/missions/colis-laon/applications", data=VALID, headers={"Origin": SITE}).status_code == 303
    now = time.time()
    assert deliver_due(app, now=now) == {"sent": 0, "pending": 2, "failed": 0}
    pending = rows("SELECT status, attempts, next_attempt_at, last_error FROM outbox")
    assert {r["status"] for r in pending} == {"pending"}
    assert all(r["next_attempt_at"] == now + 300 for r in pending)
    assert all("SMTP indisponible" in r["last_error"] for r in pending)
    # not due yet: nothing happens even with the server back
    app.config["MAIL_PORT"] = smtp.port
    assert deliver_due(app, now=now + 10) == {"sent": 0, "pending": 0, "failed": 0}
    assert deliver_due(app, now=now + 301) == {"sent": 2, "pending": 0, "failed": 0}
    assert deliver_due(app, now=now + 10_000) == {"sent": 0, "pending": 0, "failed": 0}
    assert len(smtp.mails) == 2
    assert len({m.message["Message-ID"] for m in smtp.mails}) == 2


def test_451_is_retried_with_backoff_and_keeps_its_message_id(app, post, smtp, rows):
    post()
    smtp.fail_next("451 4.3.0 Réessayez plus tard".encode("ascii", "replace").decode(), times=3)
    start = time.time()
    assert deliver_due(app, now=start)["pending"] == 2  # both refused (451, 451)
    first_ids = {r["message_id"] for r in rows("SELECT message_id FROM outbox")}
    assert deliver_due(app, now=start + 300)["pending"] == 1  # third 451, then one accepted
    attempts = {
        r["attempts"]: r["next_attempt_at"] - (start + 300) for r in rows("SELECT * FROM outbox WHERE status='pending'")
    }
    assert attempts == {2: 600}  # second failure: the delay doubled
    assert deliver_due(app, now=start + 900) == {"sent": 1, "pending": 0, "failed": 0}
    assert {m.message["Message-ID"] for m in smtp.mails} == first_ids


def test_550_is_not_retried_and_is_reported_to_the_operator(app, post, smtp, rows, runner):
    post()
    smtp.fail_next("550 5.1.1 Adresse inconnue")
    now = time.time()
    assert deliver_due(app, now=now) == {"sent": 1, "pending": 0, "failed": 1}
    assert deliver_due(app, now=now) == {"sent": 1, "pending": 0, "failed": 0}  # the operator's report
    failed = rows("SELECT * FROM outbox WHERE status = 'failed'")
    assert len(failed) == 1 and "550" in failed[0]["last_error"]
    assert [m.rcpt_tos for m in smtp.mails if m.rcpt_tos == ["operateur@example.org"]] == [["operateur@example.org"]]
    report = smtp.by_recipient("operateur@example.org")[0].message
    assert "550" in report.get_content()
    # never retried
    assert deliver_due(app, now=time.time() + 10**6)["sent"] == 0
    output = runner.invoke(args=["outbox", "show", "--failed"]).output
    assert "failed" in output and "550" in output


def test_mail_older_than_its_lifetime_is_abandoned(make_app, smtp, rows):
    app = make_app(MAIL_PORT=free_port(), OUTBOX_LIFETIME=1000)
    app.test_client().post("/api/missions/colis-laon/applications", data=VALID, headers={"Origin": SITE})
    created = rows("SELECT created_at FROM outbox")[0]["created_at"]
    assert deliver_due(app, now=created + 1001)["failed"] == 2
    assert {r["status"] for r in rows("SELECT status FROM outbox WHERE kind != 'operator'")} == {"failed"}


def test_retry_delays_double_up_to_the_cap():
    assert [retry_delay(n, 300, 4000) for n in range(1, 7)] == [300, 600, 1200, 2400, 4000, 4000]


def test_a_claimed_mail_is_not_claimed_twice_until_its_lease_expires(app, post, rows):
    """Two workers, each with its own connections (two processes, or two hosts)."""
    post()
    first, second = another_database(app), another_database(app)
    now = time.time()
    assert len(claim(first, now, lease=120)) == 2
    assert claim(second, now, lease=120) == []
    assert len(claim(second, now + 121, lease=120)) == 2  # a worker died: the lease expired
    first.close()
    second.close()


def test_concurrent_workers_never_send_the_same_mail_twice(make_app, smtp, rows):
    app = make_app()
    post_applications(app, 20, "v")
    threads = [threading.Thread(target=deliver_due, args=(app,)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = [m.message["Message-ID"] for m in smtp.mails]
    assert len(ids) == 40 and len(set(ids)) == 40


def test_one_connection_carries_every_batch_and_each_batch_is_marked_sent(make_app, smtp, rows):
    app = make_app()
    post_applications(app, 25, "b")  # 50 mails: three claimed batches of at most 20
    assert deliver_due(app) == {"sent": 50, "pending": 0, "failed": 0}
    assert len(smtp.mails) == 50
    assert len({m.peer for m in smtp.mails}) == 1  # connected once, not once per batch
    sent = rows("SELECT status, sent_at, lease_until FROM outbox")
    assert {(r["status"], r["lease_until"]) for r in sent} == {("sent", None)}
    assert all(r["sent_at"] for r in sent)


def test_a_slow_batch_marks_what_it_sent_as_it_goes(make_app, smtp, rows, monkeypatch):
    """Mails sent but not yet marked would go again once their lease expired: a slow server must
    not keep a batch unmarked for long."""
    from formhandler import outbox

    app = make_app()
    post_applications(app, 3, "s")
    monkeypatch.setattr(outbox, "MARK_EVERY", 0)  # as if each mail took longer than MARK_EVERY
    marked = marked_before_each_send(monkeypatch, rows)
    assert deliver_due(app) == {"sent": 6, "pending": 0, "failed": 0}
    assert marked == [0, 1, 2, 3, 4, 5]


def test_a_batch_marks_what_it_sent_every_few_mails(make_app, smtp, rows, monkeypatch):
    """A process killed mid-batch sends again at most MARK_BATCH mails (with their Message-IDs)."""
    from formhandler import outbox

    app = make_app()
    post_applications(app, 6, "m")
    marked = marked_before_each_send(monkeypatch, rows)
    assert deliver_due(app) == {"sent": 12, "pending": 0, "failed": 0}
    batch = outbox.MARK_BATCH
    assert marked == [n - n % batch for n in range(12)]


def test_a_dropped_connection_is_reopened_for_the_next_batch(make_app, smtp, rows):
    """421 closes the connection: the mails left wait for their retry, the next pass connects again."""
    app = make_app()
    post_applications(app, 3, "d")
    smtp.fail_next("421 4.3.2 Service indisponible")
    now = time.time()
    assert deliver_due(app, now=now) == {"sent": 0, "pending": 6, "failed": 0}
    assert deliver_due(app, now=now + 301) == {"sent": 6, "pending": 0, "failed": 0}
    assert len({m.message["Message-ID"] for m in smtp.mails}) == 6


def test_background_thread_delivers_without_any_other_process(make_app, smtp):
    app = make_app(OUTBOX_WORKER="thread")
    response = app.test_client().post("/api/missions/colis-laon/applications", data=VALID, headers={"Origin": SITE})
    assert response.status_code == 303
    deadline = time.monotonic() + 10
    while len(smtp.mails) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(smtp.mails) == 2


def test_run_forever_delivers_with_several_senders_and_stops(make_app, smtp):
    from formhandler.outbox import run_forever

    app = make_app(OUTBOX_SENDERS=3)
    post_applications(app, 12, "n")
    stop = threading.Event()
    loop = threading.Thread(target=run_forever, args=(app, stop))
    loop.start()
    deadline = time.monotonic() + 20
    while len(smtp.mails) < 24 and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    loop.join(15)
    assert not loop.is_alive()
    ids = [m.message["Message-ID"] for m in smtp.mails]
    assert len(ids) == 24 and len(set(ids)) == 24
