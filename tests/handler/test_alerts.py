"""Volunteers waiting for a mission: sign-up, double opt-in, alerts, one-click unsubscription,
renewal, retention — through the real handler, on SQLite and PostgreSQL, with a real SMTP server."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import time

import pytest

from formhandler import alerting, exports
from formhandler.content import PARIS
from formhandler.outbox import deliver_due
from tests.helpers import SITE

SIGN_UP = {
    "email": "claire.martin@exemple.fr",
    "first_name": "Claire",
    "birth_date": "1990-05-17",
    "postal_code": "02000",
    "consent": "oui",
}
ADDRESS = SIGN_UP["email"]
LINK = re.compile(r"(http://site\.test/api/alerts/(\w+)/[A-Za-z0-9_.-]+)")


@pytest.fixture
def sign_up(client):
    """Post the sign-up form like /etre-prevenu/ does (a plain form post by default)."""

    def _sign_up(json_api=False, headers=None, **fields):
        data = {k: v for k, v in {**SIGN_UP, **fields}.items() if v is not None}
        sent = {"Origin": SITE, **(headers or {})}
        if json_api:
            return client.post("/api/alerts", json=data, headers={**sent, "Accept": "application/json"})
        return client.post("/api/alerts", data=data, headers=sent)

    return _sign_up


def mails_to(smtp, address, app):
    deliver_due(app)
    return [m.message for m in smtp.by_recipient(address)]


def links(message) -> dict[str, str]:
    """The alert links of a mail's text, by purpose (confirm, unsubscribe, choices, renew)."""
    text = message.get_content() if not message.is_multipart() else message.get_body(("plain",)).get_content()
    return {purpose: url for url, purpose in LINK.findall(text)}


def local(url: str) -> str:
    return url.removeprefix(SITE)


def confirm(client, smtp, app, address=ADDRESS):
    url = links(mails_to(smtp, address, app)[-1])["confirm"]
    answer = client.post(local(url), headers={"Origin": SITE})
    assert answer.status_code == 200, answer.text
    return answer


def send(app):
    with app.app_context():
        return alerting.send_alerts()


def alerts_to(smtp, address, app):
    return [m for m in mails_to(smtp, address, app) if "nouvelle" in m["Subject"]]


def test_sign_up_confirm_then_one_alert_per_new_mission_and_one_click_unsubscription(make_app, smtp, rows, content_dir):
    app = make_app(CONTENT_RELOAD_SECONDS=0)  # a mission added is seen at once
    client = app.test_client()
    answer = client.post("/api/alerts", data=SIGN_UP, headers={"Origin": SITE})
    assert answer.status_code == 303
    assert answer.headers["Location"] == f"{SITE}/etre-prevenu/merci/"
    [confirmation] = mails_to(smtp, ADDRESS, app)
    assert "Confirmez votre inscription" in confirmation["Subject"]
    assert "List-Unsubscribe" not in confirmation

    # nothing is sent to an address that has not confirmed
    assert send(app).mails == 0
    assert len(mails_to(smtp, ADDRESS, app)) == 1

    # a GET (a link checker, the volunteer's click) shows a button and changes nothing
    page = client.get(local(links(confirmation)["confirm"]))
    assert page.status_code == 200 and "Confirmer" in page.text and 'method="post"' in page.text
    assert rows("SELECT status FROM alert_subscriptions") == [("pending",)]
    confirm(client, smtp, app)
    assert rows("SELECT status FROM alert_subscriptions") == [("confirmed",)]

    report = send(app)
    assert report.mails == 1
    [alert] = alerts_to(smtp, ADDRESS, app)
    text = alert.get_content()
    # colis-laon: on site in the Aisne; not the remote one (not asked for), nor closed, past or elsewhere
    assert "Je prépare des colis alimentaires à Laon" in text or "colis-laon" in text
    assert f"{SITE}/missions/colis-laon/" in text
    for other in ("appels-distance", "garde-ajaccio", "maraude-close", "masques-passee"):
        assert f"/missions/{other}/" not in text
    assert alert["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe_url = alert["List-Unsubscribe"].strip("<>")
    assert unsubscribe_url == links(alert)["unsubscribe"]
    assert "choices" in links(alert)

    # a second run the same day, and the next day, announce nothing again
    assert send(app).mails == 0
    later = app.config["TODAY"]
    app.config["TODAY"] = "2026-11-30"
    assert send(app).mails == 0

    # a new matching mission is announced, alone, the next day
    shutil.copy(content_dir / "missions" / "colis-laon.yaml", content_dir / "missions" / "colis-soissons.yaml")
    assert send(app).mails == 1
    newest = alerts_to(smtp, ADDRESS, app)[-1].get_content()
    assert "/missions/colis-soissons/" in newest and "/missions/colis-laon/" not in newest
    app.config["TODAY"] = later

    # RFC 8058: the mail program's POST, from no page of the site, unsubscribes at once
    answer = client.post(local(unsubscribe_url), data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200 and "désinscrit" in answer.text
    assert rows("SELECT COUNT(*) FROM alert_subscriptions") == [(0,)]
    assert rows("SELECT COUNT(*) FROM alert_announced") == [(0,)]
    (content_dir / "missions" / "colis-soissons.yaml").rename(content_dir / "missions" / "colis-noyon.yaml")
    app.config["TODAY"] = "2026-12-01"
    assert send(app).mails == 0
    # again: the same page, nothing to do
    assert client.post(local(unsubscribe_url)).status_code == 200


def test_json_answers_and_field_errors(sign_up, rows):
    answer = sign_up(json_api=True)
    assert answer.status_code == 201
    answer = sign_up(json_api=True, birth_date="2012-01-01", postal_code="2000", departments=["99"], consent=None)
    assert answer.status_code == 422
    errors = answer.json["errors"]
    assert list(errors) == ["birth_date", "postal_code", "departments", "consent"]  # the order of the form
    # the widest range of the missions: appels-distance takes volunteers from 16 to 99
    assert "de 16 à 99 ans" in errors["birth_date"] and "vous avez 14 ans" in errors["birth_date"]
    assert "Choisissez des départements" in errors["departments"]
    older = sign_up(
        json_api=True, email="b@exemple.fr", birth_date="1940-01-01", domains=["garde-exceptionnelle-enfants"]
    )
    assert older.status_code == 422 and "de 21 à 65 ans" in older.json["errors"]["birth_date"]
    assert rows("SELECT COUNT(*) FROM alert_subscriptions") == [(1,)]


def test_the_form_comes_back_with_its_errors_and_values(sign_up):
    answer = sign_up(email="pas-une-adresse", departments=["02", "59"], domains=["aide-alimentaire-urgence"])
    assert answer.status_code == 422
    page = answer.text
    assert "Il y a un problème" in page and 'href="#email"' in page
    assert 'value="pas-une-adresse"' in page
    assert re.search(r'value="59" checked', page) and re.search(r'value="aide-alimentaire-urgence" checked', page)


def test_anti_abuse_answers(make_app, sign_up, client, rows):
    assert sign_up(headers={"Origin": "https://ailleurs.example"}).status_code == 403
    assert sign_up(website="http://spam.example").status_code == 303  # answered like a success…
    assert rows("SELECT COUNT(*) FROM alert_subscriptions") == [(0,)]  # …nothing stored
    big = client.post(
        "/api/alerts", data={"first_name": "x" * 70_000}, headers={"Origin": SITE, "Accept": "application/json"}
    )
    assert big.status_code == 413
    limited = make_app(RATELIMIT_PER_EMAIL="2 per hour").test_client()
    statuses = [
        limited.post("/api/alerts", json=SIGN_UP, headers={"Origin": SITE, "Accept": "application/json"}).status_code
        for _ in range(3)
    ]
    assert statuses == [201, 201, 429]


def test_signing_up_again_changes_nothing_until_confirmed_from_the_address(app, client, sign_up, smtp, rows):
    sign_up()
    confirm(client, smtp, app)
    answer = sign_up(departments=["2A"], domains=["garde-exceptionnelle-enfants"], first_name="Clara")
    assert answer.status_code == 303
    assert rows("SELECT first_name, departments FROM alert_subscriptions") == [("Claire", '["02"]')]
    change = mails_to(smtp, ADDRESS, app)[-1]
    assert "Confirmez vos nouveaux choix" in change["Subject"]
    confirm(client, smtp, app)
    assert rows("SELECT first_name, departments, domains FROM alert_subscriptions") == [
        ("Clara", '["2A"]', '["garde-exceptionnelle-enfants"]')
    ]
    report = send(app)
    assert report.mails == 1
    assert "/missions/garde-ajaccio/" in alerts_to(smtp, ADDRESS, app)[0].get_content()


def test_remote_missions_and_age_limits_of_missions(app, client, sign_up, smtp):
    sign_up(remote="oui", birth_date="2009-06-01")  # 17: only appels-distance (16 to 99) is open to them
    # a minor is refused unless a mission of their domains takes them: appels-distance does
    confirm(client, smtp, app)
    send(app)
    text = alerts_to(smtp, ADDRESS, app)[0].get_content()
    assert "/missions/appels-distance/" in text and "/missions/colis-laon/" not in text


def test_changing_the_choices_through_the_signed_link(app, client, sign_up, smtp, rows):
    sign_up()
    confirm(client, smtp, app)
    send(app)
    choices_url = local(links(alerts_to(smtp, ADDRESS, app)[0])["choices"])
    form = client.get(choices_url)
    assert form.status_code == 200 and 'value="02" checked' in form.text
    bad = client.post(choices_url, data={"departments": "99"}, headers={"Origin": SITE})
    assert bad.status_code == 422
    done = client.post(choices_url, data={"departments": ["2A"], "remote": "oui"}, headers={"Origin": SITE})
    assert done.status_code == 200
    assert rows("SELECT departments, remote FROM alert_subscriptions") == [('["2A"]', 1)]
    assert client.get(choices_url.replace("choices/", "choices/x")).status_code == 404


def test_unconfirmed_sign_ups_are_deleted_after_seven_days(app, sign_up, rows, runner):
    sign_up()
    rows.execute("UPDATE alert_subscriptions SET created_at = created_at - 8 * 86400")
    sign_up(email="recent@exemple.fr")
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "1 inscription(s)" in result.output
    assert rows("SELECT email FROM alert_subscriptions") == [("recent@exemple.fr",)]


def test_renewal_a_month_before_the_end_and_deletion_at_the_end(app, client, sign_up, smtp, rows):
    sign_up()
    confirm(client, smtp, app)
    send(app)
    now = time.time()
    rows.execute(f"UPDATE alert_subscriptions SET expires_at = {now + 20 * 86400}")
    assert send(app).renewals == 1
    assert send(app).renewals == 0  # offered once
    offer = next(m for m in mails_to(smtp, ADDRESS, app) if "se termine" in m["Subject"])
    assert offer["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    renew_url = local(links(offer)["renew"])
    assert "Prolonger" in client.get(renew_url).text
    assert client.post(renew_url, headers={"Origin": SITE}).status_code == 200
    [(expires,)] = rows("SELECT expires_at FROM alert_subscriptions")
    assert expires > now + 180 * 86400
    rows.execute(f"UPDATE alert_subscriptions SET expires_at = {now - 1}")
    assert send(app).deleted == 1
    assert rows("SELECT COUNT(*) FROM alert_subscriptions") == [(0,)]
    assert client.post(renew_url, headers={"Origin": SITE}).status_code == 200  # « pas inscrit(e) »


def test_expired_confirmation_link_says_so(app, client, sign_up, smtp):
    sign_up()
    url = local(links(mails_to(smtp, ADDRESS, app)[0])["confirm"])
    with app.app_context():
        from formhandler import signing

        token = url.rsplit("/", 1)[1]
        data = signing.read("alert-confirm", token)
        expired = signing.make("alert-confirm", data, expires_at=time.time() - 1)
    answer = client.get(f"/api/alerts/confirm/{expired}")
    assert answer.status_code == 410 and "expiré" in answer.text


def test_erase_covers_the_subscription_and_its_mails(app, client, sign_up, smtp, rows, runner):
    sign_up()
    confirm(client, smtp, app)
    send(app)
    result = runner.invoke(args=["erase", ADDRESS.upper(), "--yes"])
    assert result.exit_code == 0, result.output
    assert "inscription aux nouvelles missions effacée" in result.output
    assert rows("SELECT COUNT(*) FROM alert_subscriptions") == [(0,)]
    assert rows("SELECT COUNT(*) FROM alert_announced") == [(0,)]
    assert rows("SELECT COUNT(*) FROM outbox WHERE recipients LIKE '%claire%'") == [(0,)]


def test_a_run_killed_between_two_people_tells_everyone_once_when_run_again(app, client, smtp, rows, monkeypatch):
    for n in range(3):
        client.post("/api/alerts", data={**SIGN_UP, "email": f"p{n}@exemple.fr"}, headers={"Origin": SITE})
        confirm(client, smtp, app, address=f"p{n}@exemple.fr")
    record = alerting._record
    calls = []

    def dies_after_the_first_person(*args):
        if calls:
            raise SystemExit("killed")  # what a kill between two transactions leaves behind
        calls.append(1)
        return record(*args)

    monkeypatch.setattr(alerting, "_record", dies_after_the_first_person)
    with pytest.raises(SystemExit), app.app_context():
        alerting.send_alerts(batch=1)
    monkeypatch.setattr(alerting, "_record", record)
    assert rows("SELECT COUNT(*) FROM outbox WHERE kind = 'alert-missions'") == [(1,)]
    assert send(app).mails == 2
    assert send(app).mails == 0
    deliver_due(app)
    for n in range(3):
        assert len(alerts_to(smtp, f"p{n}@exemple.fr", app)) == 1


def test_pool_stats_and_the_export(make_app, smtp, rows, tmp_path):
    app = make_app(EXPORTS_DIR=str(tmp_path / "exports"))
    client, runner = app.test_client(), app.test_cli_runner()

    def sign_up(**fields):
        return client.post("/api/alerts", data={**SIGN_UP, **fields}, headers={"Origin": SITE})

    sign_up()
    confirm(client, smtp, app)
    sign_up(email="b@exemple.fr", departments=["02", "2A"], remote="oui")
    confirm(client, smtp, app, address="b@exemple.fr")
    sign_up(email="unconfirmed@exemple.fr")
    send(app)
    # an application after the alert counts; the same person applying to another mission does not
    client.post(
        "/api/missions/colis-laon/applications",
        data={**SIGN_UP, "last_name": "Martin", "accept_requirements": "oui"},
        headers={"Origin": SITE},
    )
    figures = json.loads(runner.invoke(args=["pool", "stats", "--json"]).output)
    assert figures["total"] == 2 and figures["remote"] == 1
    assert figures["departments"] == {"02": 2, "2A": 1}
    assert figures["alerts"]["mails"] == 2 and figures["alerts"]["applications"] == 1
    text = runner.invoke(args=["pool", "stats"]).output
    assert "2 bénévole(s) en attente" in text and "Aisne (02) : 2" in text
    result = runner.invoke(args=["alerts", "send"])
    assert result.exit_code == 0, result.output
    written = json.loads((exports.folder(app) / "pool.json").read_text())
    assert written["data"]["departments"] == {"02": 2, "2A": 1}
    assert "claire" not in json.dumps(written)


def test_a_subscription_past_its_end_no_longer_counts_as_waiting(make_app, smtp, rows):
    app = make_app()
    client, runner = app.test_client(), app.test_cli_runner()
    for address in ("a@exemple.fr", "b@exemple.fr"):
        client.post("/api/alerts", data={**SIGN_UP, "email": address}, headers={"Origin": SITE})
        confirm(client, smtp, app, address=address)
    rows.execute("UPDATE alert_subscriptions SET expires_at = ? WHERE email_key = ?", time.time() - 60, "b@exemple.fr")
    assert json.loads(runner.invoke(args=["pool", "stats", "--json"]).output)["total"] == 1


def test_the_renewal_mail_gives_the_last_day_in_france(app):
    """A subscription ending at 00:30 in Paris on 1 June ends on 1 June, whatever the server's zone."""
    from formhandler import alert_mails

    ends = dt.datetime(2027, 6, 1, 0, 30, tzinfo=PARIS).timestamp()
    subscription = {"id": "s1", "email_ascii": "a@exemple.fr", "first_name": "Claire", "expires_at": ends}
    with app.test_request_context():
        context = json.loads(alert_mails.renewal(subscription, ends - 30 * 86400).context)
    assert context["ends"] == "mardi 1er juin 2027"


def test_a_database_of_version_3_is_upgraded_keeping_its_rows(tmp_path):
    """The subscription tables come to an existing database (SQLite), its applications kept."""
    import sqlite3

    from formhandler import schema

    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    old = schema.SCHEMA.replace(schema.ALERTS_SCHEMA, "")
    conn.executescript(old + "PRAGMA user_version = 3;")
    conn.execute(
        "INSERT INTO applications (id, mission_id, created_at, first_name, last_name, email, email_key, birth_date,"
        " postal_code) VALUES ('a', 'colis-laon', 1, 'J', 'D', 'j@e.fr', 'j@e.fr', '1990-01-01', '02000')"
    )
    schema.upgrade(conn)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    assert conn.execute("SELECT id FROM applications").fetchall() == [("a",)]
    assert conn.execute("SELECT COUNT(*) FROM alert_subscriptions").fetchone() == (0,)


def test_db_copy_takes_the_subscriptions_and_what_was_announced(app, client, sign_up, smtp, runner, tmp_path):
    sign_up()
    confirm(client, smtp, app)
    send(app)
    target = tmp_path / "copy.sqlite3"
    result = runner.invoke(args=["db", "copy", "--to", str(target)])
    assert result.exit_code == 0, result.output
    for table, count in (("alert_subscriptions", 1), ("alert_announced", 1), ("alert_runs", 1)):
        assert f"{table} : {count} ligne(s)" in result.output


def test_at_most_one_mail_a_day_the_rest_waits_for_the_next_day(make_app, smtp, content_dir):
    app = make_app(CONTENT_RELOAD_SECONDS=0)
    client = app.test_client()
    client.post("/api/alerts", data=SIGN_UP, headers={"Origin": SITE})
    confirm(client, smtp, app)
    assert send(app).mails == 1
    shutil.copy(content_dir / "missions" / "colis-laon.yaml", content_dir / "missions" / "colis-chauny.yaml")
    assert send(app).mails == 0  # published the same day: told tomorrow
    app.config["TODAY"] = "2026-11-30"
    assert send(app).mails == 1
    [_, second] = alerts_to(smtp, ADDRESS, app)
    assert "/missions/colis-chauny/" in second.get_content() and "/missions/colis-laon/" not in second.get_content()


def test_unsubscribing_drops_the_alert_not_sent_yet(app, client, sign_up, smtp, rows):
    sign_up()
    confirm(client, smtp, app)
    assert send(app).mails == 1  # queued, not delivered yet
    with app.app_context():
        from formhandler import signing

        [(subscription_id,)] = rows("SELECT id FROM alert_subscriptions")
        token = signing.make("alert-unsubscribe", {"s": subscription_id})
    assert client.post(f"/api/alerts/unsubscribe/{token}").status_code == 200
    assert alerts_to(smtp, ADDRESS, app) == []
    assert rows("SELECT COUNT(*) FROM outbox WHERE kind = 'alert-missions'") == [(0,)]


def test_unsubscribing_leaves_no_mail_to_the_address_even_those_sent(app, client, sign_up, smtp, rows):
    sign_up()
    confirm(client, smtp, app)
    assert send(app).mails == 1
    deliver_due(app)
    assert alerts_to(smtp, ADDRESS, app) != []  # the confirmation and the alert were sent
    with app.app_context():
        from formhandler import signing

        [(subscription_id,)] = rows("SELECT id FROM alert_subscriptions")
        token = signing.make("alert-unsubscribe", {"s": subscription_id})
    assert client.post(f"/api/alerts/unsubscribe/{token}").status_code == 200
    # « Vos informations sont effacées »: the sent mails held the address and the first name too
    assert rows("SELECT kind FROM outbox WHERE kind LIKE 'alert%'") == []
