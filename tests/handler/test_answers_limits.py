"""Whoever holds a structure's link cannot turn it into a stream of mails to the volunteer, nor
slip invisible or control characters into the message the volunteer receives."""

from __future__ import annotations

from formhandler.outbox import deliver_due
from tests.helpers.answers import apply, click, mails_to, structure_link, text_of


def test_answers_to_one_application_are_limited(make_app, smtp, rows):
    app = make_app(RATELIMIT_PER_ANSWER="2 per hour")
    client = app.test_client()
    apply(client, "jeanne@exemple.fr")
    apply(client, "paul@exemple.fr")
    path = structure_link(app, smtp, "jeanne@exemple.fr")
    assert click(client, path, "accepter", "Bienvenue").status_code == 303
    assert click(client, path, "decliner", "Finalement non").status_code == 303
    refused = click(client, path, "accepter", "Urgent : confirmez votre identité sur http://phish.example")
    assert refused.status_code == 429
    assert "trop de réponses" in refused.get_data(as_text=True)
    assert rows("SELECT status FROM applications WHERE email = ?", "jeanne@exemple.fr") == [("declinee",)]
    deliver_due(app)
    assert not any("phish.example" in text_of(m) for m in mails_to(smtp, "jeanne@exemple.fr"))
    other = structure_link(app, smtp, "paul@exemple.fr")  # another application keeps its own count
    assert click(client, other, "accepter").status_code == 303


def test_a_message_with_control_or_bidi_characters_is_refused_and_nothing_changes(app, client, smtp, rows):
    apply(client, "jeanne@exemple.fr")
    path = structure_link(app, smtp, "jeanne@exemple.fr")
    for bad in ("ok\x00fin", "ok\x1b[31m rouge", "facture\u202egnp.exe"):
        response = click(client, path, "accepter", bad)
        assert response.status_code == 422
        assert "caractères invisibles ou de contrôle" in response.get_data(as_text=True)
    assert rows("SELECT status FROM applications") == [("nouvelle",)]
    # a textarea's line breaks (CRLF) are a message's, not control characters
    assert click(client, path, "accepter", "Bonjour,\r\nà mardi !").status_code == 303
    deliver_due(app)
    assert any("à mardi" in text_of(m) for m in mails_to(smtp, "jeanne@exemple.fr"))
