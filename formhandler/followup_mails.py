"""The follow-up's mails (issue 15), rendered by the delivery like every other mail
(:func:`formhandler.mails.render`): the structure's reminder, the coordinators' escalation and
their daily summary. Plain text, in French; what they carry is decided when they are queued
(:mod:`formhandler.followup`, :mod:`formhandler.digest`)."""

from __future__ import annotations

from email.utils import getaddresses

from flask import current_app, render_template

from catalog.text import plural

REMINDER, ESCALATION, DIGEST = "structure-reminder", "coordinators-escalation", "coordinators-digest"
KINDS = (REMINDER, ESCALATION, DIGEST)


def render(kind: str, c: dict, recipients: list[str]):
    """The :class:`formhandler.mails.Draft` of a follow-up mail."""
    from .mails import Draft

    everyone = [("", address) for _, address in getaddresses(recipients)]
    if kind == REMINDER:
        waiting = "une candidature attend" if c["count"] == 1 else f"{c['count']} candidatures attendent"
        return Draft(
            subject=f"Rappel : {waiting} votre réponse",
            to=[(c["contact_name"], recipients[0])],
            reply_to=current_app.config["COORDINATORS_EMAIL"] or None,
            text=render_template("mails/structure_reminder.txt", **c),
            date=c["date"],
        )
    if kind == ESCALATION:
        return Draft(
            subject=f"{c['department']} : {plural(c['count'], 'candidature')} sans réponse depuis plus de {c['days']} jours",
            to=everyone,
            text=render_template("mails/coordinators_escalation.txt", **c),
            date=c["date"],
        )
    return Draft(
        subject=f"Réserve civique, {c['department']} : le résumé du {c['day']}",
        to=everyone,
        text=render_template("mails/coordinators_digest.txt", **c),
        date=c["date"],
    )
