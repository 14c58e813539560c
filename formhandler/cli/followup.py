"""``flask digest send`` and ``flask reminders send``: nobody is forgotten (issue 15).

Both are run each morning by ``deploy/reserve-civique-digest.timer`` (reminders first, then the
summaries), and may be run again at will: each application is reminded once and escalated once,
each department's summary is sent once a day (a run killed half-way is finished by the next).
The mails are queued in the outbox, where the delivery (``outbox run``, or the web service's
thread) finds them at its next look: the command does not send them itself, and ends at once.
"""

from __future__ import annotations

import datetime as dt
import time

import click
from flask.cli import AppGroup

from ..content import today
from ..digest import SENT, send_digests
from ..followup import send_escalations, send_reminders
from .output import echo

digest = AppGroup("digest", help="Résumé quotidien des coordinateurs de chaque département.")
reminders = AppGroup("reminders", help="Rappels aux structures, puis aux coordinateurs, des candidatures sans réponse.")


@reminders.command("send")
def send_reminders_command():
    """Rappeler aux structures leurs candidatures sans réponse depuis ANSWER_REMINDER_DAYS jours (une
    fois), et prévenir les coordinateurs de celles restées sans réponse au double."""
    now = time.time()
    mails, applications = send_reminders(now)
    echo(f"{mails} rappel(s) aux structures, pour {applications} candidature(s)")
    mails, applications = send_escalations(now)
    echo(f"{mails} e-mail(s) aux coordinateurs, pour {applications} candidature(s) toujours sans réponse")


@digest.command("send")
@click.option(
    "--day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="jour du résumé, AAAA-MM-JJ (défaut : aujourd'hui, à Paris) ; un jour n'est résumé qu'une fois",
)
def send_digest_command(day):
    """Envoyer aux coordinateurs de chaque département ce qui a changé depuis leur résumé précédent
    (rien quand rien n'a changé)."""
    chosen: dt.date = day.date() if day else today()
    outcomes = send_digests(chosen, time.time())
    for department, outcome in outcomes.items():
        echo(f"{department} : {outcome}")
    sent = sum(1 for outcome in outcomes.values() if outcome == SENT)
    echo(f"résumé du {chosen.isoformat()} : {sent} envoyé(s)")
