"""``flask outbox show|run|resend``: the mail waiting, failed, or to send again."""

from __future__ import annotations

import time
from collections import Counter

import click
from flask import current_app
from flask.cli import AppGroup

from .. import db
from .. import outbox as delivery
from .output import CommandError, echo, when

group = AppGroup("outbox", help="Courrier sortant : voir, envoyer, renvoyer.")


@group.command("show")
@click.option("--failed", is_flag=True, help="seulement le courrier en échec définitif")
def show_outbox(failed):
    """Le courrier en attente et en échec."""
    statuses = (delivery.FAILED,) if failed else (delivery.PENDING, delivery.SENDING, delivery.FAILED)
    rows = db.store().list_mails(statuses)
    for r in rows:
        next_try = "" if r["status"] == delivery.FAILED else f" prochain essai {when(r['next_attempt_at'])}"
        error = f" — {r['last_error']}" if r["last_error"] else ""
        echo(
            f"#{r['id']} {r['status']} {r['kind']} candidature {r['application_id'] or '—'} tentatives {r['attempts']}{next_try}{error}"
        )
    counts = Counter(r["status"] for r in rows)
    echo(f"{counts.get('pending', 0) + counts.get('sending', 0)} en attente, {counts.get('failed', 0)} en échec")


@group.command("run")
@click.option("--once", is_flag=True, help="envoyer ce qui est dû, puis s'arrêter")
def run_outbox(once):
    """Envoyer le courrier (processus séparé ; mettre OUTBOX_WORKER=none dans le service web)."""
    app = current_app._get_current_object()
    if once:
        counts = delivery.deliver_due(app)
        echo(f"{counts['sent']} envoyé(s), {counts['pending']} reporté(s), {counts['failed']} en échec")
        return
    echo("Envoi du courrier en cours (Ctrl-C pour arrêter)…")
    try:
        delivery.run_forever(app)
    except KeyboardInterrupt:
        echo("arrêt")


@group.command("resend")
@click.argument("outbox_id", type=int)
def resend(outbox_id):
    """Remettre un e-mail en file (même Message-ID), par exemple après une correction d'adresse.

    Le courrier est composé à nouveau à partir de ce qui a été enregistré : une correction
    du service (encodage, gabarit) s'applique aussi aux e-mails déjà en échec.
    """
    with db.transaction() as store:
        found = store.requeue_mail(outbox_id, time.time())
    if not found:
        raise CommandError(f"aucun courrier #{outbox_id}")
    echo(f"courrier #{outbox_id} remis en file")
    delivery.notify(current_app._get_current_object())
