"""An application's states, who may change them, and what each change does (issue 15).

States: ``nouvelle`` (sent, not answered yet), ``acceptee``, ``declinee``, ``retiree`` (by the
volunteer), ``attente`` (sent while the mission was full: on the waiting list).

The structure, from its link (:mod:`formhandler.answers`), may:

- accept a new or waiting application, or one it declined (a mistake put right);
- decline a new or waiting application, or one it accepted (the volunteer did not come: the
  place is free again);
- say the mission is complete, or reopen it.

The volunteer, from their link, may withdraw at any time but once: ``retiree`` is final (their
identity is erased once the structure has been told, :func:`formhandler.outbox` marks that mail
sent). Nobody moves an application to the waiting list by hand: it is where applications sent
while the mission is full arrive.

A place is *free* when the mission is not complete and its accepted volunteers, with the
volunteers already offered a place, are fewer than its places. Whenever one frees (an accepted
volunteer declined or withdrawn, the mission reopened, an offered volunteer declined), the first
volunteers on the waiting list are *offered* it: moved to ``nouvelle`` (their ``waiting_list``
flag kept, so that they count as offered until answered), told by mail that a place opened and
that the structure will confirm, and the structure gets a mail with their link. The structure
then accepts or declines them like any new application.

Every change is made in the caller's transaction with its event and its mails (the outbox): stored
together, or not at all; a change to the state the application already has changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from catalog.application import places_left

from . import answer_mails

NEW, ACCEPTED, DECLINED, WITHDRAWN, WAITING = "nouvelle", "acceptee", "declinee", "retiree", "attente"
LABELS = {
    NEW: "nouvelle",
    ACCEPTED: "acceptée",
    DECLINED: "déclinée",
    WITHDRAWN: "retirée",
    WAITING: "liste d'attente",
}
# what the structure may do: from -> to
STRUCTURE_MOVES = {
    NEW: {ACCEPTED, DECLINED},
    WAITING: {ACCEPTED, DECLINED},
    ACCEPTED: {DECLINED},
    DECLINED: {ACCEPTED},
    WITHDRAWN: set(),
}
STRUCTURE, VOLUNTEER, SYSTEM = "structure", "volunteer", "system"


@dataclass
class Outcome:
    """What a click did: ``changed`` false when it changed nothing (said by ``message``)."""

    changed: bool
    message: str
    mails: int = 0
    offered: list[str] = field(default_factory=list)  # applications taken from the waiting list


def answer(
    store, catalog, mission, application_id: str, target: str, note: str | None, now: float, nearby: list[dict]
) -> Outcome:
    """The structure moves an application to ``target`` (``acceptee`` or ``declinee``), with an
    optional ``note`` to the volunteer (and, declined, ``nearby`` missions to try)."""
    row = _held(store, application_id)
    if row is None:
        return Outcome(False, "Cette candidature n'existe plus : le ou la bénévole l'a retirée, ou elle a été effacée.")
    if row["status"] == target:
        return Outcome(False, f"Rien n'a changé : cette candidature était déjà {LABELS[target]}.")
    if target not in STRUCTURE_MOVES[row["status"]]:
        return Outcome(False, f"Cette candidature est {LABELS[row['status']]} : elle ne peut plus être changée.")
    if not store.change_status(application_id, row["status"], target, now, answer=True):
        return Outcome(False, "Rien n'a changé : la candidature venait d'être modifiée. Rechargez la page.")
    store.add_event(application_id, row["mission_id"], target, STRUCTURE, now)
    mails = [answer_mails.to_volunteer(catalog, mission, row, target, note, now, nearby)]
    store.add_mails(mails, now, application_id=application_id)
    offered = offer_free_places(store, catalog, mission, now)
    said = (
        "acceptée : le ou la bénévole est prévenu(e)"
        if target == ACCEPTED
        else "déclinée : le ou la bénévole est prévenu(e)"
    )
    return Outcome(True, f"Candidature {said} par e-mail.", 1 + 2 * len(offered), offered)


def set_complete(store, catalog, mission, complete: bool, now: float) -> Outcome:
    """The structure says the mission is complete (new applications go to the waiting list), or
    reopens it (its free places are offered to the waiting list)."""
    store.hold_mission(mission.id)
    if store.mission_complete(mission.id) == complete:
        already = "déjà indiquée complète" if complete else "déjà ouverte aux candidatures"
        return Outcome(False, f"Rien n'a changé : la mission était {already}.")
    store.set_mission_complete(mission.id, complete, now)
    if complete:
        return Outcome(True, "La mission est indiquée complète : les nouvelles candidatures vont en liste d'attente.")
    offered = offer_free_places(store, catalog, mission, now)
    told = f" {len(offered)} bénévole(s) de la liste d'attente sont prévenu(e)s." if offered else ""
    return Outcome(True, "Des places sont rouvertes." + told, 2 * len(offered), offered)


def withdraw(store, catalog, mission, application_id: str, now: float) -> Outcome:
    """The volunteer withdraws; the structure is told (and then the volunteer's data is erased)."""
    row = _held(store, application_id)
    if row is None or row["status"] == WITHDRAWN:
        return Outcome(False, "Votre candidature est déjà retirée.")
    store.change_status(application_id, row["status"], WITHDRAWN, now, answer=False)
    store.add_event(application_id, row["mission_id"], WITHDRAWN, VOLUNTEER, now)
    store.add_mails(
        [answer_mails.withdrawn_to_structure(catalog, mission, row, now)], now, application_id=application_id
    )
    offered = offer_free_places(store, catalog, mission, now)
    return Outcome(True, "Votre candidature est retirée : la structure est prévenue.", 1 + 2 * len(offered), offered)


def free_places(store, mission) -> int:
    """How many places may be offered to the waiting list now (see the module's docstring)."""
    if mission is None or store.mission_complete(mission.id):
        return 0
    counts = store.mission_counts(mission.id)
    return places_left(mission.places, counts.get(ACCEPTED, 0), counts.get("offered", 0), complete=False)


def offer_free_places(store, catalog, mission, now: float) -> list[str]:
    """Offer the free places to the first volunteers waiting; their ids."""
    free = free_places(store, mission)
    if not free:
        return []
    offered = []
    for row in store.first_waiting(mission.id, free):
        if not store.change_status(row["id"], WAITING, NEW, now, answer=False):
            continue
        store.add_event(row["id"], mission.id, NEW, SYSTEM, now)
        store.add_mails(answer_mails.place_offered(catalog, mission, row, now), now, application_id=row["id"])
        offered.append(row["id"])
    return offered


def _held(store, application_id: str):
    """The application, read after its mission is held (PostgreSQL: a concurrent change waits)."""
    row = store.find_application(application_id)
    if row is None:
        return None
    store.hold_mission(row["mission_id"])
    return store.find_application(application_id)
