"""``flask alerts send`` and ``flask pool stats``: volunteers waiting for a mission."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from catalog.geo import department_name

from .. import db, exports
from ..alerting import send_alerts
from ..pool import pool_stats
from .output import echo

alerts_group = AppGroup("alerts", help="Bénévoles en attente : leur écrire les nouvelles missions.")
pool_group = AppGroup("pool", help="Bénévoles en attente d'une mission : les compter.")


@alerts_group.command("send")
def send():
    """Après chaque publication : un e-mail à chaque bénévole inscrit avec les nouvelles missions ouvertes qui
    lui correspondent (au plus un par jour et par personne ; une mission n'est jamais annoncée deux fois)."""
    report = send_alerts()
    try:
        exports.write(["pool"])  # the counts the next build shows
    except OSError as error:  # the alerts are queued: say it, the build will show nothing of the counts
        echo(f"attention : les comptes pour le site n'ont pas pu être écrits ({error.strerror})", err=True)
    echo(
        f"{report.missions} mission(s) ouverte(s) ; {report.mails} e-mail(s) de nouvelles missions et"
        f" {report.renewals} proposition(s) de prolongation mis en file ; {report.deleted} inscription(s)"
        " terminée(s) effacée(s)"
    )


@pool_group.command("stats")
@click.option("--json", "as_json", is_flag=True, help="les mêmes chiffres en JSON")
def stats(as_json):
    """Bénévoles inscrits et confirmés : par département, par domaine, à distance ; e-mails envoyés et
    candidatures faites après un e-mail."""
    figures = pool_stats(db.store())
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False, indent=1))
        return
    echo(
        f"{figures['total']} bénévole(s) en attente d'une mission, dont {figures['remote']} ouverts aux missions à distance"
    )
    echo("Par département :")
    for code, count in figures["departments"].items():
        echo(f"  {department_name(code)} ({code}) : {count}")
    echo("Par domaine :")
    for slug, count in figures["domains"].items():
        echo(f"  {slug} : {count}")
    alerts = figures["alerts"]
    echo(
        f"{alerts['runs']} envoi(s), {alerts['mails']} e-mail(s) de nouvelles missions ;"
        f" {alerts['applications']} candidature(s) faite(s) après un e-mail"
    )
