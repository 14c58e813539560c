"""Every page a reader or a structure can get is valid for the W3C's Nu Html Checker (vnu.jar).

The built sites (the test content, and the shipped demo content with two
missions a page, so that listings have several pages), their CSS and inline
SVG, the form handler's own pages (errors, refusals) and the HTML of its mails
are checked in one run of the real checker (Java). Locally, without Java or
the jar, the module is skipped with the command that installs them; in CI
(CI=true) it fails.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from formhandler.outbox import deliver_due
from tests.helpers import ROOT, SITE, TODAY, build_site
from tests.helpers.html import html_problems

INVALID = '<!doctype html><html lang="fr"><head><title>t</title></head><body><p><img src="x.png"></p></body></html>'


def _handler_pages(client, post, smtp, folder: Path) -> None:
    """The handler's HTML answers and the HTML parts of its mails, as files in ``folder``."""
    origin = {"Origin": SITE}
    answers = {
        "application-errors": client.post("/api/missions/colis-laon/applications", data={}, headers=origin),
        "application-bad-values": client.post(
            "/api/missions/colis-laon/applications",
            data={"first_name": "<b>Jeanne</b>", "email": "pas-une-adresse", "birth_date": "31/02/1990"},
            headers=origin,
        ),
        "unknown-mission": client.post("/api/missions/inconnue/applications", data={}, headers=origin),
        "closed-mission": client.post("/api/missions/maraude-close/applications", data={}, headers=origin),
        "foreign-origin": client.post("/api/missions/colis-laon/applications", data={}),
        "proposal-errors": client.post("/api/proposals", data={}, headers=origin),
    }
    folder.mkdir()
    for name, response in answers.items():
        assert response.mimetype == "text/html", name
        (folder / f"{name}.html").write_text(response.get_data(as_text=True), encoding="utf-8")
    assert post().status_code == 303  # a valid application: its two mails
    deliver_due(client.application)
    for number, mail in enumerate(smtp.mails):
        html = mail.message.get_body(("html",))
        if html is not None:
            (folder / f"mail-{number}.html").write_text(html.get_content(), encoding="utf-8")
    assert len(list(folder.glob("mail-*.html"))) == 2  # to the structure and to the volunteer


@pytest.fixture(scope="module")
def built(nu, site, tmp_path_factory) -> dict[str, Path]:
    """The test site, the demo site with two missions a page, and a page known to be invalid."""
    base = tmp_path_factory.mktemp("nu")
    demo = base / "demo-content"
    shutil.copytree(ROOT / "content", demo)
    settings = {"content_dir": str(demo), "today": TODAY.isoformat(), "per_page": 2}
    build_site(demo, base / "demo-site", RESERVE_CIVIQUE=settings, CACHE_PATH=str(base / "demo-cache"))
    (base / "canary").mkdir()
    (base / "canary" / "invalid.html").write_text(INVALID, encoding="utf-8")
    return {"test-site": site, "demo-site": base / "demo-site", "canary": base / "canary"}


@pytest.fixture(scope="module")
def messages(built) -> dict[str, list[str]]:
    return html_problems(built)


def test_the_checker_reports_an_invalid_page(messages):
    """The run is real: a page with an image without text alternative is reported."""
    assert any("alt" in m for m in messages["canary/invalid.html"]), messages["canary/invalid.html"]


@pytest.mark.parametrize("name", ["test-site", "demo-site"])
def test_every_built_page_its_css_and_svg_are_valid(built, messages, name):
    checked = [str(p.relative_to(built[name])) for p in built[name].rglob("*") if p.suffix in (".html", ".css")]
    assert len([p for p in checked if p.endswith(".html")]) > 20
    assert any(p.endswith(".css") for p in checked)
    if name == "demo-site":
        assert "missions/page/2/index.html" in checked  # pagination
    problems = {path: found for path, found in messages.items() if path.startswith(name + "/")}
    assert problems == {}


def test_the_handlers_pages_and_mails_are_valid(nu, client, post, smtp, tmp_path):
    _handler_pages(client, post, smtp, tmp_path / "handler")
    assert html_problems({"handler": tmp_path / "handler"}, svg=False) == {}
