"""The DSFR vendored in theme/ (devtools/dsfr.py): pinned, intact, complete, and only what is used."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from pathlib import Path

import pytest

from devtools import dsfr
from tests.helpers import ROOT

THEME = ROOT / "theme"
MANIFEST = json.loads((THEME / "dsfr.json").read_text(encoding="utf-8"))
VENDORED = sorted(
    p for folder in (THEME / "static" / "dsfr", THEME / "brand") for p in folder.rglob("*") if p.is_file()
)
STYLESHEETS = [p for p in VENDORED if p.suffix == ".css"]
# What uses the DSFR's classes: the templates (the site's and the handler's) and the scripts.
USERS = [*(THEME / "templates").glob("*.html"), *(ROOT / "formhandler/templates").glob("*.html"),
         *(THEME / "static/js").glob("*.js")]  # fmt: skip
# A class each vendored component is there for.
COMPONENT_CLASS = {
    "button": "fr-btn", "breadcrumb": "fr-breadcrumb", "form": "fr-fieldset", "link": "fr-link",
    "pagination": "fr-pagination", "tag": "fr-tag", "badge": "fr-badge", "alert": "fr-alert", "card": "fr-card",
    "checkbox": "fr-checkbox-group", "input": "fr-input", "skiplink": "fr-skiplinks", "select": "fr-select",
    "modal": "fr-modal", "navigation": "fr-nav", "footer": "fr-footer", "search": "fr-search-bar",
    "header": "fr-header", "table": "fr-table", "logo": "fr-logo",
}  # fmt: skip


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_manifest_pins_the_version_and_the_tarball_of_the_task():
    assert (MANIFEST["package"], MANIFEST["version"], MANIFEST["sha256"]) == (dsfr.PACKAGE, dsfr.VERSION, dsfr.SHA256)
    assert re.fullmatch(r"[0-9a-f]{64}", dsfr.SHA256)


def test_every_vendored_file_is_in_the_manifest_unchanged():
    listed = {THEME / name: entry for name, entry in MANIFEST["files"].items()}
    assert sorted(listed) == VENDORED, "run `invoke dsfr` (theme/dsfr.json and the files differ)"
    for path, entry in listed.items():
        assert (path.stat().st_size, sha256(path)) == (entry["bytes"], entry["sha256"]), path


@pytest.mark.parametrize("stylesheet", STYLESHEETS, ids=lambda p: p.name)
def test_every_address_in_a_stylesheet_is_a_vendored_file(stylesheet):
    for url in re.findall(r"url\(['\"]?([^'\")]+)", stylesheet.read_text(encoding="utf-8")):
        if not url.startswith("data:"):
            target = (stylesheet.parent / url).resolve()
            published = THEME / "static" / "dsfr" / target.relative_to(stylesheet.parent)
            assert target.is_file() or published.is_file(), (stylesheet.name, url)


def _classes_used() -> set[str]:
    found = set()
    for path in USERS:
        for word in re.findall(r"\bfr-[a-z0-9_-]+", path.read_text(encoding="utf-8")):
            found.add(word.rstrip("-_"))
    return found


# In the DSFR's reference markup (its example/ pages), without a rule of their own
MARKUP_ONLY = {"fr-footer__content-item", "fr-header__body"}


def test_every_dsfr_class_the_theme_uses_is_in_the_vendored_stylesheets():
    """A class without its rule: a component left out of devtools/dsfr.py, or a typo."""
    defined = set(MARKUP_ONLY)
    for stylesheet in STYLESHEETS:
        defined |= set(re.findall(r"\.(fr-[a-zA-Z0-9_-]+)", stylesheet.read_text(encoding="utf-8")))
    assert sorted(_classes_used() - defined) == []


def test_only_the_components_the_theme_uses_are_vendored():
    vendored = {*dsfr.COMPONENTS, *dsfr.PAGE_COMPONENTS, *dsfr.BRAND_COMPONENTS}
    assert vendored == set(COMPONENT_CLASS)
    used = _classes_used()
    assert sorted(name for name, cls in COMPONENT_CLASS.items() if cls not in used) == []


def test_only_the_marianne_faces_the_site_uses_and_as_woff2():
    fonts = sorted(p.name for p in VENDORED if p.parent.name == "fonts")
    assert fonts == ["Marianne-Bold.woff2", "Marianne-Regular.woff2"]
    faces = (THEME / "brand/dsfr/marianne.min.css").read_text(encoding="utf-8")
    assert re.findall(r"@font-face\{[^}]*font-weight:(\d+)", faces) == ["400", "700"]
    assert "@font-face" not in (THEME / "static/dsfr/dsfr.min.css").read_text(encoding="utf-8")
    base = (THEME / "templates/base.html").read_text(encoding="utf-8")
    for font in fonts:
        assert f'<link rel="preload" href="/theme/dsfr/fonts/{font}" as="font" type="font/woff2" crossorigin>' in base


def test_the_stylesheets_and_fonts_hold_the_budget():
    """The first view's budget (README, « L'apparence ») : the CSS every page loads, gzipped."""

    def gzipped(*names):
        return sum(len(gzip.compress((THEME / name).read_bytes(), 9)) for name in names)

    every_page = gzipped("static/dsfr/dsfr.min.css", "brand/dsfr/marianne.min.css", "static/css/site.css")
    assert every_page <= 52_000
    assert every_page + gzipped("static/dsfr/table.min.css") <= 56_000  # the statistics
    assert sum(p.stat().st_size for p in VENDORED if p.suffix == ".woff2") <= 120_000
