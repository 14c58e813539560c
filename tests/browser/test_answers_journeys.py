"""Structures answer from their link, in Debian's Chromium, against the real site, handler and SMTP
server (issue 15): apply → the structure's link from its mail → accept → the volunteer's mail; a
full mission → the waiting list → a place freed → the first waiting volunteer told. The new pages
are axe-clean, with and without JavaScript, and at 320 px."""

from __future__ import annotations

import time

import pytest

from tests.helpers.answers import WITHDRAW_LINK, text_of
from tests.helpers.browser import (
    accept_volunteers,
    fill_form,
    link_for,
    post_json,
    press,
    structure_address,
    violations,
    wait_for_mails,
)


def test_apply_then_the_structure_accepts_from_its_link_and_the_volunteer_is_told(open_page, live_site):
    mission = "portage-medicaments-saint-quentin"
    page = open_page(f"/missions/{mission}/")
    fill_form(page, "camille.acceptee@exemple.fr")
    page.click("button:has-text('Envoyer ma candidature')")
    page.wait_for_url("**/merci/")
    link = link_for(live_site, mission, "camille.acceptee@exemple.fr")
    assert link.startswith(live_site.url + "/candidatures/")

    # the structure opens its link (JavaScript off: the page needs none), reads, answers
    answer = open_page(link.removeprefix(live_site.url), site_scripts=False)
    assert "Camille Lefort" in answer.inner_text("h1")
    assert "nouvelle" in answer.inner_text("main") and "Disponible en soirée." in answer.inner_text("main")
    assert violations(answer) == []
    answer.fill("#message", "Bienvenue ! Rendez-vous lundi à 14 h au CCAS.")
    answer.click("button:has-text('Accepter')")
    answer.wait_for_url("**?fait=acceptee")
    assert "Candidature acceptée" in answer.inner_text("[role=status]")
    assert "acceptée" in answer.inner_text("main")
    assert violations(answer) == []

    told = [m for m in wait_for_mails(live_site, "camille.acceptee@exemple.fr", 2) if "acceptée" in m["Subject"]]
    assert len(told) == 1
    body = " ".join(text_of(told[0]).split())
    assert "Bienvenue ! Rendez-vous lundi à 14 h au CCAS." in body and "CONSIGNES SANITAIRES" in body
    assert WITHDRAW_LINK.search(body)

    # a second click (the button pressed again in another tab) changes nothing, and says so
    again = open_page(link.removeprefix(live_site.url), site_scripts=False)
    assert again.locator("button:has-text('Accepter')").count() == 0  # an accepted volunteer: « Décliner » only
    assert press(live_site, link, "accepter") == 200
    assert len([m for m in live_site.mails_to("camille.acceptee@exemple.fr") if "acceptée" in m["Subject"]]) == 1


def test_a_full_mission_takes_a_waiting_list_and_a_freed_place_goes_to_the_first_waiting(open_page, live_site):
    mission = "tri-dons-ressourcerie-hirson"  # 3 places
    accepted = accept_volunteers(live_site, mission, 3, "tri")
    page = open_page(f"/missions/{mission}/")
    page.wait_for_selector(".rc-availability:not(:empty)")
    assert "Complet — liste d'attente" in page.inner_text(".rc-availability")
    assert page.locator("[data-waiting-note]").is_visible()
    fill_form(page, "premiere.attente@exemple.fr", first_name="Première", last_name="Attente")
    page.click("button:has-text('Envoyer ma candidature')")
    page.wait_for_url("**/merci/liste-attente/")
    second = open_page(f"/missions/{mission}/")
    second.wait_for_selector(".rc-availability:not(:empty)")
    fill_form(second, "seconde.attente@exemple.fr", first_name="Seconde", last_name="Attente")
    second.click("button:has-text('Envoyer ma candidature')")
    second.wait_for_url("**/merci/liste-attente/")
    assert "liste d'attente" in text_of(wait_for_mails(live_site, "premiere.attente@exemple.fr")[0])

    # an accepted volunteer withdraws from the link of their confirmation: a page, one button
    withdraw = link_for(live_site, mission, accepted[0], WITHDRAW_LINK)
    leaving = open_page(withdraw.removeprefix(live_site.url))
    assert violations(leaving) == []
    leaving.click("button:has-text('Je retire ma candidature')")
    assert "la structure est prévenue" in leaving.inner_text("[role=status]")
    assert violations(leaving) == []

    # the first waiting volunteer is offered the place, and the structure gets the link to answer
    offered = [m for m in wait_for_mails(live_site, "premiere.attente@exemple.fr", 2) if "place" in m["Subject"]]
    assert offered and "va vous confirmer votre place" in " ".join(text_of(offered[0]).split())
    assert not [m for m in live_site.mails_to("seconde.attente@exemple.fr") if "place" in m["Subject"]]
    structure = structure_address(live_site, mission)
    deadline = time.monotonic() + 10
    while not [m for m in live_site.mails_to(structure) if "proposée à Première Attente" in m["Subject"]]:
        assert time.monotonic() < deadline, [m["Subject"] for m in live_site.mails_to(structure)]
        time.sleep(0.1)
    link = link_for(live_site, mission, "premiere.attente@exemple.fr")
    answer = open_page(link.removeprefix(live_site.url))
    assert "nouvelle" in answer.inner_text("main") and "place libérée" in answer.inner_text("main")
    assert violations(answer) == []


@pytest.mark.parametrize("path", ["/candidatures/nimportequoi.AAAAAAAAAAAAAAAAAAAA/", "/candidatures/retrait/x/"])
def test_a_broken_link_says_what_to_do(open_page, path):
    page = open_page(path)
    assert "Ce lien ne fonctionne pas" in page.inner_text("h1")
    assert page.locator("a[href$='/contact/']").count() >= 1
    assert violations(page) == []


def test_the_structures_page_reads_at_320_px(open_page, live_site):
    mission = "soutien-commerces-hirson"
    post_json(live_site, f"/api/missions/{mission}/applications", {
        "first_name": "Étroite", "last_name": "Largeur", "email": "etroite@exemple.fr", "birth_date": "1980-01-01",
        "postal_code": "02500", "consent": True, "accept_requirements": True,
        "message": "Un message assez long pour passer à la ligne " * 5,
    })  # fmt: skip
    link = link_for(live_site, mission, "etroite@exemple.fr")
    page = open_page(link.removeprefix(live_site.url), width=320)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert violations(page) == []
