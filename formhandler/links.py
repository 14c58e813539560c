"""The site's addresses the handler writes: the site, a mission's page, and the signed links of an
application — the structure's page to answer it, the volunteer's to withdraw.

Both open one application and nothing else (one purpose each, :mod:`formhandler.signing`), and
work while the mission runs plus 30 days; a mission with no end date: as long as the application
is kept (``RETENTION_DAYS``). Nothing about them is stored: a link is made again from the
application whenever a mail needs it.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app

from catalog.text import date_long

from . import signing
from .content import PARIS

ANSWER, WITHDRAW = "application", "withdraw"
DAYS_AFTER_END = 30


def expires_at(mission_end: dt.date | str | None, created_at: float) -> float:
    """When an application's links stop working: the end of the day 30 days after the mission's."""
    if mission_end is None:
        return created_at + current_app.config["RETENTION_DAYS"] * 86400
    if isinstance(mission_end, str):
        mission_end = dt.date.fromisoformat(mission_end)
    last = mission_end + dt.timedelta(days=DAYS_AFTER_END)
    return dt.datetime.combine(last, dt.time(23, 59, 59), tzinfo=PARIS).timestamp()


def expiry_text(timestamp: float) -> str:
    """« 30 avril 2027 »: the last day a link works, in France."""
    return date_long(dt.datetime.fromtimestamp(timestamp, PARIS).date())


def site_url() -> str:
    """The site's address, without a final slash."""
    return current_app.config["SITE_URL"].rstrip("/")


def mission_url(mission_id: str) -> str:
    """A mission's page."""
    return f"{site_url()}/missions/{mission_id}/"


def answer_url(application_id: str, expires: float) -> str:
    """The structure's page for an application."""
    return f"{site_url()}/candidatures/{signing.make(ANSWER, {'id': application_id}, expires_at=expires)}/"


def withdraw_url(application_id: str, expires: float) -> str:
    """The volunteer's page to withdraw an application."""
    return f"{site_url()}/candidatures/retrait/{signing.make(WITHDRAW, {'id': application_id}, expires_at=expires)}/"


def for_application(application_id: str, mission_end, created_at: float) -> dict:
    """What a mail about an application shows of its links: both, and until when they work."""
    expires = expires_at(mission_end, created_at)
    return {
        "answer_url": answer_url(application_id, expires),
        "withdraw_url": withdraw_url(application_id, expires),
        "links_until": expiry_text(expires),
    }
