"""Shared fixtures: copies of the test content, a fixed 'today'."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

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


@pytest.fixture
def make_app(tmp_path, content_dir, smtp):
    """Factory of handler apps on a real SQLite file and the real SMTP catcher."""
    from formhandler import create_app

    apps = []

    def _make(**overrides):
        config = {
            "TESTING": True,
            "DATABASE": str(tmp_path / "handler.sqlite3"),
            "CONTENT_DIR": str(content_dir),
            "THEME_DIR": str(ROOT / "theme"),
            "SITE_URL": SITE,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": smtp.port,
            "MAIL_TIMEOUT": 5,
            "OUTBOX_WORKER": "none",
            "TODAY": TODAY.isoformat(),
            "RATELIMIT_PER_IP": "1000 per minute",
            "RATELIMIT_PER_EMAIL": "1000 per minute",
            "OPERATOR_EMAIL": "operateur@example.org",
            **overrides,
        }
        app = create_app(config)
        apps.append(app)
        return app

    yield _make
    for app in apps:
        app.extensions["outbox_worker"].stop()


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
def rows(app):
    """Read a table of the handler's database."""
    import sqlite3

    def _rows(sql, *args):
        conn = sqlite3.connect(app.config["DATABASE"])
        conn.row_factory = sqlite3.Row
        try:
            return conn.execute(sql, args).fetchall()
        finally:
            conn.close()

    return _rows


@pytest.fixture
def runner_for():
    """A CLI runner for a given app: ``runner_for(app).invoke(args=[...])``."""
    return lambda app: app.test_cli_runner()


# -- static site ------------------------------------------------------------------


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
            **overrides,
        },
    )
    # pelican-sitemap keeps its state in a module-level object that a failed
    # build (an exception before `finalized`) leaves behind: reset it so each
    # build in this process writes its own sitemap.
    from pelican.plugins.sitemap import sitemap

    sitemap.generator._main_pelican = None
    sitemap.generator.page_queue = []
    Pelican(settings).run()
    return output


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The test content built once per module (read-only for tests)."""
    base = tmp_path_factory.mktemp("site")
    content = base / "content"
    shutil.copytree(DATA / "content", content)
    return build_site(content, base / "output")
