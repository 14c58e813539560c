"""SQLite's tables, and the upgrades that bring an older database to them (``PRAGMA user_version``).

Only :class:`formhandler.sqlite.SQLiteDatabase` calls :func:`upgrade`, on a connection of its
own, before any request: the statements that read and write the rows are in
:mod:`formhandler.store`.
"""

from __future__ import annotations

import sqlite3
from contextlib import suppress
from email.utils import parseaddr

from catalog.emails import mailbox_key

# An application's history, without identity: what statistics keep once the application is erased.
EVENTS_TABLE = """
CREATE TABLE IF NOT EXISTS application_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id TEXT NOT NULL,
    mission_id TEXT NOT NULL,
    status TEXT NOT NULL,
    actor TEXT NOT NULL,
    created_at REAL NOT NULL
);
"""

# An application that takes one of its mission's places: accepted, or offered a freed place and not
# answered yet (formhandler.states). Counted at each application, whatever their number, from an
# index of their own; the queries use this very text (SQLite uses a partial index only for a query
# holding its condition word for word).
OFFERED = "(status = 'nouvelle' AND waiting_list = 1)"  # taken from the waiting list, not answered yet
TAKING_A_PLACE = f"(status = 'acceptee' OR {OFFERED})"

SCHEMA = (
    EVENTS_TABLE
    + """
CREATE TABLE IF NOT EXISTS applications (
    id TEXT PRIMARY KEY,
    mission_id TEXT NOT NULL,
    created_at REAL NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL,
    phone TEXT,
    birth_date TEXT NOT NULL,
    postal_code TEXT NOT NULL,
    message TEXT,
    accepted_requirements INTEGER NOT NULL DEFAULT 0,
    waiting_list INTEGER NOT NULL DEFAULT 0,
    fill_seconds REAL,
    status TEXT NOT NULL DEFAULT 'nouvelle',
    status_at REAL,
    answered_at REAL,
    reminded_at REAL,
    escalated_at REAL
);
CREATE INDEX IF NOT EXISTS applications_mission ON applications (mission_id, email_key, created_at);
CREATE INDEX IF NOT EXISTS applications_email ON applications (email_key);
CREATE INDEX IF NOT EXISTS applications_created ON applications (created_at);
CREATE INDEX IF NOT EXISTS applications_taking ON applications (mission_id) WHERE """
    + TAKING_A_PLACE
    + """;

CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id TEXT,
    proposal_id TEXT,
    kind TEXT NOT NULL,
    sender TEXT NOT NULL,
    recipients TEXT NOT NULL,
    message_id TEXT NOT NULL UNIQUE,
    message BLOB,
    context TEXT,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    next_attempt_at REAL NOT NULL,
    lease_until REAL,
    sent_at REAL,
    last_error TEXT
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (status, next_attempt_at);

CREATE TABLE IF NOT EXISTS proposals (
    id TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    mission_id TEXT NOT NULL,
    structure_slug TEXT NOT NULL,
    mission_yaml TEXT NOT NULL,
    structure_yaml TEXT,
    contact_name TEXT,
    contact_email TEXT NOT NULL,
    decided_at REAL,
    reason TEXT
);
CREATE INDEX IF NOT EXISTS outbox_application ON outbox (application_id);
CREATE INDEX IF NOT EXISTS outbox_proposal ON outbox (proposal_id);
CREATE INDEX IF NOT EXISTS outbox_created ON outbox (created_at);
CREATE INDEX IF NOT EXISTS proposals_created ON proposals (created_at);

CREATE TABLE IF NOT EXISTS heartbeat (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    written_at REAL NOT NULL
);

CREATE INDEX IF NOT EXISTS application_events_mission ON application_events (mission_id, created_at);
CREATE INDEX IF NOT EXISTS application_events_created ON application_events (created_at);

CREATE TABLE IF NOT EXISTS mission_states (
    mission_id TEXT PRIMARY KEY,
    complete INTEGER NOT NULL DEFAULT 0,
    changed_at REAL NOT NULL
);

CREATE TABLE IF NOT EXISTS digests (
    department TEXT NOT NULL,
    day TEXT NOT NULL,
    sent_at REAL NOT NULL,
    PRIMARY KEY (department, day)
);
"""
)

# Version 4: volunteers waiting for a mission (formhandler/alerts.py). A subscription is one per
# mailbox (email_key); what was announced to whom is kept per person and mission, so that a mission
# is never announced twice; a run of `alerts send` leaves a row without any personal data.
ALERTS_SCHEMA = """
CREATE TABLE IF NOT EXISTS alert_subscriptions (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    email_ascii TEXT NOT NULL,
    email_key TEXT NOT NULL UNIQUE,
    first_name TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    postal_code TEXT NOT NULL,
    departments TEXT NOT NULL,
    domains TEXT NOT NULL,
    remote INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'pending',
    created_at REAL NOT NULL,
    confirmed_at REAL,
    expires_at REAL,
    renewal_offered_at REAL,
    last_alert_day TEXT,
    alerts_sent INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS alert_subscriptions_status ON alert_subscriptions (status, expires_at);
CREATE INDEX IF NOT EXISTS alert_subscriptions_created ON alert_subscriptions (created_at);

CREATE TABLE IF NOT EXISTS alert_announced (
    subscription_id TEXT NOT NULL,
    mission_id TEXT NOT NULL,
    announced_at REAL NOT NULL,
    PRIMARY KEY (subscription_id, mission_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS alert_announced_mission ON alert_announced (mission_id);

CREATE TABLE IF NOT EXISTS alert_runs (
    id TEXT PRIMARY KEY,
    started_at REAL NOT NULL,
    finished_at REAL,
    missions INTEGER NOT NULL DEFAULT 0,
    mails INTEGER NOT NULL DEFAULT 0,
    renewals INTEGER NOT NULL DEFAULT 0
);
"""
SCHEMA += ALERTS_SCHEMA
SCHEMA_VERSION = 5

TABLES = {
    "applications", "outbox", "proposals", "heartbeat", "application_events", "mission_states", "digests",
    "alert_subscriptions", "alert_announced", "alert_runs",
}  # fmt: skip


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def _add_columns(conn: sqlite3.Connection, tables: set[str], columns: list[tuple[str, str]]) -> None:
    """Add columns to the tables that exist (a missing table is then created whole by SCHEMA)."""
    for table, column in columns:
        if table in tables and column.split()[0] not in _columns(conn, table):
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {column}")


def _to_2(conn: sqlite3.Connection, tables: set[str]) -> None:
    """Applications keep their filling time; mails know their proposal; proposers' addresses are
    kept in the form ``erase`` looks for (older versions stored them as typed)."""
    _add_columns(conn, tables, [("applications", "fill_seconds REAL"), ("outbox", "proposal_id TEXT")])
    if "outbox" in tables:
        conn.execute(
            "UPDATE outbox SET proposal_id = json_extract(context, '$.proposal_id')"
            " WHERE kind LIKE 'proposal-%' AND context IS NOT NULL AND json_valid(context)"
        )
    if "proposals" in tables:
        for proposal_id, typed in conn.execute("SELECT id, contact_email FROM proposals").fetchall():
            key = mailbox_key(parseaddr(typed or "")[1] or typed or "")
            if key != typed:
                conn.execute("UPDATE proposals SET contact_email = ? WHERE id = ?", (key, proposal_id))


def _to_3(conn: sqlite3.Connection, tables: set[str]) -> None:
    """Applications have a state the structure changes (issue 15), and a history without identity
    (``application_events``, created by SCHEMA): every application stored so far is « nouvelle »
    since its arrival — nobody had answered it (``waiting_list`` keeps meaning « sent while the
    mission was full », which counted applications then, not accepted volunteers)."""
    _add_columns(
        conn,
        tables,
        [
            ("applications", "status TEXT NOT NULL DEFAULT 'nouvelle'"),
            ("applications", "status_at REAL"),
            ("applications", "answered_at REAL"),
            ("applications", "reminded_at REAL"),
            ("applications", "escalated_at REAL"),
        ],
    )
    if "applications" in tables:
        conn.execute("UPDATE applications SET status_at = created_at WHERE status_at IS NULL")
        conn.execute(EVENTS_TABLE)
        conn.execute(
            "INSERT INTO application_events (application_id, mission_id, status, actor, created_at)"
            " SELECT id, mission_id, 'nouvelle', 'volunteer', created_at FROM applications ORDER BY created_at"
        )


# Each upgrade takes a database from the version before it to its own (PRAGMA user_version).
# Versions 4 (volunteers waiting for a mission) and 5 (the places taken, indexed) only add tables
# and indexes, which SCHEMA creates after the upgrades.
UPGRADES = {2: _to_2, 3: _to_3}
# After these, the file is rewritten (VACUUM): older versions deleted rows without zeroing them.
REWRITE_AFTER = {2}


def _upgrade_unversioned(conn: sqlite3.Connection) -> int:
    """The version of a database made before versions were recorded (0 or 1)."""
    if "context" in _columns(conn, "outbox") or not _columns(conn, "outbox"):
        return 1
    # 0.1: mails were rendered before storing; the outbox gains its context column
    conn.executescript(
        "BEGIN IMMEDIATE;"
        "ALTER TABLE outbox RENAME TO outbox_old;"
        "DROP INDEX IF EXISTS outbox_due; DROP INDEX IF EXISTS outbox_application;"
        "CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, application_id TEXT, kind TEXT NOT NULL,"
        " sender TEXT NOT NULL, recipients TEXT NOT NULL, message_id TEXT NOT NULL UNIQUE, message BLOB,"
        " context TEXT, status TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,"
        " created_at REAL NOT NULL, next_attempt_at REAL NOT NULL, lease_until REAL, sent_at REAL, last_error TEXT);"
        "INSERT INTO outbox (id, application_id, kind, sender, recipients, message_id, message, status, attempts,"
        " created_at, next_attempt_at, lease_until, sent_at, last_error) SELECT id, application_id, kind, sender,"
        " recipients, message_id, message, status, attempts, created_at, next_attempt_at, lease_until, sent_at,"
        " last_error FROM outbox_old;"
        "DROP TABLE outbox_old;"
        "COMMIT;"
    )
    return 1


def upgrade(conn: sqlite3.Connection) -> None:
    """Create the tables, or bring an older database up to :data:`SCHEMA_VERSION`; an up-to-date
    database is only read (it may be read-only for now: requests will say so)."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if version == SCHEMA_VERSION and tables >= TABLES:
        return
    if not tables & {"applications", "outbox", "proposals"}:
        version = SCHEMA_VERSION  # a new database gets the current tables at once
    elif version == 0:
        version = _upgrade_unversioned(conn)
    rewrite = False
    for target in range(version + 1, SCHEMA_VERSION + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            if target in UPGRADES:
                UPGRADES[target](conn, tables)
            conn.execute(f"PRAGMA user_version = {target}")
            conn.execute("COMMIT")
        except BaseException:
            with suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise
        rewrite = rewrite or target in REWRITE_AFTER
    conn.executescript(f"BEGIN IMMEDIATE; {SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")
    if rewrite:
        conn.execute("VACUUM")
