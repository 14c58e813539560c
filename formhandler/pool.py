"""Volunteers waiting for a mission, counted: ``pool stats`` and the ``pool`` export the site shows.

A volunteer counts once in each department, domain they chose; only confirmed subscriptions count
(a sign-up nobody confirmed is no volunteer). No address or name ever leaves this module: counts only.
"""

from __future__ import annotations

import json
import time
from collections import Counter

from . import exports


def pool_counts(store, now: float | None = None) -> dict:
    """``{"total", "remote", "departments": {code: n}, "domains": {slug: n}}`` of the volunteers whose
    confirmed subscription runs at ``now`` (one ended waits for ``alerts send`` to be deleted)."""
    departments, domains = Counter(), Counter()
    total = remote = 0
    for row in store.waiting_volunteers(time.time() if now is None else now):
        total += 1
        remote += bool(row["remote"])
        departments.update(json.loads(row["departments"]))
        domains.update(json.loads(row["domains"]))
    return {
        "total": total,
        "remote": remote,
        "departments": dict(sorted(departments.items())),
        "domains": dict(sorted(domains.items())),
    }


def pool_stats(store) -> dict:
    """The counts, with what the alerts did: runs, mails, and applications made after an alert."""
    runs = store.alert_run_totals()
    return {
        **pool_counts(store),
        "alerts": {"runs": runs["runs"], "mails": runs["mails"], "applications": store.alert_applications()},
    }


exports.register("pool", pool_counts)
