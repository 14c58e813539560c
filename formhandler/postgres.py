"""PostgreSQL, the handler's database when several hosts share one (``DATABASE = "postgresql://…"``).

- psycopg 3 and a pool of connections per process (:mod:`psycopg_pool`), opened by the first use in
  the process that uses it (gunicorn's workers each open theirs). A connection the server dropped
  (a restart, a failover) is replaced at the next transaction, without an error to the visitor.
- Durable: ``synchronous_commit`` stays ``on``, so an application and its mails are on the
  server's disk when :meth:`PostgresDatabase.transaction` returns, before any answer; any error
  is raised as :class:`~formhandler.db.StorageError` and nothing is acknowledged.
- Many writers at once, in ``READ COMMITTED``: the store holds a mission for the rest of an
  application's transaction and claims mails with ``FOR UPDATE SKIP LOCKED``
  (:mod:`formhandler.postgres_store`).
- The schema is the handler's (:mod:`formhandler.postgres_schema`), created and upgraded under an
  advisory lock: instances starting together upgrade once.
- A delivery pass does not wait for the disk for its own writes (claims, rendered bytes, "sent"
  marks): a crash of the server could lose some, and a mail then goes once more with its
  Message-ID — never lost (:meth:`PostgresDatabase.delivering`).
- ``erase`` and ``purge`` delete, then ``VACUUM`` (:meth:`PostgresDatabase.scrub`); ``flask db
  scrub`` rewrites the tables (``VACUUM FULL``). What stays elsewhere (the write-ahead log,
  replicas, backups) is told in docs/production.md.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from contextlib import contextmanager, suppress

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool

from . import postgres_schema
from .db import Row, StorageError, row_class
from .postgres_store import LOCK_NAMESPACE, SCHEMA_LOCK, PostgresStore

log = logging.getLogger(__name__)

POOL_MAX = 10  # connections per process at most: a web worker uses one or two, `outbox run` one per sender
POOL_WAIT = 3.0  # seconds a request waits for a connection (the server down: then a 503)
DOWN_PAUSE = 2.0  # seconds during which, once no connection could be had, others fail at once
CONNECT_TIMEOUT = 5  # seconds
BROKEN_RETRIES = 3  # connections the pool hands out that turn out dropped, replaced at the start of a transaction
# where a person's data may be
SCRUBBED = ("applications", "outbox", "proposals", "ratelimit_counters", "alert_subscriptions", "alert_announced")
OLD_TRANSACTION = 2.0  # seconds: a transaction open longer keeps VACUUM from removing what was just deleted


_SHARED: weakref.WeakValueDictionary[str, PostgresDatabase] = weakref.WeakValueDictionary()
_SHARED_LOCK = threading.Lock()


def _rows(cursor) -> type[Row]:
    """psycopg's row factory: rows read by position or by name (:class:`formhandler.db.Row`)."""
    names = tuple(column.name for column in cursor.description) if cursor.description else ()
    return row_class(names)


class _Result:
    """A statement's rows, fetched before its connection went back to the pool."""

    def __init__(self, rows: list, rowcount: int, description):
        self.rows, self.rowcount, self.description = rows, rowcount, description

    def fetchone(self):
        return self.rows[0] if self.rows else None

    def fetchall(self) -> list:
        return self.rows

    def __iter__(self):
        return iter(self.rows)


class PostgresDatabase:
    """The PostgreSQL database at ``url``: this process's pool, transactions, schema, maintenance."""

    def __init__(self, url: str):
        self.url = url
        self._pool: ConnectionPool | None = None
        self._pool_pid = 0
        self._abandoned: list[ConnectionPool] = []  # a parent's pool, inherited by fork: never closed here
        self._pool_lock = threading.Lock()
        self._schema_ready = False
        self._schema_lock = threading.Lock()
        self._local = threading.local()
        self._down_until = 0.0  # monotonic time until which the server is taken as unreachable

    @classmethod
    def shared(cls, url: str) -> PostgresDatabase:
        """The database at ``url`` of this process, one pool for the handler and its rate limits."""
        with _SHARED_LOCK:
            database = _SHARED.get(url)
            if database is None:
                database = _SHARED[url] = cls(url)
            return database

    # -- connections --------------------------------------------------------------------------

    def _connect_options(self) -> dict:
        return {"autocommit": True, "row_factory": _rows, "connect_timeout": CONNECT_TIMEOUT}

    def pool(self) -> ConnectionPool:
        """This process's pool, opened on first use (a pool inherited from a parent is left alone)."""
        pid = os.getpid()
        if self._pool is None or self._pool_pid != pid:
            with self._pool_lock:
                if self._pool is None or self._pool_pid != pid:
                    if self._pool is not None:
                        self._abandoned.append(self._pool)
                    pool = ConnectionPool(
                        self.url, min_size=1, max_size=POOL_MAX, timeout=POOL_WAIT, open=False,
                        kwargs=self._connect_options(), name="reserve-civique", max_idle=300,
                    )  # fmt: skip
                    pool.open(wait=False)
                    self._pool, self._pool_pid = pool, pid
        return self._pool

    def _getconn(self, pool: ConnectionPool) -> psycopg.Connection:
        """A connection of the pool. When none could be had in ``POOL_WAIT`` (the server is down),
        the requests of the next ``DOWN_PAUSE`` seconds fail at once rather than each waiting: a
        visitor gets a 503 in a moment, and a rate-limit counter does not hold a request back."""
        if time.monotonic() < self._down_until:
            raise StorageError("serveur PostgreSQL injoignable")
        try:
            return pool.getconn()
        except psycopg.Error as error:  # PoolTimeout: no connection could be made in time
            self._down_until = time.monotonic() + DOWN_PAUSE
            raise StorageError(str(error)) from error

    def _ready(self) -> None:
        if not self._schema_ready:  # the database was unusable at start: its tables come now
            with self._schema_lock:
                if not self._schema_ready:
                    self.init_schema()

    def _begin(self, statement: str):
        """A connection of the pool on which ``statement`` (a ``BEGIN``) ran; connections the
        server dropped meanwhile are handed back (the pool discards them) and others tried."""
        pool = self.pool()
        for attempt in range(BROKEN_RETRIES + 1):
            conn = self._getconn(pool)
            try:
                conn.execute(statement)
                return conn
            except psycopg.OperationalError as error:
                pool.putconn(conn)
                if not conn.broken or attempt == BROKEN_RETRIES:
                    raise StorageError(str(error)) from error
            except psycopg.Error as error:
                _rollback(conn)
                pool.putconn(conn)
                raise StorageError(str(error)) from error
        raise AssertionError("unreachable")

    @contextmanager
    def transaction(self):
        """``BEGIN`` … ``COMMIT`` on a connection of the pool, yielding a
        :class:`~formhandler.postgres_store.PostgresStore`; any error becomes :class:`StorageError`."""
        self._ready()
        relaxed = getattr(self._local, "delivering", False)
        conn = self._begin("BEGIN; SET LOCAL synchronous_commit TO OFF" if relaxed else "BEGIN")
        store = PostgresStore(conn)
        try:
            try:
                yield store
                store.commit()
            except psycopg.Error as error:
                store.abandon()
                _rollback(conn)
                raise StorageError(str(error)) from error
            except BaseException:
                store.abandon()
                _rollback(conn)
                raise
        finally:
            self.pool().putconn(conn)

    def store(self) -> PostgresStore:
        """A store outside any transaction (reads): each statement on a connection of the pool."""
        self._ready()
        return PostgresStore(database=self)

    def run(self, sql: str, args=()) -> _Result:
        """One read on a connection of the pool, outside any transaction; its rows. Read again on
        another connection when the server had dropped this one."""
        pool = self.pool()
        for attempt in range(BROKEN_RETRIES + 1):
            conn = self._getconn(pool)
            try:
                cursor = conn.execute(sql, args)
                rows = cursor.fetchall() if cursor.description else []
                return _Result(rows, cursor.rowcount, cursor.description)
            except psycopg.Error as error:
                if not (conn.broken and attempt < BROKEN_RETRIES):
                    raise StorageError(str(error)) from error
            finally:
                pool.putconn(conn)
        raise AssertionError("unreachable")

    def run_many(self, sql: str, rows: list) -> None:
        with self.transaction() as store, store.conn.cursor() as cursor:
            cursor.executemany(sql, rows)

    def close(self) -> None:
        """Close this process's pool."""
        with self._pool_lock:
            if self._pool is not None and self._pool_pid == os.getpid():
                self._pool.close()
            self._pool = None

    def describe(self) -> str:
        """What an operator reads of this database: the server and the database, no password."""
        try:
            parts = conninfo_to_dict(self.url)
        except psycopg.Error:
            return "PostgreSQL"
        where = f"{parts.get('host') or 'localhost'}:{parts.get('port') or 5432}"
        return f"PostgreSQL, base {parts.get('dbname') or parts.get('user') or '?'} sur {where}"

    # -- schema -------------------------------------------------------------------------------

    def init_schema(self, manual: bool = False) -> None:
        """Create the tables or upgrade them, under the schema's advisory lock (two instances
        starting together: the second waits, then finds the work done).

        At start-up only *online* upgrades run (:mod:`formhandler.postgres_schema`); ``manual``
        (``flask db upgrade``) runs every one. A database newer than this code is used as it is,
        with a warning (an instance not yet updated, during a rolling update).
        """
        try:
            with psycopg.connect(self.url, **self._connect_options()) as conn:
                conn.execute("SELECT pg_advisory_lock(%s, %s)", (LOCK_NAMESPACE, SCHEMA_LOCK))
                before, after = postgres_schema.upgrade(conn, manual=manual, log=log.info)
        except postgres_schema.UpgradeNeeded as error:
            raise StorageError(str(error)) from None
        except psycopg.Error as error:
            raise StorageError(str(error)) from error
        if after is not None and after > postgres_schema.SCHEMA_VERSION:
            log.warning(
                "le schéma de la base (version %s) est plus récent que ce code (version %s) : mettez à jour"
                " cette instance", after, postgres_schema.SCHEMA_VERSION,
            )  # fmt: skip
        elif before != after:
            log.info("schéma PostgreSQL mis à jour : version %s → %s", before, after)
        self._schema_ready = True
        self._down_until = 0.0  # the server just answered

    def version(self) -> int | None:
        """The schema's version; ``None`` for a database without the handler's tables."""
        try:
            with psycopg.connect(self.url, **self._connect_options()) as conn:
                return postgres_schema.version(conn)
        except psycopg.Error as error:
            raise StorageError(str(error)) from error

    # -- delivery and maintenance ---------------------------------------------------------------

    @contextmanager
    def delivering(self):
        """Around a delivery pass on this thread: its own transactions commit without waiting for
        the server's disk (``synchronous_commit = off``, for those transactions only). A crashed
        worker loses none of them; a crash of the server could, and then a mail is claimed,
        rendered or sent once more, with its Message-ID — never lost. Applications stay durable."""
        self._local.delivering = True
        try:
            yield
        finally:
            self._local.delivering = False

    def checkpoint(self) -> None:
        """Nothing to do: the server checkpoints by itself."""

    @contextmanager
    def snapshot(self):
        """One read-only ``REPEATABLE READ`` transaction over every table (a consistent copy while
        the handler writes), yielding a store."""
        self._ready()
        conn = self._begin("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            yield PostgresStore(conn)
        except psycopg.Error as error:
            raise StorageError(str(error)) from error
        finally:
            _rollback(conn)
            self.pool().putconn(conn)

    def scrub(self, rewrite: bool = False) -> bool:
        """After a deletion: ``VACUUM`` the tables that hold people's data, so that the deleted rows
        are gone from them and from their indexes; ``rewrite`` (``flask db scrub``): ``VACUUM
        FULL``, which writes each table anew, without the space the deleted rows took (the tables
        are locked meanwhile).

        A plain ``VACUUM`` only marks the space as free: the bytes stay in the files until new
        rows overwrite them. False when a transaction older than the deletion (a backup being
        taken) keeps PostgreSQL from removing the rows: run the command again later.
        """
        statement = ("VACUUM FULL " if rewrite else "VACUUM ") + ", ".join(SCRUBBED)
        try:
            with psycopg.connect(self.url, **self._connect_options()) as conn:
                started = time.time()
                conn.execute(statement)
                older = conn.execute(
                    "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND pid <> pg_backend_pid() AND backend_xmin IS NOT NULL"
                    " AND xact_start < to_timestamp(%s)",
                    (started - OLD_TRANSACTION,),
                ).fetchone()[0]
        except psycopg.Error as error:
            log.error("VACUUM impossible : %s", error)
            return False
        return older == 0


def _rollback(conn: psycopg.Connection) -> None:
    if conn.broken or conn.closed:
        return
    with suppress(psycopg.Error):
        conn.execute("ROLLBACK")
