"""What only PostgreSQL has to prove: its schema and its upgrades, the copy from SQLite, erasure
in its files, a server that is missing or drops connections.

Every other handler test runs on PostgreSQL too (parametrised, see tests/fixtures/databases.py).
"""

from __future__ import annotations

import itertools
import threading
import time

import psycopg
import pytest

from devtools.mailcatcher import free_port
from formhandler import postgres_schema
from formhandler.db import COPIED_TABLES
from formhandler.outbox import deliver_due
from formhandler.postgres import PostgresDatabase
from formhandler.postgres_store import PostgresStore
from tests.helpers import VALID, Tables, wait_for
from tests.helpers.answers import apply_status as apply

pytestmark = pytest.mark.backends("postgresql")


def propose(client) -> int:
    from .test_proposals import post as post_proposal

    return post_proposal(client).status_code


def everything(tables: Tables) -> dict[str, list]:
    return {table: tables(f"SELECT * FROM {table} ORDER BY 1") for table in COPIED_TABLES}


def schema_version(url: str) -> int | None:
    return PostgresDatabase(url).version()


# -- the schema ------------------------------------------------------------------------------------


def test_a_database_of_the_previous_version_is_upgraded_at_start_without_losing_a_row(
    make_app, empty_postgres_database, smtp, monkeypatch, tmp_path
):
    """From version 1 to the current one (through every upgrade); version 2 to 3 on both databases:
    tests/test_schema_v3.py."""
    from tests.handler.test_schema_v3 import OLD_TABLES, old_columns

    url = empty_postgres_database
    # the rows, as the handler writes them (in a SQLite file: this code no longer runs on version 1)
    source_path = str(tmp_path / "source.sqlite3")
    source = make_app(DATABASE=source_path, MAIL_PORT=free_port(), RATELIMIT_STORAGE_URI="memory://")  # mails wait
    client = source.test_client()
    assert [apply(client, n) for n in range(3)] == [201] * 3
    assert propose(client) == 201
    assert deliver_due(source)["pending"] == 8
    source_tables = Tables(source_path)
    columns = {table: old_columns(source_tables, table) for table in OLD_TABLES}
    # the previous version of the handler: schema version 1, no rate-limit counters in the database
    monkeypatch.setattr(postgres_schema, "UPGRADES", {1: postgres_schema.UPGRADES[1]})
    monkeypatch.setattr(postgres_schema, "SCHEMA_VERSION", 1)
    make_app(DATABASE=url, RATELIMIT_STORAGE_URI="memory://")
    tables = Tables(url)
    for table in OLD_TABLES:
        for row in source_tables(f"SELECT {', '.join(columns[table])} FROM {table}"):
            tables.execute(
                f"INSERT INTO {table} ({', '.join(columns[table])}) VALUES ({', '.join('?' * len(row))})", *row
            )
    assert tables("SELECT version FROM schema_version") == [(1,)]
    before = {table: tables(f"SELECT * FROM {table} ORDER BY 1") for table in OLD_TABLES}
    monkeypatch.undo()

    new = make_app(DATABASE=url)  # this version starts on it
    assert tables("SELECT version FROM schema_version") == [(postgres_schema.SCHEMA_VERSION,)]
    after = {table: tables(f"SELECT {', '.join(columns[table])} FROM {table} ORDER BY 1") for table in OLD_TABLES}
    assert after == before  # every row, every column
    assert tables("SELECT COUNT(*) FROM ratelimit_counters") == [(0,)]
    assert deliver_due(new, now=time.time() + 3600) == {"sent": 8, "pending": 0, "failed": 0}
    assert {m.message["Message-ID"] for m in smtp.mails} == {r["message_id"] for r in before["outbox"]}
    tables.execute("SELECT setval(pg_get_serial_sequence('outbox', 'id'), 100)")
    assert apply(new.test_client(), 9) == 201
    source_tables.close()
    tables.close()


def test_instances_starting_together_create_the_schema_once(empty_postgres_database):
    starting = threading.Barrier(4)
    errors = []

    def start() -> None:
        database = PostgresDatabase(empty_postgres_database)
        starting.wait()
        try:
            database.init_schema()
        except Exception as error:
            errors.append(error)
        finally:
            database.close()

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert schema_version(empty_postgres_database) == postgres_schema.SCHEMA_VERSION
    tables = Tables(empty_postgres_database)
    names = {r[0] for r in tables("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert names == postgres_schema.TABLES | {"schema_version"}
    tables.close()


def test_an_upgrade_that_would_disturb_running_instances_waits_for_db_upgrade(
    make_app, postgres_database, monkeypatch, caplog
):
    current, extra_version = postgres_schema.SCHEMA_VERSION, postgres_schema.SCHEMA_VERSION + 1
    extra = postgres_schema.Upgrade("ALTER TABLE applications ADD COLUMN note text", online=False)
    monkeypatch.setitem(postgres_schema.UPGRADES, extra_version, extra)
    monkeypatch.setattr(postgres_schema, "SCHEMA_VERSION", extra_version)
    app = make_app(DATABASE=postgres_database)
    assert "flask --app formhandler db upgrade" in caplog.text  # said at start-up
    client = app.test_client()
    assert apply(client, 1) == 503  # nothing stored on a schema this code does not expect
    assert schema_version(postgres_database) == current
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0 and f"version {current} → version {extra_version}" in result.output
    assert apply(client, 2) == 201
    assert f"version {extra_version}" in app.test_cli_runner().invoke(args=["db", "version"]).output


def test_a_database_newer_than_the_code_is_used_with_a_warning(make_app, postgres_database, caplog):
    with Tables(postgres_database) as tables:
        tables.execute("UPDATE schema_version SET version = 99")
    app = make_app(DATABASE=postgres_database)
    assert "plus récent que ce code" in caplog.text
    assert apply(app.test_client(), 1) == 201


def test_applications_wait_for_the_disk_and_only_the_delivery_does_not(app):
    """synchronous_commit stays on for what answers a visitor; a delivery pass's own writes (claims,
    "sent" marks) do not wait for the server's disk, as with SQLite's delivering()."""
    database = app.extensions["database"]

    def setting() -> str:
        with database.transaction() as store:
            return store._run("SHOW synchronous_commit").fetchone()[0]

    assert setting() == "on"
    with database.delivering():
        assert setting() == "off"
    assert setting() == "on"


# -- db copy: from SQLite to PostgreSQL ----------------------------------------------------------


def _department(make_app, tmp_path, smtp):
    """A SQLite database as a department's service leaves it: mails sent, one failed, some pending."""
    app = make_app(DATABASE=str(tmp_path / "departement.sqlite3"))
    client = app.test_client()
    assert [apply(client, n) for n in range(2)] == [201, 201]
    assert deliver_due(app)["sent"] == 4
    assert apply(client, 2, "appels-distance") == 201
    smtp.fail_next("550 5.1.1 Adresse inconnue")
    assert deliver_due(app) == {"sent": 2, "pending": 0, "failed": 1}  # the other mail, and the operator's report
    app.config["MAIL_PORT"] = free_port()  # the SMTP server down: what comes now waits
    assert [apply(client, n) for n in range(3, 6)] == [201] * 3
    assert propose(client) == 201
    assert deliver_due(app)["pending"] == 8
    return app


def test_db_copy_moves_a_sqlite_database_to_postgresql_with_its_pending_mails(
    make_app, tmp_path, smtp, postgres_database
):
    source = _department(make_app, tmp_path, smtp)
    before = everything(Tables(source.config["DATABASE"]))  # SQLite: nothing kept open
    assert {table: len(found) for table, found in before.items()} == {
        "applications": 6, "proposals": 1, "outbox": 15, "heartbeat": 0, "application_events": 6,
        "mission_states": 0, "digests": 0, "alert_subscriptions": 0, "alert_announced": 0, "alert_runs": 0,
    }  # fmt: skip
    result = source.test_cli_runner().invoke(args=["db", "copy", "--to", postgres_database])
    assert result.exit_code == 0, result.output
    assert "applications : 6 ligne(s)" in result.output and "outbox : 15 ligne(s)" in result.output
    assert "Copie vérifiée" in result.output and "postgres@" not in result.output  # no credentials shown
    target = Tables(postgres_database)
    assert everything(target) == before  # ids, times, statuses, rendered bytes: every column of every row

    sent_before = len(smtp.mails)
    region = make_app(DATABASE=postgres_database)
    assert deliver_due(region, now=time.time() + 3600) == {"sent": 8, "pending": 0, "failed": 0}
    waiting = {r["message_id"] for r in before["outbox"] if r["status"] == "pending"}
    assert {m.message["Message-ID"] for m in smtp.mails[sent_before:]} == waiting  # each pending mail, once
    assert apply(region.test_client(), 9) == 201  # new ids follow the copied ones
    assert target("SELECT MIN(id) FROM outbox WHERE application_id = (SELECT id FROM applications"
                  " WHERE email = 'v9@exemple.fr')")[0][0] == max(r["id"] for r in before["outbox"]) + 1  # fmt: skip
    target.close()


def test_db_copy_refuses_a_target_holding_rows_unless_told_to_replace_them(make_app, tmp_path, smtp, postgres_database):
    source = _department(make_app, tmp_path, smtp)
    runner = source.test_cli_runner()
    target = Tables(postgres_database)
    target.execute("INSERT INTO applications (id, mission_id, created_at, first_name, last_name, email, email_key,"
                   " birth_date, postal_code) VALUES ('autre', 'm', 1, 'A', 'B', 'a@b.fr', 'a@b.fr', '1990-01-01',"
                   " '02000')")  # fmt: skip
    result = runner.invoke(args=["db", "copy", "--to", postgres_database])
    assert result.exit_code == 1 and "contient déjà des lignes (applications : 1)" in result.output
    assert target("SELECT id FROM applications") == [("autre",)]
    result = runner.invoke(args=["db", "copy", "--to", postgres_database, "--replace"])
    assert result.exit_code == 0, result.output
    assert everything(target) == everything(Tables(source.config["DATABASE"]))
    target.close()


def test_a_copy_whose_counts_differ_leaves_the_target_as_it_was(
    make_app, tmp_path, smtp, postgres_database, monkeypatch
):
    source = _department(make_app, tmp_path, smtp)
    insert = PostgresStore.insert_rows

    def losing_one(self, table, columns, rows):
        rows = list(rows)
        return insert(self, table, columns, rows[:-1] if table == "outbox" else rows)

    monkeypatch.setattr(PostgresStore, "insert_rows", losing_one)
    result = source.test_cli_runner().invoke(args=["db", "copy", "--to", postgres_database])
    assert result.exit_code == 1
    assert "outbox : 15 lues, 14 écrites" in result.output and "rien n'est copié" in result.output
    target = Tables(postgres_database)
    assert all(rows == [] for rows in everything(target).values())
    target.close()


# -- erasure ---------------------------------------------------------------------------------------


def _dead_rows(tables: Tables, table: str) -> int:
    tables.execute("CREATE EXTENSION IF NOT EXISTS pgstattuple")
    return tables(f"SELECT dead_tuple_count FROM pgstattuple('{table}')")[0][0]


def _in_files(server, url: str, tables: list[str], secret: bytes) -> list[str]:
    """The tables (and their indexes and TOAST) whose files hold ``secret``, byte for byte."""
    found = []
    conn = psycopg.connect(url, autocommit=True)
    try:
        conn.execute("CHECKPOINT")  # what the server holds in memory, written to the files
        for table in tables:
            relations = conn.execute(
                "SELECT c.relname, pg_relation_filepath(c.oid) FROM pg_class c WHERE c.oid = %s::regclass"
                " OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = %s::regclass)"
                " OR c.oid = (SELECT reltoastrelid FROM pg_class WHERE oid = %s::regclass)",
                (table, table, table),
            ).fetchall()
            for name, path in relations:
                files = sorted((server.folder / "data").glob(path + "*"))
                if any(secret in file.read_bytes() for file in files):
                    found.append(name)
    finally:
        conn.close()
    return found


def test_erase_deletes_and_vacuums_and_db_scrub_leaves_no_byte_in_the_files(app, post, smtp, rows, postgres_server):
    for n in range(3):
        post(email=f"autre{n}@exemple.fr", first_name="Autre", last_name=f"Personne{n}")
    post(phone="06 99 88 77 66")
    deliver_due(app)
    database = app.config["DATABASE"]
    secret = b"06 99 88 77 66"
    assert _in_files(postgres_server, database, ["applications"], secret) == ["applications"]
    result = app.test_cli_runner().invoke(args=["erase", VALID["email"], "--yes"])
    assert "1 candidature(s)" in result.output and "attention" not in result.output
    assert rows("SELECT * FROM applications WHERE email_key = ?", VALID["email"]) == []
    assert rows("SELECT * FROM outbox WHERE recipients LIKE ? OR context LIKE ?", "%jeanne%", "%Jeanne%") == []
    # VACUUM ran: no dead row is left in the tables for SQL, an index or a tool to reach
    assert _dead_rows(rows, "applications") == 0 and _dead_rows(rows, "outbox") == 0
    # …but the bytes of the deleted row stay in free space until overwritten (docs/production.md)
    assert _in_files(postgres_server, database, ["applications"], secret) == ["applications"]
    result = app.test_cli_runner().invoke(args=["db", "scrub"])
    assert result.exit_code == 0 and "tables réécrites" in result.output
    tables = ["applications", "outbox", "proposals", "ratelimit_counters"]
    assert _in_files(postgres_server, database, tables, secret) == []
    assert _in_files(postgres_server, database, tables, b"jeanne.dupre") == []
    assert _in_files(postgres_server, database, ["applications"], b"autre2@exemple.fr")  # the others are kept
    assert len(rows("SELECT * FROM applications")) == 3


def test_purge_deletes_and_vacuums(app, post, smtp, rows):
    post()
    post(email="recente@exemple.fr")
    deliver_due(app)
    rows.execute("UPDATE applications SET created_at = created_at - 200 * 86400 WHERE email = ?", VALID["email"])
    rows.execute("UPDATE outbox SET created_at = created_at - 200 * 86400")
    result = app.test_cli_runner().invoke(args=["purge"])
    assert "1 candidature(s)" in result.output and "attention" not in result.output
    assert [r["email"] for r in rows("SELECT email FROM applications")] == ["recente@exemple.fr"]
    assert rows("SELECT * FROM outbox") == []
    assert _dead_rows(rows, "applications") == 0 and _dead_rows(rows, "outbox") == 0


def test_erase_says_so_when_an_older_transaction_keeps_vacuum_from_removing_the_rows(app, post, smtp, rows):
    post()
    backup = psycopg.connect(app.config["DATABASE"])  # a backup's long read, begun before the erasure
    backup.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
    backup.execute("SELECT COUNT(*) FROM applications").fetchone()
    time.sleep(2.5)
    result = app.test_cli_runner().invoke(args=["erase", VALID["email"], "--yes"])
    assert "1 candidature(s)" in result.output
    assert "relancez la commande" in result.output
    backup.close()
    result = app.test_cli_runner().invoke(args=["db", "scrub"])
    assert result.exit_code == 0
    assert _dead_rows(rows, "applications") == 0


# -- the server missing, or dropping connections -------------------------------------------------


def test_a_database_not_there_yet_answers_503_then_the_handler_creates_its_tables(make_app, postgres_server):
    url = postgres_server.url("pas_encore")
    app = make_app(DATABASE=url)
    client = app.test_client()
    assert apply(client, 1) == 503
    assert client.get("/healthz").status_code == 503
    postgres_server.admin().execute("CREATE DATABASE pas_encore")
    try:
        numbers = itertools.count(2)
        assert wait_for(lambda: apply(client, next(numbers)) == 201, timeout=30)  # by itself, in a moment
        assert client.get("/healthz").status_code == 200
        assert schema_version(url) == postgres_schema.SCHEMA_VERSION
    finally:
        app.extensions["database"].close()
        postgres_server.drop_database(url)


def test_connections_the_server_dropped_are_replaced_without_an_error(app, client, rows):
    assert apply(client, 1) == 201
    assert client.get("/api/missions/colis-laon").json["applications"] == 1
    # as after a restart or a failover of the server: every connection of the handler is cut
    killed = rows(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database()"
        " AND pid <> pg_backend_pid()"
    )
    assert killed
    assert apply(client, 2) == 201
    assert client.get("/api/missions/colis-laon").json["applications"] == 2
    assert client.get("/healthz").status_code == 200


def test_while_the_server_is_down_posts_answer_503_at_once_and_the_handler_recovers_by_itself(make_app):
    """A restart of the database server (an update, a failover): nothing acknowledged that is not
    stored, no request held for long, and no restart of the handler needed."""
    from tests.helpers import PostgresServer, postgres_bin

    server = PostgresServer(postgres_bin(), fsync="off").start()
    try:
        url = server.url()
        app = make_app(DATABASE=url, RATELIMIT_PER_IP="1000 per minute")  # counters in that database too
        client = app.test_client()
        assert apply(client, 1) == 201
        server.pause()
        started = time.monotonic()
        statuses = [apply(client, n) for n in range(2, 12)]
        assert statuses == [503] * 10
        assert time.monotonic() - started < 10  # the first waits for a connection, the others fail at once
        assert client.get("/healthz").status_code == 503
        server.resume()
        numbers = itertools.count(100)
        assert wait_for(lambda: apply(client, next(numbers)) == 201, timeout=30)
        with Tables(url) as tables:
            assert tables("SELECT COUNT(*) FROM applications") == [(2,)]  # the first, and the one after
        app.extensions["database"].close()
    finally:
        server.stop()


# -- the suite without PostgreSQL ------------------------------------------------------------------


@pytest.mark.parametrize(("ci", "outcome"), [("", "1 passed, 1 skipped"), ("true", "1 passed, 1 error")])
def test_without_postgresql_the_suite_says_how_to_install_it_and_ci_fails(tmp_path, ci, outcome):
    import os
    import subprocess
    import sys

    from tests.helpers import ROOT

    env = {**os.environ, "POSTGRES_BIN": str(tmp_path / "nowhere"), "CI": ci}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rsE",
         "tests/handler/test_cli.py::test_list_and_stats"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert outcome in result.stdout, result.stdout
    assert "PostgreSQL absent" in result.stdout and "apt-get install postgresql" in result.stdout
