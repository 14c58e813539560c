"""Defect 8 of issue 18: what a volunteer reads while and after applying says one true thing.

- The birth-date hint reads like the field it is about: a date field shows « jj/mm/aaaa » (in a
  French browser), so its example is day/month/year, not « 1985-04-27 (année-mois-jour) ».
- /merci/ is a static page reached after any mission that is not full (a full one leads to
  /merci/liste-attente/): it does not speak of a waiting list.
- The confirmation of an application on the waiting list promises one thing (the structure
  writes if a place frees up), not also that the structure will get in touch within days.
"""

from __future__ import annotations

import re

from formhandler.outbox import deliver_due


def read(site, path):
    return (site / path).read_text(encoding="utf-8")


def label_of(html, name):
    return re.search(rf'<label class="fr-label" for="{name}">(.*?)</label>', html, re.S).group(1)


def test_the_birth_date_hint_gives_its_example_as_the_date_field_shows_it(site):
    hint = label_of(read(site, "missions/colis-laon/index.html"), "birth_date")
    assert "27/04/1985" in hint  # jour/mois/année, as « jj/mm/aaaa » in the field
    assert "1985-04-27" not in hint and "année-mois-jour" not in hint


def test_the_proposals_date_hint_too(site):
    hint = label_of(read(site, "proposer-une-mission/index.html"), "start")
    assert re.search(r"\b\d{2}/\d{2}/\d{4}\b", hint) and "année-mois-jour" not in hint


def test_thanks_page_speaks_of_the_waiting_list_only_when_the_mission_was_full(site):
    thanks = read(site, "merci/index.html")
    assert "votre candidature est bien enregistrée" in thanks
    assert "attente" not in thanks
    assert "liste d'attente" in read(site, "merci/liste-attente/index.html")


def _volunteer_mail(app, post, smtp, edit, places):
    edit("missions/colis-laon.yaml", "places: 6", f"places: {places}")
    app.extensions["content"].reload_seconds = 0
    from answers_helpers import click, structure_link

    post(email="premier@exemple.fr")
    # accepted volunteers take the places (issue 15)
    assert click(app.test_client(), structure_link(app, smtp, "premier@exemple.fr"), "accepter").status_code == 303
    post()
    deliver_due(app)
    mail = next(m.message for m in smtp.mails if "jeanne.dupre@exemple.fr" in m.rcpt_tos)
    return mail.get_body(("plain",)).get_content(), mail.get_body(("html",)).get_content()


def test_the_waiting_list_mail_promises_one_thing(app, post, smtp, edit):
    for body in _volunteer_mail(app, post, smtp, edit, places=1):
        body = " ".join(body.split())
        assert "liste d'attente" in body or "liste d&#39;attente" in body
        assert "si une place se libère" in body
        assert "va vous contacter directement" not in body


def test_a_mail_with_a_place_promises_the_structures_answer(app, post, smtp, edit):
    for body in _volunteer_mail(app, post, smtp, edit, places=2):
        body = " ".join(body.split())
        assert "va vous contacter directement" in body
        assert "attente" not in body and "si une place se libère" not in body
