"""Paths by which an application, a mail or personal data went astray, each closed (docs/reliability.md)."""

import json
import os
import sqlite3
from pathlib import Path

import pytest

from formhandler.outbox import deliver_due
from tests.helpers import SITE, VALID, wait_for

from .test_proposals import post as propose

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
    rows.execute("UPDATE outbox SET context = ? WHERE id = ?", json.dumps(context), row["id"])
    return row["id"]


def test_stored_bytes_too_long_for_smtp_are_rebuilt_and_a_failed_mail_resent_is_rebuilt(app, post, rows, smtp):
    post(message=LONG)
    row = rows("SELECT id FROM outbox WHERE kind = 'structure'")[0]
    eight_bit = b"Subject: x\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + LONG.encode() + b"\r\n"
    # as an older version left it: 8-bit bytes stored, refused by the server, marked failed
    rows.execute(
        "UPDATE outbox SET message = ?, status = 'failed', last_error = 'réponse SMTP 500' WHERE id = ?",
        eight_bit,
        row["id"],
    )
    assert deliver_due(app)["sent"] == 1  # the volunteer's
    result = app.test_cli_runner().invoke(args=["outbox", "resend", str(row["id"])])
    assert "remis en file" in result.output
    assert deliver_due(app) == {"sent": 1, "pending": 0, "failed": 0}
    rebuilt = smtp.by_recipient("secret-contact@example.org")[0]
    assert rebuilt.message["Message-ID"] == rows("SELECT message_id FROM outbox WHERE id = ?", row["id"])[0][0]
    assert LONG in rebuilt.message.get_body(("plain",)).get_content()


@pytest.mark.parametrize(
    ("change", "error"),
    [({"date": 1e308}, "OverflowError"), ({"structure": None}, "TypeError"), ({"mission": {"id": 1}}, "KeyError")],
)
def test_a_mail_that_cannot_be_built_fails_alone_and_the_operator_is_told(app, post, rows, smtp, change, error):
    """A context an older version stored, or one corrupted: whatever the exception, that mail alone fails."""
    bad = _store_legacy_mail(app, rows, post, **change)
    for n in range(3):
        post(email=f"autre{n}@exemple.fr")
    counts = deliver_due(app)
    assert counts == {"sent": 8, "pending": 0, "failed": 1}  # 7, and the report to the operator
    failed = rows("SELECT id, status, last_error FROM outbox WHERE status = 'failed'")
    assert [(r["id"], r["last_error"]) for r in failed] == [(bad, f"courrier impossible à composer ({error})")]
    report = smtp.by_recipient("operateur@example.org")[0].message
    assert f"outbox resend {bad}" in report.get_body(("plain",)).get_content()
    assert f"#{bad} failed structure" in app.test_cli_runner().invoke(args=["outbox", "show", "--failed"]).output


def test_a_queued_mail_carries_its_links_for_a_delivery_worker_of_the_previous_version(app, post, rows, smtp):
    """During a rolling update (or a rollback) an older delivery worker renders a mail from its stored
    context as it is: the signed links must be in it, the same as the mail shows."""
    from urllib.parse import urlsplit

    from tests.helpers.answers import WITHDRAW_LINK, link_in

    post()
    contexts = {r["kind"]: json.loads(r["context"]) for r in rows("SELECT kind, context FROM outbox")}
    assert set(contexts) == {"structure", "volunteer"}
    deliver_due(app)
    to_structure = smtp.by_recipient("secret-contact@example.org")[0].message
    to_volunteer = smtp.by_recipient(VALID["email"])[0].message
    assert link_in(to_structure) == urlsplit(contexts["structure"]["answer_url"]).path
    assert link_in(to_volunteer, WITHDRAW_LINK) == urlsplit(contexts["volunteer"]["withdraw_url"]).path
    assert all(context["links_until"] for context in contexts.values())


def test_a_line_break_in_a_header_value_never_makes_a_header(app, post, rows, smtp):
    _store_legacy_mail(app, rows, post, **{"structure.contact_name": "Paul\r\nBcc: pirate@example.com"})
    assert deliver_due(app) == {"sent": 2, "pending": 0, "failed": 0}
    mail = smtp.by_recipient("secret-contact@example.org")[0]
    assert "pirate@example.com" not in {r for m in smtp.mails for r in m.rcpt_tos}
    assert (
        mail.message["Bcc"] is None and mail.message["To"].addresses[0].display_name == "Paul Bcc: pirate@example.com"
    )


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


@pytest.mark.backends("sqlite")  # PostgreSQL's: tests/handler/test_postgres.py
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


@pytest.mark.backends("sqlite")  # PostgreSQL's: tests/handler/test_postgres.py
def test_purge_leaves_no_copy_in_any_file_of_the_database(app, post, smtp, rows):
    post()
    deliver_due(app)
    rows.execute("UPDATE applications SET created_at = created_at - 200 * 86400")
    rows.execute("UPDATE outbox SET created_at = created_at - 200 * 86400")
    post(email="recente@exemple.fr", first_name="Récente", last_name="Personne", drop=("phone", "message"),
         birth_date="1980-01-02")  # fmt: skip
    assert "1 candidature(s)" in app.test_cli_runner().invoke(args=["purge"]).output
    secrets = [s for s in PERSONAL if s != b"jeanne.dupre"]  # the address stays in the rate-limit window
    assert _secrets_in_files(app.config["DATABASE"], secrets) == {}


def test_erase_and_purge_cover_proposals_and_their_mails(app, client, rows, smtp, backend):
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
    if backend == "sqlite":  # PostgreSQL's files: tests/handler/test_postgres.py
        assert _secrets_in_files(app.config["DATABASE"], [b"paul.martin", b"03 23 11 22 33"]) == {}
    rows.execute("UPDATE proposals SET created_at = created_at - 200 * 86400")
    rows.execute("UPDATE outbox SET created_at = created_at - 200 * 86400")
    assert "0 candidature(s) et 1 proposition(s)" in runner.invoke(args=["purge"]).output
    assert rows("SELECT * FROM proposals") == [] and rows("SELECT * FROM outbox") == []


def test_proposals_show_never_sends_a_visitors_escape_sequences_to_the_terminal(client, rows, app):
    hostile = "Paul\x1b]0;pwned\x07\x1b[2J\x9b31m\u202emal"
    assert propose(client, description="Vos tâches :\u202e cachées\x1b[8m").status_code == 201
    proposal_id = rows("SELECT id FROM proposals")[0][0]
    # as an older version, which did not check the proposer's name, stored it
    rows.execute("UPDATE proposals SET contact_name = ?", hostile)
    runner = app.test_cli_runner()
    for args in (["proposals", "show", proposal_id], ["proposals", "list", "--all"]):
        output = runner.invoke(args=args).output
        assert not any(c in output for c in "\x1b\x07\x9b\u202e")
    output = runner.invoke(args=["proposals", "show", proposal_id]).output
    assert "Paul\\x1b]0;pwned\\x07" in output  # shown, so the coordinator sees something was there
    assert "Vos tâches :\\u202e cachées" in output


# -- real processes: gunicorn's two workers, as deployed ------------------------------------------


@pytest.mark.backends("sqlite", "postgresql")
def test_limits_hold_across_the_workers_of_one_host(make_stack, smtp):
    stack = make_stack(smtp.port, RATELIMIT_PER_IP="10 per minute").start_web()
    statuses = [stack.post(n) for n in range(30)]
    assert statuses.count(201) == 10 and statuses.count(429) == 20
    assert len(stack.rows("SELECT id FROM applications")) == 10


@pytest.mark.backends("postgresql")
def test_limits_hold_across_hosts_sharing_one_postgresql_database(make_stack, smtp):
    """Two instances (two hosts behind nginx): the counters are rows of the shared database."""
    stacks = [make_stack(smtp.port, RATELIMIT_PER_IP="10 per minute").start_web() for _ in range(2)]
    statuses = [stacks[n % 2].post(n) for n in range(30)]
    assert statuses.count(201) == 10 and statuses.count(429) == 20
    assert len(stacks[0].rows("SELECT id FROM applications")) == 10


def _without_root_powers() -> list[str]:
    """A command prefix under which file permissions hold (root ignores them unless its powers are dropped)."""
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else []


@pytest.mark.backends("sqlite")
def test_after_the_database_was_read_only_the_handler_recovers_and_healthz_tells_the_truth(make_stack, smtp, tmp_path):
    from formhandler.sqlite import SQLiteDatabase

    stack = make_stack(smtp.port)
    SQLiteDatabase(stack.database).init_schema()
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


# -- found by review: more paths by which a mail or a person's data went astray ---------------------------


def test_a_structure_address_with_an_accented_domain_is_mailed_in_ascii(make_app, edit, smtp):
    edit("structures/asso-test.yaml", "secret-contact@example.org", "secret-contact@mairie-égly.fr")
    app = make_app()
    response = app.test_client().post("/api/missions/colis-laon/applications", data=VALID, headers={"Origin": SITE})
    assert response.status_code == 303
    assert deliver_due(app) == {"sent": 2, "pending": 0, "failed": 0}
    assert "secret-contact@" + "mairie-égly.fr".encode("idna").decode() in {m.rcpt_tos[0] for m in smtp.mails}


def test_a_title_on_two_lines_fails_the_content_check(edit, content_dir, today):
    from catalog import load_content

    edit("missions/colis-laon.yaml", "title: Je distribue des colis à Laon", 'title: "Je distribue des colis\\nà Laon"')
    problems = [(p.field, p.message) for p in load_content(content_dir, today=today).errors]
    assert ("title", "doit tenir sur une ligne, sans caractère de contrôle ni invisible") in problems


@pytest.mark.parametrize("field", ["title", "structure_name"])
def test_a_proposal_title_or_structure_name_on_two_lines_is_refused(client, rows, field):
    response = propose(client, **{field: "Je sers des repas chauds\nle soir à Laon"})
    assert response.status_code == 422 and field in response.json["errors"]
    assert rows("SELECT * FROM proposals") == []


def test_a_name_holding_a_mime_encoded_word_is_refused(post, rows):
    """A mail program would decode « =?…?= » in a header into an address: Reply-To hijacked."""
    response = post(json=True, first_name="=?utf-8?q?pirate=40evil.example?=")
    assert response.status_code == 422 and "first_name" in response.json["errors"]


def test_invalid_posts_with_someones_address_do_not_lock_them_out(make_app):
    app = make_app(RATELIMIT_PER_EMAIL="2 per hour")
    client = app.test_client()
    headers = {"Origin": SITE, "Accept": "application/json"}
    bad = {**VALID, "birth_date": "pas une date"}
    for _ in range(5):
        assert client.post("/api/missions/colis-laon/applications", json=bad, headers=headers).status_code == 422
    assert client.post("/api/missions/colis-laon/applications", json=VALID, headers=headers).status_code == 201


def test_sub_addresses_and_an_ipv6_network_count_as_one(make_app):
    app = make_app(RATELIMIT_PER_EMAIL="2 per hour", RATELIMIT_PER_IP="3 per hour")
    client = app.test_client()

    def send(address, ip):
        return client.post(
            "/api/missions/colis-laon/applications",
            json={**VALID, "email": address},
            headers={"Origin": SITE, "Accept": "application/json"},
            environ_base={"REMOTE_ADDR": ip},
        ).status_code

    by_tag = [send(f"bombe+{n}@exemple.fr", f"198.51.100.{n}") for n in range(4)]
    assert by_tag == [201, 201, 429, 429]
    by_network = [send(f"v{n}@exemple.fr", f"2001:db8:1:2::{n + 1:x}") for n in range(5)]
    assert by_network == [201, 201, 201, 429, 429]


def test_erase_clears_the_addresss_counters(make_app):
    app = make_app(RATELIMIT_PER_EMAIL="1 per hour")
    client = app.test_client()
    headers = {"Origin": SITE, "Accept": "application/json"}
    url = "/api/missions/colis-laon/applications"
    assert client.post(url, json=VALID, headers=headers).status_code == 201
    assert client.post(url, json={**VALID, "message": "Autre"}, headers=headers).status_code == 429
    app.test_cli_runner().invoke(args=["erase", VALID["email"], "--yes"])
    assert client.post(url, json=VALID, headers=headers).status_code == 201


@pytest.mark.backends("sqlite")  # a SQLite setting; PostgreSQL: VACUUM, tests/handler/test_postgres.py
def test_every_connection_zeroes_what_it_deletes(app, client):
    from formhandler import db

    client.get("/healthz")
    with app.app_context():  # this SQLite may zero by default; the handler does not count on it
        assert db.database().connection().execute("PRAGMA secure_delete").fetchone()[0] == 1


def test_a_referer_that_is_no_url_is_refused_without_a_500(client):
    response = client.post("/api/missions/colis-laon/applications", data=VALID, headers={"Referer": "http://[::1/"})
    assert response.status_code == 403


def test_a_filling_time_too_large_for_a_float_is_no_filling_time(client, rows):
    body = json.dumps(VALID)[:-1] + ', "fill_seconds": 1' + "0" * 400 + "}"
    headers = {"Origin": SITE, "Content-Type": "application/json", "Accept": "application/json"}
    assert client.post("/api/missions/colis-laon/applications", data=body, headers=headers).status_code == 201
    assert [r["fill_seconds"] for r in rows("SELECT fill_seconds FROM applications")] == [None]


@pytest.mark.parametrize(
    "setting", ["coord@example.org, autre.coord@example.org", "coord@example.org,autre.coord@example.org"]
)
def test_several_coordinators_each_get_a_proposal(make_app, smtp, setting):
    app = make_app(COORDINATORS_EMAIL=setting)
    assert propose(app.test_client()).status_code == 201
    deliver_due(app)
    to_coordinators = [m for m in smtp.mails if "coord@example.org" in m.rcpt_tos]
    assert len(to_coordinators) == 1 and sorted(to_coordinators[0].rcpt_tos) == [
        "autre.coord@example.org",
        "coord@example.org",
    ]


def test_a_coordinators_setting_that_is_no_address_stops_the_start(make_app):
    from formhandler.settings import SettingsError

    with pytest.raises(SettingsError, match="COORDINATORS_EMAIL"):
        make_app(COORDINATORS_EMAIL="coord@example.org; autre")


def test_a_proposal_with_a_number_too_long_for_python_is_a_422(client):
    response = propose(client, places="9" * 5000)
    assert response.status_code == 422 and "places" in response.json["errors"]


SCHEMA_0_1 = """
CREATE TABLE IF NOT EXISTS applications (
    id TEXT PRIMARY KEY,
    mission_id TEXT NOT NULL,
    created_at REAL NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL,
    phone TEXT,
    birth_date TEXT NOT NULL,
    postal_code TEXT NOT NULL,
    message TEXT,
    accepted_requirements INTEGER NOT NULL DEFAULT 0,
    waiting_list INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS applications_mission ON applications (mission_id, email_key, created_at);
CREATE INDEX IF NOT EXISTS applications_email ON applications (email_key);
CREATE INDEX IF NOT EXISTS applications_created ON applications (created_at);

CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id TEXT,
    kind TEXT NOT NULL,
    sender TEXT NOT NULL,
    recipients TEXT NOT NULL,
    message_id TEXT NOT NULL UNIQUE,
    message BLOB,
    context TEXT,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    next_attempt_at REAL NOT NULL,
    lease_until REAL,
    sent_at REAL,
    last_error TEXT
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (status, next_attempt_at);

CREATE TABLE IF NOT EXISTS proposals (
    id TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    mission_id TEXT NOT NULL,
    structure_slug TEXT NOT NULL,
    mission_yaml TEXT NOT NULL,
    structure_yaml TEXT,
    contact_name TEXT,
    contact_email TEXT NOT NULL,
    decided_at REAL,
    reason TEXT
);
CREATE INDEX IF NOT EXISTS outbox_application ON outbox (application_id);
"""


@pytest.mark.backends("sqlite")  # PostgreSQL's upgrade: tests/handler/test_postgres.py
def test_the_upgrade_normalises_old_proposals_and_wipes_what_older_versions_deleted(make_app, tmp_path):
    """Older versions stored a proposer's address as typed, and deleted rows without zeroing them."""
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA secure_delete = OFF")
    conn.executescript(SCHEMA_0_1)
    conn.execute(
        "INSERT INTO proposals (id, created_at, mission_id, structure_slug, mission_yaml, contact_name, contact_email)"
        " VALUES ('p1', 1, 'm', 's', 'title: x', 'Paul', 'Paul <Paul.Martin@EXÄMPLE.org>')"
    )
    conn.execute(
        "INSERT INTO applications (id, mission_id, created_at, first_name, last_name, email, email_key,"
        " birth_date, postal_code, phone) VALUES ('a1', 'm', 1, 'Effacée', 'Naguère', 'e@x.fr', 'e@x.fr',"
        " '1970-01-01', '02000', '06 99 88 77 66')"
    )
    conn.commit()
    conn.execute("DELETE FROM applications")  # as an older version's erase did
    conn.commit()
    conn.close()
    assert b"06 99 88 77 66" in path.read_bytes()  # left in a free page
    app = make_app(DATABASE=str(path))
    assert b"06 99 88 77 66" not in path.read_bytes()
    result = app.test_cli_runner().invoke(args=["erase", "paul.martin@exämple.org", "--yes"])
    assert "0 candidature(s) et 1 proposition(s) effacée(s)" in result.output


def test_a_malformed_chunk_through_gunicorn_is_a_400(make_stack, smtp):
    import socket

    stack = make_stack(smtp.port).start_web()
    request = (
        f"POST /api/missions/colis-laon/applications HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: {stack.url}\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", stack.port), timeout=10) as sock:
        sock.sendall(request.encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.split(b"\r\n", 1)[0].split()[1] == b"400"
    assert stack.get("/healthz")[0] == 200
