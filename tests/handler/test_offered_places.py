"""A freed place offered to the first volunteer waiting is taken until the structure answers them:
nobody else gets it, and the mission stays full (found trying the product as a structure would:
the place was shown free, a newcomer took it, and the structure could accept both)."""

from __future__ import annotations

from tests.handler.test_answers import few_places, state
from tests.helpers.answers import apply, click, structure_link


def test_a_place_offered_to_the_waiting_list_is_not_given_to_a_newcomer(app, client, smtp, rows, edit, post):
    few_places(app, edit, 1)
    apply(client, "first@exemple.fr")
    first = structure_link(app, smtp, "first@exemple.fr")
    assert click(client, first, "accepter").status_code == 303
    apply(client, "waiting@exemple.fr")
    assert state(rows, "waiting@exemple.fr")["status"] == "attente"
    assert click(client, first, "decliner").status_code == 303  # the place frees: offered to the first waiting
    assert state(rows, "waiting@exemple.fr")["status"] == "nouvelle"

    live = client.get("/api/missions/colis-laon").get_json()
    assert (live["accepted"], live["offered"], live["full"]) == (0, 1, True)
    answer = post(email="newcomer@exemple.fr")
    assert answer.headers["Location"].endswith("/merci/liste-attente/")
    assert state(rows, "newcomer@exemple.fr")["status"] == "attente"
    with app.app_context():
        from formhandler import db

        counts = db.database(app).store().missions_places()["colis-laon"]
    assert (counts["accepted"], counts["offered"]) == (0, 1)  # the build's export counts it too


def test_the_build_counts_an_offered_place_as_taken():
    from plugins.reserve_civique.views import is_full

    assert is_full(1, {"accepted": 0, "offered": 1, "complete": False})
    assert not is_full(2, {"accepted": 0, "offered": 1, "complete": False})
    assert is_full(2, {"accepted": 1, "offered": 1, "complete": False})
    assert not is_full(1, {"accepted": 0, "complete": False})  # an export from before the field
