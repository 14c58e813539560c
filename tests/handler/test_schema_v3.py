"""Schema version 3 (issue 15): applications' states and their history, on both databases.

A database of version 2 is upgraded at start without losing a row or a column; every
application stored before is « nouvelle » since its arrival, with the first event of its history.
The new tables are copied by ``db copy``; ``erase`` and ``purge`` delete the people, never the
history, which holds no identity.
"""

from __future__ import annotations

import sqlite3
import time

import psycopg

from devtools.mailcatcher import free_port
from formhandler import postgres_schema, schema
from formhandler.outbox import deliver_due
from tests.helpers import Tables
from tests.helpers.answers import apply_status as apply

# SQLite's tables at version 2 (formhandler/schema.py before issue 15)
SQLITE_VERSION_2 = """
CREATE TABLE applications (
    id TEXT PRIMARY KEY, mission_id TEXT NOT NULL, created_at REAL NOT NULL, first_name TEXT NOT NULL,
    last_name TEXT NOT NULL, email TEXT NOT NULL, email_key TEXT NOT NULL, phone TEXT, birth_date TEXT NOT NULL,
    postal_code TEXT NOT NULL, message TEXT, accepted_requirements INTEGER NOT NULL DEFAULT 0,
    waiting_list INTEGER NOT NULL DEFAULT 0, fill_seconds REAL
);
CREATE INDEX applications_mission ON applications (mission_id, email_key, created_at);
CREATE INDEX applications_email ON applications (email_key);
CREATE INDEX applications_created ON applications (created_at);
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT, application_id TEXT, proposal_id TEXT, kind TEXT NOT NULL,
    sender TEXT NOT NULL, recipients TEXT NOT NULL, message_id TEXT NOT NULL UNIQUE, message BLOB, context TEXT,
    status TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0, created_at REAL NOT NULL,
    next_attempt_at REAL NOT NULL, lease_until REAL, sent_at REAL, last_error TEXT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE TABLE proposals (
    id TEXT PRIMARY KEY, created_at REAL NOT NULL, status TEXT NOT NULL DEFAULT 'pending',
    mission_id TEXT NOT NULL, structure_slug TEXT NOT NULL, mission_yaml TEXT NOT NULL, structure_yaml TEXT,
    contact_name TEXT, contact_email TEXT NOT NULL, decided_at REAL, reason TEXT
);
CREATE INDEX outbox_application ON outbox (application_id);
CREATE INDEX outbox_proposal ON outbox (proposal_id);
CREATE INDEX outbox_created ON outbox (created_at);
CREATE INDEX proposals_created ON proposals (created_at);
CREATE TABLE heartbeat (id INTEGER PRIMARY KEY CHECK (id = 1), written_at REAL NOT NULL);
PRAGMA user_version = 2;
"""
OLD_TABLES = ("applications", "outbox", "proposals", "heartbeat")
NEW_COLUMNS = ("status", "status_at", "answered_at", "reminded_at", "escalated_at")


def make_version_2(database: str, backend: str) -> None:
    """An empty database of schema version 2, as the previous version of the handler left it."""
    if backend == "sqlite":
        conn = sqlite3.connect(database)
        conn.executescript(SQLITE_VERSION_2)
        conn.close()
        return
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        conn.execute(postgres_schema.UPGRADES[1].statements)
        conn.execute(postgres_schema.UPGRADES[2].statements)
        conn.execute("CREATE TABLE schema_version (version integer NOT NULL)")
        conn.execute("INSERT INTO schema_version (version) VALUES (2)")


def old_columns(tables: Tables, table: str) -> list[str]:
    """The columns ``table`` had at version 2 (``tables``: a SQLite database of this version)."""
    names = [row["name"] for row in tables(f"PRAGMA table_info({table})")]
    return [name for name in names if table != "applications" or name not in NEW_COLUMNS]


def everything(tables: Tables, columns: dict[str, list[str]]) -> dict[str, list]:
    return {table: tables(f"SELECT {', '.join(columns[table])} FROM {table} ORDER BY 1") for table in OLD_TABLES}


def test_a_version_2_database_is_upgraded_without_losing_a_row(make_app, database, backend, tmp_path, smtp):
    # rows as the handler writes them (three applications, a proposal, their mails waiting: SMTP down)
    source_path = str(tmp_path / "source.sqlite3")
    source = make_app(DATABASE=source_path, MAIL_PORT=free_port(), RATELIMIT_STORAGE_URI="memory://")
    client = source.test_client()
    assert [apply(client, n) for n in range(3)] == [201] * 3
    from tests.handler.test_proposals import post as post_proposal

    assert post_proposal(client).status_code == 201
    assert deliver_due(source)["pending"] == 8
    with source.extensions["database"].transaction() as store:
        store.heartbeat(time.time())
    source_tables = Tables(source_path)
    columns = {table: old_columns(source_tables, table) for table in OLD_TABLES}
    before = everything(source_tables, columns)

    make_version_2(database, backend)
    target = Tables(database)
    for table in OLD_TABLES:
        marks = ", ".join("?" * len(columns[table]))
        for row in before[table]:
            target.execute(f"INSERT INTO {table} ({', '.join(columns[table])}) VALUES ({marks})", *row)
    if backend == "postgresql":
        target.execute("SELECT setval(pg_get_serial_sequence('outbox', 'id'), 100)")

    app = make_app(DATABASE=database)  # this version starts on it
    if backend == "sqlite":
        assert target("PRAGMA user_version") == [(schema.SCHEMA_VERSION,)]
    else:
        assert target("SELECT version FROM schema_version") == [(postgres_schema.SCHEMA_VERSION,)]
    assert everything(target, columns) == before  # every row, every column it had
    states = target(
        "SELECT id, status, status_at, created_at, answered_at, reminded_at, escalated_at FROM applications"
    )
    assert [(r["status"], r["status_at"]) for r in states] == [("nouvelle", r["created_at"]) for r in states]
    assert {(r["answered_at"], r["reminded_at"], r["escalated_at"]) for r in states} == {(None, None, None)}
    events = target("SELECT application_id, mission_id, status, actor, created_at FROM application_events ORDER BY id")
    assert [tuple(e) for e in events] == sorted(
        ((r["id"], r["mission_id"], "nouvelle", "volunteer", r["created_at"]) for r in before["applications"]),
        key=lambda e: e[4],
    )
    assert target("SELECT COUNT(*) FROM mission_states") == [(0,)] == target("SELECT COUNT(*) FROM digests")

    assert deliver_due(app, now=time.time() + 3600) == {"sent": 8, "pending": 0, "failed": 0}
    assert {m.message["Message-ID"] for m in smtp.mails} == {r["message_id"] for r in before["outbox"]}
    assert apply(app.test_client(), 9) == 201
    newest = target("SELECT id, status, status_at, created_at FROM applications ORDER BY created_at DESC")[0]
    assert (newest["status"], newest["status_at"]) == ("nouvelle", newest["created_at"])
    assert target("SELECT status, actor FROM application_events WHERE application_id = ?", newest["id"]) == [
        ("nouvelle", "volunteer")
    ]
    source_tables.close()
    target.close()


def test_an_upgraded_database_is_upgraded_no_further(make_app, database, backend):
    """A second start finds version 3 and adds no event twice."""
    make_version_2(database, backend)
    tables = Tables(database)
    tables.execute(
        "INSERT INTO applications (id, mission_id, created_at, first_name, last_name, email, email_key, birth_date,"
        " postal_code) VALUES ('a1', 'colis-laon', 1, 'A', 'B', 'a@b.fr', 'a@b.fr', '1990-01-01', '02000')"
    )
    make_app(DATABASE=database)
    make_app(DATABASE=database)
    assert tables("SELECT application_id, status FROM application_events") == [("a1", "nouvelle")]
    tables.close()


def test_db_copy_carries_the_history_and_the_missions_states(make_app, database, tmp_path, rows):
    app = make_app()
    client = app.test_client()
    assert [apply(client, n) for n in range(2)] == [201] * 2
    rows.execute("INSERT INTO mission_states (mission_id, complete, changed_at) VALUES ('colis-laon', 1, 5)")
    rows.execute("INSERT INTO digests (department, day, sent_at) VALUES ('02', '2026-11-29', 6)")
    target = tmp_path / "copy.sqlite3"
    result = app.test_cli_runner().invoke(args=["db", "copy", "--to", str(target)])
    assert result.exit_code == 0, result.output
    copied = Tables(str(target))
    for table in ("application_events", "mission_states", "digests"):
        assert copied(f"SELECT * FROM {table} ORDER BY 1") == rows(f"SELECT * FROM {table} ORDER BY 1")
    assert len(copied("SELECT * FROM application_events")) == 2


def test_erase_and_purge_delete_the_people_and_keep_their_history_without_identity(make_app, rows):
    app = make_app()
    client = app.test_client()
    assert [apply(client, n) for n in range(3)] == [201] * 3
    runner = app.test_cli_runner()
    result = runner.invoke(args=["erase", "v0@exemple.fr", "--yes"])
    assert "1 candidature(s)" in result.output
    assert rows("SELECT COUNT(*) FROM applications") == [(2,)]
    assert rows("SELECT COUNT(*) FROM application_events") == [(3,)]
    result = runner.invoke(args=["purge", "--days", "0"])
    assert "2 candidature(s)" in result.output, result.output
    assert rows("SELECT COUNT(*) FROM applications") == [(0,)] == rows("SELECT COUNT(*) FROM outbox")
    # what stays is a count by mission and time: no column of the history can name anybody
    names = set(rows("SELECT * FROM application_events LIMIT 1")[0].keys())
    assert names == {"id", "application_id", "mission_id", "status", "actor", "created_at"}
    assert len(rows("SELECT * FROM application_events")) == 3
