"""SQLite storage: one long-lived connection per thread, WAL, synchronous=FULL.

Nothing is acknowledged before its transaction is committed: callers use
:func:`transaction`, which opens ``BEGIN IMMEDIATE`` and commits or rolls back.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from contextlib import contextmanager, nullcontext, suppress
from email.utils import parseaddr

from flask import Flask, current_app

from catalog.emails import mailbox_key

SCHEMA = """
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
    fill_seconds REAL
);
CREATE INDEX IF NOT EXISTS applications_mission ON applications (mission_id, email_key, created_at);
CREATE INDEX IF NOT EXISTS applications_email ON applications (email_key);
CREATE INDEX IF NOT EXISTS applications_created ON applications (created_at);

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
"""
SCHEMA_VERSION = 2

TABLES = {"applications", "outbox", "proposals", "heartbeat"}


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


# Each upgrade takes a database from the version before it to its own (PRAGMA user_version).
UPGRADES = {2: _to_2}
# After these, the file is rewritten (VACUUM): older versions deleted rows without zeroing them.
REWRITE_AFTER = {2}


_local = threading.local()


class StorageError(Exception):
    """The database cannot be written: the request must not be acknowledged."""


REQUEST_CHECKPOINT_PAGES = 10_000  # 40 MB of write-ahead log: a backstop, normally never reached
CHECKPOINT_SECONDS = 2.0
_checkpoint_lock = threading.Lock()
_next_checkpoint = 0.0


def checkpoint(conn: sqlite3.Connection) -> None:
    """Copy the write-ahead log into the database, outside any transaction and the writer lock,
    at most every ``CHECKPOINT_SECONDS`` per process.

    A ``PASSIVE`` checkpoint lets writers go on appending to the log meanwhile,
    so a request never waits behind the disk work of a checkpoint.
    """
    global _next_checkpoint
    now = time.monotonic()
    if now < _next_checkpoint or not _checkpoint_lock.acquire(blocking=False):
        return
    try:
        _next_checkpoint = now + CHECKPOINT_SECONDS
        with suppress(sqlite3.Error):
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    finally:
        _checkpoint_lock.release()


def connect(path: str) -> sqlite3.Connection:
    """Open a connection with the durability settings; create the schema if needed."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    conn = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=True, factory=_Connection)
    conn.path = path
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA busy_timeout = 10000")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    # Deleted rows are overwritten with zeros, not left in free pages: erasure means erased.
    conn.execute("PRAGMA secure_delete = ON")
    # Checkpoints (copying the write-ahead log into the database) are left to the delivery, which
    # runs them outside the writer lock (see outbox.deliver_due); a request only checkpoints past
    # 40 MB of log, should no delivery run at all.
    conn.execute(f"PRAGMA wal_autocheckpoint = {REQUEST_CHECKPOINT_PAGES}")
    return conn


class _Connection(sqlite3.Connection):
    """A connection that knows its file, for the writer lock."""

    path: str = ""
    writer_lock = None


class _WriterLock:
    """An exclusive lock file taken around each write transaction.

    SQLite makes a second writer wait by sleeping and retrying (1, 2, 5, 10 ms…),
    which adds long tails under load; queueing on ``flock`` wakes the next
    writer as soon as the lock is released. One open file per connection, so
    threads of one process exclude each other too.
    """

    def __init__(self, path: str):
        self.fd = os.open(path + ".lock", os.O_RDWR | os.O_CREAT, 0o600)

    def __enter__(self):
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def __exit__(self, *exc):
        fcntl.flock(self.fd, fcntl.LOCK_UN)


_schema_ready: set[str] = set()
_schema_lock = threading.Lock()


def get_db() -> sqlite3.Connection:
    """This thread's connection to the app's database (opened once, kept open until an error)."""
    path = current_app.config["DATABASE"]
    conns = getattr(_local, "conns", None)
    if conns is None:
        conns = _local.conns = {}
    conn = conns.get(path)
    if conn is None:
        try:
            if path not in _schema_ready:  # the database was unusable at start: its tables come now
                with _schema_lock:
                    init_schema(path)
            conn = connect(path)
        except (sqlite3.Error, OSError) as error:
            raise StorageError(str(error)) from error
        conns[path] = conn
    return conn


def _writer_lock(conn: sqlite3.Connection) -> _WriterLock | None:
    """The connection's lock file, opened on its first write (one per connection, hence per thread)."""
    if not isinstance(conn, _Connection):
        return None
    if conn.writer_lock is None:
        try:
            conn.writer_lock = _WriterLock(conn.path)
        except OSError:
            return None  # no lock file possible: SQLite's own locking still holds
    return conn.writer_lock


# Errors after which a connection is not to be trusted again: it was opened read-only, or its files
# changed under it. A full disk or a busy lock, by contrast, pass with the connection as it is.
STALE_ERRORS = ("SQLITE_READONLY", "SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_NOTADB", "SQLITE_CORRUPT")


def _stale(error: sqlite3.Error) -> bool:
    return str(getattr(error, "sqlite_errorname", "")).startswith(STALE_ERRORS)


def discard(conn: sqlite3.Connection) -> None:
    """Forget and close a connection after a storage error.

    A connection keeps the state it was opened in: one opened while the file
    was read-only stays read-only after the file is writable again. The next
    :func:`get_db` of this thread opens a new one.
    """
    conns = getattr(_local, "conns", {})
    for path, cached in list(conns.items()):
        if cached is conn:
            del conns[path]
    if getattr(conn, "writer_lock", None) is not None:
        with suppress(OSError):
            os.close(conn.writer_lock.fd)
        conn.writer_lock = None
    with suppress(sqlite3.Error):
        conn.close()


@contextmanager
def transaction(conn: sqlite3.Connection | None = None):
    """``BEGIN IMMEDIATE`` … ``COMMIT``; any SQLite error becomes :class:`StorageError`. After an
    error that leaves the connection stale, it is discarded (once the writer lock, its own file, is released)."""
    conn = conn or get_db()
    failure: sqlite3.Error | None = None
    with _writer_lock(conn) or nullcontext():
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            failure = error
        else:
            try:
                yield conn
                conn.execute("COMMIT")
            except sqlite3.Error as error:
                _rollback(conn)
                failure = error
            except BaseException:
                _rollback(conn)
                raise
    if failure is not None:
        if _stale(failure):
            discard(conn)
        raise StorageError(str(failure)) from failure


def _rollback(conn: sqlite3.Connection) -> None:
    with suppress(sqlite3.Error):
        conn.execute("ROLLBACK")


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


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


def init_schema(path: str) -> None:
    """Create the tables, or bring an older database up to :data:`SCHEMA_VERSION`; an up-to-date
    database is only read (it may be read-only for now: requests will say so)."""
    conn = connect(path)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if version != SCHEMA_VERSION or not tables >= TABLES:
            _upgrade(conn, version, tables)
    finally:
        conn.close()
    _schema_ready.add(path)


def _upgrade(conn: sqlite3.Connection, version: int, tables: set[str]) -> None:
    if not tables & {"applications", "outbox", "proposals"}:
        version = SCHEMA_VERSION  # a new database gets the current tables at once
    elif version == 0:
        version = _upgrade_unversioned(conn)
    rewrite = False
    for target in range(version + 1, SCHEMA_VERSION + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            UPGRADES[target](conn, tables)
            conn.execute(f"PRAGMA user_version = {target}")
            conn.execute("COMMIT")
        except BaseException:
            _rollback(conn)
            raise
        rewrite = rewrite or target in REWRITE_AFTER
    conn.executescript(f"BEGIN IMMEDIATE; {SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")
    if rewrite:
        conn.execute("VACUUM")


def init_app(app: Flask) -> None:
    """Create the schema at start when the database can be written."""
    try:
        init_schema(app.config["DATABASE"])
    except (sqlite3.Error, OSError) as error:
        # The handler still starts: posts answer 503 until storage works.
        app.logger.error("base de données inutilisable au démarrage : %s", type(error).__name__)


# -- retention and erasure -------------------------------------------------------------
# Every table that holds an address or what a person wrote: applications, proposals, the outbox
# (contexts and rendered mails). Rate-limit counters live in their own file (formhandler.ratelimits).


def _delete_people(conn, application_ids: list[str], proposal_ids: list[str]) -> None:
    conn.executemany("DELETE FROM outbox WHERE application_id = ?", [(i,) for i in application_ids])
    conn.executemany("DELETE FROM outbox WHERE proposal_id = ?", [(i,) for i in proposal_ids])
    conn.executemany("DELETE FROM applications WHERE id = ?", [(i,) for i in application_ids])
    conn.executemany("DELETE FROM proposals WHERE id = ?", [(i,) for i in proposal_ids])


def rows_of_address(conn, key: str) -> tuple[list[str], list[sqlite3.Row]]:
    """The applications' ids and the proposals (id, status) made with the mailbox ``key``."""
    applications = [
        r[0] for r in conn.execute("SELECT id FROM applications WHERE email_key = ? OR lower(email) = ?", (key, key))
    ]
    proposals = conn.execute("SELECT id, status FROM proposals WHERE lower(contact_email) = ?", (key,)).fetchall()
    return applications, proposals


def erase_address(conn, key: str) -> tuple[int, int]:
    """Delete everything about the mailbox ``key`` (see :func:`catalog.emails.mailbox_key`), in one
    transaction; the numbers of applications and proposals deleted."""
    with transaction(conn):
        applications, proposals = rows_of_address(conn, key)
        _delete_people(conn, applications, [p["id"] for p in proposals])
        # mails sent to the address about nothing stored any more (an operator's copy, an older version's rows)
        conn.execute(
            "DELETE FROM outbox WHERE id IN (SELECT outbox.id FROM outbox, json_each(outbox.recipients)"
            " WHERE lower(json_each.value) = ?)",
            (key,),
        )
    return len(applications), len(proposals)


def purge_before(conn, limit: float) -> tuple[int, int, int]:
    """Delete applications and proposals made before ``limit`` (a time), their mails, and any other mail
    older than that; the numbers of applications, proposals and other mails deleted."""
    with transaction(conn):
        applications = [r[0] for r in conn.execute("SELECT id FROM applications WHERE created_at < ?", (limit,))]
        proposals = [r[0] for r in conn.execute("SELECT id FROM proposals WHERE created_at < ?", (limit,))]
        _delete_people(conn, applications, proposals)
        others = conn.execute("DELETE FROM outbox WHERE created_at < ?", (limit,)).rowcount
    return len(applications), len(proposals), others


def scrub(conn) -> bool:
    """Leave no copy of deleted rows in any file of the database: deleted content is zeroed
    (``secure_delete``), then the write-ahead log is copied in and emptied (``TRUNCATE``).

    False when another connection's read kept the log from being emptied (run the command again).
    """
    try:
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    except sqlite3.Error:
        return False
    return busy == 0
