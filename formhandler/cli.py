"""Coordinators' and operators' commands: ``flask --app formhandler …``.

applications list [--mission ID]      the applications, newest first
applications export [-o FILE]         CSV (formula cells neutralised)
applications stats                    counts per mission and per domain
outbox show [--failed]                pending and failed mails
outbox run                            deliver mails (a separate worker)
outbox resend ID                      queue a mail again (same Message-ID)
purge [--days N]                      erase applications older than the retention
erase EMAIL                           erase everything about one address
"""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from . import outbox as outbox_module
from .content import catalog
from .db import get_db, transaction
from .mails import PROPOSAL_REJECTED, spec

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str:
    """A CSV cell that a spreadsheet will never run as a formula (prefix ``'``)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _when(timestamp: float | None) -> str:
    if not timestamp:
        return ""
    return dt.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")


applications = AppGroup("applications", help="Candidatures : lister, exporter, compter.")
outbox = AppGroup("outbox", help="Courrier sortant : voir, envoyer, renvoyer.")

EXPORT_COLUMNS = [
    "id", "created_at", "mission_id", "mission_title", "waiting_list", "first_name", "last_name", "email", "phone",
    "birth_date", "postal_code", "message",
]  # fmt: skip


@applications.command("list")
@click.option("--mission", "mission_id", help="seulement cette mission")
def list_applications(mission_id):
    """Les candidatures, les plus récentes d'abord."""
    query = "SELECT id, created_at, mission_id, first_name, last_name, email, waiting_list FROM applications"
    args = ()
    if mission_id:
        query += " WHERE mission_id = ?"
        args = (mission_id,)
    rows = get_db().execute(query + " ORDER BY created_at DESC", args).fetchall()
    for r in rows:
        flag = " (liste d'attente)" if r["waiting_list"] else ""
        click.echo(
            f"{r['id']}  {_when(r['created_at'])}  {r['mission_id']}  {r['first_name']} {r['last_name']} <{r['email']}>{flag}"
        )
    click.echo(f"{len(rows)} candidature(s)")


@applications.command("export")
@click.option(
    "-o",
    "--output",
    type=click.File("w", encoding="utf-8", lazy=True),
    default="-",
    help="fichier CSV (défaut : sortie standard)",
)
@click.option("--mission", "mission_id", help="seulement cette mission")
def export_applications(output, mission_id):
    """Exporter en CSV ; les cellules commençant par = + - @ sont neutralisées."""
    titles = {m.id: m.title for m in catalog().missions.values()}
    query = "SELECT * FROM applications" + (" WHERE mission_id = ?" if mission_id else "") + " ORDER BY created_at"
    rows = get_db().execute(query, (mission_id,) if mission_id else ()).fetchall()
    writer = csv.writer(output, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for r in rows:
        record = dict(r)
        record["created_at"] = _when(r["created_at"])
        record["mission_title"] = titles.get(r["mission_id"], "")
        record["waiting_list"] = "oui" if r["waiting_list"] else "non"
        writer.writerow([neutralise(record[c]) for c in EXPORT_COLUMNS])


@applications.command("stats")
def stats():
    """Candidatures par mission et par domaine."""
    current = catalog()
    per_mission = Counter(
        dict(get_db().execute("SELECT mission_id, COUNT(*) FROM applications GROUP BY mission_id").fetchall())
    )
    per_domain = Counter()
    click.echo("Par mission :")
    for mission_id, count in sorted(per_mission.items(), key=lambda kv: (-kv[1], kv[0])):
        mission = current.missions.get(mission_id)
        places = f"/{mission.places} places" if mission else " (mission retirée)"
        click.echo(f"  {count:5d}{places}  {mission_id}")
        if mission:
            per_domain[current.domains[mission.domain].label] += count
    click.echo("Par domaine :")
    for label, count in sorted(per_domain.items(), key=lambda kv: (-kv[1], kv[0])):
        click.echo(f"  {count:5d}  {label}")
    click.echo(f"Total : {sum(per_mission.values())}")


@outbox.command("show")
@click.option("--failed", is_flag=True, help="seulement le courrier en échec définitif")
def show_outbox(failed):
    """Le courrier en attente et en échec."""
    statuses = ("failed",) if failed else ("pending", "sending", "failed")
    marks = ",".join("?" * len(statuses))
    rows = (
        get_db()
        .execute(
            f"SELECT id, kind, status, attempts, created_at, next_attempt_at, last_error, application_id FROM outbox"
            f" WHERE status IN ({marks}) ORDER BY id",
            statuses,
        )
        .fetchall()
    )
    for r in rows:
        when = "" if r["status"] == "failed" else f" prochain essai {_when(r['next_attempt_at'])}"
        error = f" — {r['last_error']}" if r["last_error"] else ""
        click.echo(
            f"#{r['id']} {r['status']} {r['kind']} candidature {r['application_id'] or '—'} tentatives {r['attempts']}{when}{error}"
        )
    counts = Counter(r["status"] for r in rows)
    click.echo(f"{counts.get('pending', 0) + counts.get('sending', 0)} en attente, {counts.get('failed', 0)} en échec")


@outbox.command("run")
@click.option("--once", is_flag=True, help="envoyer ce qui est dû, puis s'arrêter")
def run_outbox(once):
    """Envoyer le courrier (processus séparé ; mettre OUTBOX_WORKER=none dans le service web)."""
    app = current_app._get_current_object()
    if once:
        counts = outbox_module.deliver_due(app)
        click.echo(f"{counts['sent']} envoyé(s), {counts['pending']} reporté(s), {counts['failed']} en échec")
        return
    click.echo("Envoi du courrier en cours (Ctrl-C pour arrêter)…")
    try:
        outbox_module.run_forever(app)
    except KeyboardInterrupt:
        click.echo("arrêt")


@outbox.command("resend")
@click.argument("outbox_id", type=int)
def resend(outbox_id):
    """Remettre un e-mail en file (même Message-ID), par exemple après une correction d'adresse."""
    with transaction() as conn:
        updated = conn.execute(
            "UPDATE outbox SET status = 'pending', next_attempt_at = ?, lease_until = NULL, attempts = 0, created_at = ?"
            " WHERE id = ?",
            (time.time(), time.time(), outbox_id),
        ).rowcount
    if not updated:
        click.echo(f"aucun courrier #{outbox_id}", err=True)
        sys.exit(1)
    click.echo(f"courrier #{outbox_id} remis en file")


@click.command("purge")
@with_appcontext
@click.option("--days", type=int, default=None, help="âge maximal en jours (défaut : RETENTION_DAYS)")
def purge(days):
    """Effacer les candidatures plus anciennes que la durée de conservation, et leur courrier."""
    days = current_app.config["RETENTION_DAYS"] if days is None else days
    limit = time.time() - days * 86400
    with transaction() as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM applications WHERE created_at < ?", (limit,)).fetchall()]
        conn.executemany("DELETE FROM outbox WHERE application_id = ?", [(i,) for i in ids])
        conn.executemany("DELETE FROM applications WHERE id = ?", [(i,) for i in ids])
    click.echo(f"{len(ids)} candidature(s) de plus de {days} jours effacée(s)")


@click.command("erase")
@with_appcontext
@click.argument("email")
@click.option("--yes", is_flag=True, help="ne pas demander de confirmation")
def erase(email, yes):
    """Effacer tout ce qui concerne une adresse e-mail (droit à l'effacement)."""
    key = email.strip().lower()
    conn = get_db()
    ids = [
        r[0]
        for r in conn.execute(
            "SELECT id FROM applications WHERE email_key = ? OR lower(email) = ?", (key, key)
        ).fetchall()
    ]
    if not ids:
        click.echo("aucune candidature pour cette adresse")
        return
    if not yes:
        click.confirm(f"Effacer {len(ids)} candidature(s) et leur courrier ?", abort=True)
    with transaction(conn):
        conn.executemany("DELETE FROM outbox WHERE application_id = ?", [(i,) for i in ids])
        conn.executemany("DELETE FROM applications WHERE id = ?", [(i,) for i in ids])
    click.echo(f"{len(ids)} candidature(s) effacée(s), avec leur courrier")


proposals = AppGroup("proposals", help="Propositions de mission : lister, voir, accepter, refuser.")


def _proposal(proposal_id: str):
    row = get_db().execute("SELECT * FROM proposals WHERE id = ?", (proposal_id,)).fetchone()
    if row is None:
        click.echo(f"aucune proposition {proposal_id}", err=True)
        sys.exit(1)
    return row


@proposals.command("list")
@click.option("--all", "show_all", is_flag=True, help="aussi les propositions acceptées et refusées")
def list_proposals(show_all):
    """Les propositions en attente (les plus anciennes d'abord)."""
    query = "SELECT * FROM proposals" + ("" if show_all else " WHERE status = 'pending'") + " ORDER BY created_at"
    rows = get_db().execute(query).fetchall()
    for r in rows:
        click.echo(f"{r['id']}  {_when(r['created_at'])}  {r['status']}  {r['mission_id']}  ({r['structure_slug']})")
    click.echo(f"{len(rows)} proposition(s)")


@proposals.command("show")
@click.argument("proposal_id")
def show_proposal(proposal_id):
    """Les fichiers qu'une proposition deviendra."""
    r = _proposal(proposal_id)
    click.echo(f"Proposition {r['id']} ({r['status']}) de {r['contact_name']} <{r['contact_email']}>\n")
    click.echo(f"--- content/missions/{r['mission_id']}.yaml")
    click.echo(r["mission_yaml"])
    if r["structure_yaml"]:
        click.echo(f"--- content/structures/{r['structure_slug']}.yaml")
        click.echo(r["structure_yaml"])


def _git(content: Path, *args: str) -> str:
    result = subprocess.run(["git", "-C", str(content), *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise click.ClickException(f"git {' '.join(args)} : {result.stderr.strip()}")
    return result.stdout.strip()


@proposals.command("accept")
@click.argument("proposal_id")
def accept_proposal(proposal_id):
    """Écrire les fichiers dans content/ sur une nouvelle branche git, prête pour une demande de fusion."""
    r = _proposal(proposal_id)
    if r["status"] != "pending":
        raise click.ClickException(f"cette proposition est déjà {r['status']}")
    content = Path(current_app.config["CONTENT_DIR"]).resolve()
    root = Path(_git(content, "rev-parse", "--show-toplevel"))
    branch = f"proposition/{r['mission_id']}"
    files = {f"missions/{r['mission_id']}.yaml": r["mission_yaml"]}
    if r["structure_yaml"]:
        files[f"structures/{r['structure_slug']}.yaml"] = r["structure_yaml"]
    for relative in files:
        if (content / relative).exists():
            raise click.ClickException(f"content/{relative} existe déjà")
    _git(root, "checkout", "-b", branch)
    for relative, text in files.items():
        (content / relative).write_text(text, encoding="utf-8")
    _git(root, "add", *[str(content / relative) for relative in files])
    identity = ["-c", "user.name=Réserve civique", "-c", "user.email=reserve-civique@example.org"]
    if _git(root, "config", "--default", "", "user.email"):
        identity = []
    subprocess.run(
        ["git", "-C", str(root), *identity, "commit", "-q", "-m", f"Proposition de mission : {r['mission_id']}"],
        check=True,
    )
    with transaction() as conn:
        conn.execute("UPDATE proposals SET status = 'accepted', decided_at = ? WHERE id = ?", (time.time(), r["id"]))
    click.echo(f"Branche {branch} créée avec :")
    for relative in files:
        click.echo(f"  content/{relative}")
    click.echo("Ensuite :")
    click.echo("  make check                         # les fichiers passent la vérification")
    click.echo(f"  git push -u origin {branch}")
    click.echo("  puis ouvrez la demande de fusion (pull request) pour relecture.")


@proposals.command("reject")
@click.argument("proposal_id")
@click.option("--reason", required=True, help="la raison, envoyée à la personne qui a proposé")
def reject_proposal(proposal_id, reason):
    """Refuser une proposition ; la raison est envoyée par e-mail à la personne."""
    r = _proposal(proposal_id)
    if r["status"] != "pending":
        raise click.ClickException(f"cette proposition est déjà {r['status']}")
    title = ""
    for line in r["mission_yaml"].splitlines():
        if line.startswith("title:"):
            title = line.split(":", 1)[1].strip().strip("'\"")
    now = time.time()
    context = {
        "proposal_id": r["id"],
        "title": title,
        "contact_name": r["contact_name"],
        "reason": reason,
        "site_name": current_app.config["SITE_NAME"],
        "date": now,
    }
    with transaction() as conn:
        conn.execute(
            "UPDATE proposals SET status = 'rejected', decided_at = ?, reason = ? WHERE id = ?", (now, reason, r["id"])
        )
        outbox_module.enqueue(conn, [spec(PROPOSAL_REJECTED, r["contact_email"], context)], None, now)
    outbox_module.notify(current_app._get_current_object())
    click.echo(f"proposition {r['id']} refusée ; la raison est envoyée à {r['contact_email']}")


def init_app(app: Flask) -> None:
    """Register the command groups."""
    app.cli.add_command(proposals)
    app.cli.add_command(applications)
    app.cli.add_command(outbox)
    app.cli.add_command(purge)
    app.cli.add_command(erase)
