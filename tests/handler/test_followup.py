"""Nobody is forgotten (issue 15): a structure is reminded once of the applications it leaves
unanswered for ANSWER_REMINDER_DAYS days, the department's coordinators are told at twice that,
and each department's coordinators get a daily summary of what changed — once a day, nothing when
nothing changed. Both databases, a real SMTP server; « now » is moved by ageing the stored rows."""

from __future__ import annotations

import time

import pytest

from formhandler import signing
from formhandler.outbox import deliver_due
from tests.helpers import SITE, VALID

DAY = 86400
AISNE = "coord-aisne@example.org"  # the Aisne's coordinators (COORDINATORS); Corse-du-Sud falls back
FALLBACK = "reserve-civique@example.org"  # COORDINATORS_EMAIL's default
STRUCTURE = "secret-contact@example.org"  # asso-test's contact (colis-laon, appels-distance)
CORSICA = "mairie-secret@example.org"  # corse-test's contact (garde-ajaccio)


@pytest.fixture
def handler(make_app):
    """The handler with five days before a reminder, and coordinators for the Aisne only."""
    return make_app(ANSWER_REMINDER_DAYS=5, COORDINATORS=f"02={AISNE}")


def apply(app, mission_id="colis-laon", **fields) -> str:
    """Post an application like the mission page does; its id."""
    response = app.test_client().post(
        f"/api/missions/{mission_id}/applications",
        json={**VALID, **fields},
        headers={"Origin": SITE, "Accept": "application/json"},
    )
    assert response.status_code == 201, response.json
    return response.json["id"]


def age(rows, application_id: str, days: float) -> None:
    """Make an application ``days`` old (one minute more, so that « after N days » is passed): its
    row (sent, and waiting since) and the event of its arrival."""
    moment = time.time() - days * DAY - 60
    rows.execute("UPDATE applications SET created_at = ?, status_at = ? WHERE id = ?", moment, moment, application_id)
    rows.execute(
        "UPDATE application_events SET created_at = ? WHERE application_id = ? AND status IN ('nouvelle', 'attente')",
        moment, application_id,
    )  # fmt: skip


def delivered(app, smtp, since: int = 0) -> list:
    """Deliver what is due; the mails the SMTP server received after the first ``since``."""
    deliver_due(app)
    return [mail.message for mail in smtp.mails[since:]]


def run(app, *args) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def text(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


# -- the structure's reminder, the coordinators' escalation ---------------------------------------------


def test_a_structure_is_reminded_once_after_n_days_with_a_link_per_application(handler, rows, smtp):
    first = apply(handler)
    second = apply(handler, "appels-distance", email="paul@exemple.fr", first_name="Paul")
    recent = apply(handler, email="recent@exemple.fr")
    answered = apply(handler, email="deja@exemple.fr")
    corsica = apply(handler, "garde-ajaccio", email="corse@exemple.fr")
    for application_id in (first, second, answered, corsica):
        age(rows, application_id, 5)
    age(rows, recent, 4.9)
    rows.execute("UPDATE applications SET status = 'acceptee', answered_at = ? WHERE id = ?", time.time(), answered)
    before = len(delivered(handler, smtp))

    assert "2 rappel(s) aux structures, pour 3 candidature(s)" in run(handler, "reminders", "send")
    mails = {m["To"].addresses[0].addr_spec: m for m in delivered(handler, smtp, before)}
    assert set(mails) == {STRUCTURE, CORSICA}
    reminder = mails[STRUCTURE]
    assert reminder["Subject"] == "Rappel : 2 candidatures attendent votre réponse"
    assert reminder["Reply-To"] == FALLBACK
    body = text(reminder)
    assert "2 candidatures reçues par Association d'essai attendent votre réponse depuis plus de 5 jours" in body
    assert "« Je distribue des colis à Laon »" in body and "« J'appelle des personnes âgées isolées »" in body
    tokens = [
        line.strip().split("/candidatures/")[1].rstrip("/") for line in body.splitlines() if "/candidatures/" in line
    ]
    with handler.app_context():
        assert sorted(signing.read("application", token)["id"] for token in tokens) == sorted([first, second])
    # the structure has the applications already: the reminder repeats no one's identity
    for private in ("Jeanne", "Dupré", "jeanne.dupre", "Paul", "06 12 34 56 78"):
        assert private not in body
    assert text(mails[CORSICA]).startswith("Bonjour Bob Privé,\n\nUne candidature reçue par Mairie d'Ajaccio")

    reminded = {r["id"] for r in rows("SELECT id FROM applications WHERE reminded_at IS NOT NULL")}
    assert reminded == {first, second, corsica}
    # once: a second run, the same day or later, reminds nobody again
    assert "0 rappel(s) aux structures, pour 0 candidature(s)" in run(handler, "reminders", "send")
    assert delivered(handler, smtp, before + 2) == []
    # the recent one is reminded when its turn comes, alone
    age(rows, recent, 5)
    assert "1 rappel(s) aux structures, pour 1 candidature(s)" in run(handler, "reminders", "send")
    (late,) = delivered(handler, smtp, before + 2)
    assert late["Subject"] == "Rappel : une candidature attend votre réponse"


def test_coordinators_are_told_after_2n_days_once_per_application(handler, rows, smtp):
    laon = apply(handler)
    corsica = apply(handler, "garde-ajaccio", email="corse@exemple.fr")
    forgotten = apply(handler, email="ancien@exemple.fr")
    age(rows, laon, 5)
    age(rows, forgotten, 21)  # older than 4N days: from before the states, say; nobody is told
    run(handler, "reminders", "send")
    before = len(delivered(handler, smtp))
    age(rows, laon, 10)
    age(rows, corsica, 10)  # never reminded: its reminder's days went by without a run

    output = run(handler, "reminders", "send")
    assert "0 rappel(s) aux structures" in output
    assert "2 e-mail(s) aux coordinateurs, pour 2 candidature(s) toujours sans réponse" in output
    mails = {m["To"].addresses[0].addr_spec: m for m in delivered(handler, smtp, before)}
    assert set(mails) == {AISNE, FALLBACK}  # Corse-du-Sud has no coordinators of its own
    aisne = mails[AISNE]
    assert aisne["Subject"] == "Aisne (02) : 1 candidature sans réponse depuis plus de 10 jours"
    body = text(aisne)
    assert (
        "Association d'essai\n  Contact : Alice Privée, secret-contact@example.org, 03 23 00 00 01\n  Rappel envoyé le"
        in body
    )
    assert (
        "- « Je distribue des colis à Laon » : 1 candidature sans réponse, la plus ancienne en attente depuis le"
        in body
    )
    assert f"{SITE}/missions/colis-laon/" in body
    assert "/candidatures/" not in body and "Jeanne" not in body and "jeanne.dupre" not in body
    assert "Pas de rappel : aucun n'est parti entre le 5e et le 10e jour." in text(mails[FALLBACK])

    assert {r["id"] for r in rows("SELECT id FROM applications WHERE escalated_at IS NOT NULL")} == {laon, corsica}
    assert "0 e-mail(s) aux coordinateurs" in run(handler, "reminders", "send")
    assert delivered(handler, smtp, before + 2) == []


def test_an_answered_application_is_neither_reminded_nor_escalated(handler, rows, smtp):
    application_id = apply(handler)
    age(rows, application_id, 10)
    rows.execute(
        "UPDATE applications SET status = 'declinee', answered_at = ? WHERE id = ?", time.time(), application_id
    )
    output = run(handler, "reminders", "send")
    assert "0 rappel(s)" in output and "0 e-mail(s) aux coordinateurs" in output


# -- the departments' daily summary -------------------------------------------------------------------


def event(rows, application_id, mission_id, status, actor, seconds_ago):
    rows.execute(
        "INSERT INTO application_events (application_id, mission_id, status, actor, created_at) VALUES (?, ?, ?, ?, ?)",
        application_id, mission_id, status, actor, time.time() - seconds_ago,
    )  # fmt: skip


@pytest.fixture
def busy_day(edit, handler, rows):
    """A day of the Aisne and of Corse-du-Sud: applications, an acceptance, a withdrawal (the
    application erased since), one left unanswered past five days, a mission said complete, one
    ending within a week."""
    edit("missions/appels-distance.yaml", "start: 2026-12-01", "start: 2026-12-01\nend: 2026-12-04")
    accepted = apply(handler)
    apply(handler, email="second@exemple.fr")
    old = apply(handler, email="ancienne@exemple.fr")
    age(rows, old, 5 + 1 / 24)  # five days old an hour ago: past the delay since the last summary
    apply(handler, "appels-distance", email="appel@exemple.fr")
    apply(handler, "garde-ajaccio", email="corse@exemple.fr", first_name="Corsu")
    rows.execute(
        "UPDATE applications SET status = 'acceptee', answered_at = ? WHERE id = ?", time.time() - 60, accepted
    )
    event(rows, accepted, "colis-laon", "acceptee", "structure", 60)
    event(rows, "efface", "appels-distance", "nouvelle", "volunteer", 3600)
    event(rows, "efface", "appels-distance", "retiree", "volunteer", 1800)
    rows.execute(
        "INSERT INTO mission_states (mission_id, complete, changed_at) VALUES ('appels-distance', 1, ?)",
        time.time() - 100,
    )
    return handler


def test_each_department_gets_what_changed_without_anyone_s_identity(busy_day, rows, smtp):
    before = len(delivered(busy_day, smtp))
    output = run(busy_day, "digest", "send")
    assert "02 : envoyé" in output and "2A : envoyé" in output and "résumé du 2026-11-29 : 2 envoyé(s)" in output
    mails = {m["To"].addresses[0].addr_spec: m for m in delivered(busy_day, smtp, before)}
    assert set(mails) == {AISNE, FALLBACK}
    aisne = mails[AISNE]
    assert aisne["Subject"] == "Réserve civique, Aisne (02) : le résumé du dimanche 29 novembre 2026"
    body = text(aisne)
    assert "Voici ce qui a changé pour les missions du département Aisne (02) ces dernières 24 heures." in body
    expected = f"""
NOUVELLES CANDIDATURES

- « J'appelle des personnes âgées isolées » : 2 candidatures
  {SITE}/missions/appels-distance/

- « Je distribue des colis à Laon » : 2 candidatures
  {SITE}/missions/colis-laon/

CANDIDATURES ACCEPTÉES

- « Je distribue des colis à Laon » : 1 candidature
  {SITE}/missions/colis-laon/

CANDIDATURES RETIRÉES PAR LE BÉNÉVOLE

- « J'appelle des personnes âgées isolées » : 1 candidature
  {SITE}/missions/appels-distance/

SANS RÉPONSE DEPUIS PLUS DE 5 JOURS

- « Je distribue des colis à Laon » : 1 candidature sans réponse (structure : Association d'essai)
  {SITE}/missions/colis-laon/

MISSIONS COMPLÈTES

- « J'appelle des personnes âgées isolées » : la structure indique que la mission est complète (0 bénévole accepté pour 10 places)
  {SITE}/missions/appels-distance/

MISSIONS QUI SE TERMINENT D'ICI 7 JOURS

- « J'appelle des personnes âgées isolées » : se termine le vendredi 4 décembre 2026
  {SITE}/missions/appels-distance/
"""
    assert expected in body
    assert "CANDIDATURES DÉCLINÉES" not in body  # an empty section is left out
    assert "En tout, 1 candidature attend une réponse de la structure depuis plus de 5 jours." in body
    for private in ("Jeanne", "Dupré", "@exemple.fr", "06 12 34 56 78", "/candidatures/", "Disponible le mardi"):
        assert private not in body
    corsica = text(mails[FALLBACK])
    assert "- « Je garde les enfants des soignants à Ajaccio » : 1 candidature" in corsica
    assert "Corsu" not in corsica and "Laon" not in corsica
    assert sorted((r["department"], r["day"]) for r in rows("SELECT * FROM digests")) == [
        ("02", "2026-11-29"), ("2A", "2026-11-29"),
    ]  # fmt: skip


def test_a_day_is_summed_up_once_and_nothing_is_sent_when_nothing_changed(busy_day, rows, smtp):
    run(busy_day, "digest", "send")
    before = len(delivered(busy_day, smtp))
    again = run(busy_day, "digest", "send")
    assert "02 : déjà envoyé" in again and "2A : déjà envoyé" in again and "0 envoyé(s)" in again
    # the next day, nothing new: no mail (the mission ending on the 4th was told already)
    quiet = run(busy_day, "digest", "send", "--day", "2026-11-30")
    assert "02 : rien de nouveau" in quiet and "2A : rien de nouveau" in quiet
    assert delivered(busy_day, smtp, before) == []
    assert len(rows("SELECT * FROM digests")) == 2
    # something new the day after: only that, since the last summary
    apply(busy_day, email="lendemain@exemple.fr")
    assert "02 : envoyé" in run(busy_day, "digest", "send", "--day", "2026-12-01")
    (mail,) = [m for m in delivered(busy_day, smtp, before) if m["To"].addresses[0].addr_spec == AISNE]
    body = text(mail)
    assert "depuis le résumé précédent, du" in body
    assert "- « Je distribue des colis à Laon » : 1 candidature\n" in body
    assert "ACCEPTÉES" not in body and "MISSIONS COMPLÈTES" not in body and "SE TERMINENT" not in body


def test_a_summary_stopped_before_its_commit_is_sent_by_the_next_run_once(busy_day, rows, smtp, backend):
    """The mail and the day's mark are one transaction: the database refuses the mail (as a run killed
    between the two would leave it), nothing is marked; the next run sends the summary, once."""
    if backend == "sqlite":
        rows.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON outbox WHEN NEW.kind = 'coordinators-digest'"
            " BEGIN SELECT RAISE(ABORT, 'stopped'); END"
        )
        drop = "DROP TRIGGER refuse"
    else:
        rows.execute(
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            " IF NEW.kind = 'coordinators-digest' THEN RAISE EXCEPTION 'stopped'; END IF; RETURN NEW; END $$"
        )
        rows.execute("CREATE TRIGGER refuse BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION refuse()")
        drop = "DROP TRIGGER refuse ON outbox"
    before = len(delivered(busy_day, smtp))
    assert busy_day.test_cli_runner().invoke(args=["digest", "send"]).exit_code != 0
    assert rows("SELECT * FROM digests") == []
    assert rows("SELECT id FROM outbox WHERE kind = 'coordinators-digest'") == []
    rows.execute(drop)
    assert "02 : envoyé" in run(busy_day, "digest", "send")
    assert "02 : déjà envoyé" in run(busy_day, "digest", "send")
    sent = delivered(busy_day, smtp, before)
    assert sorted(m["To"].addresses[0].addr_spec for m in sent) == [AISNE, FALLBACK]


# -- what the commands show ---------------------------------------------------------------------------


def test_list_shows_each_state_and_filters_by_one(handler, rows):
    accepted = apply(handler)
    apply(handler, email="autre@exemple.fr", first_name="Zoé")
    rows.execute("UPDATE applications SET status = 'acceptee', answered_at = ? WHERE id = ?", time.time(), accepted)
    listing = run(handler, "applications", "list")
    assert "  acceptée         colis-laon  Jeanne Dupré <jeanne.dupre@exemple.fr>" in listing
    assert "  nouvelle         colis-laon  Zoé Dupré <autre@exemple.fr>" in listing
    only = run(handler, "applications", "list", "--status", "acceptee")
    assert accepted in only and "Zoé" not in only and "1 candidature(s)" in only
    assert "0 candidature(s)" in run(handler, "applications", "list", "--status", "retiree")
    assert handler.test_cli_runner().invoke(args=["applications", "list", "--status", "perdue"]).exit_code == 2


def test_stats_count_states_and_the_structures_answers_erased_applications_included(handler, rows):
    """A known set: answered after 2 h, 6 h and (erased since) 4 h; one left « nouvelle » 10 days, one
    recent. Answer rate 3 / 4 (the recent one is not held against the structure), median 4 h."""
    start = time.time() - 3 * DAY
    accepted, declined, late, _recent = (apply(handler, email=f"n{i}@exemple.fr") for i in range(4))
    for application_id, status, hours in ((accepted, "acceptee", 2), (declined, "declinee", 6)):
        rows.execute(
            "UPDATE applications SET status = ?, created_at = ?, answered_at = ? WHERE id = ?",
            status, start, start + hours * 3600, application_id,
        )  # fmt: skip
    age(rows, late, 10)
    event(rows, "efface", "appels-distance", "nouvelle", "volunteer", time.time() - start)
    event(rows, "efface", "appels-distance", "acceptee", "structure", time.time() - start - 4 * 3600)
    event(rows, "efface", "appels-distance", "retiree", "volunteer", time.time() - start - 5 * 3600)

    stats = run(handler, "applications", "stats")
    assert (
        "Par état :\n      2  nouvelle\n      1  acceptée\n      1  déclinée\n      1  retirée\n      0  liste d'attente\n"
        in stats
    )
    assert (
        "      4/6 places  colis-laon — nouvelle 2, acceptée 1, déclinée 1 ; réponse 67\u202f% ; délai médian 4 h\n"
        in stats
    )
    assert "      1/10 places  appels-distance — retirée 1 ; réponse 100\u202f% ; délai médian 4 h\n" in stats
    assert (
        "      5  Association d'essai — nouvelle 2, acceptée 1, déclinée 1, retirée 1 ; réponse 75\u202f% ; délai médian 4 h\n"
        in stats
    )
    assert (
        "Taux de réponse : 75\u202f% (3 répondue(s) ; sans réponse, 1 restée(s) « nouvelle » plus de 5 jours)" in stats
    )
    assert "Délai médian de réponse : 4 h\n" in stats
    assert "Total : 5 (dont 1 effacée(s) depuis, comptée(s) sans identité)" in stats


# -- personal data ------------------------------------------------------------------------------------


def test_the_follow_up_mails_hold_no_volunteer_data_and_purge_takes_them(busy_day, rows, smtp, tmp_path):
    for application_id in [r["id"] for r in rows("SELECT id FROM applications WHERE mission_id = 'colis-laon'")]:
        age(rows, application_id, 10)
    run(busy_day, "reminders", "send")
    run(busy_day, "digest", "send")
    delivered(busy_day, smtp)
    kinds = ("structure-reminder", "coordinators-escalation", "coordinators-digest")
    mails = rows("SELECT kind, context, message FROM outbox WHERE application_id IS NULL")
    assert {m["kind"] for m in mails} >= {"coordinators-escalation", "coordinators-digest"}
    for mail in mails:
        stored = (mail["context"] or "") + bytes(mail["message"] or b"").decode("utf-8", "replace")
        for private in ("Jeanne", "Dupré", "Dupr=C3=A9", "exemple.fr", "06 12 34 56 78", "Disponible"):
            assert private not in stored, (mail["kind"], private)
    rows.execute("UPDATE outbox SET created_at = ?", time.time() - 200 * DAY)
    run(busy_day, "purge")
    assert rows("SELECT kind FROM outbox WHERE kind IN (?, ?, ?)", *kinds) == []


def test_with_nobody_to_tell_nothing_is_marked_as_told(make_app, rows, smtp):
    """No COORDINATORS, COORDINATORS_EMAIL emptied: the command says so, and the applications wait
    for coordinators to be set rather than being marked as told."""
    app = make_app(ANSWER_REMINDER_DAYS=5, COORDINATORS_EMAIL="")
    application_id = apply(app)
    age(rows, application_id, 10)
    assert "0 e-mail(s) aux coordinateurs" in run(app, "reminders", "send")
    assert rows("SELECT escalated_at FROM applications")[0]["escalated_at"] is None
    assert "02 : personne à prévenir" in run(app, "digest", "send")
    assert rows("SELECT * FROM digests") == []


def test_an_offered_place_waits_from_the_offer_not_from_the_application(handler, rows, smtp):
    """A volunteer on the waiting list offered a freed place is « nouvelle » again from that day:
    the structure is reminded N days after the offer, though the application is older than 4N."""
    application_id = apply(handler)
    offered = time.time() - 5 * DAY - 60
    rows.execute(
        "UPDATE applications SET created_at = ?, status_at = ?, waiting_list = 1 WHERE id = ?",
        time.time() - 30 * DAY, offered, application_id,
    )  # fmt: skip
    assert "1 rappel(s) aux structures, pour 1 candidature(s)" in run(handler, "reminders", "send")


def test_the_reminder_s_link_answers_and_the_next_summary_says_so(handler, rows, smtp):
    """The journey: the structure follows its reminder's link, accepts; the next summary counts the
    acceptance, and the application is no longer among those left unanswered."""
    application_id = apply(handler)
    age(rows, application_id, 5)
    before = len(delivered(handler, smtp))
    run(handler, "reminders", "send")
    (reminder,) = delivered(handler, smtp, before)
    link = next(line.strip() for line in text(reminder).splitlines() if "/candidatures/" in line)
    path = link.removeprefix(SITE)
    client = handler.test_client()
    assert client.get(path).status_code == 200
    answered = client.post(path, data={"action": "accepter", "message": ""}, headers={"Origin": SITE})
    assert answered.status_code == 303
    assert rows("SELECT status FROM applications WHERE id = ?", application_id)[0]["status"] == "acceptee"
    before = len(delivered(handler, smtp))
    run(handler, "digest", "send")
    (summary,) = [m for m in delivered(handler, smtp, before) if m["To"].addresses[0].addr_spec == AISNE]
    body = text(summary)
    assert "CANDIDATURES ACCEPTÉES\n\n- « Je distribue des colis à Laon » : 1 candidature" in body
    assert "SANS RÉPONSE" not in body and "En tout" not in body
    age(rows, application_id, 10)
    assert "0 e-mail(s) aux coordinateurs" in run(handler, "reminders", "send")
