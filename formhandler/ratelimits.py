"""Rate-limit counters shared by every process of the host (a SQLite file, ``sqlite:///path``), or
by every host (a table of the PostgreSQL database, ``postgresql://…``).

With gunicorn's several workers, counters kept in each process let through
as many posts as there are workers times the limit. A small SQLite file
beside the database holds them for all processes, with no service to start:
one ``INSERT … ON CONFLICT … RETURNING`` per hit, atomic across processes.
The file holds counters only, worth nothing after their window: it is not
synced to disk (``synchronous = OFF``), and expired counters are deleted as
hits come. It is a storage of the ``limits`` library (its public ``Storage``
base), used by Flask-Limiter's fixed-window strategy; ``redis://`` remains an
option for several hosts.

On PostgreSQL (:class:`PostgresStorage`, the default when ``DATABASE`` is PostgreSQL) the
counters are rows of ``ratelimit_counters`` in the handler's own database, through the handler's
pool of connections: the same statement, so a limit holds across every host. The table is
``UNLOGGED`` (:mod:`formhandler.postgres_schema`), PostgreSQL's version of not syncing.

Keys are stored as their SHA-256 (16 bytes): a row's size does not depend on
what a client sends, and no address is written in clear. ``erase`` clears an
address's counters by their keys (``security.address_limit_keys``), ``purge``
sweeps the expired ones.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
import time
from typing import ClassVar

from limits.storage import Storage

from .db import StorageError, is_postgres, sqlite_path

SCHEME = "sqlite"
SWEEP_EVERY = 1000  # hits between two deletions of expired counters

_TABLE = """
CREATE TABLE IF NOT EXISTS counters (
    key BLOB PRIMARY KEY,
    count INTEGER NOT NULL,
    expires_at REAL NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS counters_expiry ON counters (expires_at);
"""


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest()[:16]


def uri_for(database: str) -> str:
    """The default store of an app whose database is ``database``: a file beside a SQLite file; the
    database itself when it is PostgreSQL."""
    if is_postgres(database):
        return database
    base, _ = os.path.splitext(os.path.abspath(sqlite_path(database)))
    return f"{SCHEME}://{base}-ratelimits.sqlite3"


class SQLiteStorage(Storage):
    """``sqlite:///path``: fixed-window counters in a SQLite file, one connection per thread."""

    STORAGE_SCHEME: ClassVar[list[str]] = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = (uri or "").split("://", 1)[-1] or ":memory:"
        self._local = threading.local()
        self._hits = 0

    @property
    def base_exceptions(self):
        return sqlite3.Error

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            conn.execute("PRAGMA busy_timeout = 10000")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = OFF")
            conn.execute("PRAGMA secure_delete = ON")
            conn.executescript(_TABLE)
            self._local.conn = conn
        return conn

    def _run(self, sql: str, args=()):
        try:
            return self._conn().execute(sql, args)
        except sqlite3.Error:
            conn = getattr(self._local, "conn", None)
            self._local.conn = None  # opened in a state that no longer holds: open again next time
            if conn is not None:
                conn.close()
            raise

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        self._hits += 1
        if self._hits % SWEEP_EVERY == 0:
            self.sweep(now)
        row = self._run(
            "INSERT INTO counters (key, count, expires_at) VALUES (?1, ?2, ?3 + ?4) ON CONFLICT (key) DO UPDATE SET"
            " count = CASE WHEN expires_at <= ?3 THEN excluded.count ELSE count + excluded.count END,"
            " expires_at = CASE WHEN expires_at <= ?3 THEN excluded.expires_at ELSE expires_at END"
            " RETURNING count",
            (_digest(key), amount, now, expiry),
        ).fetchone()
        return int(row[0])

    def get(self, key: str) -> int:
        row = self._run(
            "SELECT count FROM counters WHERE key = ? AND expires_at > ?", (_digest(key), time.time())
        ).fetchone()
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._run("SELECT expires_at FROM counters WHERE key = ?", (_digest(key),)).fetchone()
        return float(row[0]) if row else time.time()

    def check(self) -> bool:
        try:
            self._run("SELECT 1")
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        return self._run("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        self._run("DELETE FROM counters WHERE key = ?", (_digest(key),))

    def sweep(self, now: float | None = None) -> int:
        """Delete the counters whose window has ended; how many."""
        return self._run("DELETE FROM counters WHERE expires_at <= ?", (time.time() if now is None else now,)).rowcount

    def truncate_log(self) -> None:
        """Leave no old copy of a deleted key in the write-ahead log."""
        self._run("PRAGMA wal_checkpoint(TRUNCATE)")


class PostgresStorage(Storage):
    """``postgresql://…``: fixed-window counters in the ``ratelimit_counters`` table of that database,
    through the pool of the handler's database when it is the same (one per process otherwise)."""

    STORAGE_SCHEME: ClassVar[list[str]] = ["postgresql", "postgres"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        from .postgres import PostgresDatabase

        self.database = PostgresDatabase.shared(uri or "")
        self._hits = 0

    @property
    def base_exceptions(self):
        return StorageError

    def _run(self, sql: str, args=()):
        return self.database.run(sql, args)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        self._hits += 1
        if self._hits % SWEEP_EVERY == 0:
            self.sweep(now)
        row = self._run(
            "INSERT INTO ratelimit_counters AS c (key, count, expires_at) VALUES (%(key)s, %(amount)s,"
            " %(now)s + %(expiry)s) ON CONFLICT (key) DO UPDATE SET"
            " count = CASE WHEN c.expires_at <= %(now)s THEN EXCLUDED.count ELSE c.count + EXCLUDED.count END,"
            " expires_at = CASE WHEN c.expires_at <= %(now)s THEN EXCLUDED.expires_at ELSE c.expires_at END"
            " RETURNING count",
            {"key": _digest(key), "amount": amount, "now": now, "expiry": expiry},
        ).fetchone()
        return int(row[0])

    def get(self, key: str) -> int:
        row = self._run(
            "SELECT count FROM ratelimit_counters WHERE key = %s AND expires_at > %s", (_digest(key), time.time())
        ).fetchone()
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._run("SELECT expires_at FROM ratelimit_counters WHERE key = %s", (_digest(key),)).fetchone()
        return float(row[0]) if row else time.time()

    def check(self) -> bool:
        try:
            self._run("SELECT 1 FROM ratelimit_counters LIMIT 1")
        except StorageError:
            return False
        return True

    def reset(self) -> int | None:
        return self._run("DELETE FROM ratelimit_counters").rowcount

    def clear(self, key: str) -> None:
        self._run("DELETE FROM ratelimit_counters WHERE key = %s", (_digest(key),))

    def sweep(self, now: float | None = None) -> int:
        """Delete the counters whose window has ended; how many."""
        return self._run(
            "DELETE FROM ratelimit_counters WHERE expires_at <= %s", (time.time() if now is None else now,)
        ).rowcount
