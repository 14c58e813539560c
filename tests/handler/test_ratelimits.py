"""Rate limits: counters shared by every process of the host, in a SQLite file beside the database, or by
every host, in a table of the PostgreSQL database."""

import multiprocessing
import sqlite3
import time

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from formhandler.ratelimits import PostgresStorage, SQLiteStorage, uri_for
from tests.helpers import Tables


def test_the_default_store_is_a_file_beside_the_database(tmp_path):
    uri = uri_for(str(tmp_path / "db" / "handler.sqlite3"))
    assert uri == f"sqlite://{tmp_path}/db/handler-ratelimits.sqlite3"
    storage = storage_from_string(uri)
    assert isinstance(storage, SQLiteStorage)
    assert storage.incr("k", expiry=60) == 1
    assert (tmp_path / "db" / "handler-ratelimits.sqlite3").is_file()


def test_limits_are_enforced_per_key(tmp_path):
    limiter = FixedWindowRateLimiter(storage_from_string(uri_for(str(tmp_path / "h.sqlite3"))))
    item = parse("3 per minute")
    assert [limiter.hit(item, "ip", "a") for _ in range(4)] == [True, True, True, False]
    assert limiter.hit(item, "ip", "b")  # another key has its own count


def test_a_window_that_ended_starts_again_and_is_swept(tmp_path):
    storage = storage_from_string(uri_for(str(tmp_path / "h.sqlite3")))
    storage.incr("short", expiry=1)
    storage.incr("short", expiry=1)
    storage.incr("long", expiry=600)
    time.sleep(1.1)
    assert storage.get("short") == 0
    assert storage.incr("short", expiry=1) == 1  # a new window
    time.sleep(1.1)
    assert storage.sweep() == 1
    assert storage.get("long") == 1


def _hit_many(uri: str, n: int) -> None:
    storage = storage_from_string(uri)
    for _ in range(n):
        storage.incr("shared", expiry=600)
    if isinstance(storage, PostgresStorage):
        storage.database.close()


def _hit_from_three_processes(uri: str) -> None:
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_hit_many, args=(uri, 200)) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0


def test_processes_count_together(tmp_path):
    uri = uri_for(str(tmp_path / "h.sqlite3"))
    _hit_from_three_processes(uri)
    assert storage_from_string(uri).get("shared") == 600  # no hit lost, none counted twice


def test_keys_are_stored_as_digests_of_one_size(tmp_path):
    database = tmp_path / "h.sqlite3"
    storage = storage_from_string(uri_for(str(database)))
    storage.incr("LIMITER/applications.apply/email:jeanne@exemple.fr/5/1/hour", expiry=600)
    storage.incr("x" * 5000, expiry=600)
    conn = sqlite3.connect(tmp_path / "h-ratelimits.sqlite3")
    assert [len(key) for (key,) in conn.execute("SELECT key FROM counters")] == [16, 16]
    conn.close()
    storage.clear("x" * 5000)
    assert storage.get("x" * 5000) == 0
    assert storage.get("LIMITER/applications.apply/email:jeanne@exemple.fr/5/1/hour") == 1


# -- on PostgreSQL: one table for every host ---------------------------------------------------------


def test_on_postgresql_the_counters_are_a_table_of_the_database(postgres_database):
    assert uri_for(postgres_database) == postgres_database
    storage = storage_from_string(postgres_database)
    assert isinstance(storage, PostgresStorage)
    limiter = FixedWindowRateLimiter(storage)
    item = parse("3 per minute")
    assert [limiter.hit(item, "ip", "a") for _ in range(4)] == [True, True, True, False]
    assert limiter.hit(item, "ip", "b")
    storage.incr("LIMITER/applications.apply/email:jeanne@exemple.fr/5/1/hour", expiry=600)
    storage.incr("x" * 5000, expiry=600)
    with Tables(postgres_database) as tables:
        assert {len(key) for (key,) in tables("SELECT key FROM ratelimit_counters")} == {16}  # digests only
        assert tables("SELECT relpersistence FROM pg_class WHERE relname = 'ratelimit_counters'") == [("u",)]
    storage.clear("x" * 5000)
    assert storage.get("x" * 5000) == 0 and storage.check()
    storage.database.close()


def test_on_postgresql_a_window_that_ended_starts_again_and_is_swept(postgres_database):
    storage = storage_from_string(postgres_database)
    storage.incr("short", expiry=1)
    storage.incr("short", expiry=1)
    storage.incr("long", expiry=600)
    time.sleep(1.1)
    assert storage.get("short") == 0
    assert storage.incr("short", expiry=1) == 1
    time.sleep(1.1)
    assert storage.sweep() == 1
    assert storage.get("long") == 1
    storage.database.close()


def test_on_postgresql_processes_count_together(postgres_database):
    _hit_from_three_processes(postgres_database)
    storage = storage_from_string(postgres_database)
    assert storage.get("shared") == 600  # no hit lost, none counted twice
    storage.database.close()
