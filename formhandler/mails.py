"""The outgoing mails (plain text, with an HTML alternative for applications).

A mail is decided in its transaction as a *spec*: kind, envelope, a fixed
Message-ID and the JSON context of its templates. The delivery worker renders
it (:func:`render`), stores the bytes, and every retry sends those same bytes.
Rendering MIME is the costliest part of an application; keeping it out of the
request keeps answers fast.

Bodies are quoted-printable: whatever a volunteer types (2,000 characters
without a line break), no line of the message exceeds RFC 5322's 998 bytes.
Header values go through the standard library's ``email.policy.SMTP``, which
refuses CR/LF: a value that cannot make a header makes its mail fail alone.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid, parseaddr

from flask import current_app, render_template

from catalog import Catalog, Mission
from catalog.application import Application, age_on
from catalog.emails import check_address
from catalog.public import PublicMission
from catalog.text import date_range

from . import followup_mails, links
from .content import today

STRUCTURE, VOLUNTEER, OPERATOR = "structure", "volunteer", "operator"
PROPOSAL_COORDINATORS, PROPOSAL_PROPOSER, PROPOSAL_REJECTED, PROPOSAL_PUBLISHED = (
    "proposal-coordinators",
    "proposal-proposer",
    "proposal-rejected",
    "proposal-published",
)
# what the proposer is told, by kind: the mail's template and its subject's start
TO_PROPOSER = {
    PROPOSAL_PROPOSER: ("mails/proposal_proposer.txt", "Votre proposition de mission"),
    PROPOSAL_REJECTED: ("mails/proposal_rejected.txt", "Votre proposition de mission n'est pas retenue"),
    PROPOSAL_PUBLISHED: ("mails/proposal_published.txt", "Votre mission est en ligne"),
}
WIRE = policy.SMTP  # CRLF, bodies encoded in lines of 76, CR/LF in a header value refused
# Written out, headers are folded only past 998 characters: Python 3.11 folds an encoded word
# after a space it keeps, and « voisin âgé » came back « voisin  âgé » once unfolded.
WIRE_HEADERS = policy.SMTP.clone(max_line_length=998)
BODY_ENCODING = "quoted-printable"
SMTP_LINE_MAX = 998  # RFC 5322 2.1.1, without the CRLF
AUTOMATIC = {"Auto-Submitted": "auto-generated"}  # RFC 3834: no auto-reply to these


@dataclass(frozen=True)
class OutgoingMail:
    """A mail as it enters the outbox: its envelope, its Message-ID and the JSON ``context`` that the
    delivery renders it from (:func:`render`)."""

    kind: str
    sender: str
    recipients: list[str]
    message_id: str
    context: str


@dataclass
class Draft:
    """What a mail says, before it is written as MIME."""

    subject: str
    to: list[tuple[str, str]]  # (display name, address)
    text: str
    date: float
    reply_to: tuple[str, str] | str | None = None
    html: str | None = None
    attachments: dict[str, bytes] = field(default_factory=dict)  # file name -> YAML bytes
    headers: dict[str, str] = field(default_factory=dict)  # more headers (List-Unsubscribe…)


def _sender() -> str:
    return current_app.config["MAIL_DEFAULT_SENDER"] or ""


def _envelope_sender() -> str:
    return _address_of(_sender())


@functools.lru_cache(maxsize=8)
def _address_of(setting: str) -> str:
    return parseaddr(setting)[1]


def _msgid() -> str:
    host = current_app.config["SITE_URL"].split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "localhost"
    return make_msgid(domain=host)


def one_line(text: str) -> str:
    """``text`` with every run of white space (line breaks included) made one space: a header value."""
    return " ".join(str(text).split())


def _address(value: tuple[str, str] | str) -> Address | str:
    if isinstance(value, tuple):
        name, addr = value
        return Address(display_name=one_line(name or ""), addr_spec=addr)
    return value


def recipients_of(setting: str) -> list[str]:
    """The addresses of a setting that may list several, separated by commas (ASCII domains)."""
    return [check_address(part).ascii for part in setting.split(",") if part.strip()]


def compose(draft: Draft, message_id: str) -> bytes:
    """The wire bytes of a draft (CRLF, quoted-printable bodies, at most 78 characters a line)."""
    msg = EmailMessage(policy=WIRE)
    msg["Subject"] = one_line(draft.subject)
    msg["From"] = _sender()
    msg["To"] = [_address(to) for to in draft.to]
    if draft.reply_to:
        msg["Reply-To"] = _address(draft.reply_to)
    msg["Date"] = formatdate(draft.date, localtime=True)
    msg["Message-ID"] = message_id
    for name, value in {**AUTOMATIC, **draft.headers}.items():
        msg[name] = value
    msg.set_content(draft.text, cte=BODY_ENCODING)
    if draft.html is not None:
        msg.add_alternative(draft.html, subtype="html", cte=BODY_ENCODING)
    for name, data in draft.attachments.items():
        msg.add_attachment(data, maintype="application", subtype="yaml", filename=name)
    # Boundaries made from the Message-ID (unique, never in a quoted-printable or base64 body):
    # the generator otherwise draws one and compiles a regular expression to check it, each time.
    token = hashlib.blake2b(message_id.encode(), digest_size=8).hexdigest()
    for number, part in enumerate(part for part in msg.walk() if part.is_multipart()):
        part.set_boundary(f"rc{token}.{number}")
    return msg.as_bytes(policy=WIRE_HEADERS)


def fits_smtp(data: bytes) -> bool:
    """Whether every line of ``data`` is within the SMTP limit (older versions stored 8-bit bodies)."""
    return all(len(line) <= SMTP_LINE_MAX for line in data.split(b"\r\n"))


# What the application mails say of the mission, taken from what the site shows of it and kept in
# each mail's context: a mail describes the mission as it was applied to, even if the site has
# changed by the time it is sent. Only what their templates read: each application stores two.
MAIL_MISSION_FIELDS = ("title", "summary", "remote", "location", "access", "schedule", "requirements")


def _mail_mission(record: dict) -> dict:
    return {name: record[name] for name in MAIL_MISSION_FIELDS}


@functools.lru_cache(maxsize=64)
def structure_address(address: str) -> str:
    """A structure's address (from the content) as SMTP is given it: checked once per process,
    not at each of its applications."""
    return check_address(address).ascii


def application_mails(
    catalog: Catalog, mission: Mission, application: Application, application_id: str, now: float
) -> Callable[[bool], list[OutgoingMail]]:
    """Specs of the mail to the structure (Reply-To: the volunteer) and of the volunteer's
    confirmation, once told whether the application is on the waiting list: what takes time is
    done before (a view calls it before its transaction, whose writer lock every process waits
    for, and learns the waiting list inside)."""
    config = current_app.config
    structure = catalog.structure_of(mission)
    site_url = links.site_url()
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
        "mission": _mail_mission(PublicMission.of(catalog, mission, today()).record(site_url)),
        "structure": {"name": structure.name, "contact_name": structure.contact.name},
        "waiting_list": False,
        "age": age_on(application.birth_date, today()),
        "dates_text": date_range(mission.start, mission.end),
        "health_guidelines": list(catalog.health_guidelines(mission)),
        "mission_url": links.mission_url(mission.id),
        "site_url": site_url,
        "site_name": config["SITE_NAME"],
        "coordinators": config["COORDINATORS_EMAIL"],
        "date": now,
        # the structure's page to answer, the volunteer's to withdraw (made again from the stored
        # application whenever another mail needs them, but stored here: a delivery worker of the
        # previous version, during a rolling update, renders this context as it is)
        **links.for_application(application_id, mission.end, now),
    }
    sender = _envelope_sender()
    recipients = [structure_address(structure.contact.email)], [application.email_ascii]

    def mails(waiting_list: bool) -> list[OutgoingMail]:
        text = json.dumps({**context, "waiting_list": waiting_list}, ensure_ascii=False)
        return [
            OutgoingMail(STRUCTURE, sender, recipients[0], _msgid(), context=text),
            OutgoingMail(VOLUNTEER, sender, recipients[1], _msgid(), context=text),
        ]

    return mails


def spec(kind: str, recipients: str | list[str], context: dict) -> OutgoingMail:
    """A mail to render later (proposals, reports): its recipients, a JSON context."""
    listed = [recipients] if isinstance(recipients, str) else recipients
    return OutgoingMail(kind, _envelope_sender(), listed, _msgid(), context=json.dumps(context, ensure_ascii=False))


def _render_proposal(kind: str, c: dict, recipients: list[str]) -> Draft:
    if kind == PROPOSAL_COORDINATORS:
        return Draft(
            subject=f"Proposition de mission : {c['title']} ({c['structure_name']})",
            to=[("", address) for _, address in getaddresses(recipients)],
            reply_to=(c["contact_name"], c["contact_email"]),
            text=render_template("mails/proposal_coordinators.txt", **c),
            date=c["date"],
            attachments={path.replace("/", "--"): text.encode("utf-8") for path, text in c["files"].items()},
        )
    template, subject = TO_PROPOSER[kind]
    return Draft(
        subject=f"{subject} : {c['title']}",
        to=[(c["contact_name"], recipients[0])],
        reply_to=current_app.config["COORDINATORS_EMAIL"] or None,
        text=render_template(template, **c),
        date=c["date"],
    )


def _render_application(kind: str, c: dict, recipients: list[str]) -> Draft:
    a, mission = c["application"], c["mission"]
    volunteer = (f"{a['first_name']} {a['last_name']}", a["email_ascii"])
    if kind == STRUCTURE:
        prefix = "[Liste d'attente] " if c["waiting_list"] else ""
        return Draft(
            subject=f"{prefix}Candidature de {a['first_name']} {a['last_name']} : {mission['title']}",
            to=[(c["structure"]["contact_name"], recipients[0])],
            reply_to=volunteer,
            text=render_template("mails/structure.txt", **c),
            html=render_template("mails/structure.html", **c),
            date=c["date"],
        )
    return Draft(
        subject=f"Votre candidature : {mission['title']}",
        to=[volunteer],
        reply_to=c["coordinators"] or None,
        text=render_template("mails/volunteer.txt", **c),
        html=render_template("mails/volunteer.html", **c),
        date=c["date"],
    )


def _render_operator(kind: str, c: dict, recipients: list[str]) -> Draft:
    return Draft(
        subject=f"Courrier en échec ({c['kind']})",
        to=[("", address) for address in recipients],
        text=render_template("mails/operator.txt", **c),
        date=c["date"],
    )


def render(kind: str, message_id: str, context_json: str, recipients: list[str]) -> bytes:
    """The wire bytes of a mail spec (needs an application context for templates).

    Raises (``ValueError``, ``KeyError``, a template error…) when the spec cannot make a mail:
    the caller fails that mail alone.
    """
    c = json.loads(context_json)
    if kind == OPERATOR:
        draft = _render_operator(kind, c, recipients)
    elif kind.startswith("alert-"):
        from .alert_mails import render_alert  # volunteers waiting for a mission

        draft = render_alert(kind, c, recipients)
    elif kind.startswith("proposal-"):
        draft = _render_proposal(kind, c, recipients)
    elif kind.startswith("answer-"):
        from .answer_mails import render_answer  # it builds on this module

        draft = render_answer(kind, c, recipients)
    elif kind in followup_mails.KINDS:
        draft = followup_mails.render(kind, c, recipients)
    else:
        draft = _render_application(kind, c, recipients)
    return compose(draft, message_id)


def operator_mail(row, error: str, now: float) -> OutgoingMail | None:
    """Tell the operator that a mail failed for good (never about an operator mail)."""
    address = recipients_of(current_app.config["OPERATOR_EMAIL"])
    if not address or row["kind"] == OPERATOR:
        return None
    context = {
        "kind": row["kind"],
        "application_id": row["application_id"],
        "message_id": row["message_id"],
        "attempts": row["attempts"],
        "error": error,
        "outbox_id": row["id"],
        "date": now,
    }
    return spec(OPERATOR, address, context)
