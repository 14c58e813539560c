"""The mails a structure's answer sends (issue 15), as specs for the outbox and as drafts to render.

To the volunteer: accepted (what happens next, the health guidelines), declined (kindly, with
other open missions nearby), a place offered from the waiting list. To the structure: a volunteer
offered a place (with the link to answer), a volunteer withdrawn. Each carries the structure's
optional note as typed; each is plain text, like the proposal mails.
"""

from __future__ import annotations

from flask import current_app, render_template

from catalog.emails import check_address
from catalog.public import PublicMission
from catalog.text import date_range

from . import links
from .content import catalog as whole_catalog
from .content import today
from .mails import Draft, spec, structure_address

ACCEPTED, DECLINED, OFFERED = "answer-accepted", "answer-declined", "answer-offered"
STRUCTURE_OFFERED, STRUCTURE_WITHDRAWN = "answer-structure-offered", "answer-structure-withdrawn"
NEARBY = 3  # other missions a declined volunteer is shown
TEMPLATES = {
    ACCEPTED: ("mails/answer_accepted.txt", "Votre candidature est acceptée"),
    DECLINED: ("mails/answer_declined.txt", "Votre candidature n'est pas retenue"),
    OFFERED: ("mails/answer_offered.txt", "Une place s'est libérée"),
    STRUCTURE_OFFERED: ("mails/answer_structure_offered.txt", "Une place libérée est proposée à"),
    STRUCTURE_WITHDRAWN: ("mails/answer_structure_withdrawn.txt", "Candidature retirée par"),
}
TO_STRUCTURE = {STRUCTURE_OFFERED, STRUCTURE_WITHDRAWN}


def _context(catalog, mission, row, now: float, **more) -> dict:
    config = current_app.config
    site_url = links.site_url()
    structure = catalog.structure_of(mission)
    return {
        "volunteer": {"first_name": row["first_name"], "last_name": row["last_name"], "email": row["email"]},
        "application_id": row["id"],
        "mission": PublicMission.of(catalog, mission, today()).record(site_url),
        "dates_text": date_range(mission.start, mission.end),
        "structure": {"name": structure.name, "contact_name": structure.contact.name},
        "structure_email": structure.contact.email,
        "health_guidelines": list(catalog.health_guidelines(mission)),
        "mission_url": links.mission_url(mission.id),
        "site_url": site_url,
        "site_name": config["SITE_NAME"],
        "coordinators": config["COORDINATORS_EMAIL"],
        "date": now,
        **links.for_application(row["id"], mission.end, row["created_at"]),
        **more,
    }


def _volunteer_address(row) -> list[str]:
    return [check_address(row["email"]).ascii]


def _structure_address(catalog, mission) -> list[str]:
    return [structure_address(catalog.structure_of(mission).contact.email)]


def to_volunteer(catalog, mission, row, status: str, note: str | None, now: float, nearby: list[dict]):
    """The volunteer told of the structure's answer (``acceptee`` or ``declinee``, with ``nearby``:
    :func:`nearby_missions`, found before the transaction — it reads the whole catalogue)."""
    kind = ACCEPTED if status == "acceptee" else DECLINED
    more = {"note": note or ""}
    if kind == DECLINED:
        more["nearby"] = nearby
    return spec(kind, _volunteer_address(row), _context(catalog, mission, row, now, **more))


def place_offered(catalog, mission, row, now: float) -> list:
    """A waiting volunteer offered a freed place, and the structure told (with the link to answer)."""
    context = _context(catalog, mission, row, now)
    return [
        spec(OFFERED, _volunteer_address(row), context),
        spec(STRUCTURE_OFFERED, _structure_address(catalog, mission), context),
    ]


def withdrawn_to_structure(catalog, mission, row, now: float):
    """The structure told that a volunteer withdrew (sent, it lets the volunteer's data be erased)."""
    context = _context(catalog, mission, row, now)
    context["volunteer"] = {"first_name": row["first_name"], "last_name": row["last_name"], "email": ""}
    return spec(STRUCTURE_WITHDRAWN, _structure_address(catalog, mission), context)


def nearby_missions(mission, limit: int = NEARBY) -> list[dict]:
    """Other open missions for a declined volunteer: in the same department, or remote; soonest first."""
    day = today()
    try:
        missions = whole_catalog().missions.values()
    except Exception:  # the whole catalog could not be read: the mail goes with the listing's link only
        return []
    found = sorted(
        (
            m
            for m in missions
            if m.id != mission.id and m.is_open(day) and (m.department == mission.department or m.remote)
        ),
        key=lambda m: (m.department != mission.department, m.start, m.title),
    )
    return [
        {"title": m.title, "where": "à distance" if m.remote else (m.city or ""), "url": links.mission_url(m.id)}
        for m in found[:limit]
    ]


def render_answer(kind: str, c: dict, recipients: list[str]) -> Draft:
    """The draft of one of these mails, from its stored context."""
    template, subject = TEMPLATES[kind]
    v, mission = c["volunteer"], c["mission"]
    name = f"{v['first_name']} {v['last_name']}"
    if kind in TO_STRUCTURE:
        return Draft(
            subject=f"{subject} {name} : {mission['title']}",
            to=[(c["structure"]["contact_name"], recipients[0])],
            text=render_template(template, **c),
            date=c["date"],
        )
    return Draft(
        subject=f"{subject} : {mission['title']}",
        to=[(name, recipients[0])],
        reply_to=c["structure_email"] if kind == ACCEPTED else (c["coordinators"] or None),
        text=render_template(template, **c),
        date=c["date"],
    )
