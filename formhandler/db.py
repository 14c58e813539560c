"""The handler's database, as the rest of the handler sees it: transactions that hand out a store.

Views, the delivery and the commands hold no connection and write no SQL::

    with db.transaction() as store:          # committed at the end of the block, before any answer
        store.add_application(..., mails=...)
    count = db.store().count_applications(mission_id)   # a read

A store's methods are named for what they do (:class:`formhandler.store.Store`); a database
error in a transaction is raised as :class:`StorageError`, and the request is not acknowledged.

A backend is a class with ``transaction()`` (a context manager yielding its store), ``store()``,
``init_schema()`` (create or upgrade the tables, versioned), ``delivering()`` (a context manager
around a delivery pass, free to change how its writes are made durable), ``checkpoint()`` (called
between delivery batches), ``scrub()`` (leave no copy of deleted rows), ``snapshot()`` (a
consistent read of every table, for ``db copy``) and ``close()``. :func:`open_database` picks it
from ``DATABASE``:

- a path, or ``sqlite:///path``: SQLite (:class:`formhandler.sqlite.SQLiteDatabase`), the default;
- ``postgresql://…`` (or ``postgres://…``): PostgreSQL (:class:`formhandler.postgres.PostgresDatabase`),
  for several hosts sharing one database.
"""

from __future__ import annotations

import os

from flask import Flask, current_app

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
# Every table of the handler's rows, in the order ``db copy`` copies them (rate-limit counters,
# worth nothing after their window, are not copied).
COPIED_TABLES = (
    "applications", "proposals", "outbox", "heartbeat", "application_events", "mission_states", "digests",
    "alert_subscriptions", "alert_announced", "alert_runs",
)  # fmt: skip
SQLITE_SCHEME = "sqlite://"


class StorageError(Exception):
    """The database cannot be written: the request must not be acknowledged."""


def is_postgres(setting: str) -> bool:
    """Whether ``DATABASE`` names a PostgreSQL database."""
    return setting.startswith(POSTGRES_SCHEMES)


def sqlite_path(setting: str) -> str:
    """The file a SQLite ``DATABASE`` names: a path, or ``sqlite:///absolute/path``."""
    return setting[len(SQLITE_SCHEME) :] if setting.startswith(SQLITE_SCHEME) else setting


def local_folder(setting: str) -> str:
    """Where the handler keeps its files on this host (the content cache, SQLite's rate-limit
    counters): beside a SQLite file; ``var/`` of the working directory for a database server."""
    if is_postgres(setting):
        return os.path.abspath("var")
    return os.path.dirname(os.path.abspath(sqlite_path(setting)))


def open_database(setting: str):
    """The backend for the ``DATABASE`` setting (see the module's docstring). Nothing is
    connected yet: the first use, or :meth:`init_schema`, connects."""
    if is_postgres(setting):
        from .postgres import PostgresDatabase

        return PostgresDatabase.shared(setting)
    from .sqlite import SQLiteDatabase

    return SQLiteDatabase(sqlite_path(setting))


def database(app: Flask | None = None):
    """The app's database (the current app's by default)."""
    return (app or current_app).extensions["database"]


def transaction():
    """A transaction on the current app's database, yielding its store (see the module's docstring)."""
    return database().transaction()


def store():
    """The current app's store outside any transaction, for reads."""
    return database().store()


class Row(tuple):
    """A row read by position or by column name (``row[0]``, ``row["id"]``, ``dict(row)``), equal to
    the tuple of its values: what every backend's reads give, like :class:`sqlite3.Row`."""

    __slots__ = ()
    _names: tuple[str, ...] = ()
    _index: dict[str, int] = {}  # noqa: RUF012 (set per set of columns by row_class)

    def __getitem__(self, key):
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)

    def __repr__(self) -> str:
        return "Row(" + ", ".join(f"{name}={value!r}" for name, value in zip(self._names, self, strict=False)) + ")"


_ROW_CLASSES: dict[tuple[str, ...], type[Row]] = {}


def row_class(names: tuple[str, ...]) -> type[Row]:
    """The :class:`Row` class of a result with these columns (one per distinct list of columns)."""
    cls = _ROW_CLASSES.get(names)
    if cls is None:
        index = {name: position for position, name in reversed(list(enumerate(names)))}
        cls = _ROW_CLASSES[names] = type("Row", (Row,), {"__slots__": (), "_names": names, "_index": index})
    return cls


def init_app(app: Flask) -> None:
    """Open the database named by ``DATABASE``; create or upgrade its tables when it can be written
    (and, on a shared server, when the upgrade is safe while other instances run: see
    :meth:`formhandler.postgres.PostgresDatabase.init_schema`)."""
    app.extensions["database"] = opened = open_database(app.config["DATABASE"])
    try:
        opened.init_schema()
    except StorageError as error:
        # The handler still starts: posts answer 503 until storage works.
        app.logger.error("base de données inutilisable au démarrage : %s", _reason(error))


def _reason(error: StorageError) -> str:
    cause = error.__cause__
    return type(cause).__name__ if cause is not None else str(error)
