"""A volunteer's journeys, in Debian's Chromium, against the real site and handler."""

import html
import re

import pytest

from tests.helpers import TODAY
from tests.helpers.browser import fill_form, wait_for_mails, wait_until


def test_apply_with_javascript_from_the_home_page(open_page, live_site):
    page = open_page("/")
    page.click("text=Solidarité de proximité")
    assert page.url.endswith("/domaines/solidarite-de-proximite/")
    page.click("text=Je fais les courses d'un voisin âgé ou malade")
    assert page.url.endswith("/missions/courses-voisins-soissons/")
    page.click("text=Je candidate")
    fill_form(page, "camille.js@exemple.fr")
    page.click("button:has-text('Envoyer ma candidature')")
    page.wait_for_url("**/merci/")
    assert "votre candidature est bien enregistrée" in page.inner_text("h1")
    to_volunteer = wait_for_mails(live_site, "camille.js@exemple.fr")
    to_structure = [
        m for m in wait_for_mails(live_site, "bonjour@voisins-soissonnais.example.org", 1) if "Camille" in m["Subject"]
    ]
    assert len(to_volunteer) == 1 and len(to_structure) == 1
    assert to_structure[0]["Reply-To"] == "Camille Lefort <camille.js@exemple.fr>"
    assert "Disponible en soirée." in to_structure[0].get_body(("plain",)).get_content()
    assert "Voisins solidaires du Soissonnais" in to_volunteer[0].get_body(("plain",)).get_content()


def test_apply_without_javascript(open_page, live_site):
    page = open_page("/missions/lettres-residents-ehpad-guise/", javascript=False)
    fill_form(page, "camille.nojs@exemple.fr", birth_date="2009-01-15")  # 17: this mission accepts 16+
    page.click("button:has-text('Envoyer ma candidature')")
    page.wait_for_url("**/merci/")
    assert len(wait_for_mails(live_site, "camille.nojs@exemple.fr")) == 1


def test_a_form_sent_at_autofill_speed_is_stored_and_both_mails_arrive(open_page, live_site):
    """The browser fills every field at once and the volunteer sends: « Merci » means stored and mailed."""
    page = open_page("/missions/courses-voisins-soissons/")
    fill_form(page, "camille.autofill@exemple.fr")
    page.click("button:has-text('Envoyer ma candidature')")
    page.wait_for_url("**/merci/")
    assert "votre candidature est bien enregistrée" in page.inner_text("h1")
    assert len(wait_for_mails(live_site, "camille.autofill@exemple.fr")) == 1
    to_structure = wait_for_mails(live_site, "bonjour@voisins-soissonnais.example.org")
    assert [m for m in to_structure if "Reply-To" in m and "camille.autofill" in m["Reply-To"]]
    import sqlite3

    conn = sqlite3.connect(live_site.app.config["DATABASE"])
    (seconds,) = conn.execute(
        "SELECT fill_seconds FROM applications WHERE email = 'camille.autofill@exemple.fr'"
    ).fetchone()
    conn.close()
    # what the page measured: under the threshold the time trap used to drop silently; flagged instead
    assert seconds < live_site.app.config["MIN_FILL_SECONDS"]


def _check_errors_shown(page):
    assert page.locator("[data-error-summary]").is_visible()
    assert "Il y a un problème" in page.inner_text("[data-error-summary]")
    email_error = page.inner_text("#email-error")
    assert "adresse e-mail" in email_error
    birth_error = page.inner_text("#birth_date-error")
    assert "Cette mission est ouverte aux personnes de 18 à 70 ans" in birth_error
    assert page.get_attribute("#email", "aria-invalid") == "true"
    # other values kept
    assert page.input_value("#first_name") == "Camille"
    assert page.input_value("#message") == "Disponible en soirée."
    assert page.is_checked("#consent")


def test_errors_next_to_their_fields_with_javascript(open_page):
    page = open_page("/missions/courses-voisins-soissons/")
    fill_form(page, "pas-une-adresse", birth_date="1940-01-01")
    page.click("button:has-text('Envoyer ma candidature')")
    page.wait_for_selector("#email-error")
    assert page.url.endswith("/missions/courses-voisins-soissons/")
    _check_errors_shown(page)


def test_errors_next_to_their_fields_without_javascript(open_page):
    page = open_page("/missions/courses-voisins-soissons/", javascript=False)
    fill_form(page, "pas-une-adresse", birth_date="1940-01-01")
    page.click("button:has-text('Envoyer ma candidature')")
    page.wait_for_selector("#email-error")
    _check_errors_shown(page)
    assert page.locator("a:has-text('Revenir à la mission')").count() == 1


def test_full_text_search_and_facets(open_page):
    page = open_page("/recherche/")
    page.fill("#q", "AFNOR")  # only in the description of the masks mission
    page.click("button:has-text('Rechercher')")
    page.wait_for_selector("[data-search-results] > li")
    links = page.eval_on_selector_all("[data-search-results] a", "els => els.map(e => e.getAttribute('href'))")
    assert links == ["/missions/masques-tissu-chateau-thierry/"]
    page.fill("#q", "")
    page.click("button:has-text('Rechercher')")
    wait_until(page, "document.querySelector('[data-search-status]').textContent.includes('missions trouvées')")
    assert page.locator("[data-search-facets] select").count() == 0  # facets are fetched only when wanted
    page.click("summary:has-text('Affiner les résultats')")
    page.wait_for_selector("[data-search-facets] select")
    wait_until(page, "document.querySelector('[data-search-status]').textContent.includes('missions trouvées')")
    everything = page.locator("[data-search-results] > li").count()
    assert everything == 10  # results come ten at a time (each one is a download)
    assert page.inner_text("button:has-text('Afficher plus de résultats')") == "Afficher plus de résultats (7 autres)"
    page.click("button:has-text('Afficher plus de résultats')")
    wait_until(page, "document.querySelectorAll('[data-search-results] > li').length > 10")
    assert page.locator("[data-search-results] > li").count() == 17
    value = page.evaluate(
        "[...document.querySelectorAll('#facette-domain option')].find(o => o.text.startsWith('Garde exceptionnelle')).value"
    )
    page.select_option("#facette-domain", value)  # the change handler starts a new search at once
    wait_until(page, "document.querySelector('[data-search-status]').textContent.includes('trouvée')")
    wait_until(page, "document.querySelectorAll('[data-search-results] > li').length > 0")
    assert page.locator("[data-search-results] > li").count() < everything
    assert "3 missions trouvées" in page.inner_text("[data-search-status]")
    narrowed = page.eval_on_selector_all("[data-search-results] a", "els => els.map(e => e.getAttribute('href'))")
    assert narrowed and all("enfant" in h or "periscolaire" in h or "devoirs" in h for h in narrowed)


def test_search_excerpts_never_show_the_word_that_lists_every_mission(open_page):
    """Every open mission's page ends with a word that lets the filters list them all; near the
    end of a page (its commitments), an excerpt would end with it: it is cut off."""
    page = open_page("/recherche/?q=respecte")
    wait_until(page, "document.querySelector('[data-search-status]').textContent.includes('trouvée')")
    excerpts = page.eval_on_selector_all(
        "[data-search-results] .rc-card__excerpt", "els => els.map(e => e.textContent)"
    )
    assert any("secret médical" in e for e in excerpts)  # an excerpt that reaches the end of its page
    assert excerpts and not any("toutesmissions" in e for e in excerpts)


def test_catalogue_filters_narrow_the_list(open_page):
    page = open_page("/missions/")
    total = page.locator("#mission-list > li").count()
    page.select_option("#filtre-remote", "oui")
    visible = page.locator("#mission-list > li:visible").count()
    assert 0 < visible < total
    assert f"Oui ({visible})" in page.eval_on_selector_all(
        "#filtre-remote option", "els => els.map(e => e.textContent)"
    )
    assert f"sur {total}" in page.inner_text("[data-filter-status]")


def listed(output, base_url):
    """The missions a listing's static pages show (all its pages), in their order."""
    folder = output / base_url.strip("/")
    hrefs, page, number = [], folder / "index.html", 1
    while page.exists():
        hrefs += re.findall(r'class="fr-card__title"><a href="([^"]+)"', page.read_text(encoding="utf-8"))
        number += 1
        page = folder / "page" / str(number) / "index.html"
    return hrefs


def found_on(page):
    return page.eval_on_selector_all(
        "#mission-results .fr-card__title a", "els => els.map(e => e.getAttribute('href'))"
    )


def test_filters_of_a_list_of_several_pages_search_the_whole_catalogue(open_paged, paged_site):
    """With five missions a page, a filter finds every matching mission (Pagefind), soonest first."""
    output = paged_site.output
    page = open_paged("/missions/page/2/")
    on_this_page = page.eval_on_selector_all(
        "#mission-list .fr-card__title a", "els => els.map(e => e.getAttribute('href'))"
    )
    assert len(on_this_page) == 5 and page.locator(".fr-pagination").is_visible()

    childcare = listed(output, "/domaines/garde-exceptionnelle-enfants/")
    options = page.eval_on_selector_all("#filtre-domain option", "els => els.map(e => e.textContent)")
    assert f"Garde exceptionnelle d'enfants ({len(childcare)})" in options  # the whole catalogue's counts
    page.select_option("#filtre-domain", "garde-exceptionnelle-enfants")
    wait_until(page, "document.querySelector('[data-filter-status]').textContent.includes('tout le catalogue')")
    wait_until(page, f"document.querySelectorAll('#mission-results > li').length === {len(childcare)}")
    assert found_on(page) == childcare  # the listing's order: soonest first
    assert set(childcare) - set(on_this_page)  # not only this page's missions
    assert page.inner_text("[data-filter-status]").startswith(f"{len(childcare)} missions correspondent")
    listing = page.locator("[data-filter-status] a")  # one facet: its static listing, for browsing it all
    assert listing.inner_text() == "Voir la liste « Garde exceptionnelle d'enfants », page par page"
    assert listing.get_attribute("href") == "/domaines/garde-exceptionnelle-enfants/"
    assert page.locator("#mission-list").is_hidden() and page.locator(".fr-pagination").is_hidden()

    page.select_option("#filtre-remote", "oui")  # and done from home
    remote = [h for h in childcare if h in listed(output, "/a-distance/")]
    assert 0 < len(remote) < len(childcare)
    wait_until(page, f"document.querySelectorAll('#mission-results > li').length === {len(remote)}")
    assert found_on(page) == remote
    assert page.locator("[data-filter-status] a").count() == 0  # two facets: no single listing

    page.select_option("#filtre-domain", "")
    page.select_option("#filtre-remote", "")
    wait_until(page, "!document.getElementById('mission-list').hidden")
    assert page.locator(".fr-pagination").is_visible() and page.locator("#mission-results").is_hidden()
    assert page.inner_text("[data-filter-status]") == ""

    page.select_option("#filtre-town", "laon")
    laon = listed(output, "/communes/laon/")
    wait_until(page, f"document.querySelectorAll('#mission-results > li').length === {len(laon)}")
    assert found_on(page) == laon
    card = page.locator("#mission-results > li").first.inner_text()
    assert "Laon (02)" in card and re.search(r"(Du|À partir du) \w+ \d+ \w+ 20\d\d", card)
    static = (output / "communes/laon/index.html").read_text(encoding="utf-8")
    structure = re.search(r'<p class="fr-card__desc rc-card__structure">([^<]+)</p>', static).group(1)
    assert f"\n{html.unescape(structure)}\n" in card  # as on the listings: its structure, and its volunteers
    assert re.search(r"\n\d+ bénévoles? recherchés?$", card)

    page.select_option("#filtre-town", "")
    page.select_option("#filtre-remote", "non")  # on site only: every open mission not done from home
    on_site = [h for h in listed(output, "/missions/") if h not in listed(output, "/a-distance/")]
    assert len(on_site) > 10  # more than one batch of results
    wait_until(
        page, f"document.querySelector('[data-filter-status]').textContent.startsWith('{len(on_site)} missions')"
    )
    page.click("button:has-text('Afficher plus de résultats')")
    wait_until(page, f"document.querySelectorAll('#mission-results > li').length === {len(on_site)}")
    assert found_on(page) == on_site


def test_filtered_lists_have_their_own_address(open_paged, paged_site, open_page):
    """The choices are in the address: a filtered list can be bookmarked or shared, and the same
    address works whether the list fits on one page (cards hidden) or not (Pagefind)."""
    output = paged_site.output
    page = open_paged("/missions/")
    page.select_option("#filtre-domain", "garde-exceptionnelle-enfants")
    page.select_option("#filtre-remote", "oui")
    wait_until(page, "location.search.includes('remote=oui')")
    shared = page.url
    assert shared.endswith("/missions/?domain=garde-exceptionnelle-enfants&remote=oui")

    again = open_paged("/" + shared.split("/", 3)[3])
    childcare = listed(output, "/domaines/garde-exceptionnelle-enfants/")
    remote = [h for h in childcare if h in listed(output, "/a-distance/")]
    wait_until(again, f"document.querySelectorAll('#mission-results > li').length === {len(remote)}")
    assert found_on(again) == remote
    assert again.eval_on_selector("#filtre-remote", "e => e.value") == "oui"
    again.select_option("#filtre-remote", "")
    again.select_option("#filtre-domain", "")
    wait_until(again, "location.search === ''")

    one_page = open_page("/" + shared.split("/", 3)[3])  # the shipped site: every mission on one page
    shown = one_page.eval_on_selector_all(
        "#mission-list > li:not([hidden]) .fr-card__title a", "els => els.map(e => e.getAttribute('href'))"
    )
    assert shown == remote


def test_facets_without_javascript_are_links_to_listing_pages(open_page):
    page = open_page("/missions/", javascript=False)
    assert page.locator("#filtre-remote").count() == 0
    page.click("summary:has-text('Filtrer les missions')")
    page.click("[data-facet-links] >> text=Missions à distance")
    assert page.url.endswith("/a-distance/")
    page.go_back()
    if not page.locator("[data-facet-links] >> text=Aisne (02)").is_visible():
        page.click("summary:has-text('Filtrer les missions')")
    page.click("[data-facet-links] >> text=Aisne (02)")
    assert page.url.endswith("/departements/02/")


def test_closed_mission_shows_no_form(open_page):
    page = open_page("/missions/maraude-hiver-saint-quentin/")
    assert "ne recrute plus" in page.inner_text("main")
    assert page.locator("form").count() == 0


def test_full_mission_says_waiting_list(open_page, live_site):
    from tests.helpers.browser import accept_volunteers

    mission = "accueil-periscolaire-soissons"  # 3 places, taken by 3 accepted volunteers
    accept_volunteers(live_site, mission, 3, "plein")
    page = open_page(f"/missions/{mission}/")
    wait_until(page, "document.querySelector('.rc-availability').textContent.length > 0")
    assert "Complet — liste d'attente" in page.inner_text(".rc-availability")
    assert page.locator("[data-waiting-note]").is_visible()  # the form says so before sending
    fill_form(page, "attente@exemple.fr")
    page.click("button:has-text('Envoyer ma candidature')")
    page.wait_for_url("**/merci/liste-attente/")
    assert "liste d'attente" in page.inner_text("h1")


def test_mission_prints_on_one_page_with_its_qr_code(open_page):
    page = open_page("/missions/distribution-colis-alimentaires-laon/")
    page.emulate_media(media="print")
    assert page.locator(".print-qr svg").is_visible()
    assert not page.locator("form").is_visible()
    assert not page.locator(".fr-header__menu nav").is_visible()
    pdf = page.pdf(format="A4", print_background=True)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1


@pytest.mark.parametrize("name", ["1500", "3000", "6000", "listes"])
def test_a_long_mission_still_prints_on_one_page_with_its_qr_code_at_the_top(open_long, name):
    """Descriptions of 1,500 to 6,000 characters, and commitments and guidelines just under what
    the content check accepts without a warning."""
    page = open_long(f"/missions/longue-{name}/")
    page.emulate_media(media="print")
    qr, mission = page.locator(".print-qr svg").bounding_box(), page.locator("#description").bounding_box()
    assert qr["y"] + qr["height"] < mission["y"]  # beside the title, above the description
    assert page.locator("text=Description complète en ligne").is_visible()
    pdf = page.pdf(format="A4", print_background=True)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1


def test_phone_viewport_has_no_horizontal_scrolling_and_a_usable_form(open_page):
    for path in ("/", "/missions/", "/missions/livraison-courses-domicile-laon/", "/statistiques/"):
        page = open_page(path, width=375, height=740)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, path
    box = page_box = open_page("/missions/livraison-courses-domicile-laon/", width=375).locator("#email").bounding_box()
    assert box["width"] > 250 and box["height"] >= 44, page_box


def test_today_is_fixed_for_the_journeys():
    assert TODAY.isoformat() == "2026-11-29"
