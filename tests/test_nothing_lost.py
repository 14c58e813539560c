"""Paths by which an application, a mail or personal data went astray, each closed (docs/reliability.md)."""

import json
import os
import sqlite3
from pathlib import Path

import pytest
from test_proposals import post as propose

from conftest import SITE, VALID, wait_for
from formhandler.outbox import deliver_due

LONG = "x" * 2000  # the longest message allowed, without a single line break


def test_a_message_without_line_breaks_reaches_the_structure_in_both_parts(app, post, smtp, rows):
    """aiosmtpd, like any SMTP server, refuses a line over 998 bytes: bodies are quoted-printable."""
    assert post(message=LONG).status_code == 303
    assert deliver_due(app) == {"sent": 2, "pending": 0, "failed": 0}
    mail = smtp.by_recipient("secret-contact@example.org")[0]
    assert max(len(line) for line in mail.data.split(b"\r\n")) <= 998
    body = mail.data.split(b"\r\n\r\n", 1)[1]
    assert max(len(line) for line in body.split(b"\r\n")) <= 78
    parts = [part for part in mail.message.walk() if not part.is_multipart()]
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    for part in parts:
        assert part["Content-Transfer-Encoding"] == "quoted-printable"
        assert LONG in part.get_content()


def _store_legacy_mail(app, rows, post, **changes) -> int:
    """Post an application, then make its structure mail what an older version stored or could not build."""
    post()
    row = rows("SELECT id, context FROM outbox WHERE kind = 'structure'")[0]
    context = json.loads(row["context"])
    for path, value in changes.items():
        target = context
        *parents, leaf = path.split(".")
        for parent in parents:
            target = target[parent]
        target[leaf] = value
    conn = sqlite3.connect(app.config["DATABASE"])
    conn.execute("UPDATE outbox SET context = ? WHERE id = ?", (json.dumps(context), row["id"]))
    conn.commit()
    conn.close()
    return row["id"]


def test_stored_bytes_too_long_for_smtp_are_rebuilt_and_a_failed_mail_resent_is_rebuilt(app, post, rows, smtp):
    post(message=LONG)
    row = rows("SELECT id FROM outbox WHERE kind = 'structure'")[0]
    eight_bit = b"Subject: x\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + LONG.encode() + b"\r\n"
    conn = sqlite3.connect(app.config["DATABASE"])
    # as an older version left it: 8-bit bytes stored, refused by the server, marked failed
    conn.execute(
        "UPDATE outbox SET message = ?, status = 'failed', last_error = 'réponse SMTP 500' WHERE id = ?",
        (eight_bit, row["id"]),
    )
    conn.commit()
    conn.close()
    assert deliver_due(app)["sent"] == 1  # the volunteer's
    result = app.test_cli_runner().invoke(args=["outbox", "resend", str(row["id"])])
    assert "remis en file" in result.output
    assert deliver_due(app) == {"sent": 1, "pending": 0, "failed": 0}
    rebuilt = smtp.by_recipient("secret-contact@example.org")[0]
    assert rebuilt.message["Message-ID"] == rows("SELECT message_id FROM outbox WHERE id = ?", row["id"])[0][0]
    assert LONG in rebuilt.message.get_body(("plain",)).get_content()


def test_a_mail_that_cannot_be_built_fails_alone_and_the_operator_is_told(app, post, rows, smtp, caplog):
    bad = _store_legacy_mail(app, rows, post, **{"structure.contact_name": "Paul\r\nBcc: pirate@example.com"})
    for n in range(3):
        post(email=f"autre{n}@exemple.fr")
    counts = deliver_due(app)
    assert counts == {"sent": 8, "pending": 0, "failed": 1}  # 7, and the report to the operator
    failed = rows("SELECT id, status, last_error FROM outbox WHERE status = 'failed'")
    assert [(r["id"], r["last_error"]) for r in failed] == [(bad, "courrier impossible à composer (ValueError)")]
    assert "pirate@example.com" not in {r for m in smtp.mails for r in m.rcpt_tos}
    report = smtp.by_recipient("operateur@example.org")[0].message
    assert f"outbox resend {bad}" in report.get_body(("plain",)).get_content()
    assert f"#{bad} failed structure" in app.test_cli_runner().invoke(args=["outbox", "show", "--failed"]).output


@pytest.mark.parametrize(
    "address", ["paul@example.org\r\nBcc: pirate@example.com", "paul@example.org, pirate@example.com", "paul"]
)
def test_a_proposers_address_is_checked_like_any_address(client, rows, address):
    """With an existing structure too: the proposer's address is where the mails go."""
    response = propose(client, structure="asso-test", contact_email=address)
    assert response.status_code == 422
    assert "adresse e-mail" in response.json["errors"]["contact_email"]
    assert rows("SELECT * FROM proposals") == [] and rows("SELECT * FROM outbox") == []


def test_the_per_address_limit_counts_one_mailbox_however_it_is_spelled(make_app):
    app = make_app(RATELIMIT_PER_EMAIL="2 per hour")
    client = app.test_client()
    spellings = [
        "bombe@exemple-été.fr",
        "BOMBE@EXEMPLE-ÉTÉ.FR",
        "bombe@ｅxemple-été.fr",  # full-width e
        "bombe@exemple-été。fr",  # ideographic full stop
        "bombe@exemple-e\u0301te\u0301.fr",  # NFD
        "bombe@" + "exemple-été.fr".encode("idna").decode(),  # punycode
    ]
    statuses = [
        client.post(
            "/api/missions/colis-laon/applications",
            json={**VALID, "email": address},
            headers={"Origin": SITE, "Accept": "application/json"},
        ).status_code
        for address in spellings
    ]
    assert statuses == [201, 201, 429, 429, 429, 429]


def _secrets_in_files(database: str, secrets: list[bytes]) -> dict[str, list[bytes]]:
    """Which secrets each file of the database (and its rate-limit file) still holds, byte for byte."""
    folder = os.path.dirname(database)
    found = {}
    for name in sorted(os.listdir(folder)):
        if ".sqlite3" in name:
            data = Path(folder, name).read_bytes()
            held = [s for s in secrets if s in data]
            if held:
                found[name] = held
    return found


PERSONAL = [b"jeanne.dupre", "Dupré".encode(), b"06 12 34 56 78", b"1990-05-17", b"Disponible le mardi"]


def test_erase_leaves_no_copy_in_any_file_of_the_database(app, post, smtp):
    for mission in ("colis-laon", "appels-distance"):
        post(mission)
    post(email="autre@exemple.fr", first_name="Autre", last_name="Personne", phone="07 00 00 00 00",
         birth_date="1980-01-02", message="Le jeudi")  # fmt: skip
    deliver_due(app)
    database = app.config["DATABASE"]
    assert _secrets_in_files(database, PERSONAL)  # the test looks where copies would be
    result = app.test_cli_runner().invoke(args=["erase", "Jeanne.Dupre@EXEMPLE.fr", "--yes"])
    assert "2 candidature(s) et 0 proposition(s) effacée(s)" in result.output
    assert _secrets_in_files(database, PERSONAL) == {}
    assert _secrets_in_files(database, [b"autre@exemple.fr"])  # the others are kept


def test_purge_leaves_no_copy_in_any_file_of_the_database(app, post, smtp):
    post()
    deliver_due(app)
    conn = sqlite3.connect(app.config["DATABASE"])
    conn.execute("UPDATE applications SET created_at = created_at - 200 * 86400")
    conn.execute("UPDATE outbox SET created_at = created_at - 200 * 86400")
    conn.commit()
    conn.close()
    post(email="recente@exemple.fr", first_name="Récente", last_name="Personne", drop=("phone", "message"),
         birth_date="1980-01-02")  # fmt: skip
    assert "1 candidature(s)" in app.test_cli_runner().invoke(args=["purge"]).output
    secrets = [s for s in PERSONAL if s != b"jeanne.dupre"]  # the address stays in the rate-limit window
    assert _secrets_in_files(app.config["DATABASE"], secrets) == {}


def test_erase_and_purge_cover_proposals_and_their_mails(app, client, rows, smtp):
    for n in range(3):
        assert propose(client, title=f"Je sers des repas chauds à Laon, soir {n}").status_code == 201
    other = {"contact_email": "autre@example.org", "contact_phone": "03 23 99 99 99", "structure": "asso-test"}
    assert propose(client, title="Je porte des colis à Laon", **other).status_code == 201
    deliver_due(app)
    runner = app.test_cli_runner()
    pauls = rows("SELECT id FROM proposals WHERE contact_email = 'paul.martin@example.org'")
    runner.invoke(args=["proposals", "reject", pauls[0][0], "--reason", "Doublon"])
    assert len(rows("SELECT * FROM outbox")) == 9  # coordinators' and proposer's mail each, and the refusal
    result = runner.invoke(args=["erase", "paul.martin@example.org", "--yes"])
    assert "0 candidature(s) et 3 proposition(s) effacée(s)" in result.output
    assert [r["contact_email"] for r in rows("SELECT contact_email FROM proposals")] == ["autre@example.org"]
    left = rows("SELECT context, message FROM outbox")
    assert len(left) == 2
    assert not any("paul.martin" in (r["context"] or "") or b"paul.martin" in (r["message"] or b"") for r in left)
    assert _secrets_in_files(app.config["DATABASE"], [b"paul.martin", b"03 23 11 22 33"]) == {}
    conn = sqlite3.connect(app.config["DATABASE"])
    conn.execute("UPDATE proposals SET created_at = created_at - 200 * 86400")
    conn.execute("UPDATE outbox SET created_at = created_at - 200 * 86400")
    conn.commit()
    conn.close()
    assert "0 candidature(s) et 1 proposition(s)" in runner.invoke(args=["purge"]).output
    assert rows("SELECT * FROM proposals") == [] and rows("SELECT * FROM outbox") == []


def test_proposals_show_never_sends_a_visitors_escape_sequences_to_the_terminal(client, rows, app):
    hostile = "Paul\x1b]0;pwned\x07\x1b[2J\x9b31m\u202emal"
    assert propose(client, description="Vos tâches :\u202e cachées\x1b[8m").status_code == 201
    proposal_id = rows("SELECT id FROM proposals")[0][0]
    # as an older version, which did not check the proposer's name, stored it
    conn = sqlite3.connect(app.config["DATABASE"])
    conn.execute("UPDATE proposals SET contact_name = ?", (hostile,))
    conn.commit()
    conn.close()
    runner = app.test_cli_runner()
    for args in (["proposals", "show", proposal_id], ["proposals", "list", "--all"]):
        output = runner.invoke(args=args).output
        assert not any(c in output for c in "\x1b\x07\x9b\u202e")
    output = runner.invoke(args=["proposals", "show", proposal_id]).output
    assert "Paul\\x1b]0;pwned\\x07" in output  # shown, so the coordinator sees something was there
    assert "Vos tâches :\\u202e cachées" in output


# -- real processes: gunicorn's two workers, as deployed ------------------------------------------


def test_limits_hold_across_the_workers_of_one_host(make_stack, smtp):
    stack = make_stack(smtp.port, RATELIMIT_PER_IP="10 per minute").start_web()
    statuses = [stack.post(n) for n in range(30)]
    assert statuses.count(201) == 10 and statuses.count(429) == 20
    assert len(stack.rows("SELECT id FROM applications")) == 10


def _without_root_powers() -> list[str]:
    """A command prefix under which file permissions hold (root ignores them unless its powers are dropped)."""
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else []


def test_after_the_database_was_read_only_the_handler_recovers_and_healthz_tells_the_truth(make_stack, smtp, tmp_path):
    from formhandler.db import init_schema

    stack = make_stack(smtp.port)
    init_schema(stack.database)
    # another process's connection (a delivery worker's) keeps the write-ahead log and its index open
    # and writable: only the database file is read-only for a moment, as after a mistaken chmod
    other = sqlite3.connect(stack.database)
    other.execute("SELECT COUNT(*) FROM applications").fetchone()
    os.chmod(stack.database, 0o444)
    stack.start_web(prefix=_without_root_powers())
    assert [stack.post(n) for n in range(6)] == [503] * 6
    assert stack.get("/healthz")[0] == 503
    os.chmod(stack.database, 0o644)
    assert wait_for(lambda: stack.get("/healthz")[0] == 200, timeout=10)
    statuses = [stack.post(n) for n in range(6, 26)]
    assert statuses == [201] * 20
    assert len(stack.rows("SELECT id FROM applications")) == 20
    status, body = stack.get("/healthz")
    assert status == 200 and json.loads(body)["database"] == "ok"
    other.close()


@pytest.mark.parametrize(("name", "status"), [("\u3164", 422), ("", 422), ("Paul Martin", 201)])
def test_a_proposer_names_themself_with_an_existing_structure_too(client, name, status):
    response = propose(client, structure="asso-test", contact_name=name)
    assert response.status_code == status
    if status == 422:
        assert list(response.json["errors"]) == ["contact_name"]
