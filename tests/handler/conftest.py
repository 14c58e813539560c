"""The fixtures only the handler's tests use: ``runner`` (flaskr's, with ``app`` and ``client``),
``rows`` and an empty PostgreSQL database. ``app``, ``client`` and ``post`` are in
tests/fixtures/handler.py, as the site's and the system's tests use them too. Every test here
using the database runs on SQLite and on PostgreSQL (tests/fixtures/databases.py)."""

from __future__ import annotations

import pytest

from tests.helpers import Tables


@pytest.fixture
def empty_postgres_database(postgres_server):
    """A PostgreSQL database of the test's own, without any table; its URL."""
    url = postgres_server.create_database(empty=True)
    yield url
    postgres_server.drop_database(url)


@pytest.fixture
def rows(database):
    """The tables of the test's database, in SQLite's dialect whatever the backend:
    ``rows("SELECT … WHERE id = ?", 3)``, and ``rows.execute("UPDATE …")`` (tests/helpers/databases.py)."""
    tables = Tables(database)
    yield tables
    tables.close()


@pytest.fixture
def runner(app):
    """The app's command runner: ``runner.invoke(args=["outbox", "show"])``."""
    return app.test_cli_runner()
