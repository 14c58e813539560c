"""Both identities in Chromium: axe-core (WCAG 2.1 AA) on the main page types at 320 px and on a
desktop, with and without the site's JavaScript, and what each loads.

The État identity on a desktop is test_accessibility.py's (every page type); this module adds
the phone's width for it, and both widths for the neutral identity.
"""

from __future__ import annotations

import json

import pytest

from tests.helpers.browser import violations

MAIN_PAGES = [
    "/", "/missions/", "/missions/distribution-colis-alimentaires-laon/", "/missions/maraude-hiver-saint-quentin/",
    "/domaines/aide-alimentaire-urgence/", "/recherche/", "/statistiques/", "/ressources/", "/proposer-une-mission/",
    "/contact/", "/merci/", "/nulle-part/",
]  # fmt: skip
LOOKS = [("etat", 320), ("neutre", 320), ("neutre", 1280)]


@pytest.fixture
def open_identity(request):
    """``open_identity(identity)`` → that identity's ``open_page``."""
    return lambda identity: request.getfixturevalue("open_page" if identity == "etat" else "open_neutral")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
@pytest.mark.parametrize(("identity", "width"), LOOKS, ids=[f"{i}-{w}" for i, w in LOOKS])
@pytest.mark.parametrize("path", MAIN_PAGES)
def test_no_wcag_violation_and_no_sideways_scroll(open_identity, path, identity, width, javascript):
    page = open_identity(identity)(path, width=width, site_scripts=javascript)
    found = violations(page)
    assert found == [], json.dumps(found, ensure_ascii=False, indent=1)
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", [320, 1280])
def test_the_handlers_error_page_in_a_phone_and_on_a_desktop(open_page, width):
    page = open_page("/missions/courses-voisins-soissons/", width=width, site_scripts=False)
    page.click("button:has-text('Envoyer ma candidature')")
    page.wait_for_selector("#email-error")
    assert violations(page) == []


def _fonts(page):
    page.wait_for_load_state("load")
    page.evaluate("document.fonts.ready.then(() => true)")
    family = page.evaluate("getComputedStyle(document.body).fontFamily")
    return family, [u for u in page.requests if u.endswith(".woff2")]


def test_the_etat_identity_shows_the_bloc_marque_in_the_marianne_font(open_page):
    page = open_page("/")
    family, fonts = _fonts(page)
    assert family.startswith("Marianne")
    assert sorted(u.rsplit("/", 1)[1] for u in fonts) == ["Marianne-Bold.woff2", "Marianne-Regular.woff2"]
    assert page.evaluate("document.fonts.check('16px Marianne')")
    assert page.locator(".fr-header .fr-logo").is_visible()
    header = " ".join(page.text_content(".fr-header").split())  # the words, not their capitals' style
    assert "Républiquefrançaise" in header and "Préfecture de l'Aisne" in header  # <br> between the lines


def test_the_neutral_identity_shows_no_state_brand_and_loads_no_font(open_neutral):
    page = open_neutral("/")
    family, fonts = _fonts(page)
    assert family.startswith("system-ui") and fonts == []
    assert page.locator(".fr-logo").count() == 0 and "République" not in page.inner_text("body")
    assert "Préfecture de l'Aisne" in page.text_content(".fr-header")  # the operator, named
    assert page.locator(".fr-header .fr-nav").is_visible()  # the rest works: the DSFR's header…
    page.click("text=Solidarité de proximité")  # … and its cards
    assert page.url.endswith("/domaines/solidarite-de-proximite/")
