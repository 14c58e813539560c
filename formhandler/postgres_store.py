"""Every statement the handler runs on its rows in PostgreSQL: :class:`formhandler.store.Store`'s
methods, in PostgreSQL's SQL (psycopg 3, ``%s`` parameters); long for the same reason as that
module: every statement in one place.

A store works on the connection of a transaction (``with db.transaction() as store:``) or, for
reads outside any (``db.store()``), borrows a connection of the pool for each statement. It never
commits itself. Rows read by position or by name (:class:`formhandler.db.Row`), as SQLite's.

Where SQLite's single writer serialised every transaction, two things keep the same guarantees
on a shared server, with any number of instances writing at once (``READ COMMITTED``):

- an application's transaction holds its mission (a transaction-level advisory lock, taken by
  :meth:`PostgresStore.arrival`): the same form sent twice is still seen as one, and a mission's
  places are counted exactly;
- mails are claimed with ``FOR UPDATE SKIP LOCKED``: two workers, on any hosts, never claim one
  mail, and none waits for another's claim.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import suppress

from .schema import OFFERED, TAKING_A_PLACE
from .store import FOLLOW_UP_MARKS, choice_values, mail_values, subscription_values, unanswered_query

# Advisory locks of the handler: (namespace, key) pairs, so as not to meet another program's.
LOCK_NAMESPACE = 0x52435631  # "RCV1"
MISSION_LOCKS = 0x52434D31  # "RCM1": one lock per mission, keyed by hashtext(mission id)
SCHEMA_LOCK = 1


class PostgresStore:
    """The handler's rows on a PostgreSQL connection (see the module's docstring)."""

    def __init__(self, conn=None, database=None):
        self.conn = conn
        self.database = database  # for reads outside a transaction: a connection of its pool per statement
        self._held: set[str] = set()  # missions this transaction holds
        self._pipeline = None  # writes waiting to go with the next statement whose result is needed

    def _run(self, sql: str, args: Sequence | Mapping = ()):
        """Execute one statement; a cursor (or, outside a transaction, its rows already fetched)."""
        if self.conn is not None:
            self._send_queued()
            return self.conn.execute(sql, args)
        return self.database.run(sql, args)

    def _many(self, sql: str, rows: Iterable[Sequence]) -> None:
        rows = list(rows)
        if not rows:
            return
        if self.conn is not None:
            self._send_queued()
            with self.conn.cursor() as cursor:
                cursor.executemany(sql, rows)
        else:
            self.database.run_many(sql, rows)

    # Writes whose result nobody reads are queued (psycopg's pipeline mode) and go to the server with
    # what follows: an application, its mails and the COMMIT make one round trip, not four.

    def _queue(self, sql: str, args: Sequence | Mapping = ()) -> None:
        if self.conn is None:
            self._run(sql, args)
            return
        if self._pipeline is None:
            self._pipeline = self.conn.pipeline()
            self._pipeline.__enter__()
        self.conn.execute(sql, args)

    def _queue_many(self, sql: str, rows: Iterable[Sequence]) -> None:
        rows = list(rows)
        if not rows:
            return
        if self.conn is None:
            self._many(sql, rows)
            return
        if self._pipeline is None:
            self._pipeline = self.conn.pipeline()
            self._pipeline.__enter__()
        with self.conn.cursor() as cursor:
            cursor.executemany(sql, rows)

    def _send_queued(self) -> None:
        """Send the queued writes and wait for them (an error in one is raised here)."""
        if self._pipeline is not None:
            pipeline, self._pipeline = self._pipeline, None
            pipeline.__exit__(None, None, None)

    def commit(self) -> None:
        """``COMMIT``, sent with the queued writes (:meth:`formhandler.postgres.PostgresDatabase.transaction`)."""
        if self._pipeline is None:
            self.conn.execute("COMMIT")
            return
        self.conn.execute("COMMIT")
        self._send_queued()

    def abandon(self) -> None:
        """Drop what is queued (the transaction is rolled back after)."""
        if self._pipeline is not None:
            pipeline, self._pipeline = self._pipeline, None
            with suppress(Exception):  # the error that made the transaction fail, or one of the queued writes
                pipeline.__exit__(None, None, None)

    def _hold_mission(self, mission_id: str, *reads: tuple[str, Sequence]) -> list[Mapping | None]:
        """Hold ``mission_id`` until the transaction ends (another application to it waits), then read
        the first row of each of ``reads`` (statement, arguments): all in one round trip, the reads
        after the lock (each its own snapshot)."""
        if mission_id in self._held or self.conn is None:
            return [self._run(sql, args).fetchone() for sql, args in reads]
        self._send_queued()
        with self.conn.pipeline():
            self.conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (MISSION_LOCKS, mission_id))
            cursors = [self.conn.execute(sql, args) for sql, args in reads]
            rows = [cursor.fetchone() for cursor in cursors]
        self._held.add(mission_id)
        return rows

    # -- applications ------------------------------------------------------------------------

    def arrival(self, mission_id: str, application, *, since: float, places: int) -> tuple[Mapping | None, bool]:
        """What an application to ``mission_id`` finds as it arrives (:meth:`formhandler.store.Store.arrival`):
        the same form sent after ``since``, and whether the places are taken. Holds the mission for
        the rest of the transaction."""
        duplicate, taken = self._hold_mission(
            mission_id,
            (
                "SELECT id, waiting_list FROM applications WHERE mission_id = %s AND email_key = %s AND created_at > %s"
                " AND first_name = %s AND last_name = %s AND birth_date = %s AND phone IS NOT DISTINCT FROM %s"
                " AND postal_code = %s AND message IS NOT DISTINCT FROM %s ORDER BY created_at DESC LIMIT 1",
                (
                    mission_id, application.email_key, since, application.first_name, application.last_name,
                    application.birth_date.isoformat(), application.phone, application.postal_code,
                    application.message,
                ),
            ),
            (
                "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM applications WHERE mission_id = %s"
                f" AND {TAKING_A_PLACE} LIMIT %s) AS taken), (SELECT complete FROM mission_states WHERE mission_id = %s)",
                (mission_id, places, mission_id),
            ),
        )  # fmt: skip
        return duplicate, taken[0] >= places or bool(taken[1])

    def add_application(
        self, application_id: str, mission_id: str, application, *, created_at: float, waiting_list: bool,
        fill_seconds: float | None, mails: Sequence,
    ) -> None:  # fmt: skip
        """Store a checked application (:class:`catalog.application.Application`): « nouvelle », or on
        the waiting list (``waiting_list``), with the first event of its history and its ``mails``
        (as :meth:`add_mails`; an application has two), in one statement: the handler's busiest,
        where each statement costs the handler and the server about what a row does."""
        status = "attente" if waiting_list else "nouvelle"
        event = (
            "INSERT INTO application_events (application_id, mission_id, status, actor, created_at)"
            " VALUES (%s, %s, %s, 'volunteer', %s)"
        )
        outbox = (
            "INSERT INTO outbox (application_id, proposal_id, kind, sender, recipients, message_id, context,"
            " created_at, next_attempt_at) VALUES " + ", ".join(["(%s, NULL, %s, %s, %s, %s, %s, %s, %s)"] * len(mails))
        )
        self._queue(
            "WITH application AS (INSERT INTO applications (id, mission_id, created_at, first_name, last_name, email,"
            " email_key, phone, birth_date, postal_code, message, accepted_requirements, waiting_list, fill_seconds,"
            " status, status_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s))"
            + f", event AS ({event}) {outbox}",
            (
                application_id, mission_id, created_at, application.first_name, application.last_name,
                application.email, application.email_key, application.phone, application.birth_date.isoformat(),
                application.postal_code, application.message, int(application.accepted_requirements),
                int(waiting_list), fill_seconds, status, created_at,
                application_id, mission_id, status, created_at,
                *(value for mail in mails for value in (application_id, *mail_values(mail, created_at))),
            ),
        )  # fmt: skip

    def add_event(self, application_id: str, mission_id: str, status: str, actor: str, now: float) -> None:
        """One step of an application's history (``actor``: ``structure``, ``volunteer`` or ``system``)."""
        self._queue(
            "INSERT INTO application_events (application_id, mission_id, status, actor, created_at)"
            " VALUES (%s, %s, %s, %s, %s)",
            (application_id, mission_id, status, actor, now),
        )

    def count_applications(self, mission_id: str) -> int:
        return self._run("SELECT COUNT(*) FROM applications WHERE mission_id = %s", (mission_id,)).fetchone()[0]

    def list_applications(
        self, mission_id: str | None = None, *, filled_within: float | None = None, newest_first: bool = False
    ) -> list[Mapping]:
        """Applications (every column), by time; only those to ``mission_id``, only those sent less than
        ``filled_within`` seconds after the page opened or with no filling time, when given."""
        clauses, args = [], []
        if mission_id:
            clauses.append("mission_id = %s")
            args.append(mission_id)
        if filled_within is not None:
            clauses.append("(fill_seconds IS NULL OR fill_seconds < %s)")
            args.append(filled_within)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        order = " DESC" if newest_first else ""
        return self._run(f"SELECT * FROM applications{where} ORDER BY created_at{order}", args).fetchall()

    # -- answers: states, history, a mission's places (formhandler.answers) ------------------

    def hold_mission(self, mission_id: str) -> None:
        """Hold ``mission_id`` until the transaction ends: a change of state and an application to
        the same mission, counting its places, wait for each other."""
        self._hold_mission(mission_id)

    def find_application(self, application_id: str) -> Mapping | None:
        return self._run("SELECT * FROM applications WHERE id = %s", (application_id,)).fetchone()

    def history(self, application_id: str) -> list[Mapping]:
        """An application's events, oldest first (they outlive its erasure)."""
        return self._run(
            "SELECT status, actor, created_at FROM application_events WHERE application_id = %s"
            " ORDER BY created_at, id",
            (application_id,),
        ).fetchall()

    def change_status(self, application_id: str, before: str, after: str, now: float, *, answer: bool) -> bool:
        """Move an application from ``before`` to ``after`` (``answer``: the structure's first answer
        is dated); false when it was no longer ``before`` (another click came first)."""
        return bool(
            self._run(
                "UPDATE applications SET status = %s, status_at = %s,"
                " answered_at = CASE WHEN %s THEN COALESCE(answered_at, %s) ELSE answered_at END"
                " WHERE id = %s AND status = %s",
                (after, now, answer, now, application_id, before),
            ).rowcount
        )

    def mission_complete(self, mission_id: str) -> bool:
        row = self._run("SELECT complete FROM mission_states WHERE mission_id = %s", (mission_id,)).fetchone()
        return bool(row and row[0])

    def set_mission_complete(self, mission_id: str, complete: bool, now: float) -> None:
        self._queue(
            "INSERT INTO mission_states (mission_id, complete, changed_at) VALUES (%s, %s, %s)"
            " ON CONFLICT (mission_id) DO UPDATE SET complete = EXCLUDED.complete, changed_at = EXCLUDED.changed_at",
            (mission_id, int(complete), now),
        )

    def mission_counts(self, mission_id: str) -> dict[str, int]:
        """How many applications to ``mission_id`` in each state, and ``offered``: those taken from the
        waiting list that the structure has not answered yet."""
        counts: dict[str, int] = {}
        for status, waiting_list, count in self._run(
            "SELECT status, waiting_list, COUNT(*) FROM applications WHERE mission_id = %s"
            " GROUP BY status, waiting_list",
            (mission_id,),
        ).fetchall():
            counts[status] = counts.get(status, 0) + count
            if status == "nouvelle" and waiting_list:
                counts["offered"] = counts.get("offered", 0) + count
        return counts

    def first_waiting(self, mission_id: str, limit: int) -> list[Mapping]:
        """The ``limit`` first applications on ``mission_id``'s waiting list (first come, first offered)."""
        return self._run(
            "SELECT * FROM applications WHERE mission_id = %s AND status = 'attente' ORDER BY created_at, id LIMIT %s",
            (mission_id, limit),
        ).fetchall()

    def missions_places(self) -> dict[str, dict]:
        """For every mission with applications or a state: its counts (``accepted``, ``applications``,
        ``waiting``) and ``complete`` (the ``missions`` export)."""
        found: dict[str, dict] = {}
        for mission_id, accepted, applications, waiting, offered in self._run(
            "SELECT mission_id, COUNT(*) FILTER (WHERE status = 'acceptee'), COUNT(*),"
            " COUNT(*) FILTER (WHERE status = 'attente'),"
            f" COUNT(*) FILTER (WHERE {OFFERED}) FROM applications GROUP BY mission_id"
        ).fetchall():
            found[mission_id] = {
                "accepted": accepted, "applications": applications, "waiting": waiting, "offered": offered,
            }  # fmt: skip
        for mission_id, complete in self._run("SELECT mission_id, complete FROM mission_states").fetchall():
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
        return dict(self._run("SELECT mission_id, COUNT(*) FROM applications GROUP BY mission_id").fetchall())

    # -- proposals ---------------------------------------------------------------------------

    def add_proposal(
        self, proposal_id: str, proposal, *, created_at: float, contact_name: str, contact_email: str
    ) -> None:
        """Store a checked proposal (:class:`catalog.proposal.Proposal`), pending."""
        self._queue(
            "INSERT INTO proposals (id, created_at, mission_id, structure_slug, mission_yaml, structure_yaml,"
            " contact_name, contact_email) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (proposal_id, created_at, proposal.mission_id, proposal.structure_slug, proposal.mission_yaml,
             proposal.structure_yaml, contact_name, contact_email),
        )  # fmt: skip

    def find_proposal(self, proposal_id: str) -> Mapping | None:
        return self._run("SELECT * FROM proposals WHERE id = %s", (proposal_id,)).fetchone()

    def list_proposals(self, *, pending_only: bool = False, status: str | None = None) -> list[Mapping]:
        """Proposals, oldest first: every one, the pending ones, or those of one ``status``."""
        status = "pending" if pending_only else status
        if status is None:
            return self._run("SELECT * FROM proposals ORDER BY created_at").fetchall()
        return self._run("SELECT * FROM proposals WHERE status = %s ORDER BY created_at", (status,)).fetchall()

    def publish_proposal(self, proposal_id: str) -> None:
        """An accepted proposal whose mission is on the published site (its proposer has been told)."""
        self._queue("UPDATE proposals SET status = 'published' WHERE id = %s AND status = 'accepted'", (proposal_id,))

    def accept_proposal(self, proposal_id: str, now: float) -> None:
        self._queue("UPDATE proposals SET status = 'accepted', decided_at = %s WHERE id = %s", (now, proposal_id))

    def reject_proposal(self, proposal_id: str, now: float, reason: str) -> None:
        self._queue(
            "UPDATE proposals SET status = 'rejected', decided_at = %s, reason = %s WHERE id = %s",
            (now, reason, proposal_id),
        )

    # -- the outbox --------------------------------------------------------------------------

    def add_mails(
        self, mails: Iterable, now: float, *, application_id: str | None = None, proposal_id: str | None = None
    ) -> None:
        """Queue mails (:class:`formhandler.mails.OutgoingMail`), due now, tied to the application or
        proposal they are about (so that ``purge`` and ``erase`` find them)."""
        self._queue_many(
            "INSERT INTO outbox (application_id, proposal_id, kind, sender, recipients, message_id, context,"
            " created_at, next_attempt_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [(application_id, proposal_id, *mail_values(mail, now)) for mail in mails],
        )

    def claim_mails(self, now: float, lease: float, limit: int) -> list[dict]:
        """Reserve up to ``limit`` due mails until ``now + lease`` (pending ones whose time has come, and
        claimed ones whose lease expired), counting one more attempt; by id, ``recipients`` a list.

        ``FOR UPDATE SKIP LOCKED``: a mail another worker is claiming at this moment is passed over,
        and a row claimed and committed meanwhile is checked again against the conditions
        (``READ COMMITTED`` reads its latest version), so that no mail is claimed twice.
        """
        rows = self._run(
            "UPDATE outbox SET status = 'sending', lease_until = %(until)s, attempts = attempts + 1"
            " WHERE id IN (SELECT id FROM outbox WHERE (status = 'pending' AND next_attempt_at <= %(now)s)"
            " OR (status = 'sending' AND lease_until < %(now)s) ORDER BY next_attempt_at, id LIMIT %(limit)s"
            " FOR UPDATE SKIP LOCKED)"
            " RETURNING id, application_id, proposal_id, kind, sender, recipients, message_id, message, context,"
            " attempts, created_at",
            {"until": now + lease, "now": now, "limit": limit},
        ).fetchall()
        return sorted(({**row, "recipients": json.loads(row["recipients"])} for row in rows), key=lambda r: r["id"])

    def save_rendered(self, messages: Mapping[int, bytes]) -> None:
        """Keep each mail's bytes (mail id -> bytes): every retry sends them again."""
        self._queue_many("UPDATE outbox SET message = %s WHERE id = %s", [(m, i) for i, m in messages.items()])

    def mark_sent(self, sent: Iterable[tuple[int, float]]) -> None:
        """Record (mail id, time sent) pairs."""
        self._queue_many(
            "UPDATE outbox SET status = 'sent', sent_at = %s, lease_until = NULL, last_error = NULL WHERE id = %s",
            [(moment, mail_id) for mail_id, moment in sent],
        )

    def mark_failed(self, mail_id: int, reason: str) -> None:
        """Give up on a mail for good."""
        self._queue(
            "UPDATE outbox SET status = 'failed', lease_until = NULL, last_error = %s WHERE id = %s", (reason, mail_id)
        )

    def retry_later(self, mail_id: int, when: float, error: str) -> None:
        """Release a claimed mail, to be tried again at ``when``."""
        self._queue(
            "UPDATE outbox SET status = 'pending', lease_until = NULL, next_attempt_at = %s, last_error = %s"
            " WHERE id = %s",
            (when, error, mail_id),
        )

    def requeue_mail(self, mail_id: int, now: float) -> bool:
        """Queue a mail again, due now, as if new (its lifetime and attempts start again); a mail built
        from a context forgets its bytes, to be rendered again. Whether the mail exists."""
        return bool(
            self._run(
                "UPDATE outbox SET status = 'pending', next_attempt_at = %s, lease_until = NULL, attempts = 0,"
                " created_at = %s, message = CASE WHEN context IS NULL THEN message END WHERE id = %s",
                (now, now, mail_id),
            ).rowcount
        )

    def list_mails(self, statuses: Iterable[str]) -> list[Mapping]:
        """The mails in any of ``statuses``, by id (without their contents)."""
        return self._run(
            "SELECT id, kind, status, attempts, created_at, next_attempt_at, last_error, application_id FROM outbox"
            " WHERE status = ANY(%s) ORDER BY id",
            (list(statuses),),
        ).fetchall()

    def outbox_counts(self) -> dict[str, int]:
        """How many mails in each status."""
        return dict(self._run("SELECT status, COUNT(*) FROM outbox GROUP BY status").fetchall())

    def heartbeat(self, now: float) -> None:
        """A write that proves the database takes writes (``/healthz``)."""
        self._queue(
            "INSERT INTO heartbeat (id, written_at) VALUES (1, %s)"
            " ON CONFLICT (id) DO UPDATE SET written_at = EXCLUDED.written_at",
            (now,),
        )

    # -- retention and erasure ----------------------------------------------------------------
    # Every table that holds an address or what a person wrote: applications, proposals, the outbox
    # (contexts and rendered mails). Rate-limit counters hold digests only (formhandler.ratelimits).

    def find_address(self, key: str) -> tuple[list[str], list[Mapping]]:
        """The ids of the applications, and the proposals (``id``, ``status``), made with the mailbox
        ``key`` (see :func:`catalog.emails.mailbox_key`)."""
        applications = [
            row[0]
            for row in self._run(
                "SELECT id FROM applications WHERE email_key = %s OR lower(email) = %s", (key, key)
            ).fetchall()
        ]
        proposals = self._run("SELECT id, status FROM proposals WHERE lower(contact_email) = %s", (key,)).fetchall()
        return applications, proposals

    def erase_address(self, key: str) -> tuple[int, int]:
        """Delete everything about the mailbox ``key``; the numbers of applications and proposals deleted."""
        applications, proposals = self.find_address(key)
        self._delete_people(applications, [p["id"] for p in proposals])
        # mails sent to the address about nothing stored any more (an operator's copy, an older version's rows)
        self._run(
            "DELETE FROM outbox WHERE EXISTS (SELECT 1 FROM jsonb_array_elements_text(outbox.recipients::jsonb)"
            " AS recipient WHERE lower(recipient) = %s)",
            (key,),
        )
        return len(applications), len(proposals)

    def purge_before(self, limit: float) -> tuple[int, int, int]:
        """Delete applications and proposals made before ``limit``, their mails, and any other mail
        older than that; the numbers of applications, proposals and other mails deleted."""
        applications = [
            r[0] for r in self._run("SELECT id FROM applications WHERE created_at < %s", (limit,)).fetchall()
        ]
        proposals = [r[0] for r in self._run("SELECT id FROM proposals WHERE created_at < %s", (limit,)).fetchall()]
        self._delete_people(applications, proposals)
        others = self._run("DELETE FROM outbox WHERE created_at < %s", (limit,)).rowcount
        return len(applications), len(proposals), others

    def _delete_people(self, application_ids: list[str], proposal_ids: list[str]) -> None:
        if application_ids:
            self._run("DELETE FROM outbox WHERE application_id = ANY(%s)", (application_ids,))
            self._run("DELETE FROM applications WHERE id = ANY(%s)", (application_ids,))
        if proposal_ids:
            self._run("DELETE FROM outbox WHERE proposal_id = ANY(%s)", (proposal_ids,))
            self._run("DELETE FROM proposals WHERE id = ANY(%s)", (proposal_ids,))

    # -- copying a whole database (flask db copy) ---------------------------------------------

    def table_rows(self, table: str) -> tuple[list[str], Iterator[Sequence]]:
        """The columns of ``table`` (one of :data:`formhandler.db.COPIED_TABLES`) and its rows, read
        lazily (a server-side cursor of the snapshot's transaction)."""
        cursor = self.conn.cursor(name=f"copy_{table}")
        cursor.execute(f"SELECT * FROM {table} ORDER BY 1")

        def rows() -> Iterator[Sequence]:
            with cursor:
                yield from cursor

        return [column.name for column in cursor.description], rows()

    def count_rows(self, table: str) -> int:
        return self._run(f"SELECT COUNT(*) FROM {table}").fetchone()[0]

    def clear_tables(self, tables: Iterable[str]) -> None:
        self._run(f"TRUNCATE {', '.join(tables)}")

    def insert_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
        """Insert rows as they are, ids included (``COPY``); the outbox's id sequence then follows the
        largest id (the events' likewise). Text where PostgreSQL wants bytes (a rendered mail an older SQLite stored as
        text) is encoded."""
        binary = [position for position, column in enumerate(columns) if (table, column) == ("outbox", "message")]
        with self.conn.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                if binary:
                    row = list(row)
                    for position in binary:
                        if isinstance(row[position], str):
                            row[position] = row[position].encode("utf-8")
                copy.write_row(row)
        if table in ("outbox", "application_events"):
            self._run(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM {table}"
            )

    # -- follow-up: reminders, escalations, daily summaries, statistics (issue 15) -------------
    # Kept together at the end (formhandler.followup, formhandler.digest, formhandler.statistics).

    def unanswered(self, newest: float, *, oldest: float | None = None, mark: str | None = None) -> list[Mapping]:
        sql, args = unanswered_query("%s", newest, oldest, mark)
        return self._run(sql, args).fetchall()

    def mark_followed_up(self, application_ids: Sequence[str], mark: str, now: float) -> list[str]:
        """Set ``mark`` to ``now`` on those of ``application_ids`` where it is not set yet, still
        unanswered; the ids this call marked. Another run marking the same rows waits for this one's
        end, then finds them marked (``READ COMMITTED`` checks the conditions again): each
        application is followed up once, whatever the number of runs at once."""
        column = FOLLOW_UP_MARKS[mark]
        rows = self._run(
            f"UPDATE applications SET {column} = %s WHERE id = ANY(%s) AND {column} IS NULL"
            " AND status = 'nouvelle' AND answered_at IS NULL RETURNING id",
            (now, list(application_ids)),
        ).fetchall()
        return sorted(row[0] for row in rows)

    def last_digest(self, department: str) -> Mapping | None:
        """The department's latest summary (``day``, ``sent_at``), or ``None``."""
        return self._run(
            "SELECT day, sent_at FROM digests WHERE department = %s ORDER BY sent_at DESC LIMIT 1", (department,)
        ).fetchone()

    def claim_digest(self, department: str, day: str, now: float) -> bool:
        """Record the department's summary of ``day`` as sent at ``now``; ``False`` if it already was.
        Another run inserting the same day waits for this transaction, then finds the row."""
        return bool(
            self._run(
                "INSERT INTO digests (department, day, sent_at) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                (department, day, now),
            ).rowcount
        )

    def events_between(self, since: float, until: float) -> list[Mapping]:
        """The states applications took after ``since`` and at ``until`` or before, in order."""
        return self._run(
            "SELECT application_id, mission_id, status, actor, created_at FROM application_events"
            " WHERE created_at > %s AND created_at <= %s ORDER BY created_at, id",
            (since, until),
        ).fetchall()

    def applications_made_between(self, since: float, until: float) -> list[Mapping]:
        """The applications (id, mission, state, waiting list) made after ``since`` and at ``until`` or before."""
        return self._run(
            "SELECT id, mission_id, status, waiting_list, created_at FROM applications"
            " WHERE created_at > %s AND created_at <= %s ORDER BY created_at",
            (since, until),
        ).fetchall()

    def mission_states_changed(self, since: float, until: float) -> list[Mapping]:
        """Missions the structure said complete, or reopened, after ``since`` and at ``until`` or before."""
        return self._run(
            "SELECT mission_id, complete, changed_at FROM mission_states WHERE changed_at > %s AND changed_at <= %s",
            (since, until),
        ).fetchall()

    def statistics_rows(self) -> tuple[list[Mapping], list[Mapping]]:
        """What the statistics are made of: every application's mission, state and times (no identity),
        and every event (those of erased applications included), in order."""
        applications = self._run(
            "SELECT id, mission_id, status, created_at, answered_at FROM applications ORDER BY created_at"
        ).fetchall()
        events = self._run(
            "SELECT application_id, mission_id, status, actor, created_at FROM application_events ORDER BY created_at, id"
        ).fetchall()
        return applications, events

    # -- volunteers waiting for a mission (formhandler/alerts.py) ------------------------------
    # :class:`formhandler.store.Store`'s methods of the same block, in PostgreSQL's SQL.

    def save_pending_subscription(self, subscription_id: str, signup, now: float) -> Mapping:
        """A sign-up for a mailbox: a new pending subscription, or a pending one's details replaced.
        A confirmed subscription is left as it is. The mailbox's subscription row."""
        self._run(
            "INSERT INTO alert_subscriptions AS s (id, email, email_ascii, email_key, first_name, birth_date,"
            " postal_code, departments, domains, remote, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (email_key) DO UPDATE SET email = EXCLUDED.email, email_ascii = EXCLUDED.email_ascii,"
            " first_name = EXCLUDED.first_name, birth_date = EXCLUDED.birth_date, postal_code = EXCLUDED.postal_code,"
            " departments = EXCLUDED.departments, domains = EXCLUDED.domains, remote = EXCLUDED.remote,"
            " created_at = EXCLUDED.created_at WHERE s.status = 'pending'",
            subscription_values(subscription_id, signup, now),
        )
        return self._run("SELECT * FROM alert_subscriptions WHERE email_key = %s", (signup.email_key,)).fetchone()

    def find_subscription(self, subscription_id: str) -> Mapping | None:
        return self._run("SELECT * FROM alert_subscriptions WHERE id = %s", (subscription_id,)).fetchone()

    def confirm_subscription(self, subscription_id: str, now: float, expires_at: float, signup=None) -> None:
        """Confirmed from the address, until ``expires_at``; with the details of a new sign-up when given."""
        self._queue(
            "UPDATE alert_subscriptions SET status = 'confirmed', confirmed_at = %s, expires_at = %s,"
            " renewal_offered_at = NULL WHERE id = %s",
            (now, expires_at, subscription_id),
        )
        if signup is not None:
            self._queue(
                "UPDATE alert_subscriptions SET first_name = %s, birth_date = %s, postal_code = %s, departments = %s,"
                " domains = %s, remote = %s WHERE id = %s",
                (signup.first_name, signup.birth_date.isoformat(), signup.postal_code, *choice_values(signup.choices),
                 subscription_id),
            )  # fmt: skip

    def change_subscription_choices(self, subscription_id: str, choices) -> bool:
        return bool(
            self._run(
                "UPDATE alert_subscriptions SET departments = %s, domains = %s, remote = %s WHERE id = %s",
                (*choice_values(choices), subscription_id),
            ).rowcount
        )

    def renew_subscription(self, subscription_id: str, expires_at: float) -> bool:
        return bool(
            self._run(
                "UPDATE alert_subscriptions SET expires_at = %s, renewal_offered_at = NULL"
                " WHERE id = %s AND status = 'confirmed'",
                (expires_at, subscription_id),
            ).rowcount
        )

    def delete_subscriptions(self, subscriptions: Iterable[Mapping]) -> int:
        subscriptions = list(subscriptions)
        if not subscriptions:
            return 0
        ids = [s["id"] for s in subscriptions]
        self._run("DELETE FROM alert_announced WHERE subscription_id = ANY(%s)", (ids,))
        self._run(
            "DELETE FROM outbox WHERE kind LIKE 'alert%%' AND recipients = ANY(%s)",
            ([json.dumps([s["email_ascii"]]) for s in subscriptions],),
        )
        return self._run("DELETE FROM alert_subscriptions WHERE id = ANY(%s)", (ids,)).rowcount

    def subscriptions_due(self, day: str, now: float) -> list[Mapping]:
        return self._run(
            "SELECT id, email_ascii, first_name, birth_date, departments, domains, remote FROM alert_subscriptions"
            " WHERE status = 'confirmed' AND expires_at > %s AND (last_alert_day IS NULL OR last_alert_day <> %s)",
            (now, day),
        ).fetchall()

    def announced_missions(self, mission_ids: Iterable[str]) -> dict[str, set[str]]:
        told: dict[str, set[str]] = {}
        for subscription_id, mission_id in self._run(
            "SELECT subscription_id, mission_id FROM alert_announced WHERE mission_id = ANY(%s)", (list(mission_ids),)
        ).fetchall():
            told.setdefault(subscription_id, set()).add(mission_id)
        return told

    def record_alerts(self, alerts: Iterable[tuple[str, object, list[str]]], day: str, now: float) -> int:
        """See :meth:`formhandler.store.Store.record_alerts`: the ``UPDATE … WHERE`` waits for another
        run's transaction on the same rows, then reads their latest version (``READ COMMITTED``)."""
        alerts = list(alerts)
        claimed = {
            row[0]
            for row in self._run(
                "UPDATE alert_subscriptions SET last_alert_day = %s, alerts_sent = alerts_sent + 1"
                " WHERE id = ANY(%s) AND (last_alert_day IS NULL OR last_alert_day <> %s) RETURNING id",
                (day, [subscription_id for subscription_id, _, _ in alerts], day),
            ).fetchall()
        }
        alerts = [alert for alert in alerts if alert[0] in claimed]
        self.add_mails([mail for _, mail, _ in alerts], now)
        self._queue_many(
            "INSERT INTO alert_announced (subscription_id, mission_id, announced_at) VALUES (%s, %s, %s)"
            " ON CONFLICT DO NOTHING",
            [(subscription_id, mission_id, now) for subscription_id, _, missions in alerts for mission_id in missions],
        )
        return len(alerts)

    def subscriptions_ending(self, before: float, now: float) -> list[Mapping]:
        return self._run(
            "SELECT id, email_ascii, first_name, expires_at FROM alert_subscriptions WHERE status = 'confirmed'"
            " AND expires_at > %s AND expires_at <= %s AND renewal_offered_at IS NULL",
            (now, before),
        ).fetchall()

    def record_renewal_offers(self, offers: Iterable[tuple[str, object]], now: float) -> None:
        offers = list(offers)
        self.add_mails([mail for _, mail in offers], now)
        self._queue_many(
            "UPDATE alert_subscriptions SET renewal_offered_at = %s WHERE id = %s", [(now, i) for i, _ in offers]
        )

    def subscriptions_over(self, now: float, unconfirmed_before: float) -> list[Mapping]:
        return self._run(
            "SELECT id, email_ascii FROM alert_subscriptions WHERE (status = 'confirmed' AND expires_at <= %s)"
            " OR (status = 'pending' AND created_at < %s)",
            (now, unconfirmed_before),
        ).fetchall()

    def find_subscriptions_of(self, key: str) -> list[Mapping]:
        return self._run(
            "SELECT id, email_ascii, status FROM alert_subscriptions WHERE email_key = %s OR lower(email) = %s",
            (key, key),
        ).fetchall()

    def waiting_volunteers(self, now: float) -> list[Mapping]:
        return self._run(
            "SELECT departments, domains, remote FROM alert_subscriptions WHERE status = 'confirmed'"
            " AND expires_at > %s",
            (now,),
        ).fetchall()

    def alert_applications(self) -> int:
        return self._run(
            "SELECT COUNT(DISTINCT a.id) FROM applications a JOIN alert_subscriptions s ON s.email_key = a.email_key"
            " JOIN alert_announced n ON n.subscription_id = s.id AND n.mission_id = a.mission_id"
            " WHERE a.created_at >= n.announced_at"
        ).fetchone()[0]

    def add_alert_run(self, run_id: str, started_at: float) -> None:
        self._queue("INSERT INTO alert_runs (id, started_at) VALUES (%s, %s)", (run_id, started_at))

    def finish_alert_run(self, run_id: str, now: float, missions: int, mails: int, renewals: int) -> None:
        self._queue(
            "UPDATE alert_runs SET finished_at = %s, missions = %s, mails = %s, renewals = %s WHERE id = %s",
            (now, missions, mails, renewals, run_id),
        )

    def alert_run_totals(self) -> Mapping:
        return self._run(
            "SELECT COUNT(*) AS runs, COALESCE(SUM(mails), 0) AS mails, MAX(finished_at) AS last FROM alert_runs"
        ).fetchone()
