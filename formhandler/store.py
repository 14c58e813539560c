"""Every statement the handler runs on its rows, behind methods named for what they do.

A :class:`Store` works on one connection: inside the transaction its database opened
(``with db.transaction() as store:``, committed at the end of the block) or, for reads and
single statements, outside any (``db.store()``). It never commits itself: what belongs together
(an application and its mails, a failed mail and the operator's report) is committed together by
the caller's transaction. Rows come back as mappings (``row["id"]``); times are seconds since the
epoch.

This is SQLite's dialect (``?`` parameters, ``IS ?``, ``INSERT OR REPLACE``, ``json_each``,
``RETURNING``). PostgreSQL's store (:class:`formhandler.postgres_store.PostgresStore`) has these
same methods in its own SQL (``%s``, ``IS NOT DISTINCT FROM``, ``ON CONFLICT``,
``jsonb_array_elements_text``, :meth:`Store.claim_mails` with ``FOR UPDATE SKIP LOCKED``), and
holds a mission for the rest of an application's transaction, where SQLite's single writer
serialises every transaction anyway. Views, the delivery and the commands only call these
methods: they do not know which database they write to. The module is long on purpose: every
statement on the handler's rows is here, grouped by table, so that a second database is one
more module of the same methods.

The rate-limit counters are not here: they are a storage of the ``limits`` library
(:mod:`formhandler.ratelimits`), in a SQLite file beside the database or in a table of the
PostgreSQL database, chosen by ``RATELIMIT_STORAGE_URI``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence

from .schema import OFFERED, TAKING_A_PLACE


class Store:
    """The handler's rows on one SQLite connection (see the module's docstring)."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    # -- applications ------------------------------------------------------------------------

    def arrival(self, mission_id: str, application, *, since: float, places: int) -> tuple[Mapping | None, bool]:
        """What an application to ``mission_id`` finds as it arrives: the latest application made after
        ``since`` with exactly the same form (a double click, a page sent again: its ``id`` and
        ``waiting_list``), or ``None``; and whether it goes to the waiting list — the accepted
        volunteers and those offered a freed place reach ``places`` (counted no further), or the
        structure said the mission is complete."""
        duplicate = self.conn.execute(
            "SELECT id, waiting_list FROM applications WHERE mission_id = ? AND email_key = ? AND created_at > ?"
            " AND first_name = ? AND last_name = ? AND birth_date = ? AND phone IS ? AND postal_code = ?"
            " AND message IS ? ORDER BY created_at DESC LIMIT 1",
            (
                mission_id, application.email_key, since, application.first_name, application.last_name,
                application.birth_date.isoformat(), application.phone, application.postal_code, application.message,
            ),
        ).fetchone()  # fmt: skip
        taken, complete = self.conn.execute(
            "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM applications WHERE mission_id = ?"
            f" AND {TAKING_A_PLACE} LIMIT ?)), (SELECT complete FROM mission_states WHERE mission_id = ?)",
            (mission_id, places, mission_id),
        ).fetchone()
        return duplicate, taken >= places or bool(complete)

    def add_application(
        self, application_id: str, mission_id: str, application, *, created_at: float, waiting_list: bool,
        fill_seconds: float | None, mails: Sequence,
    ) -> None:  # fmt: skip
        """Store a checked application (:class:`catalog.application.Application`): « nouvelle », or on
        the waiting list (``waiting_list``), with the first event of its history and its ``mails``
        (as :meth:`add_mails`)."""
        status = "attente" if waiting_list else "nouvelle"
        self.conn.execute(
            "INSERT INTO applications (id, mission_id, created_at, first_name, last_name, email, email_key, phone,"
            " birth_date, postal_code, message, accepted_requirements, waiting_list, fill_seconds, status, status_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                application_id, mission_id, created_at, application.first_name, application.last_name,
                application.email, application.email_key, application.phone, application.birth_date.isoformat(),
                application.postal_code, application.message, int(application.accepted_requirements),
                int(waiting_list), fill_seconds, status, created_at,
            ),
        )  # fmt: skip
        self.add_event(application_id, mission_id, status, "volunteer", created_at)
        self.add_mails(mails, created_at, application_id=application_id)

    def add_event(self, application_id: str, mission_id: str, status: str, actor: str, now: float) -> None:
        """One step of an application's history (``actor``: ``structure``, ``volunteer`` or ``system``)."""
        self.conn.execute(
            "INSERT INTO application_events (application_id, mission_id, status, actor, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (application_id, mission_id, status, actor, now),
        )

    def count_applications(self, mission_id: str) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM applications WHERE mission_id = ?", (mission_id,)).fetchone()[0]

    def list_applications(
        self, mission_id: str | None = None, *, filled_within: float | None = None, newest_first: bool = False
    ) -> list[Mapping]:
        """Applications (every column), by time; only those to ``mission_id``, only those sent less than
        ``filled_within`` seconds after the page opened or with no filling time, when given."""
        clauses, args = [], []
        if mission_id:
            clauses.append("mission_id = ?")
            args.append(mission_id)
        if filled_within is not None:
            clauses.append("(fill_seconds IS NULL OR fill_seconds < ?)")
            args.append(filled_within)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        order = " DESC" if newest_first else ""
        return self.conn.execute(f"SELECT * FROM applications{where} ORDER BY created_at{order}", args).fetchall()

    # -- answers: states, history, a mission's places (formhandler.answers) ------------------

    def hold_mission(self, mission_id: str) -> None:
        """Nothing to do: SQLite's single writer serialises every transaction already."""

    def find_application(self, application_id: str) -> Mapping | None:
        return self.conn.execute("SELECT * FROM applications WHERE id = ?", (application_id,)).fetchone()

    def history(self, application_id: str) -> list[Mapping]:
        """An application's events, oldest first (they outlive its erasure)."""
        return self.conn.execute(
            "SELECT status, actor, created_at FROM application_events WHERE application_id = ? ORDER BY created_at, id",
            (application_id,),
        ).fetchall()

    def change_status(self, application_id: str, before: str, after: str, now: float, *, answer: bool) -> bool:
        """Move an application from ``before`` to ``after`` (``answer``: the structure's first answer
        is dated); false when it was no longer ``before`` (another click came first)."""
        return bool(
            self.conn.execute(
                "UPDATE applications SET status = ?, status_at = ?,"
                " answered_at = CASE WHEN ? THEN COALESCE(answered_at, ?) ELSE answered_at END"
                " WHERE id = ? AND status = ?",
                (after, now, int(answer), now, application_id, before),
            ).rowcount
        )

    def mission_complete(self, mission_id: str) -> bool:
        row = self.conn.execute("SELECT complete FROM mission_states WHERE mission_id = ?", (mission_id,)).fetchone()
        return bool(row and row[0])

    def set_mission_complete(self, mission_id: str, complete: bool, now: float) -> None:
        self.conn.execute(
            "INSERT INTO mission_states (mission_id, complete, changed_at) VALUES (?, ?, ?)"
            " ON CONFLICT (mission_id) DO UPDATE SET complete = excluded.complete, changed_at = excluded.changed_at",
            (mission_id, int(complete), now),
        )

    def mission_counts(self, mission_id: str) -> dict[str, int]:
        """How many applications to ``mission_id`` in each state, and ``offered``: those taken from the
        waiting list that the structure has not answered yet."""
        counts: dict[str, int] = {}
        for status, waiting_list, count in self.conn.execute(
            "SELECT status, waiting_list, COUNT(*) FROM applications WHERE mission_id = ? GROUP BY status, waiting_list",
            (mission_id,),
        ):
            counts[status] = counts.get(status, 0) + count
            if status == "nouvelle" and waiting_list:
                counts["offered"] = counts.get("offered", 0) + count
        return counts

    def first_waiting(self, mission_id: str, limit: int) -> list[Mapping]:
        """The ``limit`` first applications on ``mission_id``'s waiting list (first come, first offered)."""
        return self.conn.execute(
            "SELECT * FROM applications WHERE mission_id = ? AND status = 'attente' ORDER BY created_at, id LIMIT ?",
            (mission_id, limit),
        ).fetchall()

    def missions_places(self) -> dict[str, dict]:
        """For every mission with applications or a state: its counts (``accepted``, ``applications``,
        ``waiting``, ``offered``) and ``complete`` (the ``missions`` export)."""
        found: dict[str, dict] = {}
        for mission_id, accepted, applications, waiting, offered in self.conn.execute(
            "SELECT mission_id, SUM(status = 'acceptee'), COUNT(*), SUM(status = 'attente'),"
            f" SUM({OFFERED}) FROM applications GROUP BY mission_id"
        ):
            found[mission_id] = {
                "accepted": accepted, "applications": applications, "waiting": waiting, "offered": offered,
            }  # fmt: skip
        for mission_id, complete in self.conn.execute("SELECT mission_id, complete FROM mission_states"):
            found.setdefault(mission_id, {"accepted": 0, "applications": 0, "waiting": 0, "offered": 0})["complete"] = (
                bool(complete)
            )
        for counts in found.values():
            counts.setdefault("complete", False)
        return found

    def erase_applications(self, application_ids: Iterable[str]) -> None:
        """Delete applications and their mails (a withdrawn volunteer's, once the structure was told);
        their history stays, without identity."""
        self._delete_people(list(application_ids), [])

    def applications_per_mission(self) -> dict[str, int]:
        return dict(self.conn.execute("SELECT mission_id, COUNT(*) FROM applications GROUP BY mission_id").fetchall())

    # -- proposals ---------------------------------------------------------------------------

    def add_proposal(
        self, proposal_id: str, proposal, *, created_at: float, contact_name: str, contact_email: str
    ) -> None:
        """Store a checked proposal (:class:`catalog.proposal.Proposal`), pending."""
        self.conn.execute(
            "INSERT INTO proposals (id, created_at, mission_id, structure_slug, mission_yaml, structure_yaml,"
            " contact_name, contact_email) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (proposal_id, created_at, proposal.mission_id, proposal.structure_slug, proposal.mission_yaml,
             proposal.structure_yaml, contact_name, contact_email),
        )  # fmt: skip

    def find_proposal(self, proposal_id: str) -> Mapping | None:
        return self.conn.execute("SELECT * FROM proposals WHERE id = ?", (proposal_id,)).fetchone()

    def list_proposals(self, *, pending_only: bool = False, status: str | None = None) -> list[Mapping]:
        """Proposals, oldest first: every one, the pending ones, or those of one ``status``."""
        status = "pending" if pending_only else status
        if status is None:
            return self.conn.execute("SELECT * FROM proposals ORDER BY created_at").fetchall()
        return self.conn.execute("SELECT * FROM proposals WHERE status = ? ORDER BY created_at", (status,)).fetchall()

    def accept_proposal(self, proposal_id: str, now: float) -> None:
        self.conn.execute("UPDATE proposals SET status = 'accepted', decided_at = ? WHERE id = ?", (now, proposal_id))

    def publish_proposal(self, proposal_id: str) -> None:
        """An accepted proposal whose mission is on the published site (its proposer has been told)."""
        self.conn.execute(
            "UPDATE proposals SET status = 'published' WHERE id = ? AND status = 'accepted'", (proposal_id,)
        )

    def reject_proposal(self, proposal_id: str, now: float, reason: str) -> None:
        self.conn.execute(
            "UPDATE proposals SET status = 'rejected', decided_at = ?, reason = ? WHERE id = ?",
            (now, reason, proposal_id),
        )

    # -- the outbox --------------------------------------------------------------------------

    def add_mails(
        self, mails: Iterable, now: float, *, application_id: str | None = None, proposal_id: str | None = None
    ) -> None:
        """Queue mails (:class:`formhandler.mails.OutgoingMail`), due now, tied to the application or
        proposal they are about (so that ``purge`` and ``erase`` find them)."""
        self.conn.executemany(
            "INSERT INTO outbox (application_id, proposal_id, kind, sender, recipients, message_id, context,"
            " created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(application_id, proposal_id, *mail_values(mail, now)) for mail in mails],
        )

    def claim_mails(self, now: float, lease: float, limit: int) -> list[dict]:
        """Reserve up to ``limit`` due mails until ``now + lease`` (pending ones whose time has come, and
        claimed ones whose lease expired), counting one more attempt; by id, ``recipients`` a list."""
        rows = self.conn.execute(
            "UPDATE outbox SET status = 'sending', lease_until = ?, attempts = attempts + 1"
            " WHERE id IN (SELECT id FROM outbox WHERE (status = 'pending' AND next_attempt_at <= ?)"
            " OR (status = 'sending' AND lease_until < ?) ORDER BY next_attempt_at, id LIMIT ?)"
            " RETURNING id, application_id, proposal_id, kind, sender, recipients, message_id, message, context,"
            " attempts, created_at",
            (now + lease, now, now, limit),
        ).fetchall()
        return sorted(({**row, "recipients": json.loads(row["recipients"])} for row in rows), key=lambda r: r["id"])

    def save_rendered(self, messages: Mapping[int, bytes]) -> None:
        """Keep each mail's bytes (mail id -> bytes): every retry sends them again."""
        self.conn.executemany("UPDATE outbox SET message = ? WHERE id = ?", [(m, i) for i, m in messages.items()])

    def mark_sent(self, sent: Iterable[tuple[int, float]]) -> None:
        """Record (mail id, time sent) pairs."""
        self.conn.executemany(
            "UPDATE outbox SET status = 'sent', sent_at = ?, lease_until = NULL, last_error = NULL WHERE id = ?",
            [(moment, mail_id) for mail_id, moment in sent],
        )

    def mark_failed(self, mail_id: int, reason: str) -> None:
        """Give up on a mail for good."""
        self.conn.execute(
            "UPDATE outbox SET status = 'failed', lease_until = NULL, last_error = ? WHERE id = ?", (reason, mail_id)
        )

    def retry_later(self, mail_id: int, when: float, error: str) -> None:
        """Release a claimed mail, to be tried again at ``when``."""
        self.conn.execute(
            "UPDATE outbox SET status = 'pending', lease_until = NULL, next_attempt_at = ?, last_error = ? WHERE id = ?",
            (when, error, mail_id),
        )

    def requeue_mail(self, mail_id: int, now: float) -> bool:
        """Queue a mail again, due now, as if new (its lifetime and attempts start again); a mail built
        from a context forgets its bytes, to be rendered again. Whether the mail exists."""
        return bool(
            self.conn.execute(
                "UPDATE outbox SET status = 'pending', next_attempt_at = ?, lease_until = NULL, attempts = 0,"
                " created_at = ?, message = CASE WHEN context IS NULL THEN message END WHERE id = ?",
                (now, now, mail_id),
            ).rowcount
        )

    def list_mails(self, statuses: Iterable[str]) -> list[Mapping]:
        """The mails in any of ``statuses``, by id (without their contents)."""
        statuses = tuple(statuses)
        marks = ",".join("?" * len(statuses))
        return self.conn.execute(
            "SELECT id, kind, status, attempts, created_at, next_attempt_at, last_error, application_id FROM outbox"
            f" WHERE status IN ({marks}) ORDER BY id",
            statuses,
        ).fetchall()

    def outbox_counts(self) -> dict[str, int]:
        """How many mails in each status."""
        return dict(self.conn.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status").fetchall())

    def heartbeat(self, now: float) -> None:
        """A write that proves the database takes writes (``/healthz``)."""
        self.conn.execute("INSERT OR REPLACE INTO heartbeat (id, written_at) VALUES (1, ?)", (now,))

    # -- retention and erasure ----------------------------------------------------------------
    # Every table that holds an address or what a person wrote: applications, proposals, the outbox
    # (contexts and rendered mails). Rate-limit counters live in their own file (formhandler.ratelimits).

    def find_address(self, key: str) -> tuple[list[str], list[Mapping]]:
        """The ids of the applications, and the proposals (``id``, ``status``), made with the mailbox
        ``key`` (see :func:`catalog.emails.mailbox_key`)."""
        applications = [
            row[0]
            for row in self.conn.execute(
                "SELECT id FROM applications WHERE email_key = ? OR lower(email) = ?", (key, key)
            )
        ]
        proposals = self.conn.execute(
            "SELECT id, status FROM proposals WHERE lower(contact_email) = ?", (key,)
        ).fetchall()
        return applications, proposals

    def erase_address(self, key: str) -> tuple[int, int]:
        """Delete everything about the mailbox ``key``; the numbers of applications and proposals deleted."""
        applications, proposals = self.find_address(key)
        self._delete_people(applications, [p["id"] for p in proposals])
        # mails sent to the address about nothing stored any more (an operator's copy, an older version's rows)
        self.conn.execute(
            "DELETE FROM outbox WHERE id IN (SELECT outbox.id FROM outbox, json_each(outbox.recipients)"
            " WHERE lower(json_each.value) = ?)",
            (key,),
        )
        return len(applications), len(proposals)

    def purge_before(self, limit: float) -> tuple[int, int, int]:
        """Delete applications and proposals made before ``limit``, their mails, and any other mail
        older than that; the numbers of applications, proposals and other mails deleted."""
        applications = [r[0] for r in self.conn.execute("SELECT id FROM applications WHERE created_at < ?", (limit,))]
        proposals = [r[0] for r in self.conn.execute("SELECT id FROM proposals WHERE created_at < ?", (limit,))]
        self._delete_people(applications, proposals)
        others = self.conn.execute("DELETE FROM outbox WHERE created_at < ?", (limit,)).rowcount
        return len(applications), len(proposals), others

    def _delete_people(self, application_ids: list[str], proposal_ids: list[str]) -> None:
        self.conn.executemany("DELETE FROM outbox WHERE application_id = ?", [(i,) for i in application_ids])
        self.conn.executemany("DELETE FROM outbox WHERE proposal_id = ?", [(i,) for i in proposal_ids])
        self.conn.executemany("DELETE FROM applications WHERE id = ?", [(i,) for i in application_ids])
        self.conn.executemany("DELETE FROM proposals WHERE id = ?", [(i,) for i in proposal_ids])

    # -- copying a whole database (flask db copy) ---------------------------------------------

    def table_rows(self, table: str) -> tuple[list[str], Iterator[Sequence]]:
        """The columns of ``table`` (one of :data:`formhandler.db.COPIED_TABLES`) and its rows, read lazily."""
        cursor = self.conn.execute(f"SELECT * FROM {table}")
        return [column[0] for column in cursor.description], iter(cursor)

    def count_rows(self, table: str) -> int:
        return self.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]

    def clear_tables(self, tables: Iterable[str]) -> None:
        for table in tables:
            self.conn.execute(f"DELETE FROM {table}")

    def insert_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
        """Insert rows as they are, ids included (SQLite's ``AUTOINCREMENT`` follows the largest)."""
        marks = ", ".join("?" * len(columns))
        self.conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    # -- follow-up: reminders, escalations, daily summaries, statistics (issue 15) -------------
    # Kept together at the end (formhandler.followup, formhandler.digest, formhandler.statistics).

    def unanswered(self, newest: float, *, oldest: float | None = None, mark: str | None = None) -> list[Mapping]:
        """:func:`unanswered_query`'s applications."""
        sql, args = unanswered_query("?", newest, oldest, mark)
        return self.conn.execute(sql, args).fetchall()

    def mark_followed_up(self, application_ids: Sequence[str], mark: str, now: float) -> list[str]:
        """Set ``mark`` to ``now`` on those of ``application_ids`` where it is not set yet, still
        unanswered; the ids this call marked (another run that marked one first keeps it)."""
        column = FOLLOW_UP_MARKS[mark]
        rows = self.conn.execute(
            f"UPDATE applications SET {column} = ? WHERE id IN (SELECT value FROM json_each(?))"
            f" AND {column} IS NULL AND status = 'nouvelle' AND answered_at IS NULL RETURNING id",
            (now, json.dumps(list(application_ids))),
        ).fetchall()
        return sorted(row[0] for row in rows)

    def last_digest(self, department: str) -> Mapping | None:
        """The department's latest summary (``day``, ``sent_at``), or ``None``."""
        return self.conn.execute(
            "SELECT day, sent_at FROM digests WHERE department = ? ORDER BY sent_at DESC LIMIT 1", (department,)
        ).fetchone()

    def claim_digest(self, department: str, day: str, now: float) -> bool:
        """Record the department's summary of ``day`` as sent at ``now``; ``False`` if it already was
        (by this run before, or by another one now): then nothing is to be sent."""
        return bool(
            self.conn.execute(
                "INSERT INTO digests (department, day, sent_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (department, day, now),
            ).rowcount
        )

    def events_between(self, since: float, until: float) -> list[Mapping]:
        """The states applications took after ``since`` and at ``until`` or before, in order."""
        return self.conn.execute(
            "SELECT application_id, mission_id, status, actor, created_at FROM application_events"
            " WHERE created_at > ? AND created_at <= ? ORDER BY created_at, id",
            (since, until),
        ).fetchall()

    def applications_made_between(self, since: float, until: float) -> list[Mapping]:
        """The applications (id, mission, state, waiting list) made after ``since`` and at ``until`` or before."""
        return self.conn.execute(
            "SELECT id, mission_id, status, waiting_list, created_at FROM applications"
            " WHERE created_at > ? AND created_at <= ? ORDER BY created_at",
            (since, until),
        ).fetchall()

    def mission_states_changed(self, since: float, until: float) -> list[Mapping]:
        """Missions the structure said complete, or reopened, after ``since`` and at ``until`` or before."""
        return self.conn.execute(
            "SELECT mission_id, complete, changed_at FROM mission_states WHERE changed_at > ? AND changed_at <= ?",
            (since, until),
        ).fetchall()

    def statistics_rows(self) -> tuple[list[Mapping], list[Mapping]]:
        """What the statistics are made of: every application's mission, state and times (no identity),
        and every event (those of erased applications included), in order."""
        applications = self.conn.execute(
            "SELECT id, mission_id, status, created_at, answered_at FROM applications ORDER BY created_at"
        ).fetchall()
        events = self.conn.execute(
            "SELECT application_id, mission_id, status, actor, created_at FROM application_events ORDER BY created_at, id"
        ).fetchall()
        return applications, events

    # -- volunteers waiting for a mission (formhandler/alerts.py) ------------------------------
    # One subscription per mailbox; what was announced to whom, per person and mission; the runs
    # of `alerts send` (no personal data). Alert mails are found by their recipient, like an
    # address's other mails (erase_address).

    def save_pending_subscription(self, subscription_id: str, signup, now: float) -> Mapping:
        """A sign-up for a mailbox: a new pending subscription, or a pending one's details replaced
        (nothing was confirmed from it yet). A confirmed subscription is left as it is: its new
        choices wait for a confirmation from the address. The mailbox's subscription row."""
        self.conn.execute(
            "INSERT INTO alert_subscriptions (id, email, email_ascii, email_key, first_name, birth_date, postal_code,"
            " departments, domains, remote, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (email_key) DO UPDATE SET email = excluded.email, email_ascii = excluded.email_ascii,"
            " first_name = excluded.first_name, birth_date = excluded.birth_date, postal_code = excluded.postal_code,"
            " departments = excluded.departments, domains = excluded.domains, remote = excluded.remote,"
            " created_at = excluded.created_at WHERE alert_subscriptions.status = 'pending'",
            subscription_values(subscription_id, signup, now),
        )
        return self.conn.execute(
            "SELECT * FROM alert_subscriptions WHERE email_key = ?", (signup.email_key,)
        ).fetchone()

    def find_subscription(self, subscription_id: str) -> Mapping | None:
        return self.conn.execute("SELECT * FROM alert_subscriptions WHERE id = ?", (subscription_id,)).fetchone()

    def confirm_subscription(self, subscription_id: str, now: float, expires_at: float, signup=None) -> None:
        """Confirmed from the address, until ``expires_at``; with the details of a new sign-up when given."""
        self.conn.execute(
            "UPDATE alert_subscriptions SET status = 'confirmed', confirmed_at = ?, expires_at = ?,"
            " renewal_offered_at = NULL WHERE id = ?",
            (now, expires_at, subscription_id),
        )
        if signup is not None:
            self.conn.execute(
                "UPDATE alert_subscriptions SET first_name = ?, birth_date = ?, postal_code = ?, departments = ?,"
                " domains = ?, remote = ? WHERE id = ?",
                (signup.first_name, signup.birth_date.isoformat(), signup.postal_code, *choice_values(signup.choices),
                 subscription_id),
            )  # fmt: skip

    def change_subscription_choices(self, subscription_id: str, choices) -> bool:
        """New departments, domains and remote choice (:class:`catalog.alerts.Choices`)."""
        return bool(
            self.conn.execute(
                "UPDATE alert_subscriptions SET departments = ?, domains = ?, remote = ? WHERE id = ?",
                (*choice_values(choices), subscription_id),
            ).rowcount
        )

    def renew_subscription(self, subscription_id: str, expires_at: float) -> bool:
        return bool(
            self.conn.execute(
                "UPDATE alert_subscriptions SET expires_at = ?, renewal_offered_at = NULL"
                " WHERE id = ? AND status = 'confirmed'",
                (expires_at, subscription_id),
            ).rowcount
        )

    def delete_subscriptions(self, subscriptions: Iterable[Mapping]) -> int:
        """Delete subscriptions (rows with ``id`` and ``email_ascii``), what was announced to them and
        every alert mail to their address, sent or not (they hold the address and the first name);
        how many subscriptions."""
        subscriptions = list(subscriptions)
        ids = [(s["id"],) for s in subscriptions]
        self.conn.executemany("DELETE FROM alert_announced WHERE subscription_id = ?", ids)
        self.conn.executemany(
            "DELETE FROM outbox WHERE kind LIKE 'alert%' AND recipients = ?",
            [(json.dumps([s["email_ascii"]]),) for s in subscriptions],
        )
        return sum(self.conn.execute("DELETE FROM alert_subscriptions WHERE id = ?", i).rowcount for i in ids)

    def subscriptions_due(self, day: str, now: float) -> list[Mapping]:
        """Confirmed subscriptions still running that were sent no alert on ``day``."""
        return self.conn.execute(
            "SELECT id, email_ascii, first_name, birth_date, departments, domains, remote FROM alert_subscriptions"
            " WHERE status = 'confirmed' AND expires_at > ? AND (last_alert_day IS NULL OR last_alert_day <> ?)",
            (now, day),
        ).fetchall()

    def announced_missions(self, mission_ids: Iterable[str]) -> dict[str, set[str]]:
        """For each subscription, which of ``mission_ids`` it was told of already."""
        told: dict[str, set[str]] = {}
        for subscription_id, mission_id in self.conn.execute(
            "SELECT subscription_id, mission_id FROM alert_announced WHERE mission_id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(mission_ids)),),
        ):
            told.setdefault(subscription_id, set()).add(mission_id)
        return told

    def record_alerts(self, alerts: Iterable[tuple[str, object, list[str]]], day: str, now: float) -> int:
        """Queue each (subscription id, mail, mission ids) alert and mark its missions as announced to
        that person, in the caller's transaction: a run killed half-way sends each alert once. A person
        another run wrote to on ``day`` meanwhile is left out (two runs at once send one mail); how
        many alerts were queued."""
        alerts = list(alerts)
        claimed = {
            row[0]
            for row in self.conn.execute(
                "UPDATE alert_subscriptions SET last_alert_day = ?, alerts_sent = alerts_sent + 1"
                " WHERE id IN (SELECT value FROM json_each(?)) AND (last_alert_day IS NULL OR last_alert_day <> ?)"
                " RETURNING id",
                (day, json.dumps([subscription_id for subscription_id, _, _ in alerts]), day),
            ).fetchall()
        }
        alerts = [alert for alert in alerts if alert[0] in claimed]
        self.add_mails([mail for _, mail, _ in alerts], now)
        self.conn.executemany(
            "INSERT OR IGNORE INTO alert_announced (subscription_id, mission_id, announced_at) VALUES (?, ?, ?)",
            [(subscription_id, mission_id, now) for subscription_id, _, missions in alerts for mission_id in missions],
        )
        return len(alerts)

    def subscriptions_ending(self, before: float, now: float) -> list[Mapping]:
        """Confirmed subscriptions ending before ``before``, not offered a renewal yet."""
        return self.conn.execute(
            "SELECT id, email_ascii, first_name, expires_at FROM alert_subscriptions WHERE status = 'confirmed'"
            " AND expires_at > ? AND expires_at <= ? AND renewal_offered_at IS NULL",
            (now, before),
        ).fetchall()

    def record_renewal_offers(self, offers: Iterable[tuple[str, object]], now: float) -> None:
        offers = list(offers)
        self.add_mails([mail for _, mail in offers], now)
        self.conn.executemany(
            "UPDATE alert_subscriptions SET renewal_offered_at = ? WHERE id = ?", [(now, i) for i, _ in offers]
        )

    def subscriptions_over(self, now: float, unconfirmed_before: float) -> list[Mapping]:
        """Subscriptions to delete: ended (no renewal), or never confirmed since ``unconfirmed_before``."""
        return self.conn.execute(
            "SELECT id, email_ascii FROM alert_subscriptions WHERE (status = 'confirmed' AND expires_at <= ?)"
            " OR (status = 'pending' AND created_at < ?)",
            (now, unconfirmed_before),
        ).fetchall()

    def find_subscriptions_of(self, key: str) -> list[Mapping]:
        """The subscriptions of the mailbox ``key`` (see :func:`catalog.emails.mailbox_key`)."""
        return self.conn.execute(
            "SELECT id, email_ascii, status FROM alert_subscriptions WHERE email_key = ? OR lower(email) = ?",
            (key, key),
        ).fetchall()

    def waiting_volunteers(self, now: float) -> list[Mapping]:
        """The choices of every confirmed subscription still running at ``now`` (for the counts)."""
        return self.conn.execute(
            "SELECT departments, domains, remote FROM alert_subscriptions WHERE status = 'confirmed'"
            " AND expires_at > ?",
            (now,),
        ).fetchall()

    def alert_applications(self) -> int:
        """Applications made to a mission after it was announced to the same mailbox."""
        return self.conn.execute(
            "SELECT COUNT(DISTINCT a.id) FROM applications a JOIN alert_subscriptions s ON s.email_key = a.email_key"
            " JOIN alert_announced n ON n.subscription_id = s.id AND n.mission_id = a.mission_id"
            " WHERE a.created_at >= n.announced_at"
        ).fetchone()[0]

    def add_alert_run(self, run_id: str, started_at: float) -> None:
        self.conn.execute("INSERT INTO alert_runs (id, started_at) VALUES (?, ?)", (run_id, started_at))

    def finish_alert_run(self, run_id: str, now: float, missions: int, mails: int, renewals: int) -> None:
        self.conn.execute(
            "UPDATE alert_runs SET finished_at = ?, missions = ?, mails = ?, renewals = ? WHERE id = ?",
            (now, missions, mails, renewals, run_id),
        )

    def alert_run_totals(self) -> Mapping:
        return self.conn.execute(
            "SELECT COUNT(*) AS runs, COALESCE(SUM(mails), 0) AS mails, MAX(finished_at) AS last FROM alert_runs"
        ).fetchone()


def unanswered_query(placeholder: str, newest: float, oldest: float | None, mark: str | None) -> tuple[str, list]:
    """The statement (with ``placeholder`` for its parameters) and arguments that read the
    applications still « nouvelle », never answered, waiting since ``newest`` or before — and since
    after ``oldest``, and without ``mark`` (``reminded_at`` or ``escalated_at``), when given; the
    longest waiting first. They wait since they became « nouvelle » (``status_at``): their arrival,
    or the day a volunteer on the waiting list was offered a freed place."""
    where, args = [f"{WAITING_SINCE} <= {placeholder}"], [newest]
    if oldest is not None:
        where.append(f"{WAITING_SINCE} > {placeholder}")
        args.append(oldest)
    if mark is not None:
        where.append(f"{FOLLOW_UP_MARKS[mark]} IS NULL")
    return (
        f"SELECT id, mission_id, created_at, {WAITING_SINCE} AS waiting_since, reminded_at FROM applications"
        f" WHERE status = 'nouvelle' AND answered_at IS NULL AND {' AND '.join(where)}"
        f" ORDER BY {WAITING_SINCE}, id",
        args,
    )


def mail_values(mail, now: float) -> tuple:
    """An outbox row's values after its application and proposal (:class:`formhandler.mails.OutgoingMail`,
    due ``now``): kind, sender, recipients, Message-ID, context, created and due times."""
    return (mail.kind, mail.sender, json.dumps(mail.recipients), mail.message_id, mail.context, now, now)


# the follow-up marks of an application, by name (never a column name from elsewhere in SQL)
FOLLOW_UP_MARKS = {"reminded_at": "reminded_at", "escalated_at": "escalated_at"}
# since when an application waits for its structure's answer (status_at, set since version 3)
WAITING_SINCE = "COALESCE(status_at, created_at)"


def choice_values(choices) -> tuple:
    """The columns of :class:`catalog.alerts.Choices`: departments and domains as JSON lists, remote 0 or 1."""
    return json.dumps(list(choices.departments)), json.dumps(list(choices.domains)), int(choices.remote)


def subscription_values(subscription_id: str, signup, now: float) -> tuple:
    return (
        subscription_id, signup.email, signup.email_ascii, signup.email_key, signup.first_name,
        signup.birth_date.isoformat(), signup.postal_code, *choice_values(signup.choices), now,
    )  # fmt: skip
