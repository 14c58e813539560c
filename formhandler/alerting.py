"""``flask --app formhandler alerts send``: after each publication, one mail to each waiting volunteer
listing the new open missions that match their choices.

- « New » is per person: an open mission not announced to that person before (``alert_announced``).
  A volunteer who confirms today is told, at the next run, of every open mission that matches.
- At most one mail per volunteer per day (the French calendar day): a volunteer already written
  to today is skipped, and what is new for them waits for the next day's run.
- Each person's mail is queued in the outbox, and their missions marked as announced, in the same
  transaction (people are written in batches, each in one transaction): a run killed half-way
  leaves every person either told, or not and told at the next run; a second run finds nothing new.
  Two runs at once (a publication during another) send one mail: the transaction that marks a
  person as written to today is the one that queues their mail.
- The runs also offer renewal a month before a subscription ends, and delete the subscriptions
  that are over (:func:`expire`, which ``purge`` runs too).

The published missions are the handler's content (``CONTENT_DIR``: the checkout the site was built
from), open on the day of the run.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time
from dataclasses import dataclass

from flask import current_app

from catalog.alerts import Choices, Matcher
from catalog.public import PublicMission

from . import db, links, outbox
from .alert_mails import CONFIRM_DAYS, LISTED_MAX, alert, mission_summary, renewal
from .content import catalog, today

BATCH = 500  # people per transaction: each person's mail and marks in one, few commits for 10,000
RENEWAL_NOTICE_DAYS = 30


@dataclass
class RunReport:
    missions: int = 0  # open missions on the day
    mails: int = 0  # alerts queued
    renewals: int = 0  # renewal offers queued
    deleted: int = 0  # subscriptions over, deleted


def expire(store, now: float) -> int:
    """Delete the subscriptions that ended without renewal, and the sign-ups never confirmed within
    :data:`~formhandler.alert_mails.CONFIRM_DAYS` days; how many."""
    return store.delete_subscriptions(store.subscriptions_over(now, now - CONFIRM_DAYS * 86400))


def _more_url(site: str, choices: Choices) -> str:
    """Where the missions an alert does not list in full are: the volunteer's department's listing
    when they chose one department and no remote missions, else every mission."""
    if len(choices.departments) == 1 and not choices.remote:
        return f"{site}/departements/{choices.departments[0]}/"
    return f"{site}/missions/"


def send_alerts(now: float | None = None, batch: int = BATCH) -> RunReport:
    """One run (see the module's docstring), in the current app's context."""
    now = time.time() if now is None else now
    day = today()
    current = catalog()
    site = links.site_url()
    matcher = Matcher(current.missions.values(), day)
    open_ids = [m.id for m in current.missions.values() if m.is_open(day)]
    report = RunReport(missions=len(open_ids))
    run_id = secrets.token_hex(8)
    with db.transaction() as store:
        report.deleted = expire(store, now)
        store.add_alert_run(run_id, now)

    store = db.store()
    told = store.announced_missions(open_ids)
    summaries: dict[str, dict] = {}  # mission id -> what a mail says of it (made once per run)
    pending: list = []
    for row in store.subscriptions_due(day.isoformat(), now):
        choices = Choices(tuple(json.loads(row["departments"])), tuple(json.loads(row["domains"])), bool(row["remote"]))
        already = told.get(row["id"], ())
        new = [m for m in matcher.matching(choices, dt.date.fromisoformat(row["birth_date"])) if m.id not in already]
        if not new:
            continue
        for mission in new[:LISTED_MAX]:
            if mission.id not in summaries:
                summaries[mission.id] = mission_summary(PublicMission.of(current, mission, day), site)
        mail = alert(row, [summaries[m.id] for m in new[:LISTED_MAX]], len(new), _more_url(site, choices), now)
        pending.append((row["id"], mail, [m.id for m in new]))
        if len(pending) >= batch:
            report.mails += _record(pending, day, now)
            pending = []
    if pending:
        report.mails += _record(pending, day, now)

    ending = db.store().subscriptions_ending(now + RENEWAL_NOTICE_DAYS * 86400, now)
    if ending:
        with db.transaction() as store:
            store.record_renewal_offers([(row["id"], renewal(row, now)) for row in ending], now)
        report.renewals = len(ending)
    with db.transaction() as store:
        store.finish_alert_run(run_id, time.time(), report.missions, report.mails, report.renewals)
    if report.mails or report.renewals:
        outbox.notify(current_app._get_current_object())
    return report


def _record(alerts: list, day: dt.date, now: float) -> int:
    """Queue a batch of alerts in one transaction; how many (another run may have told some already)."""
    with db.transaction() as store:
        return store.record_alerts(alerts, day.isoformat(), now)
