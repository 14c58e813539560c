"""Every page a reader or a structure can get is valid for the W3C's Nu Html Checker (vnu.jar).

The built sites (the test content, and the shipped demo content with two
missions a page, so that listings have several pages), their CSS and inline
SVG, the form handler's own pages (errors, refusals) and the HTML of its mails
are checked in one run of the real checker (Java). Locally, without Java or
the jar, the module is skipped with the command that installs them; in CI
(CI=true) it fails.
"""

from __future__ import annotations

import os
import shutil
from collections import defaultdict
from pathlib import Path

import pytest

from conftest import DATA, ROOT, SITE, TODAY, build_site
from devtools import validator
from formhandler.outbox import deliver_due

INVALID = '<!doctype html><html lang="fr"><head><title>t</title></head><body><p><img src="x.png"></p></body></html>'


@pytest.fixture(scope="module")
def nu():
    reason = validator.missing()
    if reason and os.environ.get("CI"):
        pytest.fail(reason)
    if reason:
        pytest.skip(reason)


def _handler_pages(make_app, smtp, folder: Path) -> None:
    """The handler's HTML answers and the HTML parts of its mails, as files in ``folder``."""
    client = make_app().test_client()
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
    valid = {
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
    assert client.post("/api/missions/colis-laon/applications", data=valid, headers=origin).status_code == 303
    deliver_due(client.application)
    for number, mail in enumerate(smtp.mails):
        html = mail.message.get_body(("html",))
        if html is not None:
            (folder / f"mail-{number}.html").write_text(html.get_content(), encoding="utf-8")
    assert len(list(folder.glob("mail-*.html"))) == 2  # to the structure and to the volunteer


@pytest.fixture(scope="module")
def messages(nu, tmp_path_factory):
    """vnu's errors and warnings, by checked file (relative to the run's folder), after one run."""
    base = tmp_path_factory.mktemp("nu")
    content = base / "content"
    shutil.copytree(DATA / "content", content)
    build_site(content, base / "test-site")
    demo = base / "demo-content"
    shutil.copytree(ROOT / "content", demo)
    settings = {"content_dir": str(demo), "today": TODAY.isoformat(), "per_page": 2}
    build_site(demo, base / "demo-site", RESERVE_CIVIQUE=settings, CACHE_PATH=str(base / "demo-cache"))
    (base / "canary").mkdir()
    (base / "canary" / "invalid.html").write_text(INVALID, encoding="utf-8")
    found = defaultdict(list)
    for message in validator.check([base]):
        path = message["url"].removeprefix("file:")
        found[os.path.relpath(path, base)].append(f"{message.get('lastLine', '?')}: {message['message']}")
    found["checked"] = sorted(str(p.relative_to(base)) for p in base.rglob("*") if p.suffix in (".html", ".css"))
    return found


def test_the_checker_reports_an_invalid_page(messages):
    """The run is real: a page with an image without text alternative is reported."""
    assert any("alt" in m for m in messages["canary/invalid.html"]), messages["canary/invalid.html"]


@pytest.mark.parametrize("site", ["test-site", "demo-site"])
def test_every_built_page_its_css_and_svg_are_valid(messages, site):
    checked = [p for p in messages["checked"] if p.startswith(site + "/")]
    assert len([p for p in checked if p.endswith(".html")]) > 20
    assert any(p.endswith(".css") for p in checked)
    if site == "demo-site":
        assert f"{site}/missions/page/2/index.html" in checked  # pagination
    problems = {path: found for path, found in messages.items() if path.startswith(site + "/")}
    assert problems == {}


def test_the_handlers_pages_and_mails_are_valid(nu, make_app, smtp, tmp_path):
    _handler_pages(make_app, smtp, tmp_path / "handler")
    problems = defaultdict(list)
    for message in validator.check([tmp_path / "handler"], svg=False):
        problems[Path(message["url"]).name].append(f"{message.get('lastLine', '?')}: {message['message']}")
    assert dict(problems) == {}
