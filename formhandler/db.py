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

from flask import Flask, current_app

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
    waiting_list INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS applications_mission ON applications (mission_id, email_key, created_at);
CREATE INDEX IF NOT EXISTS applications_email ON applications (email_key);
CREATE INDEX IF NOT EXISTS applications_created ON applications (created_at);

CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id TEXT,
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
"""

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


def get_db() -> sqlite3.Connection:
    """This thread's connection to the app's database (opened once, kept open)."""
    path = current_app.config["DATABASE"]
    conns = getattr(_local, "conns", None)
    if conns is None:
        conns = _local.conns = {}
    conn = conns.get(path)
    if conn is None:
        try:
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


def close_thread_connections() -> None:
    """Close this thread's connections (tests, worker shutdown)."""
    for conn in getattr(_local, "conns", {}).values():
        if getattr(conn, "writer_lock", None) is not None:
            os.close(conn.writer_lock.fd)
        conn.close()
    _local.conns = {}


@contextmanager
def transaction(conn: sqlite3.Connection | None = None):
    """``BEGIN IMMEDIATE`` … ``COMMIT``; any SQLite error becomes :class:`StorageError`."""
    conn = conn or get_db()
    with _writer_lock(conn) or nullcontext():
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise StorageError(str(error)) from error
        try:
            yield conn
            conn.execute("COMMIT")
        except sqlite3.Error as error:
            _rollback(conn)
            raise StorageError(str(error)) from error
        except BaseException:
            _rollback(conn)
            raise


def _rollback(conn: sqlite3.Connection) -> None:
    with suppress(sqlite3.Error):
        conn.execute("ROLLBACK")


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring an older database up to date (0.1: mails were rendered before storing)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(outbox)")}
    if columns and "context" not in columns:
        conn.executescript(
            "BEGIN IMMEDIATE;"
            "ALTER TABLE outbox RENAME TO outbox_old;"
            "DROP INDEX IF EXISTS outbox_due; DROP INDEX IF EXISTS outbox_application;"
            + SCHEMA
            + "INSERT INTO outbox (id, application_id, kind, sender, recipients, message_id, message, status, attempts,"
            " created_at, next_attempt_at, lease_until, sent_at, last_error) SELECT id, application_id, kind, sender,"
            " recipients, message_id, message, status, attempts, created_at, next_attempt_at, lease_until, sent_at,"
            " last_error FROM outbox_old;"
            "DROP TABLE outbox_old;"
            "COMMIT;"
        )


def init_schema(path: str) -> None:
    """Create the tables (idempotent) and migrate older ones."""
    conn = connect(path)
    try:
        _migrate(conn)
        conn.executescript(SCHEMA)
    finally:
        conn.close()


def init_app(app: Flask) -> None:
    """Create the schema at start when the database can be written."""
    try:
        init_schema(app.config["DATABASE"])
    except (sqlite3.Error, OSError) as error:
        # The handler still starts: posts answer 503 until storage works.
        app.logger.error("base de données inutilisable au démarrage : %s", type(error).__name__)
