"""The daily summary each department's coordinators receive (issue 15).

For each department (those of the missions in the content, and those ``COORDINATORS`` lists), what
changed since its previous summary (the last 24 hours for the first one): new applications,
accepted, declined, withdrawn, applications that passed ``ANSWER_REMINDER_DAYS`` without an answer,
missions that became full (or were reopened), missions ending within 7 days. Nothing changed,
nothing is sent.

A summary is recorded in ``digests`` (department, day) in the transaction that queues its mail:
a day's summary is sent once, whatever the number of runs; a run killed before its commit left
nothing, and the next run sends it. One transaction per department: a run stopped half-way has sent
some departments, the next sends the others.

What a summary carries is counted, per mission, with links to the missions' pages: no volunteer's
name, address or message, and no application link (a link to an application's page opens its
personal data and its structure's buttons; coordinators act through the structures, whose contact
the escalation mail gives: :mod:`formhandler.followup`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import NamedTuple

from flask import current_app

from catalog import Catalog, Mission
from catalog.text import date_long, plural

from . import db, links
from .content import catalog
from .coordinators import coordinators_by_department, coordinators_of
from .followup import DAY, department_label, moment
from .followup_mails import DIGEST
from .mails import spec

ENDING_WITHIN_DAYS = 7
ANSWERS = {"acceptee": "Candidatures acceptées", "declinee": "Candidatures déclinées"}
SENT, ALREADY_SENT, NOTHING_NEW = "envoyé", "déjà envoyé", "rien de nouveau"
NOBODY = "personne à prévenir (ni COORDINATORS ni COORDINATORS_EMAIL)"


def departments(current: Catalog) -> list[str]:
    """Every department with a mission in the content, or coordinators of its own."""
    listed = coordinators_by_department(current_app.config["COORDINATORS"] or "")
    return sorted({mission.department for mission in current.missions.values()} | set(listed))


def send_digests(day: dt.date, now: float) -> dict[str, str]:
    """Queue the summary of ``day`` for each department that has something new; per department,
    what happened (:data:`SENT`, :data:`ALREADY_SENT`, :data:`NOTHING_NEW`, :data:`NOBODY`)."""
    current = catalog()
    outcomes = {}
    shared = _read_shared(current, now)
    for department in departments(current):
        with db.transaction() as store:
            last = store.last_digest(department)
            if last is not None and last["day"] == day.isoformat():
                outcomes[department] = ALREADY_SENT
                continue
            since = last["sent_at"] if last is not None else now - DAY
            last_day = dt.date.fromisoformat(last["day"]) if last is not None else None
            recipients = coordinators_of(department)
            if not recipients:
                outcomes[department] = NOBODY
                continue
            context = summary(store, current, department, since, now, day, last_day, shared)
            if context is None:
                outcomes[department] = NOTHING_NEW
            elif store.claim_digest(department, day.isoformat(), now):
                store.add_mails([spec(DIGEST, recipients, context)], now)
                outcomes[department] = SENT
            else:  # another run sent it meanwhile
                outcomes[department] = ALREADY_SENT
    return outcomes


def _item(mission: Mission, detail: str) -> dict:
    return {"title": mission.title, "url": links.mission_url(mission.id), "detail": detail}


class Shared(NamedTuple):
    """What every department's summary reads of the whole database and catalogue: read once a run."""

    missions: Mapping[str, Mapping[str, Mission]]  # department -> {mission id: mission}
    places: Mapping[str, dict]  # store.missions_places()
    late: list  # the applications unanswered for ANSWER_REMINDER_DAYS or more


def _read_shared(current: Catalog, now: float) -> Shared:
    missions: dict[str, dict[str, Mission]] = defaultdict(dict)
    for mission in current.missions.values():
        missions[mission.department][mission.id] = mission
    store = db.store()
    days = current_app.config["ANSWER_REMINDER_DAYS"]
    return Shared(missions, store.missions_places(), store.unanswered(now - days * DAY))


def summary(
    store, current: Catalog, department: str, since: float, now: float, day: dt.date, last_day: dt.date | None,
    shared: Shared,
) -> dict | None:  # fmt: skip
    """The summary's mail context, or ``None`` when nothing changed."""
    here = shared.missions.get(department, {})
    events = [e for e in store.events_between(since, now) if e["mission_id"] in here]
    sections = [
        {"title": "Nouvelles candidatures", "entries": _new(store, here, events, since, now)},
        *(
            {"title": title, "entries": _answered(here, events, status)}
            for status, title in (*ANSWERS.items(), ("retiree", "Candidatures retirées par le bénévole"))
        ),
    ]
    days = current_app.config["ANSWER_REMINDER_DAYS"]
    late = [row for row in shared.late if row["mission_id"] in here]
    crossed = Counter(row["mission_id"] for row in late if row["waiting_since"] + days * DAY > since)
    sections.append(
        {
            "title": f"Sans réponse depuis plus de {plural(days, 'jour')}",
            "entries": [
                _item(
                    here[m],
                    f"{plural(n, 'candidature')} sans réponse (structure : {current.structure_of(here[m]).name})",
                )
                for m, n in sorted(crossed.items())
            ],
        }
    )
    full, reopened = _places(store, here, events, since, now, shared.places)
    sections.append({"title": "Missions complètes", "entries": full})
    sections.append({"title": "Places rouvertes", "entries": reopened})
    ending = _ending(here, day, last_day)
    sections.append({"title": f"Missions qui se terminent d'ici {ENDING_WITHIN_DAYS} jours", "entries": ending})
    sections = [s for s in sections if s["entries"]]
    if not sections:
        return None
    return {
        "department": department_label(department),
        "day": date_long(day),
        "since": moment(since) if last_day is not None else None,
        "sections": sections,
        "late_total": len(late),
        "days": days,
        "site_name": current_app.config["SITE_NAME"],
        "site_url": links.site_url(),
        "date": now,
    }


def _new(store, here: Mapping[str, Mission], events: list, since: float, now: float) -> list[dict]:
    """New applications per mission: the rows made in the window, and those erased since (their
    arrival's event)."""
    made: dict[str, str] = {}
    waiting: set[str] = set()
    for row in store.applications_made_between(since, now):
        if row["mission_id"] in here:
            made[row["id"]] = row["mission_id"]
            if row["waiting_list"] or row["status"] == "attente":
                waiting.add(row["id"])
    for event in events:
        if event["actor"] == "volunteer" and event["status"] in ("nouvelle", "attente"):
            made.setdefault(event["application_id"], event["mission_id"])
            if event["status"] == "attente":
                waiting.add(event["application_id"])
    counts, waits = Counter(made.values()), Counter(made[i] for i in waiting)
    items = []
    for mission_id, count in sorted(counts.items()):
        detail = plural(count, "candidature")
        if waits[mission_id]:
            detail += f", dont {waits[mission_id]} sur liste d'attente"
        items.append(_item(here[mission_id], detail))
    return items


def _answered(here: Mapping[str, Mission], events: list, status: str) -> list[dict]:
    counts = Counter()
    seen = set()
    for event in events:
        if event["status"] == status and (event["application_id"], status) not in seen:
            seen.add((event["application_id"], status))
            counts[event["mission_id"]] += 1
    return [_item(here[m], plural(n, "candidature")) for m, n in sorted(counts.items())]


def _places(
    store, here: Mapping[str, Mission], events: list, since: float, now: float, places: Mapping[str, dict]
) -> tuple[list, list]:
    """Missions that became full in the window (the structure said so, or an acceptance filled the
    last place), and those the structure reopened."""
    accepted = {mission_id: counts["accepted"] for mission_id, counts in places.items()}
    complete = {mission_id for mission_id, counts in places.items() if counts["complete"]}
    said = defaultdict(list)
    for row in store.mission_states_changed(since, now):
        if row["mission_id"] in here:
            said[row["mission_id"]].append(bool(row["complete"]))
    accepted_now = {e["mission_id"] for e in events if e["status"] == "acceptee"}
    full, reopened = [], []
    for mission_id, mission in sorted(here.items()):
        count = accepted.get(mission_id, 0)
        taken = f"{plural(count, 'bénévole accepté', 'bénévoles acceptés')} pour {plural(mission.places, 'place')}"
        if mission_id in complete and said[mission_id] and said[mission_id][-1]:
            full.append(_item(mission, f"la structure indique que la mission est complète ({taken})"))
        elif mission_id in accepted_now and accepted.get(mission_id, 0) >= mission.places:
            full.append(_item(mission, f"toutes les places sont pourvues ({taken})"))
        elif mission_id not in complete and said[mission_id] and not said[mission_id][-1]:
            reopened.append(_item(mission, f"la structure accepte de nouveau des candidatures ({taken})"))
    return full, reopened


def _ending(here: Mapping[str, Mission], day: dt.date, last_day: dt.date | None) -> list[dict]:
    """Missions whose end came within 7 days since the previous summary: each is listed once."""
    horizon = day + dt.timedelta(days=ENDING_WITHIN_DAYS)
    items = []
    for mission in sorted(here.values(), key=lambda m: (m.end or horizon, m.id)):
        end = mission.end
        if end is None or not (day <= end <= horizon) or not mission.is_open(day):
            continue
        if last_day is not None and end <= last_day + dt.timedelta(days=ENDING_WITHIN_DAYS):
            continue  # already in an earlier summary
        items.append(_item(mission, f"se termine le {date_long(end)}"))
    return items
