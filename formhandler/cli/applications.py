"""``flask applications list|export|stats``: the applications, for the coordinators."""

from __future__ import annotations

import csv
import time
from collections import Counter, defaultdict

import click
from flask import current_app
from flask.cli import AppGroup

from .. import db
from ..content import catalog
from ..statistics import STATES, Tally, duration, rate, records, summary_line
from .output import echo, when

group = AppGroup("applications", help="Candidatures : lister, exporter, compter.")
STATE_WIDTH = max(len(label) for label in STATES.values())  # the state, a column of its own

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
EXPORT_COLUMNS = [
    "id", "created_at", "mission_id", "mission_title", "waiting_list", "first_name", "last_name", "email", "phone",
    "birth_date", "postal_code", "message", "fill_check",
]  # fmt: skip


def neutralise(value) -> str:
    """A CSV cell that a spreadsheet will never run as a formula (prefix ``'``)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def fill_flag(seconds: float | None) -> str:
    """What the coordinators are told of how fast a form was sent (see ``MIN_FILL_SECONDS``)."""
    if seconds is None:
        return "durée de saisie non mesurée"
    if seconds < current_app.config["MIN_FILL_SECONDS"]:
        return f"envoyée {seconds:.0f} s après l'ouverture de la page : à vérifier"
    return ""


@group.command("list")
@click.option("--mission", "mission_id", help="seulement cette mission")
@click.option(
    "--flagged", is_flag=True, help="seulement les candidatures envoyées trop vite, ou sans durée de saisie mesurée"
)
@click.option(
    "--status",
    type=click.Choice(list(STATES)),
    help="seulement les candidatures dans cet état (nouvelle, acceptee, declinee, retiree, attente)",
)
def list_applications(mission_id, flagged, status):
    """Les candidatures, les plus récentes d'abord, avec leur état ; celles envoyées trop vite sont signalées."""
    rows = db.store().list_applications(
        mission_id, filled_within=current_app.config["MIN_FILL_SECONDS"] if flagged else None, newest_first=True
    )
    if status:
        rows = [r for r in rows if r["status"] == status]
    for r in rows:
        notes = ["envoyée quand la mission était complète"] if r["waiting_list"] and r["status"] != "attente" else []
        if flag := fill_flag(r["fill_seconds"]):
            notes.append(flag)
        suffix = f" ({' ; '.join(notes)})" if notes else ""
        state = STATES.get(r["status"], r["status"])
        echo(
            f"{r['id']}  {when(r['created_at'])}  {state:<{STATE_WIDTH}}  {r['mission_id']}  {r['first_name']} {r['last_name']} <{r['email']}>{suffix}"
        )
    echo(f"{len(rows)} candidature(s)")


@group.command("export")
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
    writer = csv.writer(output, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for r in db.store().list_applications(mission_id):
        record = dict(r)
        record["created_at"] = when(r["created_at"])
        record["mission_title"] = titles.get(r["mission_id"], "")
        record["waiting_list"] = "oui" if r["waiting_list"] else "non"
        record["fill_check"] = fill_flag(r["fill_seconds"])
        writer.writerow([neutralise(record[c]) for c in EXPORT_COLUMNS])


@group.command("stats")
def stats():
    """Candidatures par état, par mission, par structure et par domaine ; taux de réponse et délai
    médian de réponse des structures (les candidatures effacées depuis comptent, sans identité)."""
    current = catalog()
    late_before = time.time() - current_app.config["ANSWER_REMINDER_DAYS"] * 86400
    everything, per_mission, per_structure = Tally(), defaultdict(Tally), defaultdict(Tally)
    per_domain, erased = Counter(), 0
    for record in records(*db.store().statistics_rows()):
        erased += record.erased
        everything.add(record, late_before)
        per_mission[record.mission_id].add(record, late_before)
        mission = current.missions.get(record.mission_id)
        structure = current.structure_of(mission).name if mission else "(mission retirée du contenu)"
        per_structure[structure].add(record, late_before)
        if mission:
            per_domain[current.domains[mission.domain].label] += 1
    click.echo("Par état :")
    for status, label in STATES.items():
        click.echo(f"  {everything.states[status]:5d}  {label}")
    click.echo("Par mission :")
    for mission_id, tally in sorted(per_mission.items(), key=lambda kv: (-kv[1].total, kv[0])):
        mission = current.missions.get(mission_id)
        places = f"/{mission.places} places" if mission else " (mission retirée)"
        click.echo(f"  {tally.total:5d}{places}  {mission_id} — {summary_line(tally)}")
    click.echo("Par structure :")
    for name, tally in sorted(per_structure.items(), key=lambda kv: (-kv[1].total, kv[0])):
        click.echo(f"  {tally.total:5d}  {name} — {summary_line(tally)}")
    click.echo("Par domaine :")
    for label, count in sorted(per_domain.items(), key=lambda kv: (-kv[1], kv[0])):
        click.echo(f"  {count:5d}  {label}")
    days = current_app.config["ANSWER_REMINDER_DAYS"]
    click.echo(
        f"Taux de réponse : {rate(everything.answer_rate)} ({len(everything.durations)} répondue(s) ; sans réponse,"
        f" {everything.late} restée(s) « nouvelle » plus de {days} jours)"
    )
    click.echo(f"Délai médian de réponse : {duration(everything.median_seconds)}")
    erased = f" (dont {erased} effacée(s) depuis, comptée(s) sans identité)" if erased else ""
    click.echo(f"Total : {everything.total}{erased}")
