"""Defect 7 of issue 18: the proposal form's errors are the form's, not the content check's.

Each message names the form's field in words, starts with a capital, holds no content key
(« … indiqué par department », « champ obligatoire manquant », « remote: false », « entre
guillemets »), and the messages come in the form's order. (The « Site web » field's look is
checked in Chromium: tests/browser/test_reading.py.)
"""

from __future__ import annotations

import re

import pytest

from tests.helpers import SITE

INTERNAL = re.compile(
    r"champ obligatoire manquant|remote: ?(true|false)|entre guillemets|\b(department|postal_code|structure_\w+|"
    r"contact_\w+|health_guidelines|location|etablissement-\w+|entreprise-esus)\b"
)
HOSTILE = {  # every field wrong or missing, in a different order than the form's
    "places": "cinq", "end": "2020-01-01", "start": "2021-01-01", "postal_code": "60000", "department": "02",
    "title": "Je trie", "structure_type": "entreprise-privee", "structure_siret": "123",
    "structure_website": "ftp://exemple.fr", "contact_name": "-- --", "contact_email": "pas-une-adresse",
    "domain": "inconnu", "remote": "non",
}  # fmt: skip


def form_order(site) -> list[str]:
    """The names of the proposal form's fields, in the page's order."""
    html = (site / "proposer-une-mission/index.html").read_text(encoding="utf-8")
    form = html[html.index('<form class="rc-form"') :]
    return list(dict.fromkeys(re.findall(r'<(?:input|select|textarea)\b[^>]*\bid="(\w+)"', form)))


def labels(site) -> dict[str, str]:
    html = (site / "proposer-une-mission/index.html").read_text(encoding="utf-8")
    return {name: text.strip() for name, text in re.findall(r'<label class="fr-label" for="(\w+)">([^<]+)', html)}


@pytest.mark.parametrize("sent", [{}, HOSTILE], ids=["empty", "wrong"])
def test_each_message_names_its_field_in_words_and_starts_with_a_capital(client, sent):
    errors = client.post("/api/proposals", json=sent, headers={"Origin": SITE, "Accept": "application/json"}).json[
        "errors"
    ]
    assert len(errors) > 10
    for field, message in errors.items():
        assert message[:1].isupper(), (field, message)
        assert not INTERNAL.search(message), (field, message)


NAMED = {  # a field, and the words its message names it by
    "structure_name": "nom de la structure", "structure_type": "type de structure", "title": "titre",
    "places": "nombre de bénévoles", "postal_code": "code postal", "contact_name": "votre nom",
    "contact_email": "adresse e-mail", "end": "date de fin", "structure_siret": "SIRET",
    "structure_website": "site web", "domain": "domaine", "summary": "résumé", "city": "commune du lieu",
}  # fmt: skip


def test_the_words_are_those_of_the_fields(client):
    errors = client.post("/api/proposals", json=HOSTILE, headers={"Origin": SITE, "Accept": "application/json"}).json[
        "errors"
    ]
    for field, words in NAMED.items():
        assert words.lower() in errors[field].lower(), (field, errors[field])


def test_messages_come_in_the_forms_order(client, site):
    order = form_order(site)
    assert order[:3] == ["structure", "structure_name", "structure_type"] and "places" in order
    errors = client.post("/api/proposals", json=HOSTILE, headers={"Origin": SITE, "Accept": "application/json"}).json[
        "errors"
    ]
    assert list(errors) == [name for name in order if name in errors]
    page = client.post("/api/proposals", data=HOSTILE, headers={"Origin": SITE}).get_data(as_text=True)
    summary = page[page.index("Il y a un problème") : page.index("</ul>", page.index("Il y a un problème"))]
    assert re.findall(r'href="#(\w+)"', summary) == list(errors)  # the page's summary, in the same order


def test_the_messages_know_every_field_of_the_form_in_its_order(site):
    from catalog.proposal import FORM_FIELDS

    shown = labels(site)
    assert list(FORM_FIELDS) == [name for name in form_order(site) if name in shown]
