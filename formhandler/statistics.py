"""What ``applications stats`` counts: applications by state, by mission and by structure, with
the structures' answer rate and median time to answer (JeVeuxAider shows structures theirs).

Every application counts, those erased since included: an erased application (withdrawn,
purged, erased on request) leaves its history without identity in ``application_events``, which
gives its mission, its last state, when it arrived and when its structure first answered.

- answer rate: applications answered (accepted or declined by the structure, at least once) out of
  those answered plus those left « nouvelle » for more than ``ANSWER_REMINDER_DAYS`` days (a
  recent application, one withdrawn before any answer, or one on the waiting list is not counted
  against the structure);
- time to answer: ``answered_at - created_at``, the median of the answered ones.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field

from .states import LABELS

STATES = LABELS  # state -> its French label, in the order they are shown
ANSWERS = ("acceptee", "declinee")
ARRIVALS = ("nouvelle", "attente")


@dataclass(frozen=True)
class Record:
    """One application, as the statistics see it (no identity)."""

    mission_id: str
    status: str
    created_at: float
    answered_at: float | None
    erased: bool = False


def records(applications, events) -> list[Record]:
    """One record per application ever stored: the rows still there, and the histories of the others."""
    found = {
        row["id"]: Record(row["mission_id"], row["status"], row["created_at"], row["answered_at"])
        for row in applications
    }
    histories: dict[str, list] = {}
    for event in events:
        if event["application_id"] not in found:
            histories.setdefault(event["application_id"], []).append(event)
    for history in histories.values():  # events come in order
        arrived = next((e["created_at"] for e in history if e["status"] in ARRIVALS), history[0]["created_at"])
        answered = next(
            (e["created_at"] for e in history if e["status"] in ANSWERS and e["actor"] == "structure"), None
        )
        found_last = history[-1]
        found[found_last["application_id"]] = Record(
            found_last["mission_id"], found_last["status"], arrived, answered, erased=True
        )
    return list(found.values())


@dataclass
class Tally:
    """Counts of a group of applications (all, one mission, one structure)."""

    states: Counter = field(default_factory=Counter)
    durations: list[float] = field(default_factory=list)
    late: int = 0  # left « nouvelle » past the reminder's delay

    def add(self, record: Record, late_before: float) -> None:
        self.states[record.status] += 1
        if record.answered_at is not None:
            self.durations.append(max(0.0, record.answered_at - record.created_at))
        elif record.status == "nouvelle" and record.created_at <= late_before:
            self.late += 1

    @property
    def total(self) -> int:
        return sum(self.states.values())

    @property
    def answer_rate(self) -> float | None:
        considered = len(self.durations) + self.late
        return len(self.durations) / considered if considered else None

    @property
    def median_seconds(self) -> float | None:
        return statistics.median(self.durations) if self.durations else None


def duration(seconds: float | None) -> str:
    """« 45 min », « 3 h 20 min », « 2 j 4 h » ; « — » when there is none."""
    if seconds is None:
        return "—"
    minutes = round(seconds / 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} j {hours} h" if hours else f"{days} j"
    if hours:
        return f"{hours} h {minutes:02d} min" if minutes else f"{hours} h"
    return f"{minutes} min"


def rate(value: float | None) -> str:
    """« 75 % » (French spacing), « — » when nothing was to answer."""
    return "—" if value is None else f"{round(value * 100)}\u202f%"


def summary_line(tally: Tally) -> str:
    """« nouvelle 2, acceptée 1 ; réponse 50 % ; délai médian 1 j 4 h »."""
    states = ", ".join(f"{STATES.get(s, s)} {n}" for s, n in sorted(tally.states.items(), key=_state_order))
    return f"{states} ; réponse {rate(tally.answer_rate)} ; délai médian {duration(tally.median_seconds)}"


def _state_order(item) -> int:
    order = list(STATES)
    return order.index(item[0]) if item[0] in order else len(order)
