"""Build the outgoing mails (plain text + HTML) with Flask-Mail's Message.

Every one-line value put in a header has been checked for CR/LF/NUL before
(see ``catalog.application``); recipients come only from the content and the
validated application, never from raw request fields.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from email.utils import make_msgid, parseaddr

from flask import current_app, render_template
from flask_mail import Message

from catalog import Catalog, Mission
from catalog.application import Application, age_on
from catalog.text import date_range

from .content import today

STRUCTURE, VOLUNTEER, OPERATOR = "structure", "volunteer", "operator"
UNFOLDED = email.policy.SMTP.clone(max_line_length=998)


@dataclass(frozen=True)
class OutgoingMail:
    """A fully rendered mail, as stored in the outbox."""

    kind: str
    sender: str
    recipients: list[str]
    message_id: str
    data: bytes


def _msgid() -> str:
    host = current_app.config["SITE_URL"].split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "localhost"
    return make_msgid(domain=host)


def _render(message: Message, kind: str) -> OutgoingMail:
    message.msgId = _msgid()
    data = message.as_bytes()
    # Folding a long accented subject at 78 columns leaves a stray space before
    # the encoded word ("voisin  âgé" once decoded, a CPython quirk): write the
    # headers on lines of up to 998 characters, as RFC 5322 allows.
    parsed = email.message_from_bytes(data, policy=UNFOLDED)
    del parsed["Subject"]
    parsed["Subject"] = message.subject
    data = parsed.as_bytes()
    envelope_sender = parseaddr(message.sender)[1]
    recipients = [r[1] if isinstance(r, tuple) else parseaddr(r)[1] for r in message.recipients]
    return OutgoingMail(kind, envelope_sender, recipients, message.msgId, data)


def application_mails(
    catalog: Catalog, mission: Mission, application: Application, application_id: str, waiting_list: bool, now: float
) -> list[OutgoingMail]:
    """The mail to the structure (Reply-To: the volunteer) and the volunteer's confirmation."""
    config = current_app.config
    structure = catalog.structure_of(mission)
    site_url = config["SITE_URL"].rstrip("/")
    context = {
        "application": application,
        "application_id": application_id,
        "mission": mission,
        "structure": structure.public_dict(),
        "waiting_list": waiting_list,
        "age": age_on(application.birth_date, today()),
        "dates_text": date_range(mission.start, mission.end),
        "health_guidelines": catalog.health_guidelines(mission),
        "mission_url": f"{site_url}/missions/{mission.id}/",
        "site_url": site_url,
        "site_name": config["SITE_NAME"],
    }
    volunteer = (f"{application.first_name} {application.last_name}", application.email_ascii)
    prefix = "[Liste d'attente] " if waiting_list else ""
    to_structure = Message(
        subject=f"{prefix}Candidature de {application.first_name} {application.last_name} : {mission.title}",
        recipients=[(structure.contact.name, structure.contact.email)],
        reply_to=volunteer,
        body=render_template("mails/structure.txt", **context),
        html=render_template("mails/structure.html", **context),
        date=now,
        extra_headers={"Auto-Submitted": "auto-generated"},
    )
    to_volunteer = Message(
        subject=f"Votre candidature : {mission.title}",
        recipients=[volunteer],
        reply_to=config["COORDINATORS_EMAIL"] or None,
        body=render_template("mails/volunteer.txt", **context),
        html=render_template("mails/volunteer.html", **context),
        date=now,
        extra_headers={"Auto-Submitted": "auto-generated"},
    )
    return [_render(to_structure, STRUCTURE), _render(to_volunteer, VOLUNTEER)]


def operator_mail(row, error: str, now: float) -> OutgoingMail | None:
    """Tell the operator that a mail failed for good (never about an operator mail)."""
    address = current_app.config["OPERATOR_EMAIL"]
    if not address or row["kind"] == OPERATOR:
        return None
    body = render_template(
        "mails/operator.txt",
        kind=row["kind"],
        application_id=row["application_id"],
        message_id=row["message_id"],
        attempts=row["attempts"],
        error=error,
        outbox_id=row["id"],
    )
    message = Message(subject=f"Courrier en échec ({row['kind']})", recipients=[address], body=body, date=now)
    return _render(message, OPERATOR)
