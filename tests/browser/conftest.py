"""Fixtures for the browser journeys: the real site and handler on one loopback origin.

The site is the shipped demo content, built with Pelican and indexed by
Pagefind into a temporary folder; the handler is the real Flask app on a real
SQLite file; mails go to a real SMTP server (aiosmtpd). Chromium is Debian's,
driven by Playwright with ``executable_path`` (never ``playwright install``).
Without Chromium the journeys are skipped locally, and fail in CI.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from pathlib import Path

import pytest

from devtools import search_index
from tests.helpers import ROOT, TODAY, build_site

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    """Locally, no Chromium means a visible skip; in CI (CI=true) the journeys run and fail."""
    if Path(CHROMIUM).exists() or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(reason=f"Chromium absent ({CHROMIUM}) : apt-get install chromium fonts-liberation")
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(skip)


class LiveSite:
    """The running site: its base URL, the mail catcher, the handler app."""

    def __init__(self, url, smtp, app, output):
        self.url = url
        self.smtp = smtp
        self.app = app
        self.output = output

    def mails_to(self, address):
        return [m.message for m in self.smtp.mails if address in m.rcpt_tos]


def _serve(base: Path, add=None, pelican=None, **settings):
    """The demo content (with what ``add(content folder)`` writes in it) built with ``settings``
    for the plugin (and ``pelican``'s, when given) and indexed in ``base``, served with the
    handler; yields the :class:`LiveSite`."""
    from werkzeug.serving import make_server

    from devtools.mailcatcher import MailCatcher, free_port
    from devtools.server import SiteAndHandler
    from formhandler import create_app
    from formhandler.settings import local_config

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    content = base / "content"
    shutil.copytree(ROOT / "content", content)
    if add is not None:
        add(content)
    plugin = {"content_dir": str(content), "today": TODAY.isoformat(), **settings}
    output = build_site(content, base / "output", SITEURL=url, RESERVE_CIVIQUE=plugin, **(pelican or {}))
    search_index.build(output)
    smtp = MailCatcher().start()
    app = create_app(
        local_config(base, url, smtp.port, CONTENT_DIR=str(content), OUTBOX_WORKER="thread", TODAY=TODAY.isoformat())
    )
    server = make_server("127.0.0.1", port, SiteAndHandler(output, app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveSite(url, smtp, app, output)
    server.shutdown()
    app.extensions["outbox_worker"].stop()
    smtp.stop()


@pytest.fixture(scope="session")
def live_site(tmp_path_factory):
    """The demo site as shipped (every open mission on the first page of /missions/)."""
    yield from _serve(tmp_path_factory.mktemp("live"))


@pytest.fixture(scope="session")
def paged_site(tmp_path_factory):
    """The demo site with five missions a listing page: /missions/ has several pages."""
    yield from _serve(tmp_path_factory.mktemp("paged"), per_page=5)


@pytest.fixture(scope="session")
def neutral_site(tmp_path_factory):
    """The demo site in the neutral identity (no State brand: tests/site/test_identity.py)."""
    yield from _serve(
        tmp_path_factory.mktemp("neutral"), pelican={"IDENTITY": "neutre", "THEME_STATIC_PATHS": ["static"]}
    )


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser, live_site):
    """``open_page(path, javascript=True, width=1280)`` → a page whose requests are all logged."""
    yield from _pages(browser, live_site)


@pytest.fixture
def open_neutral(browser, neutral_site):
    """The same as ``open_page``, on the site in the neutral identity."""
    yield from _pages(browser, neutral_site)


@pytest.fixture
def open_paged(browser, paged_site):
    """The same as ``open_page``, on the site whose listings have several pages."""
    yield from _pages(browser, paged_site)


def _long_missions(content: Path) -> None:
    """Missions with long descriptions (``longue-1500``, ``-3000``, ``-6000``), and one with
    commitments and guidelines just under what the content check accepts without a warning
    (``longue-listes``)."""
    from catalog import load_content
    from catalog.rules import PRINTED_LISTS, printed_lists_size

    source = (content / "missions/distribution-colis-alimentaires-laon.yaml").read_text(encoding="utf-8")
    sentence = "L'épicerie reste ouverte, mais la moitié de nos bénévoles habituels doivent rester chez eux. "
    promise = "Je viens au moins une demi-journée par semaine, engagement n° {}."
    guideline = "Portez une blouse propre et des chaussures fermées pendant toute la distribution n° {}."
    demo = load_content(content, today=TODAY)
    domain = demo.catalog.domains["aide-alimentaire-urgence"].health_guidelines
    most = []
    while printed_lists_size([*domain, *most, guideline]) < PRINTED_LISTS:
        most.append(promise.format(len(most)) if len(most) % 3 else guideline.format(len(most)))
    cases = {"1500": (1500, [promise.format(n) for n in range(2)], []), "3000": (3000, [promise.format(n) for n in range(4)], []),
             "6000": (6000, [promise.format(n) for n in range(6)], []),
             "listes": (6000, [p for p in most if p.startswith("Je")], [g for g in most if g.startswith("Portez")])}  # fmt: skip
    for name, (size, promises, guidelines) in cases.items():
        paragraphs = "".join(f"  {sentence * 3}\n\n" for _ in range(size // (3 * len(sentence)) + 1))
        text = re.sub(r"description: \|\n(?:  .*\n|\n)*?remote:", f"description: |\n{paragraphs}remote:", source)
        listed = "".join(f'  - "{p}"\n' for p in promises)
        text = re.sub(r"requirements:\n(?:  - .*\n)+", f"requirements:\n{listed}", text)
        if guidelines:
            text += "health_guidelines:\n" + "".join(f'  - "{g}"\n' for g in guidelines)
        (content / f"missions/longue-{name}.yaml").write_text(text, encoding="utf-8")
    # the long missions add no warning to the demo's own (its past mission, its ages beyond the circular)
    assert [str(p) for p in load_content(content, today=TODAY).warnings] == [str(p) for p in demo.warnings]


@pytest.fixture(scope="session")
def long_site(tmp_path_factory):
    """The demo site with long missions added (see :func:`_long_missions`)."""
    yield from _serve(tmp_path_factory.mktemp("long"), add=_long_missions)


@pytest.fixture
def open_long(browser, long_site):
    """The same as ``open_page``, on the site with long missions."""
    yield from _pages(browser, long_site)


def _pages(browser, live_site):
    contexts = []

    def _open(path="/", javascript=True, width=1280, height=900, site_scripts=True):
        """``javascript=False`` turns JavaScript off; ``site_scripts=False`` only blocks the
        site's own scripts (the page behaves as without JavaScript, yet axe can still run)."""
        context = browser.new_context(
            java_script_enabled=javascript, viewport={"width": width, "height": height}, locale="fr-FR"
        )
        if not site_scripts:
            context.route("**/*.js", lambda route: route.abort())
        contexts.append(context)
        page = context.new_page()
        page.requests = []
        page.on("request", lambda request: page.requests.append(request.url))
        page.goto(live_site.url + path)
        return page

    yield _open
    for context in contexts:
        requested = [u for page in context.pages for u in page.requests]
        foreign = [u for u in requested if not u.startswith((live_site.url, "data:", "about:"))]
        context.close()
        assert foreign == [], f"requests to another host: {foreign}"
