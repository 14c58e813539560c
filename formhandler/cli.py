"""Coordinators' and operators' commands: ``flask --app formhandler …``.

applications list [--mission ID]      the applications, newest first (flagged: sent too fast)
applications export [-o FILE]         CSV (formula cells neutralised)
applications stats                    counts per mission and per domain
outbox show [--failed]                pending and failed mails
outbox run                            deliver mails (a separate worker)
outbox resend ID                      queue a mail again (same Message-ID)
purge [--days N]                      erase applications and proposals older than the retention
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

from catalog.emails import mailbox_key
from catalog.text import unseen

from . import outbox as outbox_module
from .content import catalog
from .db import erase_address, get_db, purge_before, rows_of_address, scrub, transaction
from .mails import PROPOSAL_REJECTED, spec
from .ratelimits import SQLiteStorage
from .security import address_limit_keys, limiter

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def printable(text: str) -> str:
    """``text`` with every control or format character shown as an escape (``\\x1b``): what a
    visitor typed never reaches the terminal as a command (colours, title, cursor moves, links)."""
    return "".join(
        char.encode("unicode_escape").decode("ascii") if char not in "\n\t" and unseen(char) else char for char in text
    )


def echo(text: str = "", **kwargs) -> None:
    """``click.echo`` for every line that may hold a visitor's text."""
    click.echo(printable(text), **kwargs)


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
    "birth_date", "postal_code", "message", "fill_check",
]  # fmt: skip


def fill_flag(seconds: float | None) -> str:
    """What the coordinators are told of how fast a form was sent (see ``MIN_FILL_SECONDS``)."""
    if seconds is None:
        return "durée de saisie non mesurée"
    if seconds < current_app.config["MIN_FILL_SECONDS"]:
        return f"envoyée {seconds:.0f} s après l'ouverture de la page : à vérifier"
    return ""


@applications.command("list")
@click.option("--mission", "mission_id", help="seulement cette mission")
@click.option(
    "--flagged", is_flag=True, help="seulement les candidatures envoyées trop vite, ou sans durée de saisie mesurée"
)
def list_applications(mission_id, flagged):
    """Les candidatures, les plus récentes d'abord ; celles envoyées trop vite sont signalées."""
    query = (
        "SELECT id, created_at, mission_id, first_name, last_name, email, waiting_list, fill_seconds FROM applications"
    )
    clauses, args = [], []
    if mission_id:
        clauses.append("mission_id = ?")
        args.append(mission_id)
    if flagged:
        clauses.append("(fill_seconds IS NULL OR fill_seconds < ?)")
        args.append(current_app.config["MIN_FILL_SECONDS"])
    if clauses:
        query += " WHERE " + " AND ".join(clauses)
    rows = get_db().execute(query + " ORDER BY created_at DESC", args).fetchall()
    for r in rows:
        notes = ["liste d'attente"] if r["waiting_list"] else []
        if flag := fill_flag(r["fill_seconds"]):
            notes.append(flag)
        suffix = f" ({' ; '.join(notes)})" if notes else ""
        echo(
            f"{r['id']}  {_when(r['created_at'])}  {r['mission_id']}  {r['first_name']} {r['last_name']} <{r['email']}>{suffix}"
        )
    echo(f"{len(rows)} candidature(s)")


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
        record["fill_check"] = fill_flag(r["fill_seconds"])
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
        echo(
            f"#{r['id']} {r['status']} {r['kind']} candidature {r['application_id'] or '—'} tentatives {r['attempts']}{when}{error}"
        )
    counts = Counter(r["status"] for r in rows)
    echo(f"{counts.get('pending', 0) + counts.get('sending', 0)} en attente, {counts.get('failed', 0)} en échec")


@outbox.command("run")
@click.option("--once", is_flag=True, help="envoyer ce qui est dû, puis s'arrêter")
def run_outbox(once):
    """Envoyer le courrier (processus séparé ; mettre OUTBOX_WORKER=none dans le service web)."""
    app = current_app._get_current_object()
    if once:
        counts = outbox_module.deliver_due(app)
        echo(f"{counts['sent']} envoyé(s), {counts['pending']} reporté(s), {counts['failed']} en échec")
        return
    echo("Envoi du courrier en cours (Ctrl-C pour arrêter)…")
    try:
        outbox_module.run_forever(app)
    except KeyboardInterrupt:
        echo("arrêt")


@outbox.command("resend")
@click.argument("outbox_id", type=int)
def resend(outbox_id):
    """Remettre un e-mail en file (même Message-ID), par exemple après une correction d'adresse.

    Le courrier est composé à nouveau à partir de ce qui a été enregistré : une correction
    du service (encodage, gabarit) s'applique aussi aux e-mails déjà en échec.
    """
    now = time.time()
    with transaction() as conn:
        updated = conn.execute(
            "UPDATE outbox SET status = 'pending', next_attempt_at = ?, lease_until = NULL, attempts = 0,"
            " created_at = ?, message = CASE WHEN context IS NULL THEN message END WHERE id = ?",
            (now, now, outbox_id),
        ).rowcount
    if not updated:
        echo(f"aucun courrier #{outbox_id}", err=True)
        sys.exit(1)
    echo(f"courrier #{outbox_id} remis en file")
    outbox_module.notify(current_app._get_current_object())


def _scrub(conn) -> None:
    limiter_store = limiter.storage
    if isinstance(limiter_store, SQLiteStorage):
        limiter_store.truncate_log()
    if not scrub(conn):
        echo(
            "attention : une lecture en cours a empêché de vider le journal de la base ; relancez la commande",
            err=True,
        )


@click.command("purge")
@with_appcontext
@click.option("--days", type=int, default=None, help="âge maximal en jours (défaut : RETENTION_DAYS)")
def purge(days):
    """Effacer les candidatures et propositions plus anciennes que la durée de conservation, et leur courrier."""
    days = current_app.config["RETENTION_DAYS"] if days is None else days
    conn = get_db()
    applications, proposals, others = purge_before(conn, time.time() - days * 86400)
    if isinstance(limiter.storage, SQLiteStorage):
        limiter.storage.sweep()
    _scrub(conn)
    echo(
        f"{applications} candidature(s) et {proposals} proposition(s) de plus de {days} jours effacée(s),"
        f" avec leur courrier ({others} autre(s) e-mail(s) ancien(s))"
    )


@click.command("erase")
@with_appcontext
@click.argument("email")
@click.option("--yes", is_flag=True, help="ne pas demander de confirmation")
def erase(email, yes):
    """Effacer tout ce qui concerne une adresse e-mail (droit à l'effacement) : candidatures,
    propositions, leur courrier, les compteurs d'envois."""
    key = mailbox_key(email)
    conn = get_db()
    applications, proposals = rows_of_address(conn, key)
    if not applications and not proposals:
        echo("aucune candidature ni proposition pour cette adresse")
    elif not yes:
        click.confirm(
            f"Effacer {len(applications)} candidature(s), {len(proposals)} proposition(s) et leur courrier ?",
            abort=True,
        )
    erased_applications, erased_proposals = erase_address(conn, key)
    for limit_key in address_limit_keys(email):
        limiter.storage.clear(limit_key)
    _scrub(conn)
    if erased_applications or erased_proposals:
        echo(
            f"{erased_applications} candidature(s) et {erased_proposals} proposition(s) effacée(s), avec leur courrier"
        )
    accepted = [p["id"] for p in proposals if p["status"] == "accepted"]
    if accepted:
        echo(
            f"{len(accepted)} proposition(s) acceptée(s) sont devenues des fichiers de content/ : retirez-en"
            " l'adresse par une demande de fusion (git garde l'historique)"
        )


proposals = AppGroup("proposals", help="Propositions de mission : lister, voir, accepter, refuser.")


def _proposal(proposal_id: str):
    row = get_db().execute("SELECT * FROM proposals WHERE id = ?", (proposal_id,)).fetchone()
    if row is None:
        echo(f"aucune proposition {proposal_id}", err=True)
        sys.exit(1)
    return row


@proposals.command("list")
@click.option("--all", "show_all", is_flag=True, help="aussi les propositions acceptées et refusées")
def list_proposals(show_all):
    """Les propositions en attente (les plus anciennes d'abord)."""
    query = "SELECT * FROM proposals" + ("" if show_all else " WHERE status = 'pending'") + " ORDER BY created_at"
    rows = get_db().execute(query).fetchall()
    for r in rows:
        echo(f"{r['id']}  {_when(r['created_at'])}  {r['status']}  {r['mission_id']}  ({r['structure_slug']})")
    echo(f"{len(rows)} proposition(s)")


@proposals.command("show")
@click.argument("proposal_id")
def show_proposal(proposal_id):
    """Les fichiers qu'une proposition deviendra."""
    r = _proposal(proposal_id)
    echo(f"Proposition {r['id']} ({r['status']}) de {r['contact_name']} <{r['contact_email']}>\n")
    echo(f"--- content/missions/{r['mission_id']}.yaml")
    echo(r["mission_yaml"])
    if r["structure_yaml"]:
        echo(f"--- content/structures/{r['structure_slug']}.yaml")
        echo(r["structure_yaml"])


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
    echo(f"Branche {branch} créée avec :")
    for relative in files:
        echo(f"  content/{relative}")
    echo("Ensuite :")
    echo("  make check                         # les fichiers passent la vérification")
    echo(f"  git push -u origin {branch}")
    echo("  puis ouvrez la demande de fusion (pull request) pour relecture.")


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
        outbox_module.enqueue(conn, [spec(PROPOSAL_REJECTED, r["contact_email"], context)], None, now, r["id"])
    outbox_module.notify(current_app._get_current_object())
    echo(f"proposition {r['id']} refusée ; la raison est envoyée à {r['contact_email']}")


def init_app(app: Flask) -> None:
    """Register the command groups."""
    app.cli.add_command(proposals)
    app.cli.add_command(applications)
    app.cli.add_command(outbox)
    app.cli.add_command(purge)
    app.cli.add_command(erase)
