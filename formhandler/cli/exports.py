"""``exports write``: the files the site's build reads (:mod:`formhandler.exports`)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from .. import exports
from .output import CommandError


@click.group("exports", help="Fichiers écrits pour la construction du site (places prises, bénévoles en attente).")
def group() -> None:
    pass


@group.command("write", help="Écrit les fichiers (tous, ou ceux nommés) dans EXPORTS_DIR.")
@click.argument("names", nargs=-1)
@with_appcontext
def write(names: tuple[str, ...]) -> None:
    unknown = sorted(set(names) - set(exports.PRODUCERS))
    if unknown:
        raise CommandError(f"export inconnu : {', '.join(unknown)} (connus : {', '.join(sorted(exports.PRODUCERS))})")
    for path in exports.write(list(names) or None):
        click.echo(f"écrit : {path}")
