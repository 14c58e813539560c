"""POST /api/missions/<id>/applications: answers, storage, duplicates, waiting list."""

import email
import email.policy
import html
import http.client
import io
import json
import logging
import threading
from urllib.parse import urlencode

import pytest

from formhandler.outbox import deliver_due
from tests.helpers import SITE, VALID


def mails_of(smtp):
    return {m.rcpt_tos[0]: m.message for m in smtp.mails}


def test_form_post_redirects_to_the_thank_you_page_and_stores_before_answering(post, rows):
    response = post()
    assert response.status_code == 303
    assert response.headers["Location"] == f"{SITE}/merci/"
    stored = rows("SELECT * FROM applications")
    assert len(stored) == 1
    assert stored[0]["email"] == "jeanne.dupre@exemple.fr"
    assert stored[0]["birth_date"] == "1990-05-17"
    assert [r["kind"] for r in rows("SELECT kind FROM outbox ORDER BY id")] == ["structure", "volunteer"]


def test_both_mails_arrive_with_the_right_headers_and_content(app, post, smtp, rows):
    post()
    assert deliver_due(app) == {"sent": 2, "pending": 0, "failed": 0}
    got = mails_of(smtp)
    assert set(got) == {"secret-contact@example.org", "jeanne.dupre@exemple.fr"}

    to_structure = got["secret-contact@example.org"]
    assert to_structure["To"] == "Alice Privée <secret-contact@example.org>"
    assert to_structure["Reply-To"] == "Jeanne Dupré <jeanne.dupre@exemple.fr>"
    assert to_structure["Subject"] == "Candidature de Jeanne Dupré : Je distribue des colis à Laon"
    text = to_structure.get_body(("plain",)).get_content()
    assert "Disponible le mardi." in text
    assert "06 12 34 56 78" in text
    assert "36 ans" in text  # born 1990-05-17, applied 2026-11-29
    assert to_structure.get_body(("html",)) is not None

    to_volunteer = got["jeanne.dupre@exemple.fr"]
    assert to_volunteer["To"] == "Jeanne Dupré <jeanne.dupre@exemple.fr>"
    assert "secret-contact@example.org" not in to_volunteer.as_string()
    body = to_volunteer.get_body(("plain",)).get_content()
    assert "Association d'essai" in body  # the structure's public name
    assert "Lavez-vous les mains en arrivant." in body and "Portez les gants fournis." in body
    assert "effacées" in body  # how to withdraw / erase
    assert "liste d'attente" not in body
    # the Message-ID stored is the one delivered
    stored_ids = {r["message_id"] for r in rows("SELECT message_id FROM outbox")}
    assert {to_structure["Message-ID"], to_volunteer["Message-ID"]} == stored_ids
    assert {r["status"] for r in rows("SELECT status FROM outbox")} == {"sent"}


def test_json_answers_201_with_the_id(post, rows):
    response = post(json=True)
    assert response.status_code == 201
    assert response.json["id"] == rows("SELECT id FROM applications")[0]["id"]
    assert response.json["waiting_list"] is False


def test_errors_as_json_name_each_field_in_form_order(post, rows):
    response = post(json=True, email="pas-une-adresse", birth_date="2015-01-01", drop=("consent",))
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["email", "birth_date", "consent"]
    assert rows("SELECT * FROM applications") == []


def test_errors_as_html_keep_the_values_and_link_back(post, rows):
    response = post(email="pas-une-adresse", first_name="Zoé <b>", message="Bonjour <script>alert(1)</script>")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert '<html lang="fr">' in page
    assert "Il y a un problème" in page
    assert 'href="#email"' in page
    assert 'id="email-error"' in page and 'aria-invalid="true"' in page
    assert 'value="pas-une-adresse"' in page
    assert 'value="Zoé &lt;b&gt;"' in page  # kept, escaped
    assert "<script>alert(1)" not in page
    assert 'href="/missions/colis-laon/"' in page
    assert rows("SELECT * FROM applications") == []


@pytest.mark.parametrize(
    ("birth_date", "shown"),
    [("1990-05-17", 'value="1990-05-17"'), ("31/02/1990", 'value=""'), ("1990-02-30", 'value=""')],
)
def test_errors_page_gives_back_a_birth_date_only_as_a_date_field_can_show_it(post, birth_date, shown):
    """A date field shows only a year-month-day date (browsers empty any other text): others are not echoed."""
    page = post(email="pas-une-adresse", birth_date=birth_date).get_data(as_text=True)
    field = page[page.index('<input id="birth_date"') :]
    assert shown in field[: field.index(">")]


@pytest.mark.parametrize(
    ("mission_id", "status"),
    [("inconnue", 404), ("maraude-close", 409), ("masques-passee", 409)],
)
def test_unknown_closed_and_past_missions(post, rows, mission_id, status):
    response = post(mission_id, json=True)
    assert response.status_code == status
    assert "error" in response.json
    assert rows("SELECT * FROM applications") == []


@pytest.mark.parametrize("mission_id", ["a" * 251, "a" * 300, "%00", "colis-laon%00"])
def test_an_id_that_cannot_name_a_mission_file_is_not_found(client, post, rows, mission_id):
    # too long for a file name (ENAMETOOLONG), or with a null byte: once a 500 with a traceback
    status = client.get(f"/api/missions/{mission_id}", headers={"Accept": "application/json"})
    assert status.status_code == 404
    assert status.json == {"error": "Cette adresse n'existe pas."}
    assert post(mission_id, json=True).status_code == 404
    page = post(mission_id)
    assert page.status_code == 404
    assert "Cette adresse n'existe pas." in html.unescape(page.get_data(as_text=True))
    assert rows("SELECT * FROM applications") == []


NOT_JSON = [
    pytest.param("[" * 1000 + "]" * 1000, id="array-1000-deep"),
    pytest.param('{"a":' * 1000 + "1" + "}" * 1000, id="object-1000-deep"),
    pytest.param('{"first_name": "Jeanne"', id="cut"),
    pytest.param(b'{"first_name": "Jea\xffnne"}', id="not-utf-8"),
]


@pytest.mark.parametrize("body", NOT_JSON)
def test_a_body_that_is_not_json_is_a_400(client, rows, body):
    # nested too deep: once a RecursionError (500); malformed: once read as no field at all (422)
    response = client.post(
        "/api/missions/colis-laon/applications",
        data=body,
        headers={"Origin": SITE, "Content-Type": "application/json", "Accept": "application/json"},
    )
    assert response.status_code == 400
    assert response.json == {"error": "Le contenu envoyé n'est pas un JSON valide : envoyez un objet JSON en UTF-8."}
    assert rows("SELECT * FROM applications") == []


def test_unknown_mission_html_page(post):
    response = post("inconnue")
    assert response.status_code == 404
    assert "Cette mission n'existe pas" in html.unescape(response.get_data(as_text=True))


def test_the_same_form_sent_twice_within_a_day_is_a_success_that_sends_nothing_new(app, post, smtp, rows):
    first = post(json=True)
    second = post(json=True, email="JEANNE.DUPRE@exemple.fr")  # a double click, the page reloaded
    assert second.status_code == 201
    assert second.json["id"] == first.json["id"]
    assert len(rows("SELECT * FROM applications")) == 1
    deliver_due(app)
    assert len(smtp.mails) == 2


@pytest.mark.parametrize(
    "changes",
    [{"message": "Je ne suis libre que le mardi."}, {"phone": "07 98 76 54 32"}, {"first_name": "Paul"}],
)
def test_a_corrected_form_or_another_person_of_the_same_mailbox_is_a_new_application(app, post, rows, changes):
    """« Merci » with the first id would drop the correction, or the second person, unseen."""
    first = post(json=True)
    second = post(json=True, **changes)
    assert second.status_code == 201 and second.json["id"] != first.json["id"]
    assert len(rows("SELECT * FROM applications")) == 2


def test_same_person_may_apply_to_another_mission(post, rows):
    post(json=True)
    assert post("appels-distance", json=True).status_code == 201
    assert len(rows("SELECT * FROM applications")) == 2


def test_beyond_the_places_applications_go_to_the_waiting_list(app, client, post, smtp, edit):
    from tests.helpers.answers import click, structure_link

    edit("missions/colis-laon.yaml", "places: 6", "places: 1")
    app.extensions["content"].reload_seconds = 0
    assert post(json=True).json["waiting_list"] is False
    assert post(email="encore@exemple.fr", json=True).json["waiting_list"] is False  # nobody accepted yet
    # the place is taken when the structure accepts a volunteer (issue 15)
    assert click(client, structure_link(app, smtp, "jeanne.dupre@exemple.fr"), "accepter").status_code == 303
    second = post(email="autre@exemple.fr")
    assert second.status_code == 303
    assert second.headers["Location"] == f"{SITE}/merci/liste-attente/"
    deliver_due(app)
    volunteer = mails_of(smtp)["autre@exemple.fr"]
    assert "liste d'attente" in volunteer.get_body(("plain",)).get_content()
    assert mails_of(smtp)["secret-contact@example.org"]["Subject"].startswith("[Liste d'attente]")


def test_applications_at_the_same_moment_are_each_stored_once_and_a_full_mission_takes_them_on_its_waiting_list(
    app, rows, edit
):
    """Several workers (or hosts) storing at once: SQLite's single writer, PostgreSQL's lock on the
    mission. Since issue 15 accepted volunteers take the places, not applications: the mission is
    full (its three places accepted) while they arrive."""
    edit("missions/colis-laon.yaml", "places: 6", "places: 3")
    app.extensions["content"].reload_seconds = 0
    forms = [{**VALID, "email": f"v{n}@exemple.fr"} for n in range(8)] + [VALID] * 4  # one form sent 4 times
    client = app.test_client()
    for n in range(3):
        response = client.post("/api/missions/colis-laon/applications", json={**VALID, "email": f"a{n}@exemple.fr"},
                               headers={"Origin": SITE, "Accept": "application/json"})  # fmt: skip
        assert response.json["waiting_list"] is False
    rows.execute("UPDATE applications SET status = 'acceptee'")
    start = threading.Barrier(len(forms))
    answers = []

    def send(form):
        client = app.test_client()
        start.wait()
        answers.append(client.post("/api/missions/colis-laon/applications", json=form,
                                   headers={"Origin": SITE, "Accept": "application/json"}))  # fmt: skip

    threads = [threading.Thread(target=send, args=(form,)) for form in forms]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(answer.status_code for answer in answers) == [201] * len(forms)
    stored = rows("SELECT email, waiting_list, status FROM applications WHERE status <> 'acceptee'")
    assert len(stored) == 9  # 8 people, and the form sent 4 times once
    assert {(row["waiting_list"], row["status"]) for row in stored} == {(1, "attente")}
    assert all(answer.json["waiting_list"] for answer in answers)
    assert len({answer.json["id"] for answer in answers if answer.json["id"]}) == 9


def test_status_endpoint_counts_applications(client, post):
    empty = {
        "open": True,
        "places": 6,
        "accepted": 0,
        "applications": 0,
        "waiting": 0,
        "offered": 0,
        "complete": False,
        "full": False,
    }
    assert client.get("/api/missions/colis-laon").json == empty
    post()
    assert client.get("/api/missions/colis-laon").json == {**empty, "applications": 1}
    assert client.get("/api/missions/maraude-close").json["open"] is False
    assert client.get("/api/missions/inconnue").status_code == 404


@pytest.mark.parametrize("field", ["website"])
def test_honeypot_looks_like_success_and_does_nothing(app, post, rows, smtp, field):
    normal = post()
    trapped = post(email="robot@exemple.fr", **{field: "http://spam.example"})
    assert trapped.status_code == normal.status_code == 303
    assert trapped.headers["Location"] == normal.headers["Location"]
    as_json = post(json=True, email="robot2@exemple.fr", **{field: "x"})
    assert as_json.status_code == 201 and len(as_json.json["id"]) == 32
    assert len(rows("SELECT * FROM applications")) == 1
    deliver_due(app)
    assert len(smtp.mails) == 2


def test_a_valid_form_sent_fast_is_stored_mailed_and_flagged(app, post, rows, smtp):
    """Autofill, a restored tab, a volunteer who typed it before: « Merci » means stored and mailed."""
    response = post(fill_seconds="1")
    assert response.status_code == 303 and response.headers["Location"] == f"{SITE}/merci/"
    assert [r["fill_seconds"] for r in rows("SELECT fill_seconds FROM applications")] == [1.0]
    deliver_due(app)
    assert {m.rcpt_tos[0] for m in smtp.mails} == {"secret-contact@example.org", "jeanne.dupre@exemple.fr"}
    runner = app.test_cli_runner()
    listing = runner.invoke(args=["applications", "list"]).output
    assert "envoyée 1 s après l'ouverture de la page : à vérifier" in listing
    post(email="lente@exemple.fr", fill_seconds="40")
    post(email="sans-script@exemple.fr", drop=("fill_seconds",))
    flagged = runner.invoke(args=["applications", "list", "--flagged"]).output
    assert "jeanne.dupre@exemple.fr" in flagged and "sans-script@exemple.fr" in flagged  # not measured: flagged too
    assert "2 candidature(s)" in flagged
    listing = runner.invoke(args=["applications", "list"]).output
    assert "durée de saisie non mesurée" in listing.split("sans-script@exemple.fr", 1)[1].splitlines()[0]
    assert "lente@exemple.fr>\n" in listing  # nothing to say about a form filled in 40 s


@pytest.mark.parametrize("as_json", [False, True])
def test_an_incomplete_form_sent_fast_is_told_what_is_missing(post, rows, as_json):
    response = post(json=as_json, fill_seconds="0", drop=("email", "birth_date", "consent"))
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "adresse e-mail" in text and "date de naissance" in text
    assert rows("SELECT * FROM applications") == []


def test_recipients_never_come_from_the_request(app, post, smtp):
    post(recipients="pirate@example.com", to="pirate@example.com", structure="autre")
    deliver_due(app)
    everyone = {r for m in smtp.mails for r in m.rcpt_tos}
    assert everyone == {"secret-contact@example.org", "jeanne.dupre@exemple.fr"}


def test_no_personal_data_in_logs(app, post, caplog):
    caplog.set_level(logging.DEBUG)
    post(message="Mon secret")
    post(email="mauvaise")
    deliver_due(app)
    # our records only: the test's own SMTP server (aiosmtpd, "mail.log") logs what it receives
    text = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail.log"))
    assert "enregistrée" in text
    for secret in ("Jeanne", "Dupré", "jeanne.dupre", "06 12 34", "1990-05-17", "Mon secret", "mauvaise"):
        assert secret not in text


def test_idn_email_domain_is_accepted_and_mailed_in_ascii(app, post, smtp):
    response = post(json=True, email="jeanne@exemple-été.fr")
    assert response.status_code == 201
    deliver_due(app)
    ascii_domain = "exemple-été.fr".encode("idna").decode("ascii")
    assert f"jeanne@{ascii_domain}" in {m.rcpt_tos[0] for m in smtp.mails}


def test_oversize_request_is_413(post):
    response = post(json=True, message="x" * 70_000)
    assert response.status_code == 413
    assert "error" in response.json


def padded_json(size: int, **fields) -> bytes:
    """A valid application as JSON, padded with spaces to ``size`` bytes."""
    body = json.dumps({**VALID, **fields}).encode()
    return body + b" " * (size - len(body))


TOO_LARGE = {"error": "La demande est trop volumineuse : raccourcissez votre message."}


def test_a_chunked_body_over_the_limit_is_413(client, rows):
    # chunked, as gunicorn hands it: no Content-Length, the server ends the stream (wsgi.input_terminated);
    # werkzeug's limited stream stopped at MAX_CONTENT_LENGTH and gave the cut body: once a 201
    def send_chunked(size: int):
        return client.post(
            "/api/missions/colis-laon/applications",
            input_stream=io.BytesIO(padded_json(size, email=f"v{size}@exemple.fr")),
            headers={"Origin": SITE, "Accept": "application/json", "Content-Type": "application/json",
                     "Transfer-Encoding": "chunked"},
            environ_overrides={"wsgi.input_terminated": True},
        )  # fmt: skip

    answers = [send_chunked(size) for size in (64 * 1024, 64 * 1024 + 1, 100_000)]
    assert [answer.status_code for answer in answers] == [201, 413, 413]
    assert answers[1].json == answers[2].json == TOO_LARGE
    assert [row["email"] for row in rows("SELECT email FROM applications")] == ["v65536@exemple.fr"]


def test_a_chunked_body_over_the_limit_is_413_through_gunicorn(make_stack, smtp):
    stack = make_stack(smtp.port).start_web()

    def send_chunked(body: bytes, content_type: str) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=10)
        pieces = (body[i : i + 8192] for i in range(0, len(body), 8192))
        conn.request("POST", "/api/missions/colis-laon/applications", body=pieces, encode_chunked=True,
                     headers={"Content-Type": content_type, "Accept": "application/json", "Origin": stack.url,
                              "Transfer-Encoding": "chunked"})  # fmt: skip
        response = conn.getresponse()
        return response.status, response.read()

    assert send_chunked(padded_json(1000, email="petit@exemple.fr"), "application/json")[0] == 201
    status, answer = send_chunked(padded_json(100_000, email="json@exemple.fr"), "application/json")
    assert (status, json.loads(answer)) == (413, TOO_LARGE)
    form = urlencode({**VALID, "email": "form@exemple.fr"}) + "&padding=" + "x" * 100_000
    assert send_chunked(form.encode(), "application/x-www-form-urlencoded")[0] == 413
    assert stack.rows("SELECT email FROM applications") == [("petit@exemple.fr",)]


@pytest.mark.backends("sqlite")  # PostgreSQL's: tests/handler/test_postgres.py
def test_storage_failure_answers_503_and_acknowledges_nothing(make_app, tmp_path, smtp):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the database folder should be")
    app = make_app(DATABASE=str(blocker / "db.sqlite3"))
    response = app.test_client().post(
        "/api/missions/colis-laon/applications", data=VALID, headers={"Origin": SITE, "Accept": "application/json"}
    )
    assert response.status_code == 503
    assert "réessayez" in response.json["error"]
    assert app.test_client().get("/healthz").status_code == 503


def test_security_headers_on_every_answer(client, post):
    for response in (post(), post(json=True, email="x"), client.get("/healthz"), client.get("/nulle-part")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["Cache-Control"] == "no-store"


def test_healthz_reports_the_outbox(app, client, post):
    post()
    assert client.get("/healthz").json == {"database": "ok", "outbox": {"pending": 2, "failed": 0, "sent": 0}}
    deliver_due(app)
    assert client.get("/healthz").json["outbox"] == {"pending": 0, "failed": 0, "sent": 2}


def test_message_is_plain_text_first_and_parses(app, post, smtp, edit):
    edit(
        "missions/colis-laon.yaml",
        "title: Je distribue des colis à Laon",
        "title: Je fais les courses d'un voisin âgé ou malade",
    )
    app.extensions["content"].reload_seconds = 0
    post(first_name="Jean", last_name="Dupont")
    post(first_name="Zoë", last_name="L'Heureux-Çà", email="zoe@exemple.fr")
    deliver_due(app)
    subjects = {
        email.message_from_bytes(m.data, policy=email.policy.default)["Subject"]
        for m in smtp.by_recipient("secret-contact@example.org")
    }
    # a folded, accented subject decodes without a doubled space
    assert subjects == {
        "Candidature de Jean Dupont : Je fais les courses d'un voisin âgé ou malade",
        "Candidature de Zoë L'Heureux-Çà : Je fais les courses d'un voisin âgé ou malade",
    }
    raw = smtp.by_recipient("secret-contact@example.org")[0].data
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert b"\n\n" not in raw.split(b"\r\n\r\n", 1)[0]  # headers are one block
    assert parsed.get_body(("plain", "html")).get_content_type() == "text/plain"


def test_the_volunteers_mail_says_how_to_get_there(app, post, smtp, edit):
    edit("missions/colis-laon.yaml", "places: 6", "places: 6\naccess: Bus ligne 3, arrêt Mairie")
    app.extensions["content"].reload_seconds = 0
    post()
    deliver_due(app)
    mail = mails_of(smtp)["jeanne.dupre@exemple.fr"]
    assert "Accès : Bus ligne 3, arrêt Mairie" in mail.get_body(("plain",)).get_content()
    assert "Accès : Bus ligne 3, arrêt Mairie" in mail.get_body(("html",)).get_content()
