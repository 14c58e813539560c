"""The structure answers from its link, the volunteer withdraws from theirs (issue 15), on both
databases, through a real SMTP server.

Each change of state is stored with its event and its mails before the answer; a second click
changes nothing and says so; a GET changes nothing; a token forged, altered, of another purpose
or expired opens nothing.
"""

from __future__ import annotations

import datetime as dt
import html
import time

import pytest
from itsdangerous import URLSafeSerializer

from devtools.mailcatcher import free_port
from formhandler import links, signing
from formhandler.content import PARIS
from formhandler.outbox import deliver_due
from tests.helpers import SITE
from tests.helpers.answers import (
    WITHDRAW_LINK,
    apply,
    click,
    few_places,
    link_in,
    mails_to,
    state,
    structure_link,
    text_of,
    withdraw_link,
)

STRUCTURE = "secret-contact@example.org"


def shown(response) -> str:
    """A page's text as a reader sees it (entities decoded)."""
    return html.unescape(response.get_data(as_text=True))


def events(rows, application_id: str) -> list[tuple]:
    return [
        tuple(e)
        for e in rows(
            "SELECT status, actor FROM application_events WHERE application_id = ? ORDER BY id", application_id
        )
    ]


def test_the_mailed_links_work_until_the_last_second_of_the_30th_day_after_the_mission_in_france(app, client, smtp):
    """« colis-laon » ends on 31 March 2027: both links open until 30 April 2027, 23:59:59 in Paris."""
    apply(client, "jeanne@exemple.fr")
    last = dt.datetime(2027, 4, 30, 23, 59, 59, tzinfo=PARIS).timestamp()
    tokens = {
        links.ANSWER: structure_link(app, smtp, "jeanne@exemple.fr").split("/")[-2],
        links.WITHDRAW: withdraw_link(app, smtp, "jeanne@exemple.fr").split("/")[-2],
    }
    with app.app_context():
        for purpose, token in tokens.items():
            assert signing.read(purpose, token, now=last)
            with pytest.raises(signing.ExpiredToken):
                signing.read(purpose, token, now=last + 1)


# -- the structure's page --------------------------------------------------------------------------


def test_the_structure_mail_links_to_a_page_showing_the_application_and_until_when(app, client, smtp):
    apply(client, "jeanne@exemple.fr")
    path = structure_link(app, smtp, "jeanne@exemple.fr")
    message = mails_to(smtp, STRUCTURE)[0]
    assert path in message.get_body(("html",)).get_content()  # the HTML part has the same link
    assert "jusqu'au vendredi 30 avril 2027" in " ".join(text_of(message).split())  # the mission ends on 31 March
    page = client.get(path)
    assert page.status_code == 200
    text = shown(page)
    for expected in (
        "Jeanne Jeanne",
        "jeanne@exemple.fr",
        "06 12 34 56 78",
        "02000",
        "Disponible le mardi.",
        "nouvelle",
    ):
        assert expected in text
    assert ">Accepter</button>" in text and ">Décliner</button>" in text and "La mission est complète" in text
    assert "30 avril 2027" in text and "/contact/" in text
    assert page.headers["Cache-Control"] == "no-store"


def test_accepting_stores_the_state_and_its_event_then_mails_the_volunteer_what_comes_next(app, client, smtp, rows):
    apply(client, "jeanne@exemple.fr")
    path = structure_link(app, smtp, "jeanne@exemple.fr")
    before = time.time()
    answer = click(client, path, "accepter", "Rendez-vous mardi à 9 h, entrée B.")
    assert answer.status_code == 303 and answer.headers["Location"].endswith("?fait=acceptee")
    stored = state(rows, "jeanne@exemple.fr")  # stored before the answer
    assert stored["status"] == "acceptee" and stored["answered_at"] >= before
    assert events(rows, stored["id"]) == [("nouvelle", "volunteer"), ("acceptee", "structure")]
    assert "Candidature acceptée" in shown(client.get(answer.headers["Location"]))
    assert deliver_due(app)["sent"] == 1
    mail = mails_to(smtp, "jeanne@exemple.fr")[-1]
    assert mail["Subject"] == "Votre candidature est acceptée : Je distribue des colis à Laon"
    assert STRUCTURE in mail["Reply-To"]  # the volunteer answers the structure
    body = " ".join(text_of(mail).split())
    assert "Rendez-vous mardi à 9 h, entrée B." in body
    assert "Portez les gants fournis." in body  # the mission's health guidelines
    assert "Alice Privée" in body and "va vous contacter" in body
    assert WITHDRAW_LINK.search(text_of(mail))


def test_a_second_click_changes_nothing_and_says_so(app, client, smtp, rows):
    apply(client, "jeanne@exemple.fr")
    path = structure_link(app, smtp, "jeanne@exemple.fr")
    assert click(client, path, "accepter").status_code == 303
    first = state(rows, "jeanne@exemple.fr")
    again = click(client, path, "accepter")
    assert again.status_code == 200 and "Rien n'a changé" in shown(again)
    assert state(rows, "jeanne@exemple.fr") == first
    assert len(events(rows, first["id"])) == 2
    assert deliver_due(app)["sent"] == 1  # one mail to the volunteer, not two


def test_declining_mails_the_volunteer_kindly_with_open_missions_nearby(app, client, smtp, rows):
    apply(client, "jeanne@exemple.fr")
    path = structure_link(app, smtp, "jeanne@exemple.fr")
    assert click(client, path, "decliner", "Nous sommes au complet pour décembre.").status_code == 303
    assert state(rows, "jeanne@exemple.fr")["status"] == "declinee"
    deliver_due(app)
    mail = mails_to(smtp, "jeanne@exemple.fr")[-1]
    body = " ".join(text_of(mail).split())
    assert "Nous sommes au complet pour décembre." in body and "ce n'est pas un jugement" in body
    assert f"{SITE}/missions/appels-distance/" in body  # remote, open, same department
    assert "garde-ajaccio" not in body and "maraude-close" not in body and "/missions/colis-laon/" not in body


def test_an_accepted_volunteer_can_be_declined_and_a_declined_one_accepted_a_withdrawn_one_never(
    app, client, smtp, rows
):
    apply(client, "jeanne@exemple.fr")
    path = structure_link(app, smtp, "jeanne@exemple.fr")
    for action, status in (("accepter", "acceptee"), ("decliner", "declinee"), ("accepter", "acceptee")):
        assert click(client, path, action).status_code == 303
        assert state(rows, "jeanne@exemple.fr")["status"] == status
    rows.execute("UPDATE applications SET status = 'retiree'")
    refused = click(client, path, "decliner")
    assert "ne peut plus être changée" in shown(refused)
    assert state(rows, "jeanne@exemple.fr")["status"] == "retiree"


def test_a_get_never_changes_anything(app, client, smtp, rows):
    apply(client, "jeanne@exemple.fr")
    path = structure_link(app, smtp, "jeanne@exemple.fr")
    before = rows("SELECT * FROM applications"), rows("SELECT * FROM application_events"), rows("SELECT * FROM outbox")
    for url in (path, f"{path}?action=accepter", f"{path}?fait=acceptee"):
        assert client.get(url).status_code == 200
        assert client.head(url).status_code == 200
    withdraw = withdraw_link(app, smtp, "jeanne@exemple.fr")
    assert client.get(withdraw).status_code == 200
    after = rows("SELECT * FROM applications"), rows("SELECT * FROM application_events"), rows("SELECT * FROM outbox")
    assert after == before


def test_a_post_from_another_origin_or_none_changes_nothing(app, client, smtp, rows):
    apply(client, "jeanne@exemple.fr")
    path = structure_link(app, smtp, "jeanne@exemple.fr")
    assert click(client, path, "accepter", origin="https://ailleurs.example").status_code == 403
    assert click(client, path, "accepter", origin=None).status_code == 403
    assert state(rows, "jeanne@exemple.fr")["status"] == "nouvelle"
    # the handler served apart from the site: its own origin is its pages'
    assert click(client, path, "accepter", origin="http://localhost").status_code == 303


def test_a_message_too_long_is_refused_and_nothing_changes(app, client, smtp, rows):
    apply(client, "jeanne@exemple.fr")
    path = structure_link(app, smtp, "jeanne@exemple.fr")
    answer = click(client, path, "accepter", "x" * 1001)
    assert answer.status_code == 422 and "1000 caractères" in shown(answer)
    assert state(rows, "jeanne@exemple.fr")["status"] == "nouvelle"


# -- tokens ------------------------------------------------------------------------------------------


def test_forged_altered_other_purpose_and_expired_tokens_open_nothing(app, client, smtp, rows, caplog):
    apply(client, "jeanne@exemple.fr")
    path = structure_link(app, smtp, "jeanne@exemple.fr")
    token = path.split("/")[2]
    application_id = state(rows, "jeanne@exemple.fr")["id"]
    # a character of the payload changed (the signature's last characters carry bits base64 ignores)
    altered = token[:5] + ("B" if token[5] != "B" else "C") + token[6:]
    with app.app_context():
        other_purpose = signing.make("withdraw", {"id": application_id})
        expired = signing.make("application", {"id": application_id}, expires_at=time.time() - 60)
        other_key = URLSafeSerializer("une autre clé", salt=signing.SALT_PREFIX + "application").dumps(
            {"d": {"id": application_id}}
        )
    for bad in ("nimportequoi", "a" * 20 + "." + "b" * 20, altered, other_purpose, other_key):
        for response in (client.get(f"/candidatures/{bad}/"), click(client, f"/candidatures/{bad}/", "accepter")):
            assert response.status_code == 404
            text = shown(response)
            assert "Ce lien ne fonctionne pas" in text and "/contact/" in text
    for response in (client.get(f"/candidatures/{expired}/"), click(client, f"/candidatures/{expired}/", "accepter")):
        assert response.status_code == 410
        assert "Ce lien a expiré" in shown(response) and "/contact/" in shown(response)
    assert client.get(f"/candidatures/retrait/{token}/").status_code == 404  # the structure's token withdraws nothing
    assert state(rows, "jeanne@exemple.fr")["status"] == "nouvelle"
    assert token not in caplog.text


def test_the_access_log_filter_hides_the_tokens_of_these_links(app):
    import logging

    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '"%s" %s',
        ("GET /candidatures/eyJkIjp7ImlkIjoiYWJjIn19.abcdefghijklmnopqrs/ HTTP/1.1", "200"),
        None,
    )
    signing.RedactTokens().filter(record)
    assert "eyJkIjp7" not in record.getMessage() and "/candidatures/…/" in record.getMessage()


# -- places and the waiting list ---------------------------------------------------------------------


def test_the_api_counts_accepted_volunteers_against_the_places(app, client, smtp, edit):
    few_places(app, edit, 2)
    assert client.get("/api/missions/colis-laon").json == {
        "open": True, "places": 2, "accepted": 0, "applications": 0, "waiting": 0, "offered": 0, "complete": False,
        "full": False,
    }  # fmt: skip
    for n in range(3):
        apply(client, f"v{n}@exemple.fr")
    assert client.get("/api/missions/colis-laon").json["full"] is False  # applications do not take places
    for n in range(2):
        assert click(client, structure_link(app, smtp, f"v{n}@exemple.fr"), "accepter").status_code == 303
    assert apply(client, "late@exemple.fr")["waiting_list"] is True
    assert client.get("/api/missions/colis-laon").json == {
        "open": True, "places": 2, "accepted": 2, "applications": 4, "waiting": 1, "offered": 0, "complete": False,
        "full": True,
    }  # fmt: skip


def test_a_full_mission_sends_new_applications_to_the_waiting_list_and_says_so(app, client, smtp, rows, edit, post):
    few_places(app, edit, 1)
    apply(client, "first@exemple.fr")
    assert click(client, structure_link(app, smtp, "first@exemple.fr"), "accepter").status_code == 303
    answer = post(email="waiting@exemple.fr")
    assert answer.status_code == 303 and answer.headers["Location"] == f"{SITE}/merci/liste-attente/"
    assert state(rows, "waiting@exemple.fr")["status"] == "attente"
    deliver_due(app)
    assert "liste d'attente" in " ".join(text_of(mails_to(smtp, "waiting@exemple.fr")[0]).split())
    assert mails_to(smtp, STRUCTURE)[-1]["Subject"].startswith("[Liste d'attente]")


def test_a_place_freed_is_offered_to_the_first_waiting_volunteer_and_the_structure_is_told(
    app, client, smtp, rows, edit
):
    few_places(app, edit, 1)
    apply(client, "first@exemple.fr")
    first = structure_link(app, smtp, "first@exemple.fr")
    assert click(client, first, "accepter").status_code == 303
    apply(client, "second@exemple.fr")  # waiting, first in line
    apply(client, "third@exemple.fr")
    deliver_due(app)
    assert [state(rows, f"{n}@exemple.fr")["status"] for n in ("second", "third")] == ["attente", "attente"]
    sent_before = len(smtp.mails)

    assert click(client, first, "decliner", "Finalement indisponible selon vos messages.").status_code == 303
    second, third = state(rows, "second@exemple.fr"), state(rows, "third@exemple.fr")
    assert (second["status"], third["status"]) == ("nouvelle", "attente")  # offered; the next still waits
    assert events(rows, second["id"])[-1] == ("nouvelle", "system")
    assert deliver_due(app)["sent"] == 3  # the declined one, the offered one, the structure
    new = smtp.mails[sent_before:]
    offered = next(m.message for m in new if "second@exemple.fr" in m.rcpt_tos)
    assert offered["Subject"].startswith("Une place s'est libérée")
    assert "va vous confirmer votre place" in " ".join(text_of(offered).split())
    told = next(m.message for m in new if STRUCTURE in m.rcpt_tos)
    assert "Second" in told["Subject"]
    second_path = link_in(told)
    assert "second@exemple.fr" in shown(client.get(second_path))
    # the offer is outstanding: another change offers nobody else
    assert click(client, first, "accepter").status_code == 303  # the first is accepted again: full
    assert state(rows, "third@exemple.fr")["status"] == "attente"
    assert click(client, second_path, "decliner").status_code == 303
    assert state(rows, "third@exemple.fr")["status"] == "attente"  # no free place: the first took it back


def test_complete_sends_applications_to_the_waiting_list_and_reopening_offers_the_places(app, client, smtp, rows, edit):
    few_places(app, edit, 2)
    apply(client, "first@exemple.fr")
    path = structure_link(app, smtp, "first@exemple.fr")
    assert click(client, path, "complete").status_code == 303
    assert "La mission est indiquée complète" in shown(client.get(f"{path}?fait=complete"))
    again = click(client, path, "complete")
    assert "Rien n'a changé" in shown(again)
    assert client.get("/api/missions/colis-laon").json["full"] is True
    for n in range(3):
        assert apply(client, f"w{n}@exemple.fr")["waiting_list"] is True
    assert ">Rouvrir des places</button>" in shown(client.get(path))
    assert click(client, path, "rouvrir").status_code == 303
    statuses = [state(rows, f"w{n}@exemple.fr")["status"] for n in range(3)]
    assert statuses == ["nouvelle", "nouvelle", "attente"]  # two places, nobody accepted yet: the first two
    assert client.get("/api/missions/colis-laon").json["full"] is True  # both places offered, until answered


# -- the volunteer withdraws -----------------------------------------------------------------------


def test_the_volunteer_withdraws_and_is_erased_once_the_structure_mail_is_sent(make_app, smtp, rows):
    app = make_app()
    client = app.test_client()
    apply(client, "jeanne@exemple.fr")
    path = withdraw_link(app, smtp, "jeanne@exemple.fr")
    answer_path = structure_link(app, smtp, "jeanne@exemple.fr")
    application_id = state(rows, "jeanne@exemple.fr")["id"]
    page = client.get(path)
    assert page.status_code == 200 and ">Je retire ma candidature</button>" in shown(page)
    down = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = free_port()  # the SMTP server unreachable: the structure's mail waits
    done = click(client, path)
    assert done.status_code == 200 and "la structure est prévenue" in shown(done)
    assert state(rows, "jeanne@exemple.fr")["status"] == "retiree"  # kept until the structure is told
    assert deliver_due(app)["pending"] == 1
    assert state(rows, "jeanne@exemple.fr") is not None
    assert "déjà retirée" in shown(click(client, path))
    app.config["MAIL_PORT"] = down
    assert deliver_due(app, now=time.time() + 3600)["sent"] == 1
    told = mails_to(smtp, STRUCTURE)[-1]
    assert told["Subject"] == "Candidature retirée par Jeanne Jeanne : Je distribue des colis à Laon"
    assert "jeanne@exemple.fr" not in told.as_string()
    # erased: the application, every mail about it (this one included); the history stays, without identity
    assert rows("SELECT COUNT(*) FROM applications") == [(0,)]
    assert rows("SELECT COUNT(*) FROM outbox WHERE application_id = ?", application_id) == [(0,)]
    assert events(rows, application_id) == [("nouvelle", "volunteer"), ("retiree", "volunteer")]
    gone = shown(client.get(answer_path))
    assert "a retiré sa candidature" in gone and "Jeanne" not in gone
    assert "déjà retirée" in shown(client.get(path)) or "est retirée" in shown(client.get(path))


def test_an_accepted_volunteer_who_withdraws_frees_the_place_for_the_first_waiting(app, client, smtp, rows, edit):
    few_places(app, edit, 1)
    apply(client, "first@exemple.fr")
    assert click(client, structure_link(app, smtp, "first@exemple.fr"), "accepter").status_code == 303
    apply(client, "second@exemple.fr")
    assert state(rows, "second@exemple.fr")["status"] == "attente"
    path = withdraw_link(app, smtp, "first@exemple.fr")
    assert click(client, path).status_code == 200
    assert state(rows, "second@exemple.fr")["status"] == "nouvelle"
    deliver_due(app)
    assert rows("SELECT COUNT(*) FROM applications WHERE email = 'first@exemple.fr'") == [(0,)]
    assert mails_to(smtp, "second@exemple.fr")[-1]["Subject"].startswith("Une place s'est libérée")


def test_erase_covers_the_answers_mails(app, client, smtp, rows):
    apply(client, "jeanne@exemple.fr")
    assert click(client, structure_link(app, smtp, "jeanne@exemple.fr"), "accepter").status_code == 303
    result = app.test_cli_runner().invoke(args=["erase", "jeanne@exemple.fr", "--yes"])
    assert "1 candidature(s)" in result.output
    assert rows("SELECT COUNT(*) FROM outbox") == [(0,)]  # the confirmation, the structure's, the answer
    assert [tuple(r) for r in rows("SELECT status FROM application_events ORDER BY id")] == [
        ("nouvelle",),
        ("acceptee",),
    ]


def test_clicks_at_the_same_moment_change_the_state_once(app, client, smtp, rows):
    """A double click, or two people of the structure at once: one change, one event, one mail."""
    import threading

    apply(client, "jeanne@exemple.fr")
    path = structure_link(app, smtp, "jeanne@exemple.fr")
    start = threading.Barrier(6)
    answers = []

    def press():
        own = app.test_client()
        start.wait()
        answers.append(click(own, path, "accepter").status_code)

    threads = [threading.Thread(target=press) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(answers) == [200] * 5 + [303]  # one changed it; the others were told nothing changed
    application_id = state(rows, "jeanne@exemple.fr")["id"]
    assert events(rows, application_id) == [("nouvelle", "volunteer"), ("acceptee", "structure")]
    assert deliver_due(app)["sent"] == 1


def test_a_database_that_cannot_be_read_is_a_503_that_says_to_come_back(make_app, smtp, backend, tmp_path, request):
    app = make_app()
    apply(app.test_client(), "jeanne@exemple.fr")
    path = structure_link(app, smtp, "jeanne@exemple.fr")
    withdraw = withdraw_link(app, smtp, "jeanne@exemple.fr")
    # the same deployment (its key) on a database that cannot be reached
    if backend == "sqlite":
        blocker = tmp_path / "not-a-folder"
        blocker.write_text("a file where the database folder should be", encoding="utf-8")
        unreachable = str(blocker / "db.sqlite3")
    else:
        unreachable = request.getfixturevalue("postgres_server").url("pas_de_base")
    client = make_app(DATABASE=unreachable).test_client()
    for response in (client.get(path), client.get(withdraw), click(client, path, "accepter")):
        assert response.status_code == 503
        assert "réessayez dans quelques minutes avec le même lien" in shown(response)
