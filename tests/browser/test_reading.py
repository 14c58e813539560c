"""The newcomer's reading defects of issue 18, tried in Chromium as they were found.

1. No page scrolls sideways at 320 px (WCAG 1.4.10, reflow): every page type, the handler's too.
2. The search's facets count the search's missions, come in the missions list's order, and the
   search's choices are kept in the address.
3. On a phone, /missions/ offers one way to filter, and the missions come first.
4. Cards: no domain repeated on a domain's page, volunteers sought (not « places », read as places
   left), badges on one line; the statistics chart's words readable on a phone.
7. The proposal form's « Site web » field has the other fields' style.
9. The remote facet's values, « oui » and « non », read as labels: « Oui », « Non ».
And the header's menu is reachable on a phone without JavaScript.
"""

from __future__ import annotations

import re
import urllib.parse

import pytest

from tests.helpers.browser import wait_until

PHONE = {"width": 320, "height": 640}
# Every page type of the site (the handler's pages are below)
PAGE_TYPES = [
    "/", "/missions/", "/missions/distribution-colis-alimentaires-laon/", "/missions/appels-convivialite-saint-quentin/",
    "/missions/maraude-hiver-saint-quentin/", "/missions/distribution-masques-marche-laon/", "/domaines/",
    "/domaines/aide-alimentaire-urgence/", "/departements/", "/departements/02/", "/communes/",
    "/communes/saint-quentin/", "/structures/", "/structures/ccas-saint-quentin/", "/a-distance/", "/recherche/",
    "/recherche/?q=colis", "/statistiques/", "/ressources/", "/proposer-une-mission/", "/proposer-une-mission/merci/",
    "/merci/", "/merci/liste-attente/", "/a-propos/", "/questions-frequentes/", "/contact/", "/mentions-legales/",
    "/donnees-personnelles/", "/accessibilite/", "/nulle-part/",
]  # fmt: skip
CARDS = "main li:has(:is(h2, h3) a[href^='/missions/'])"  # a mission's card, whatever its markup


def sideways(page) -> int:
    """How far the page scrolls sideways, in CSS pixels, once its stylesheets are in: a layout asked
    for while one is still loading measures the page without it (seen on a loaded machine)."""
    page.wait_for_load_state("load")
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


# -- 1. reflow ----------------------------------------------------------------------------


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
@pytest.mark.parametrize("path", PAGE_TYPES)
def test_no_page_scrolls_sideways_at_320_px(open_page, path, javascript):
    page = open_page(path, javascript=javascript, **PHONE)
    page.wait_for_load_state("load")
    assert sideways(page) == 0


def test_no_listing_page_of_several_scrolls_sideways_at_320_px(open_paged):
    page = open_paged("/missions/page/2/", **PHONE)
    assert page.locator("nav[aria-label=Pages] a").count() > 2  # the pagination, on its numbers
    assert sideways(page) == 0


def _handler_pages(open_page):
    """The handler's pages: the application's and the proposal's errors, and a refusal."""
    page = open_page("/missions/courses-voisins-soissons/", javascript=False, **PHONE)
    page.click("button:has-text('Envoyer ma candidature')")
    page.wait_for_selector("#email-error")
    yield "application errors", page
    page = open_page("/proposer-une-mission/", javascript=False, **PHONE)
    page.click("button:has-text('Envoyer la proposition')")
    page.wait_for_selector("#title-error")
    yield "proposal errors", page
    url = "/".join(page.url.split("/", 3)[:3])  # the site's origin
    page.set_content(f'<form method="post" action="{url}/api/missions/inconnue/applications"><button>x</button></form>')
    page.click("button")  # no such mission: the handler's error page
    page.wait_for_selector("h1")
    assert page.locator("main a[href='/missions/']").count() == 1  # « Voir les missions ouvertes »
    yield "refusal", page


def test_the_handlers_pages_do_not_scroll_sideways_at_320_px(open_page):
    for name, page in _handler_pages(open_page):
        assert sideways(page) == 0, name


# -- 2. the search's facets ---------------------------------------------------------------


def _search(page, words):
    page.fill("#q", words)
    page.click("form[role=search] button")
    wait_until(page, "/trouvée|Aucune/.test(document.querySelector('[data-search-status]').textContent)")


def _facets(page):
    page.click("summary:has-text('Affiner les résultats')")
    page.wait_for_selector("[data-search-facets] select")
    return page.eval_on_selector_all(
        "[data-search-facets] select",
        "els => els.map(s => [s.labels[0].textContent, [...s.options].slice(1).map(o => o.textContent)])",
    )


def test_search_facets_count_the_missions_found_in_the_lists_order(open_page):
    page = open_page("/recherche/")
    _search(page, "colis")
    found = page.locator("[data-search-results] > li").count()
    assert found == 2
    facets = dict(_facets(page))
    assert list(facets) == ["Domaine", "Département", "Commune", "À distance"]  # as on /missions/
    towns = facets["Commune"]
    places = page.inner_text("[data-search-results]")
    for option in towns:  # « Laon (2) »: only towns of the results, with their number of results
        town, count = re.fullmatch(r"(.+) \((\d+)\)", option).groups()
        assert 0 < int(count) <= found and town in places, option
    assert not any(t.startswith("Saint-Quentin") for t in towns)  # 3 missions in the catalogue, none found
    assert sum(int(re.search(r"\((\d+)\)", o).group(1)) for o in facets["Domaine"]) == found


def test_search_choices_are_kept_in_the_address(open_page, live_site):
    page = open_page("/recherche/")
    _search(page, "colis")
    _facets(page)
    value = page.eval_on_selector("#facette-town", "s => [...s.options].find(o => o.value).value")
    page.select_option("#facette-town", value)
    wait_until(page, "location.search.includes('town=')")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)
    assert query == {"q": ["colis"], "town": ["laon"]}  # the same key and value as /missions/'s

    again = open_page("/recherche/?q=colis&town=laon")  # shared: the same search, the same choice
    wait_until(again, "document.querySelectorAll('[data-search-results] > li').length > 0")
    assert again.input_value("#q") == "colis"
    wait_until(again, "document.querySelector('#facette-town') && document.querySelector('#facette-town').value")
    assert again.eval_on_selector("#facette-town", "s => s.selectedOptions[0].textContent").startswith("Laon")
    assert all("Laon" in card for card in again.locator("[data-search-results] > li").all_inner_texts())


# -- 3. a phone's missions list -----------------------------------------------------------


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_on_a_phone_the_missions_come_first_with_one_way_to_filter(open_page, javascript):
    page = open_page("/missions/", javascript=javascript, width=375, height=740)
    page.wait_for_load_state("load")
    first = page.locator(CARDS).first.bounding_box()
    assert first["y"] < 740  # the first mission is on the first screen
    links = page.locator("a[href='/a-distance/']:has-text('(')")  # a facet link, with its count
    assert not links.first.is_visible()
    page.click("summary:has-text('Filtrer les missions')")  # the filters, one tap away
    if javascript:  # the drop-down lists instead of the links
        assert page.locator("#filtre-domain").is_visible() and not links.first.is_visible()
    else:
        assert links.first.is_visible() and page.locator("select").count() == 0


def test_on_a_wide_screen_the_filters_are_open(open_page):
    page = open_page("/missions/")
    page.wait_for_selector("#filtre-domain")
    assert page.locator("#filtre-domain").is_visible()
    assert not page.locator("a[href='/a-distance/']:has-text('(')").is_visible()  # one way at a time


# -- 4. cards and chart ---------------------------------------------------------------------


def test_a_domains_page_does_not_repeat_its_domain_on_every_card(open_page):
    domain = "Aide alimentaire et d'urgence"
    listing = open_page("/domaines/aide-alimentaire-urgence/")
    cards = listing.locator(CARDS).all_inner_texts()
    assert len(cards) >= 2 and not [card for card in cards if domain in card]
    everywhere = open_page("/missions/").locator(CARDS).all_inner_texts()
    assert [card for card in everywhere if domain in card]  # elsewhere each card names its domain


@pytest.mark.parametrize("path", ["/missions/", "/a-distance/", "/recherche/?q=soignants"])
def test_cards_say_how_many_volunteers_are_sought_not_places(open_page, path):
    """« 4 places » read as four places left, also on a mission already full."""
    page = open_page(path)
    page.wait_for_selector(f"{CARDS} >> nth=0")
    for card in page.locator(CARDS).all_inner_texts():
        assert not re.search(r"\b\d+ places?\b", card), card
        assert re.search(r"\b\d+ bénévoles? recherchés?\b", card), card


@pytest.mark.parametrize("width", [320, 375, 1280])
def test_a_cards_badges_are_on_one_line(open_page, width):
    page = open_page("/missions/", width=width)
    lines = page.eval_on_selector_all(
        f"{CARDS} [class*=badge]:not([class*=badges])",
        """els => els.map(e => {
            const box = e.getBoundingClientRect(), line = parseFloat(getComputedStyle(e).lineHeight);
            return [e.textContent, Math.round(box.height / line)];
        })""",
    )
    assert lines and [text for text, count in lines if count > 1] == []


def test_the_statistics_chart_reads_on_a_phone(open_page):
    page = open_page("/statistiques/", **PHONE)
    sizes = page.eval_on_selector_all(
        "main figure *",
        """els => els.filter(e => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
                     .map(e => [e.textContent.trim(), e.getBoundingClientRect().height])""",
    )
    labels = [text for text, _ in sizes]
    assert any(text.startswith("Aide alimentaire") for text in labels)
    assert [(text, round(height)) for text, height in sizes if height < 14] == []  # ≈ 12 px text or more


# -- 7 and 9: fields and labels -------------------------------------------------------------


def test_the_proposals_website_field_looks_like_the_others(open_page):
    page = open_page("/proposer-une-mission/")
    look = """e => { const s = getComputedStyle(e);
        return [s.backgroundColor, s.boxShadow, s.borderTopStyle, s.paddingLeft, s.fontSize, s.width]; }"""
    assert page.eval_on_selector("#structure_website", look) == page.eval_on_selector("#structure_name", look)


def test_remote_values_read_as_labels(open_page):
    page = open_page("/missions/")
    options = page.eval_on_selector_all("#filtre-remote option", "els => els.map(e => e.textContent)")
    assert [re.sub(r" \(\d+\)", "", o) for o in options] == ["Tous", "Non", "Oui"]
    search = open_page("/recherche/")
    _search(search, "")
    facets = dict(_facets(search))
    assert sorted(re.sub(r" \(\d+\)", "", o) for o in facets["À distance"]) == ["Non", "Oui"]


# -- the header's menu ----------------------------------------------------------------------


def test_the_menu_is_reachable_on_a_phone_without_javascript(open_page):
    page = open_page("/missions/", javascript=False, **PHONE)
    nav = page.locator("nav[aria-label='Menu principal'] a[href='/ressources/']")
    assert not nav.is_visible()  # folded behind « Menu »
    page.click("header a:has-text('Menu')")
    assert nav.is_visible()
    page.click("a:has-text('Fermer')")
    assert not nav.is_visible()
    nav_desktop = open_page("/missions/", javascript=False).locator("nav[aria-label='Menu principal']")
    assert nav_desktop.is_visible()
