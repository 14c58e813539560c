"""``flask purge`` and ``flask erase``: personal data kept no longer than needed, erased on request.

Both leave no copy of what they delete in the database's files, nor in the rate-limit counters,
where the database allows it (the database's ``scrub()``: SQLite zeroes deleted rows and empties
its log; PostgreSQL's ``VACUUM`` removes them from the tables, see docs/production.md).
"""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import with_appcontext

from catalog.emails import mailbox_key

from .. import db
from ..alerting import expire
from ..ratelimits import SQLiteStorage
from ..security import address_limit_keys, limiter
from .output import echo


def _scrub() -> None:
    if isinstance(limiter.storage, SQLiteStorage):
        limiter.storage.truncate_log()
    if not db.database().scrub():
        echo(
            "attention : une lecture ou une transaction en cours a empêché d'effacer toute trace des lignes"
            " supprimées ; relancez la commande",
            err=True,
        )


@click.command("purge")
@with_appcontext
@click.option("--days", type=int, default=None, help="âge maximal en jours (défaut : RETENTION_DAYS)")
def purge(days):
    """Effacer les candidatures et propositions plus anciennes que la durée de conservation, et leur courrier."""
    days = current_app.config["RETENTION_DAYS"] if days is None else days
    with db.transaction() as store:
        applications, proposals, others = store.purge_before(time.time() - days * 86400)
        subscriptions = expire(store, time.time())  # volunteers waiting: ended, or never confirmed
    if hasattr(limiter.storage, "sweep"):  # SQLite's and PostgreSQL's counters
        limiter.storage.sweep()
    _scrub()
    echo(
        f"{applications} candidature(s) et {proposals} proposition(s) de plus de {days} jours effacée(s),"
        f" avec leur courrier ({others} autre(s) e-mail(s) ancien(s)) ; {subscriptions} inscription(s) de"
        " bénévole en attente terminée(s) ou jamais confirmée(s)"
    )


@click.command("erase")
@with_appcontext
@click.argument("email")
@click.option("--yes", is_flag=True, help="ne pas demander de confirmation")
def erase(email, yes):
    """Effacer tout ce qui concerne une adresse e-mail (droit à l'effacement) : candidatures,
    propositions, inscription aux nouvelles missions, leur courrier, les compteurs d'envois."""
    key = mailbox_key(email)
    applications, proposals = db.store().find_address(key)
    subscriptions = db.store().find_subscriptions_of(key)
    if not applications and not proposals and not subscriptions:
        echo("aucune candidature ni proposition pour cette adresse")
    elif not yes:
        click.confirm(
            f"Effacer {len(applications)} candidature(s), {len(proposals)} proposition(s),"
            f" {len(subscriptions)} inscription(s) aux nouvelles missions et leur courrier ?",
            abort=True,
        )
    with db.transaction() as store:
        erased_applications, erased_proposals = store.erase_address(key)
        erased_subscriptions = store.delete_subscriptions(store.find_subscriptions_of(key))
    for limit_key in address_limit_keys(email):
        limiter.storage.clear(limit_key)
    _scrub()
    if erased_applications or erased_proposals:
        echo(
            f"{erased_applications} candidature(s) et {erased_proposals} proposition(s) effacée(s), avec leur courrier"
        )
    if erased_subscriptions:
        echo("inscription aux nouvelles missions effacée, avec ce qui lui a été annoncé et son courrier")
    accepted = [p["id"] for p in proposals if p["status"] == "accepted"]
    if accepted:
        echo(
            f"{len(accepted)} proposition(s) acceptée(s) sont devenues des fichiers de content/ : retirez-en"
            " l'adresse par une demande de fusion (git garde l'historique)"
        )
