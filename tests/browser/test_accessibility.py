"""axe-core (WCAG 2.1 A/AA) on every page type, and the keyboard path through the form."""

import json

import pytest

from tests.helpers.browser import violations

PAGES = [
    "/",
    "/missions/",
    "/missions/distribution-colis-alimentaires-laon/",  # open, with requirements
    "/missions/appels-convivialite-saint-quentin/",  # remote
    "/missions/maraude-hiver-saint-quentin/",  # closed
    "/missions/distribution-masques-marche-laon/",  # past
    "/domaines/",
    "/domaines/aide-alimentaire-urgence/",
    "/departements/02/",
    "/communes/saint-quentin/",
    "/structures/ccas-saint-quentin/",
    "/a-distance/",
    "/recherche/",
    "/proposer-une-mission/",
    "/proposer-une-mission/merci/",
    "/ressources/",
    "/statistiques/",
    "/donnees-personnelles/",
    "/merci/",
    "/merci/liste-attente/",
    "/nulle-part/",  # 404
]


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_no_wcag_violation(open_page, path, javascript):
    page = open_page(path, site_scripts=javascript)
    found = violations(page)
    assert found == [], json.dumps(found, ensure_ascii=False, indent=1)


def test_full_mission_page(open_page, live_site):
    from tests.helpers.browser import accept_volunteers

    mission = "garde-enfants-soignants-chauny"  # 4 places, taken by 4 accepted volunteers
    accept_volunteers(live_site, mission, 4, "a11y")
    page = open_page(f"/missions/{mission}/")
    page.wait_for_selector(".rc-availability:not(:empty)")
    assert "liste d'attente" in page.inner_text(".rc-availability")
    assert violations(page) == []


def test_whole_catalogue_filters_and_their_results(open_paged):
    """/missions/ over several pages: the filters, then the missions they found in place of the list."""
    page = open_paged("/missions/")
    assert violations(page) == []
    page.select_option("#filtre-remote", "oui")
    page.wait_for_selector("#mission-results > li")
    assert violations(page) == []


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_error_page_and_inline_errors(open_page, javascript):
    page = open_page("/missions/courses-voisins-soissons/", site_scripts=javascript)
    page.fill("#email", "faux")
    page.click("button:has-text('Envoyer ma candidature')")
    page.wait_for_selector("#email-error")
    assert violations(page) == []


def test_keyboard_reaches_every_field_in_order_with_a_visible_focus(open_page):
    page = open_page("/missions/distribution-colis-alimentaires-laon/")
    expected = ["first_name", "last_name", "email", "phone", "birth_date", "postal_code", "message",
                "accept_requirements", "consent", "submit"]  # fmt: skip
    reached = []
    for _ in range(80):
        page.keyboard.press("Tab")
        info = page.evaluate(
            """() => {
                const e = document.activeElement;
                // the DSFR draws a checkbox's box, and its focus ring, before its label
                const style = e.type === 'checkbox' ? getComputedStyle(e.labels[0], '::before') : getComputedStyle(e);
                return {id: e.id || (e.type === 'submit' ? 'submit' : e.tagName),
                        outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2};
            }"""
        )
        if info["id"] in expected and info["id"] not in reached:
            reached.append(info["id"])
            assert info["outline"], f"no visible focus on {info['id']}"
        if info["id"] == "submit":
            break
    assert reached == expected
    assert "website" not in reached  # the honeypot is out of the tab order


def test_skip_link_is_first_and_moves_focus_to_the_content(open_page):
    page = open_page("/missions/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Aller au contenu"
    assert page.locator(".fr-skiplinks a:has-text('Aller au contenu')").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "contenu"


def test_proposal_error_page(open_page):
    page = open_page("/proposer-une-mission/", site_scripts=False)
    page.fill("#title", "Je trie")
    page.fill("#places", "cinq")
    page.click("button:has-text('Envoyer la proposition')")
    page.wait_for_selector("#places-error")
    assert "doit être un entier supérieur ou égal à 1 (reçu « cinq »)" in page.inner_text("#places-error")
    assert page.input_value("#title") == "Je trie"
    assert violations(page) == []
