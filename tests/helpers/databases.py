"""The databases the handler's tests run on: SQLite files, and a real PostgreSQL server.

The server is a throwaway cluster in a temporary folder (``initdb``, ``pg_ctl``), started once
per test session by the tests themselves on a free loopback port, and removed at the end; each
test gets a database of its own, made from a template that already holds the handler's tables.
Debian's ``postgresql`` package provides the binaries (``/usr/lib/postgresql/<version>/bin``,
or ``POSTGRES_BIN``). PostgreSQL refuses to run as root: as root, the cluster runs as the
``postgres`` user.

:class:`Tables` reads and writes a handler database's tables whatever the backend, in SQLite's
dialect (``?`` parameters), so that one test reads the same on both.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import sqlite3
import subprocess
import tempfile
from itertools import count
from pathlib import Path

INSTALL = "apt-get install postgresql"


def postgres_bin() -> Path | None:
    """The folder of PostgreSQL's server binaries, the newest version installed; ``None`` without."""
    configured = os.environ.get("POSTGRES_BIN")
    candidates = [configured] if configured else glob.glob("/usr/lib/postgresql/*/bin")
    found = [Path(c) for c in candidates if c and (Path(c) / "pg_ctl").is_file() and (Path(c) / "initdb").is_file()]
    return max(found, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0, default=None)


def _as_server_user():
    """A ``preexec_fn`` running the server's commands as ``postgres`` when the tests run as root."""
    if os.geteuid() != 0:
        return None
    user = pwd.getpwnam("postgres")

    def drop() -> None:
        os.setgid(user.pw_gid)
        os.setuid(user.pw_uid)

    return drop


class PostgresServer:
    """A PostgreSQL cluster of its own, in a temporary folder, on a free loopback port."""

    TEMPLATE = "handler_template"

    def __init__(self, bindir: Path, **settings: str):
        from devtools.mailcatcher import free_port

        self.bindir = bindir
        self.folder = Path(tempfile.mkdtemp(prefix="reserve-civique-pg-"))
        self.port = free_port()
        self.settings = {"listen_addresses": "127.0.0.1", "max_connections": "300", **settings}
        self._names = count(1)
        self._admin = None

    def _run(self, *args: str) -> None:
        subprocess.run(
            [str(self.bindir / args[0]), *args[1:]], check=True, capture_output=True, preexec_fn=_as_server_user()
        )

    def start(self) -> PostgresServer:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        data = self.folder / "data"
        self._run("initdb", "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync")
        self.resume()
        return self

    def pause(self) -> None:
        """Stop the server (its data kept), as for a restart or a failover."""
        if self._admin is not None:
            self._admin.close()
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")

    def resume(self) -> None:
        """Start the server (again) on its port."""
        options = " ".join(f"-c {name}={value}" for name, value in self.settings.items())
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-l", str(self.folder / "server.log"), "-w",
                  "-o", f"-p {self.port} -k {self.folder} {options}", "start")  # fmt: skip

    def url(self, name: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def admin(self):
        import psycopg

        if self._admin is None or self._admin.closed:
            self._admin = psycopg.connect(self.url(), autocommit=True)
        return self._admin

    def prepare_template(self) -> None:
        """A database holding the handler's current tables, copied for each test."""
        from formhandler.postgres import PostgresDatabase

        self.admin().execute(f"CREATE DATABASE {self.TEMPLATE}")
        database = PostgresDatabase(self.url(self.TEMPLATE))
        database.init_schema()
        database.close()

    def create_database(self, empty: bool = False) -> str:
        """A new database (the handler's tables in it, unless ``empty``); its URL."""
        name = f"test_{next(self._names)}"
        template = "template0" if empty else self.TEMPLATE
        self.admin().execute(f"CREATE DATABASE {name} TEMPLATE {template}")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        self.admin().execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        if self._admin is not None:
            self._admin.close()
        try:
            self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def _postgres_sql(sql: str) -> str:
    """SQLite's ``?`` parameters as psycopg's ``%s`` (a literal ``%`` doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


class Tables:
    """The tables of the handler database ``setting`` (a SQLite path, or a PostgreSQL URL), read and
    written by tests in SQLite's dialect: ``tables("SELECT … WHERE id = ?", 3)`` gives rows read by
    position or by name (:class:`formhandler.db.Row`, equal to tuples); ``tables.execute(…)`` writes
    and commits, and gives the number of rows changed."""

    def __init__(self, setting: str):
        from formhandler.db import is_postgres, sqlite_path

        self.setting = setting
        self.postgres = is_postgres(setting)
        self.path = None if self.postgres else sqlite_path(setting)
        self._conn = None

    def _postgres(self):
        import psycopg

        from formhandler.postgres import _rows

        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self.setting, autocommit=True, row_factory=_rows)
        return self._conn

    def __call__(self, sql: str, *args) -> list:
        from formhandler.db import row_class

        if self.postgres:
            return self._postgres().execute(_postgres_sql(sql), args).fetchall()
        conn = sqlite3.connect(self.path, timeout=10)
        try:
            cursor = conn.execute(sql, args)
            make = row_class(tuple(column[0] for column in cursor.description or ()))
            return [make(row) for row in cursor.fetchall()]
        finally:
            conn.close()

    def execute(self, sql: str, *args) -> int:
        if self.postgres:
            return self._postgres().execute(_postgres_sql(sql), args).rowcount
        conn = sqlite3.connect(self.path, timeout=10)
        try:
            changed = conn.execute(sql, args).rowcount
            conn.commit()
            return changed
        finally:
            conn.close()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()

    def __enter__(self) -> Tables:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def another_database(app):
    """A second handle on ``app``'s database, with connections of its own (another process's)."""
    from formhandler.postgres import PostgresDatabase
    from formhandler.sqlite import SQLiteDatabase

    opened = app.extensions["database"]
    if isinstance(opened, PostgresDatabase):
        return PostgresDatabase(opened.url)
    return SQLiteDatabase(opened.path)
