"""The outgoing mails (plain text + HTML), built with Flask-Mail's Message.

A mail is decided in the application's transaction as a *spec*: kind,
envelope, a fixed Message-ID and the JSON context of its templates. The
delivery worker renders it once (:func:`render`), stores the bytes, and every
retry sends those same bytes. Rendering MIME is the costliest part of an
application; keeping it out of the request keeps answers fast.

Every one-line value put in a header has been checked for CR/LF/NUL before
(see ``catalog.application``); recipients come only from the content and the
validated application, never from raw request fields.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from email import charset, policy
from email.generator import BytesGenerator
from email.header import Header
from email.utils import make_msgid, parseaddr

from flask import current_app, render_template
from flask_mail import Message

from catalog import Catalog, Mission
from catalog.application import Application, age_on
from catalog.text import date_range

from .content import today

# Encoded words in base64: Flask-Mail registers UTF-8 with "shortest", which
# computes quoted-printable character by character — most of a mail's
# rendering time. Base64 encoded words are as valid and done in C.
charset.add_charset("utf-8", charset.BASE64, None, "utf-8")

STRUCTURE, VOLUNTEER, OPERATOR = "structure", "volunteer", "operator"
PROPOSAL_COORDINATORS, PROPOSAL_PROPOSER, PROPOSAL_REJECTED = (
    "proposal-coordinators",
    "proposal-proposer",
    "proposal-rejected",
)
# compat32 with CRLF: several times faster than policy.SMTP, and a Header
# object folds accented subjects correctly (no doubled space once decoded).
WIRE = policy.compat32.clone(linesep="\r\n")
AUTOMATIC = {"Auto-Submitted": "auto-generated"}  # RFC 3834: no auto-reply to these


@dataclass(frozen=True)
class OutgoingMail:
    """A mail as stored in the outbox: rendered bytes (``data``) or the ``context`` to render."""

    kind: str
    sender: str
    recipients: list[str]
    message_id: str
    data: bytes | None = None
    context: str | None = None


def _envelope_sender() -> str:
    return parseaddr(current_app.extensions["mail"].default_sender or "")[1]


def _msgid() -> str:
    host = current_app.config["SITE_URL"].split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "localhost"
    return make_msgid(domain=host)


class _WireGenerator(BytesGenerator):
    """compat32's output, byte for byte, without its cost on short plain headers.

    compat32 folds every header through a ``Header`` object (a fifth of a
    mail's rendering); a header that is ASCII and fits on one line comes out
    unchanged, so it is written as it is. Anything else goes through the policy.
    """

    def _write_headers(self, msg):
        for name, value in msg.raw_items():
            if isinstance(value, str) and value.isascii() and len(name) + len(value) < 76 and "\n" not in value:
                self._fp.write(f"{name}: {value}\r\n".encode("ascii"))
            else:
                self._fp.write(self.policy.fold_binary(name, value))
        self.write(self._NL)


def _as_bytes(msg) -> bytes:
    out = io.BytesIO()
    _WireGenerator(out, mangle_from_=False, policy=WIRE).flatten(msg)
    return out.getvalue()


def _wire_bytes(message: Message) -> bytes:
    subject, message.subject = message.subject, "-"  # Flask-Mail would encode it for nothing: replaced below
    try:
        msg = message._message()
    finally:
        message.subject = subject
    msg.policy = WIRE
    del msg["Subject"]
    msg["Subject"] = Header(subject, "utf-8", header_name="Subject")
    # Boundaries made from the Message-ID (unique, never in a base64 or quoted-printable body):
    # the generator otherwise draws one and compiles a regular expression to check it, each time.
    # Short enough for its Content-Type line to stay under 76 characters, unfolded.
    token = hashlib.blake2b(str(message.msgId).encode(), digest_size=8).hexdigest()
    for number, part in enumerate(part for part in msg.walk() if part.is_multipart()):
        part.set_boundary(f"rc{token}.{number}")
    return _as_bytes(msg)


def application_mails(
    catalog: Catalog, mission: Mission, application: Application, application_id: str, waiting_list: bool, now: float
) -> list[OutgoingMail]:
    """Specs of the mail to the structure (Reply-To: the volunteer) and of the volunteer's confirmation."""
    config = current_app.config
    structure = catalog.structure_of(mission)
    site_url = config["SITE_URL"].rstrip("/")
    location = mission.location
    context = {
        "application": {
            "first_name": application.first_name,
            "last_name": application.last_name,
            "email": application.email,
            "email_ascii": application.email_ascii,
            "phone": application.phone,
            "postal_code": application.postal_code,
            "message": application.message,
        },
        "application_id": application_id,
        "mission": {
            "id": mission.id,
            "title": mission.title,
            "summary": mission.summary,
            "remote": mission.remote,
            "location": {"address": location.address, "postal_code": location.postal_code, "city": location.city}
            if location
            else None,
            "schedule": mission.schedule,
            "places": mission.places,
            "requirements": list(mission.requirements),
        },
        "structure": {"name": structure.name, "contact_name": structure.contact.name},
        "waiting_list": waiting_list,
        "age": age_on(application.birth_date, today()),
        "dates_text": date_range(mission.start, mission.end),
        "health_guidelines": list(catalog.health_guidelines(mission)),
        "mission_url": f"{site_url}/missions/{mission.id}/",
        "site_url": site_url,
        "site_name": config["SITE_NAME"],
        "coordinators": config["COORDINATORS_EMAIL"],
        "date": now,
    }
    sender = _envelope_sender()
    text = json.dumps(context, ensure_ascii=False)
    return [
        OutgoingMail(STRUCTURE, sender, [structure.contact.email], _msgid(), context=text),
        OutgoingMail(VOLUNTEER, sender, [application.email_ascii], _msgid(), context=text),
    ]


def spec(kind: str, recipient: str, context: dict) -> OutgoingMail:
    """A mail to render later (proposals): one recipient, a JSON context."""
    return OutgoingMail(
        kind, _envelope_sender(), [recipient], _msgid(), context=json.dumps(context, ensure_ascii=False)
    )


def _render_proposal(kind: str, c: dict, recipients: list[str]) -> Message:
    if kind == PROPOSAL_COORDINATORS:
        message = Message(
            subject=f"Proposition de mission : {c['title']} ({c['structure_name']})",
            recipients=recipients,
            reply_to=(c["contact_name"], c["contact_email"]),
            body=render_template("mails/proposal_coordinators.txt", **c),
            date=c["date"],
            extra_headers=AUTOMATIC,
        )
        for path, text in c["files"].items():
            message.attach(path.replace("/", "--"), "application/yaml", text.encode("utf-8"))
        return message
    template = "mails/proposal_proposer.txt" if kind == PROPOSAL_PROPOSER else "mails/proposal_rejected.txt"
    subject = (
        "Votre proposition de mission"
        if kind == PROPOSAL_PROPOSER
        else "Votre proposition de mission n'est pas retenue"
    )
    return Message(
        subject=f"{subject} : {c['title']}",
        recipients=[(c["contact_name"], recipients[0])],
        reply_to=current_app.config["COORDINATORS_EMAIL"] or None,
        body=render_template(template, **c),
        date=c["date"],
        extra_headers=AUTOMATIC,
    )


def _render_application(kind: str, c: dict, recipients: list[str]) -> Message:
    a, mission = c["application"], c["mission"]
    volunteer = (f"{a['first_name']} {a['last_name']}", a["email_ascii"])
    if kind == STRUCTURE:
        prefix = "[Liste d'attente] " if c["waiting_list"] else ""
        return Message(
            subject=f"{prefix}Candidature de {a['first_name']} {a['last_name']} : {mission['title']}",
            recipients=[(c["structure"]["contact_name"], recipients[0])],
            reply_to=volunteer,
            body=render_template("mails/structure.txt", **c),
            html=render_template("mails/structure.html", **c),
            date=c["date"],
            extra_headers=AUTOMATIC,
        )
    return Message(
        subject=f"Votre candidature : {mission['title']}",
        recipients=[volunteer],
        reply_to=c["coordinators"] or None,
        body=render_template("mails/volunteer.txt", **c),
        html=render_template("mails/volunteer.html", **c),
        date=c["date"],
        extra_headers=AUTOMATIC,
    )


def render(kind: str, message_id: str, context_json: str, recipients: list[str]) -> bytes:
    """The wire bytes of a mail spec (needs an application context for templates)."""
    c = json.loads(context_json)
    render_kind = _render_proposal if kind.startswith("proposal-") else _render_application
    message = render_kind(kind, c, recipients)
    message.msgId = message_id
    return _wire_bytes(message)


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
    message.msgId = _msgid()
    return OutgoingMail(OPERATOR, parseaddr(message.sender)[1], [address], message.msgId, data=_wire_bytes(message))
