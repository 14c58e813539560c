"""``flask db upgrade|version|copy|scrub``: the database itself, whichever it is (SQLite or PostgreSQL).

``copy`` moves a whole database to another one (SQLite to PostgreSQL when a department's service
grows into a region's), every table, ids and pending mails included, in one transaction on the
target, checked by counts: a copy that does not add up leaves the target as it was.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from .. import db
from ..db import COPIED_TABLES, StorageError, open_database
from .output import CommandError, echo

group = AppGroup("db", help="Base de données : créer ou mettre à jour le schéma, copier vers une autre base.")


class CopyRefused(Exception):
    """The target already holds rows, and replacing them was not asked for."""

    def __init__(self, filled: dict[str, int]):
        super().__init__(", ".join(f"{table} : {count}" for table, count in filled.items()))
        self.filled = filled


class CopyMismatch(Exception):
    """The target does not hold as many rows as the source after the copy (nothing was kept)."""


def copy_database(source, target, *, replace: bool = False) -> dict[str, int]:
    """Copy every table of ``source`` into ``target`` (two databases of :func:`formhandler.db.open_database`),
    as one read of the source and one transaction on the target; the rows per table.

    The target's schema is created or upgraded first. A target that holds rows is refused
    (:class:`CopyRefused`) unless ``replace``, which empties it in the same transaction. Counts
    that differ after the copy (:class:`CopyMismatch`) roll the whole copy back.
    """
    target.init_schema(manual=True)
    with source.snapshot() as reader:
        counts = {table: reader.count_rows(table) for table in COPIED_TABLES}
        with target.transaction() as writer:
            filled = {table: n for table in COPIED_TABLES if (n := writer.count_rows(table))}
            if filled and not replace:
                raise CopyRefused(filled)
            if filled:
                writer.clear_tables(COPIED_TABLES)
            for table in COPIED_TABLES:
                columns, rows = reader.table_rows(table)
                writer.insert_rows(table, columns, rows)
            copied = {table: writer.count_rows(table) for table in COPIED_TABLES}
            if copied != counts:
                raise CopyMismatch(
                    ", ".join(
                        f"{t} : {counts[t]} lues, {copied[t]} écrites" for t in COPIED_TABLES if copied[t] != counts[t]
                    )
                )
    return counts


@group.command("upgrade")
def upgrade():
    """Créer les tables, ou mettre le schéma à la version de ce code (toutes les étapes, y compris
    celles qui attendent l'arrêt des instances sur PostgreSQL)."""
    database = db.database()
    try:
        before = database.version()
        database.init_schema(manual=True)
        after = database.version()
    except StorageError as error:
        raise CommandError(f"mise à jour impossible : {error}") from None
    if before == after:
        echo(f"{database.describe()} : schéma déjà en version {after}")
    else:
        echo(f"{database.describe()} : schéma {'créé' if before is None else f'version {before}'} → version {after}")


@group.command("version")
def version():
    """La base utilisée et la version de son schéma."""
    database = db.database()
    try:
        current = database.version()
    except StorageError as error:
        raise CommandError(f"base inaccessible : {error}") from None
    echo(f"{database.describe()} : schéma {'absent' if current is None else f'en version {current}'}")


@group.command("copy")
@click.option(
    "--to", "to", required=True, help="base cible : postgresql://utilisateur@serveur/base (ou un fichier SQLite)"
)
@click.option("--replace", is_flag=True, help="vider la base cible si elle contient déjà des lignes")
def copy(to, replace):
    """Copier toute la base (candidatures, courrier en attente compris, propositions…) vers une autre,
    vérifiée par les comptes ; arrêtez d'abord le service et l'envoi du courrier."""
    source = db.database()
    target = open_database(to)
    if target.describe() == source.describe():
        raise CommandError("la base cible est la base du service")
    try:
        counts = copy_database(source, target, replace=replace)
    except CopyRefused as refused:
        raise CommandError(
            f"la base cible contient déjà des lignes ({refused}) : rien n'est copié ; --replace pour les remplacer"
        ) from None
    except CopyMismatch as mismatch:
        raise CommandError(f"les comptes ne correspondent pas ({mismatch}) : rien n'est copié") from None
    except StorageError as error:
        raise CommandError(f"copie impossible, rien n'est copié : {error}") from None
    finally:
        target.close()
    echo(f"{source.describe()} → {target.describe()}")
    for table, count in counts.items():
        echo(f"  {table} : {count} ligne(s), autant dans la cible")
    echo(
        "Copie vérifiée. Ensuite : FLASK_DATABASE=<la base cible> dans l'environnement des services, puis redémarrez-les."
    )


@group.command("scrub")
def scrub():
    """Réécrire les tables : plus aucune trace des lignes effacées dans les fichiers de la base
    (VACUUM FULL sur PostgreSQL, qui bloque les tables le temps de la réécriture ; VACUUM sur SQLite)."""
    if not db.database().scrub(rewrite=True):
        raise CommandError("réécriture incomplète (une lecture ou une transaction en cours) : relancez la commande")
    echo("tables réécrites")
