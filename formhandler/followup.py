"""Nobody is forgotten: a structure that leaves an application unanswered is reminded once, then
the department's coordinators are told (issue 15).

With ``N = ANSWER_REMINDER_DAYS``, an application still « nouvelle » (never accepted nor declined),
waiting since it arrived or since a freed place was offered to it from the waiting list
(``status_at``):

- after N days and up to 2N, its structure gets one reminder: one mail per structure listing all
  its applications due, each with the link to its page (``reminded_at``);
- after 2N days and up to 4N, the coordinators of the mission's department are told: one mail
  per department (``escalated_at``). It names the structure and its contact, to call them; no
  volunteer's identity nor application link (the coordinators act through the structure).

Those waiting longer (the applications of a database that had no states before version 3, say) set nothing
off: they stay in ``applications list --status nouvelle``. Each mark is set in the transaction
that queues the mail, and only on rows that no other run marked first
(:meth:`formhandler.store.Store.mark_followed_up`): run it as often as you like, each application
is reminded once and escalated once. Applications whose mission left the content are skipped
(nobody to write to).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from flask import current_app

from catalog import Catalog, Mission
from catalog.geo import department_name
from catalog.text import date_long

from . import db, links
from .content import PARIS, catalog
from .coordinators import coordinators_of
from .followup_mails import ESCALATION, REMINDER
from .mails import spec, structure_address

DAY = 86400


def moment(timestamp: float) -> str:
    """A stored time as a French reader reads it: « mardi 24 novembre 2026 à 14 h 05 » (Paris)."""
    local = dt.datetime.fromtimestamp(timestamp, PARIS)
    return f"{date_long(local.date())} à {local.hour} h {local.minute:02d}"


def department_label(code: str) -> str:
    """« Aisne (02) »."""
    name = department_name(code)
    return f"{name} ({code})" if name != code else code


def application_url(row, mission: Mission) -> str:
    """The link to an application's page, where its structure answers (:mod:`formhandler.links`)."""
    return links.answer_url(row["id"], links.expires_at(mission.end, row["created_at"]))


def _known(rows, current: Catalog) -> list:
    return [row for row in rows if row["mission_id"] in current.missions]


def _mark(store, due: list, mark: str, now: float, key, current: Catalog) -> tuple[dict[str, list], int]:
    """Set ``mark`` on the applications ``due``; those this run marked (another run may have marked
    some first), grouped by ``key`` of their mission, and how many."""
    marked = set(store.mark_followed_up([row["id"] for row in due], mark, now))
    groups = defaultdict(list)
    for row in due:
        if row["id"] in marked:
            groups[key(current.missions[row["mission_id"]])].append(row)
    return groups, len(marked)


def send_reminders(now: float) -> tuple[int, int]:
    """Remind structures of their applications unanswered for N to 2N days; (mails, applications)."""
    days = current_app.config["ANSWER_REMINDER_DAYS"]
    current = catalog()
    mails = []
    with db.transaction() as store:
        due = _known(store.unanswered(now - days * DAY, oldest=now - 2 * days * DAY, mark="reminded_at"), current)
        by_structure, marked = _mark(store, due, "reminded_at", now, lambda m: m.structure, current)
        for slug, rows in sorted(by_structure.items()):
            mails.append(_reminder(current, slug, rows, days, now))
        store.add_mails(mails, now)
    return len(mails), marked


def _reminder(current: Catalog, slug: str, rows: list, days: int, now: float):
    structure = current.structures[slug]
    missions: dict[str, dict] = {}
    for row in rows:
        mission = current.missions[row["mission_id"]]
        entry = missions.setdefault(
            mission.id, {"title": mission.title, "url": links.mission_url(mission.id), "applications": []}
        )
        entry["applications"].append({"made": moment(row["created_at"]), "url": application_url(row, mission)})
    context = {
        "structure_name": structure.name,
        "contact_name": structure.contact.name,
        "days": days,
        "count": len(rows),
        "missions": list(missions.values()),
        "site_name": current_app.config["SITE_NAME"],
        "site_url": links.site_url(),
        "coordinators": current_app.config["COORDINATORS_EMAIL"],
        "date": now,
    }
    return spec(REMINDER, [structure_address(structure.contact.email)], context)


def send_escalations(now: float) -> tuple[int, int]:
    """Tell each department's coordinators of the applications unanswered for 2N to 4N days;
    (mails, applications)."""
    days = current_app.config["ANSWER_REMINDER_DAYS"]
    current = catalog()
    mails = []
    with db.transaction() as store:
        due = _known(store.unanswered(now - 2 * days * DAY, oldest=now - 4 * days * DAY, mark="escalated_at"), current)
        recipients = {
            m.department: coordinators_of(m.department) for m in {current.missions[r["mission_id"]] for r in due}
        }
        # a department with nobody to tell (COORDINATORS_EMAIL emptied) keeps its applications unmarked
        due = [row for row in due if recipients[current.missions[row["mission_id"]].department]]
        by_department, marked = _mark(store, due, "escalated_at", now, lambda m: m.department, current)
        for department, rows in sorted(by_department.items()):
            mails.append(_escalation(current, department, rows, days, now, recipients[department]))
        store.add_mails(mails, now)
    return len(mails), marked


def _escalation(current: Catalog, department: str, rows: list, days: int, now: float, recipients: list[str]):
    structures: dict[str, dict] = {}
    for row in rows:
        mission = current.missions[row["mission_id"]]
        structure = current.structure_of(mission)
        entry = structures.setdefault(
            structure.slug,
            {
                "name": structure.name,
                "contact_name": structure.contact.name,
                "contact_email": structure.contact.email,
                "contact_phone": structure.contact.phone,
                "missions": {},
                "reminded": None,
            },
        )
        listed = entry["missions"].setdefault(
            mission.id, {"title": mission.title, "url": links.mission_url(mission.id), "count": 0, "oldest": None}
        )
        listed["count"] += 1
        listed["oldest"] = listed["oldest"] or moment(row["waiting_since"])  # rows come longest waiting first
        if row["reminded_at"] and entry["reminded"] is None:
            entry["reminded"] = moment(row["reminded_at"])
    context = {
        "department": department_label(department),
        "days": 2 * days,
        "reminder_days": days,
        "count": len(rows),
        "structures": [{**s, "missions": list(s["missions"].values())} for s in structures.values()],
        "site_name": current_app.config["SITE_NAME"],
        "date": now,
    }
    return spec(ESCALATION, recipients, context)
