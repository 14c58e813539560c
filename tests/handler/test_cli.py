"""Coordinators' commands: list, export (neutralised), stats, purge, erase, outbox."""

import csv
import io
import time

import pytest

from formhandler.cli.applications import neutralise
from formhandler.outbox import deliver_due


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+33 6", "'+33 6"),
        ("-2", "'-2"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("Jeanne", "Jeanne"),
        (None, ""),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_export_neutralises_formulas(post, runner):
    post(first_name='=HYPERLINK("http://evil")', last_name="+Dupont", message="@SUM(1)", phone="+33 6 12 34 56 78")
    result = runner.invoke(args=["applications", "export"])
    assert result.exit_code == 0
    table = list(csv.DictReader(io.StringIO(result.output)))
    assert len(table) == 1
    row = table[0]
    assert row["first_name"] == '\'=HYPERLINK("http://evil")'
    assert row["last_name"] == "'+Dupont"
    assert row["message"] == "'@SUM(1)"
    assert row["phone"] == "'+33 6 12 34 56 78"
    assert row["mission_title"] == "Je distribue des colis à Laon"


def test_list_and_stats(post, runner):
    post()
    post("appels-distance", email="autre@exemple.fr")
    listing = runner.invoke(args=["applications", "list"]).output
    assert "colis-laon" in listing and "appels-distance" in listing and "2 candidature(s)" in listing
    stats = runner.invoke(args=["applications", "stats"]).output
    assert "Aide alimentaire et d'urgence" in stats and "Total : 2" in stats


def test_purge_erases_old_applications_and_their_mails(app, post, rows, runner):
    post()
    post(email="recent@exemple.fr")
    old = time.time() - 200 * 86400
    rows.execute("UPDATE applications SET created_at = ? WHERE email = 'jeanne.dupre@exemple.fr'", old)
    result = runner.invoke(args=["purge"])
    assert "1 candidature(s) et 0 proposition(s) de plus de 183 jours effacée(s)" in result.output
    assert [r["email"] for r in rows("SELECT email FROM applications")] == ["recent@exemple.fr"]
    assert len(rows("SELECT * FROM outbox")) == 2


def test_erase_everything_about_one_address(post, rows, runner):
    post()
    post("appels-distance")
    post(email="autre@exemple.fr")
    result = runner.invoke(args=["erase", "JEANNE.DUPRE@exemple.fr", "--yes"])
    assert "2 candidature(s) et 0 proposition(s) effacée(s)" in result.output
    assert [r["email"] for r in rows("SELECT email FROM applications")] == ["autre@exemple.fr"]
    remaining = rows("SELECT message, context FROM outbox")
    assert len(remaining) == 2
    assert not any(
        "jeanne.dupre" in (r["context"] or "") or b"jeanne.dupre" in (r["message"] or b"") for r in remaining
    )


def test_outbox_show_run_and_resend(app, post, smtp, runner):
    post()
    assert "2 en attente, 0 en échec" in runner.invoke(args=["outbox", "show"]).output
    assert "2 envoyé(s)" in runner.invoke(args=["outbox", "run", "--once"]).output
    assert "courrier #1 remis en file" in runner.invoke(args=["outbox", "resend", "1"]).output
    deliver_due(app)
    assert len(smtp.mails) == 3
    assert smtp.mails[0].message["Message-ID"] == smtp.mails[2].message["Message-ID"]
    assert runner.invoke(args=["outbox", "resend", "99"]).exit_code == 1


def test_db_version_and_upgrade_name_the_database_and_its_schema(app, runner, backend):
    from formhandler import postgres_schema, schema

    current = schema.SCHEMA_VERSION if backend == "sqlite" else postgres_schema.SCHEMA_VERSION
    version = runner.invoke(args=["db", "version"]).output
    assert version.startswith("SQLite, fichier " if backend == "sqlite" else "PostgreSQL, base ")
    assert f"schéma en version {current}" in version
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0 and f"schéma déjà en version {current}" in result.output


def test_db_copy_to_a_sqlite_file_and_back_out(app, post, smtp, runner, rows, tmp_path):
    """A copy to a SQLite file: a backup in the other format, or the way back from PostgreSQL."""
    from tests.helpers import Tables

    post()
    post("appels-distance", email="autre@exemple.fr")
    deliver_due(app)
    post(email="troisieme@exemple.fr")
    target = tmp_path / "copie" / "retour.sqlite3"
    result = runner.invoke(args=["db", "copy", "--to", f"sqlite://{target}"])
    assert result.exit_code == 0, result.output
    assert "applications : 3 ligne(s)" in result.output and "outbox : 6 ligne(s)" in result.output
    copy = Tables(str(target))
    for table in ("applications", "outbox", "proposals"):
        assert copy(f"SELECT * FROM {table} ORDER BY 1") == rows(f"SELECT * FROM {table} ORDER BY 1")
    assert runner.invoke(args=["db", "copy", "--to", str(target)]).exit_code == 1  # not over what it holds
    assert runner.invoke(args=["db", "copy", "--to", app.config["DATABASE"]]).exit_code == 1  # nor onto itself
