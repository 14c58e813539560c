"""SQLite, the handler's database: one file, one long-lived connection per thread.

- Durable: WAL, ``synchronous = FULL``; nothing is acknowledged before its transaction
  commits (:meth:`SQLiteDatabase.transaction`: ``BEGIN IMMEDIATE`` … ``COMMIT``, any SQLite
  error raised as :class:`~formhandler.db.StorageError`).
- Writers queue on a lock file (``flock``) rather than SQLite's sleep-and-retry.
- A connection that an error left stale (the file was read-only, replaced…) is discarded and
  the next use opens another.
- Checkpoints are left to the delivery, between its batches, outside any transaction; a
  delivery pass relaxes durability for its own writes (:meth:`SQLiteDatabase.delivering`).
- Deleted rows are zeroed (``secure_delete``) and :meth:`SQLiteDatabase.scrub` empties the log.

The statements themselves are in :mod:`formhandler.store`, the tables in :mod:`formhandler.schema`.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from contextlib import contextmanager, nullcontext, suppress

from . import schema
from .db import StorageError
from .store import Store

REQUEST_CHECKPOINT_PAGES = 10_000  # 40 MB of write-ahead log: a backstop, normally never reached
CHECKPOINT_SECONDS = 2.0

# Errors after which a connection is not to be trusted again: it was opened read-only, or its files
# changed under it. A full disk or a busy lock, by contrast, pass with the connection as it is.
STALE_ERRORS = ("SQLITE_READONLY", "SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_NOTADB", "SQLITE_CORRUPT")


def connect(path: str) -> sqlite3.Connection:
    """Open a connection with the durability settings."""
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
    # runs them outside the writer lock (see SQLiteDatabase.checkpoint); a request only checkpoints
    # past 40 MB of log, should no delivery run at all.
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

    def close(self) -> None:
        with suppress(OSError):
            os.close(self.fd)


def _writer_lock(conn: sqlite3.Connection) -> _WriterLock | None:
    """The connection's lock file, opened on its first write (one per connection, hence per thread)."""
    if conn.writer_lock is None:
        try:
            conn.writer_lock = _WriterLock(conn.path)
        except OSError:
            return None  # no lock file possible: SQLite's own locking still holds
    return conn.writer_lock


def _stale(error: sqlite3.Error) -> bool:
    return str(getattr(error, "sqlite_errorname", "")).startswith(STALE_ERRORS)


def _rollback(conn: sqlite3.Connection) -> None:
    with suppress(sqlite3.Error):
        conn.execute("ROLLBACK")


class SQLiteDatabase:
    """The database file ``path``: this thread's connection, transactions, schema, maintenance."""

    def __init__(self, path: str):
        self.path = path
        self._local = threading.local()
        self._schema_ready = False
        self._schema_lock = threading.Lock()
        self._checkpoint_lock = threading.Lock()
        self._next_checkpoint = 0.0

    def init_schema(self, manual: bool = False) -> None:
        """Create the tables or upgrade them (:func:`formhandler.schema.upgrade`), at start-up too
        (``manual``: ``flask db upgrade``, the same here): every process of the one host runs the
        same code, and the upgrade holds SQLite's write lock."""
        try:
            conn = connect(self.path)
            try:
                schema.upgrade(conn)
            finally:
                conn.close()
        except (sqlite3.Error, OSError) as error:
            raise StorageError(str(error)) from error
        self._schema_ready = True

    def version(self) -> int | None:
        """The schema's version (``PRAGMA user_version``); ``None`` for a database without tables."""
        try:
            conn = connect(self.path)
            try:
                tables = conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
                return conn.execute("PRAGMA user_version").fetchone()[0] if tables else None
            finally:
                conn.close()
        except (sqlite3.Error, OSError) as error:
            raise StorageError(str(error)) from error

    def describe(self) -> str:
        """What an operator reads of this database: the backend and the file."""
        return f"SQLite, fichier {os.path.abspath(self.path)}"

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (opened once, kept open until an error leaves it stale)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if not self._schema_ready:  # the database was unusable at start: its tables come now
                with self._schema_lock:
                    self.init_schema()
            try:
                conn = connect(self.path)
            except (sqlite3.Error, OSError) as error:
                raise StorageError(str(error)) from error
            self._local.conn = conn
        return conn

    def store(self) -> Store:
        """A store on this thread's connection, outside any transaction (reads)."""
        return Store(self.connection())

    @contextmanager
    def transaction(self):
        """``BEGIN IMMEDIATE`` … ``COMMIT`` under the writer lock, yielding a :class:`Store`; any SQLite
        error becomes :class:`StorageError`. After an error that leaves the connection stale, it is
        discarded (once the writer lock, its own file, is released)."""
        conn = self.connection()
        failure: sqlite3.Error | None = None
        with _writer_lock(conn) or nullcontext():
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as error:
                failure = error
            else:
                try:
                    yield Store(conn)
                    conn.execute("COMMIT")
                except sqlite3.Error as error:
                    _rollback(conn)
                    failure = error
                except BaseException:
                    _rollback(conn)
                    raise
        if failure is not None:
            if _stale(failure):
                self.discard(conn)
            raise StorageError(str(failure)) from failure

    def discard(self, conn: sqlite3.Connection) -> None:
        """Forget and close a connection after a storage error.

        A connection keeps the state it was opened in: one opened while the file
        was read-only stays read-only after the file is writable again. The next
        :meth:`connection` of this thread opens a new one.
        """
        if getattr(self._local, "conn", None) is conn:
            self._local.conn = None
        if conn.writer_lock is not None:
            conn.writer_lock.close()
            conn.writer_lock = None
        with suppress(sqlite3.Error):
            conn.close()

    @contextmanager
    def snapshot(self):
        """One read transaction over every table (a consistent copy while the handler writes),
        on a connection of its own, yielding a :class:`Store`."""
        try:
            conn = connect(self.path)
        except (sqlite3.Error, OSError) as error:
            raise StorageError(str(error)) from error
        try:
            conn.execute("BEGIN")
            yield Store(conn)
        except sqlite3.Error as error:
            raise StorageError(str(error)) from error
        finally:
            _rollback(conn)
            conn.close()

    def close(self) -> None:
        """Close this thread's connection (the others close with their threads)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            self.discard(conn)

    @contextmanager
    def delivering(self):
        """Around a delivery pass on this thread's connection: the delivery's own writes (claims,
        rendered bytes, "sent" marks) do not wait for the disk. In WAL mode a crashed process loses
        none of them; a power cut could, and then a mail is claimed, rendered or sent once more, with
        its Message-ID — never lost. Applications stay ``synchronous = FULL``."""
        conn = self.connection()
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA wal_autocheckpoint = 0")  # not inside a commit, under the writer lock: checkpoint()
        try:
            yield
        finally:
            # the connection may have been discarded after a storage error: its successor opens with these
            with suppress(sqlite3.Error):
                conn.execute("PRAGMA synchronous = FULL")
                conn.execute(f"PRAGMA wal_autocheckpoint = {REQUEST_CHECKPOINT_PAGES}")

    def checkpoint(self) -> None:
        """Copy the write-ahead log into the database, outside any transaction and the writer lock,
        at most every ``CHECKPOINT_SECONDS`` per process.

        A ``PASSIVE`` checkpoint lets writers go on appending to the log meanwhile,
        so a request never waits behind the disk work of a checkpoint.
        """
        now = time.monotonic()
        if now < self._next_checkpoint or not self._checkpoint_lock.acquire(blocking=False):
            return
        try:
            self._next_checkpoint = now + CHECKPOINT_SECONDS
            with suppress(sqlite3.Error):
                self.connection().execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            self._checkpoint_lock.release()

    def scrub(self, rewrite: bool = False) -> bool:
        """Leave no copy of deleted rows in any file of the database: deleted content is zeroed
        (``secure_delete``), then the write-ahead log is copied in and emptied (``TRUNCATE``);
        ``rewrite`` (``flask db scrub``) also rewrites the file whole (``VACUUM``), leaving it no
        free page, as a database an older version wrote needs.

        False when another connection's read kept the log from being emptied (run the command again).
        """
        try:
            if rewrite:
                self.connection().execute("VACUUM")
            busy, _, _ = self.connection().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.Error:
            return False
        return busy == 0
