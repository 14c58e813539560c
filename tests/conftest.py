"""Shared fixtures: copies of the test content, a fixed 'today', the handler on both databases.

Every test of the handler runs twice, on SQLite and on a real PostgreSQL server: a test that uses
the handler's database (through ``make_app``, ``app``, ``client``, ``post``, ``rows``…) gets a
``backend`` parameter, ``[sqlite]`` and ``[postgresql]`` (see ``pytest_generate_tests``). Tests
that start gunicorn (``make_stack``) run on SQLite only, unless marked
``@pytest.mark.backends("sqlite", "postgresql")`` where the database matters; a test that only
makes sense on one database is marked with it alone. The PostgreSQL server is started once per
session in a temporary folder (tests/databases.py); without PostgreSQL installed, its tests are
skipped with the command that installs it — and fail in CI (``CI`` set).
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import shutil
from pathlib import Path

import pytest
from databases import INSTALL, PostgresServer, Tables, postgres_bin

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
TODAY = dt.date(2026, 11, 29)


@pytest.fixture
def today() -> dt.date:
    """A fixed day, so that 'open' and 'past' do not change with the calendar."""
    return TODAY


@pytest.fixture
def content_dir(tmp_path) -> Path:
    """A writable copy of tests/data/content (2 domains, 2 structures, 5 missions)."""
    target = tmp_path / "content"
    shutil.copytree(DATA / "content", target)
    return target


@pytest.fixture
def edit(content_dir):
    """Replace text in a content file of the copy: ``edit("missions/x.yaml", old, new)``."""

    def _edit(relative: str, old: str, new: str) -> Path:
        path = content_dir / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {relative}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return path

    return _edit


# -- form handler ---------------------------------------------------------------

SITE = "http://site.test"


@pytest.fixture
def smtp():
    """A real SMTP server (aiosmtpd) on a free loopback port, keeping every mail."""
    from devtools.mailcatcher import MailCatcher

    catcher = MailCatcher().start()
    yield catcher
    catcher.stop()


BACKENDS = ("sqlite", "postgresql")


def pytest_configure(config):
    config.addinivalue_line("markers", "backends(*names): the databases a handler test runs on (default: both)")


def pytest_generate_tests(metafunc):
    """Each test using the handler's database, once per backend (see the module's docstring)."""
    if "backend" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("backends")
    if marker is not None:
        chosen = marker.args
    elif "make_stack" in metafunc.fixturenames:
        chosen = ("sqlite",)  # gunicorn stacks cost seconds: on PostgreSQL where it matters (marked)
    else:
        chosen = BACKENDS
    metafunc.parametrize("backend", chosen, indirect=True)


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server of the tests' own, for the whole session (tests/databases.py)."""
    bindir = postgres_bin()
    if bindir is None:
        message = f"PostgreSQL absent (pg_ctl introuvable dans /usr/lib/postgresql/*/bin) : {INSTALL}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    # fsync off: the tests kill processes, never the machine; commits still wait for the server
    server = PostgresServer(bindir, fsync="off", full_page_writes="off").start()
    try:
        server.prepare_template()
        yield server
    finally:
        server.stop()


@pytest.fixture
def backend(request) -> str:
    """The database the test runs on: ``sqlite`` or ``postgresql`` (parametrised, see above)."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def database(request, backend, tmp_path) -> str:
    """The test's handler database, as ``DATABASE`` names it: a SQLite file in ``tmp_path``, or a
    PostgreSQL database of its own (dropped after the test)."""
    if backend == "sqlite":
        yield str(tmp_path / "reserve-civique.sqlite3")
        return
    server = request.getfixturevalue("postgres_server")
    url = server.create_database()
    yield url
    server.drop_database(url)


@pytest.fixture
def postgres_database(postgres_server):
    """A PostgreSQL database of the test's own, holding the handler's tables; its URL."""
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url)


@pytest.fixture
def empty_postgres_database(postgres_server):
    """A PostgreSQL database of the test's own, without any table; its URL."""
    url = postgres_server.create_database(empty=True)
    yield url
    postgres_server.drop_database(url)


@pytest.fixture
def make_app(tmp_path, content_dir, smtp, database):
    """Factory of handler apps on the test's database (SQLite or PostgreSQL) and the real SMTP catcher."""
    from formhandler import create_app
    from formhandler.settings import local_config

    apps = []

    def _make(**overrides):
        settings = {
            "TESTING": True,
            "DATABASE": database,
            "CONTENT_DIR": str(content_dir),
            "MAIL_TIMEOUT": 5,
            "OUTBOX_WORKER": "none",
            "TODAY": TODAY.isoformat(),
            "OPERATOR_EMAIL": "operateur@example.org",
            **overrides,
        }
        app = create_app(local_config(tmp_path, SITE, smtp.port, **settings))
        apps.append(app)
        return app

    yield _make
    for app in apps:
        app.extensions["outbox_worker"].stop()
    for app in apps:
        app.extensions["database"].close()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


VALID = {
    "first_name": "Jeanne",
    "last_name": "Dupré",
    "email": "jeanne.dupre@exemple.fr",
    "phone": "06 12 34 56 78",
    "birth_date": "1990-05-17",
    "postal_code": "02000",
    "message": "Disponible le mardi.",
    "accept_requirements": "oui",
    "consent": "oui",
}


@pytest.fixture
def post(client):
    """Post an application (valid by default) like the mission page does."""

    def _post(mission_id="colis-laon", json=False, headers=None, drop=(), **fields):
        data = {k: v for k, v in {**VALID, **fields}.items() if k not in drop}
        sent_headers = {"Origin": SITE, **(headers or {})}
        url = f"/api/missions/{mission_id}/applications"
        if json:
            sent_headers["Accept"] = "application/json"
            return client.post(url, json=data, headers=sent_headers)
        return client.post(url, data=data, headers=sent_headers)

    return _post


@pytest.fixture
def rows(database):
    """The tables of the test's database, in SQLite's dialect whatever the backend:
    ``rows("SELECT … WHERE id = ?", 3)``, and ``rows.execute("UPDATE …")`` (tests/databases.py)."""
    tables = Tables(database)
    yield tables
    tables.close()


@pytest.fixture
def runner(app):
    """The app's command runner: ``runner.invoke(args=["outbox", "show"])``."""
    return app.test_cli_runner()


# -- static site ------------------------------------------------------------------


def pagefind_fragment(compressed: bytes) -> dict:
    """What Pagefind keeps of one page (its text, metadata, filters), from a fragment file's bytes."""
    data = gzip.decompress(compressed)
    signature = b"pagefind_dcd"  # what Pagefind puts before a fragment's JSON
    return json.loads(data[data.index(signature) + len(signature) :])


def build_site(content_dir: Path, output: Path, **overrides) -> Path:
    """Build the site with Pelican into ``output`` (the real plugin and theme)."""
    from pelican import Pelican
    from pelican.settings import read_settings

    settings = read_settings(
        str(ROOT / "pelicanconf.py"),
        override={
            "PATH": str(content_dir),
            "OUTPUT_PATH": str(output),
            "THEME": str(ROOT / "theme"),
            "PLUGIN_PATHS": [str(ROOT / "plugins")],
            "SITEURL": "https://aider.example.org",
            "RESERVE_CIVIQUE": {"content_dir": str(content_dir), "today": TODAY.isoformat()},
            "DELETE_OUTPUT_DIRECTORY": True,
            "CACHE_PATH": str(output.parent / "cache"),
            **overrides,
        },
    )
    pelican = Pelican(settings)
    try:
        pelican.run()
    except BaseException:
        _sitemap_forgets(pelican)
        raise
    return output


def _sitemap_forgets(failed) -> None:
    """Leave pelican-sitemap as if the ``failed`` build had never started.

    The plugin waits, in a module-level object, for the ``finalized`` signal
    of the first build it saw; a failed build never sends it, and the plugin
    would then write no sitemap for any later build of this process. Pelican's
    own autoreload runs the same Pelican object again and never meets this; the
    tests build many. The plugin offers no public way to start afresh: this is
    the one place that resets its state, and
    tests/test_site_data.py::test_a_failed_build_leaves_the_next_its_sitemap
    pins the version it was written for.
    """
    from pelican.plugins.sitemap import sitemap

    if sitemap.generator._main_pelican is failed:
        sitemap.generator._main_pelican = None
        sitemap.generator.page_queue = []


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The test content built once per module (read-only for tests)."""
    base = tmp_path_factory.mktemp("site")
    content = base / "content"
    shutil.copytree(DATA / "content", content)
    return build_site(content, base / "output")


# -- real processes (reliability) -------------------------------------------------


class Stack:
    """gunicorn (2 workers) and, optionally, a `flask outbox run` worker, on loopback."""

    def __init__(self, tmp_path, content_dir, mail_port, **settings):
        from devtools.mailcatcher import free_port
        from formhandler.settings import environ, local_config

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database = str(settings.pop("DATABASE", tmp_path / "stack.sqlite3"))
        self.tables = Tables(self.database)
        settings = {
            "DATABASE": self.database,
            "CONTENT_DIR": str(content_dir),
            "MAIL_TIMEOUT": 1,
            "TODAY": TODAY.isoformat(),
            "OUTBOX_WORKER": "none",
            "OUTBOX_RETRY_BASE": 1,
            "OUTBOX_RETRY_MAX": 2,
            "OUTBOX_LEASE_SECONDS": 5,
            "OUTBOX_SENDERS": 4,
            **settings,
        }
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            **environ(local_config(tmp_path, self.url, mail_port, **settings)),
        }
        self.senders = int(self.env["FLASK_OUTBOX_SENDERS"])
        self.web = None
        self.worker = None

    def start_web(self, prefix=()):
        """Start gunicorn; ``prefix``: a command it runs under (``setpriv …``)."""
        import http.client
        import subprocess
        import sys
        import time

        self.web = subprocess.Popen(
            [*prefix, sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{self.port}", "--graceful-timeout", "1",
             "--log-level", "warning", "formhandler:create_app()"],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            try:
                conn.request("GET", "/healthz")
                conn.getresponse().read()
                return self
            except OSError:
                time.sleep(0.1)
            finally:
                conn.close()  # a socket left to the garbage collector is a ResourceWarning, an error here
        raise RuntimeError("gunicorn did not start")

    def start_worker(self):
        import subprocess
        import sys

        self.worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "formhandler", "outbox", "run"],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        return self

    def web_worker_pids(self) -> list[int]:
        import subprocess

        out = subprocess.run(["pgrep", "-P", str(self.web.pid)], capture_output=True, text=True).stdout
        return [int(pid) for pid in out.split()]

    def post(self, n: int, mission="colis-laon", timeout=10):
        """Post application n; return the HTTP status (or None if the connection failed)."""
        import http.client
        import json

        body = json.dumps({**VALID, "email": f"v{n}@exemple.fr", "last_name": f"Fiable{n}"})
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("POST", f"/api/missions/{mission}/applications", body,
                         {"Content-Type": "application/json", "Accept": "application/json", "Origin": self.url})  # fmt: skip
            response = conn.getresponse()
            response.read()
            return response.status
        except (OSError, http.client.HTTPException):
            return None  # a worker killed mid-answer: not acknowledged
        finally:
            conn.close()

    def get(self, path: str, timeout=10) -> tuple[int | None, bytes]:
        """GET ``path``: (status, body), or (None, b"") if the connection failed."""
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            return None, b""
        finally:
            conn.close()

    def rows(self, sql, *args):
        """Rows of the stack's database, in SQLite's dialect whatever the backend (:class:`Tables`)."""
        return self.tables(sql, *args)

    def stop(self):
        for proc in (self.web, self.worker):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except Exception:
                    proc.kill()
                    proc.wait()
        self.tables.close()


@pytest.fixture
def make_stack(tmp_path, content_dir, backend, request):
    """Factory of :class:`Stack`: on a SQLite file of its own, or on the test's PostgreSQL database."""
    stacks = []
    database = request.getfixturevalue("database") if backend == "postgresql" else None

    def _make(mail_port, **settings):
        if database is not None:
            settings.setdefault("DATABASE", database)
        stack = Stack(tmp_path, content_dir, mail_port, **settings)
        stacks.append(stack)
        return stack

    yield _make
    for stack in stacks:
        stack.stop()


def wait_for(predicate, timeout=30.0, step=0.1):
    """Wait until ``predicate()`` is true (a wait, not a timing assertion); return its last value."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)


def another_database(app):
    """A second handle on ``app``'s database, with connections of its own (another process's)."""
    from formhandler.postgres import PostgresDatabase
    from formhandler.sqlite import SQLiteDatabase

    opened = app.extensions["database"]
    if isinstance(opened, PostgresDatabase):
        return PostgresDatabase(opened.url)
    return SQLiteDatabase(opened.path)
