"""The handler's database, as the rest of the handler sees it: transactions that hand out a store.

Views, the delivery and the commands hold no connection and write no SQL::

    with db.transaction() as store:          # committed at the end of the block, before any answer
        store.add_application(...)
        store.add_mails(...)
    count = db.store().count_applications(mission_id)   # a read

A store's methods are named for what they do (:class:`formhandler.store.Store`); a database
error in a transaction is raised as :class:`StorageError`, and the request is not acknowledged.

A backend is a class with ``transaction()`` (a context manager yielding its store), ``store()``,
``init_schema()`` (create or upgrade the tables, versioned), ``delivering()`` (a context manager
around a delivery pass, free to change how its writes are made durable), ``checkpoint()`` (called
between delivery batches) and ``scrub()`` (leave no copy of deleted rows). SQLite's is
:class:`formhandler.sqlite.SQLiteDatabase`; :func:`open_database` picks the backend from
``DATABASE``, and a second one (``postgresql://…``, issue 20) is one more branch there, with its
store (see :mod:`formhandler.store`).
"""

from __future__ import annotations

from flask import Flask, current_app


class StorageError(Exception):
    """The database cannot be written: the request must not be acknowledged."""


def open_database(setting: str):
    """The backend for the ``DATABASE`` setting: a SQLite file's path (the only backend so far)."""
    from .sqlite import SQLiteDatabase

    return SQLiteDatabase(setting)


def database(app: Flask | None = None):
    """The app's database (the current app's by default)."""
    return (app or current_app).extensions["database"]


def transaction():
    """A transaction on the current app's database, yielding its store (see the module's docstring)."""
    return database().transaction()


def store():
    """The current app's store outside any transaction, for reads."""
    return database().store()


def init_app(app: Flask) -> None:
    """Open the database named by ``DATABASE``; create or upgrade its tables when it can be written."""
    app.extensions["database"] = opened = open_database(app.config["DATABASE"])
    try:
        opened.init_schema()
    except StorageError as error:
        # The handler still starts: posts answer 503 until storage works.
        app.logger.error("base de données inutilisable au démarrage : %s", type(error.__cause__ or error).__name__)
