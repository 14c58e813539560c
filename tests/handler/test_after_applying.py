"""Defect 8 of issue 18, the handler's half: the mail a volunteer gets after applying says one true thing.

The confirmation of an application on the waiting list promises one thing (a mail if a place
frees up), not also that the structure will get in touch within days. (The pages read
while and after applying: tests/site/test_after_applying.py.)
"""

from __future__ import annotations

from formhandler.outbox import deliver_due


def _volunteer_mail(app, post, smtp, edit, places):
    from tests.helpers.answers import click, few_places, structure_link

    few_places(app, edit, places)

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
