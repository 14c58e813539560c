"""Defect 8 of issue 18: what a volunteer reads while and after applying says one true thing.

- The birth-date hint reads like the field it is about: a date field shows « jj/mm/aaaa » (in a
  French browser), so its example is day/month/year, not « 1985-04-27 (année-mois-jour) ».
- /merci/ is a static page reached after any mission that is not full (a full one leads to
  /merci/liste-attente/): it does not speak of a waiting list.

The mails sent after applying: tests/handler/test_after_applying.py.
"""

from __future__ import annotations

import re


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


def test_thanks_page_points_to_the_withdrawal_link_not_to_a_reply(site):
    # a reply reaches the coordinators and withdraws nothing: the confirmation's link does
    thanks = " ".join(read(site, "merci/index.html").split())
    assert "Répondez simplement" not in thanks
    assert "lien « Retirer votre candidature »" in thanks
