"""Figures for /statistiques/: open missions and places by domain, department and town."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from catalog.geo import department_name

from .graphics import bar_chart


@dataclass(frozen=True)
class StatRow:
    label: str
    url: str
    missions: int
    places: int


def _rows(counts: Counter, places: Counter, label, url) -> list[StatRow]:
    return sorted(
        (StatRow(label(k), url(k), counts[k], places[k]) for k in counts),
        key=lambda r: (-r.places, r.label),
    )


def build_stats(open_views) -> dict:
    """Tables (and the chart of places by domain) for the statistics page."""
    counts = {"domain": Counter(), "department": Counter(), "town": Counter()}
    places = {"domain": Counter(), "department": Counter(), "town": Counter()}
    domains, towns = {}, {}
    for view in open_views:  # one pass; the mission's own fields, not the view's read-through
        mission = view.mission
        keys = {"domain": mission.domain, "department": mission.department}
        domains[mission.domain] = view.domain
        if view.town_url is not None:
            keys["town"] = view.town_url
            towns[view.town_url] = mission.city
        for kind, key in keys.items():
            counts[kind][key] += 1
            places[kind][key] += mission.places
    by_domain = _rows(counts["domain"], places["domain"], lambda k: domains[k].label, lambda k: f"/domaines/{k}/")
    by_department = _rows(
        counts["department"], places["department"], lambda k: f"{department_name(k)} ({k})",
        lambda k: f"/departements/{k}/",
    )  # fmt: skip
    by_town = _rows(counts["town"], places["town"], towns.__getitem__, lambda k: k)
    remote = [v for v in open_views if v.mission.remote]
    return {
        "total_missions": len(open_views),
        "total_places": sum(v.places for v in open_views),
        "remote_missions": len(remote),
        "remote_places": sum(v.places for v in remote),
        "by_domain": by_domain,
        "by_department": by_department,
        "by_town": by_town,
        "chart_domains": bar_chart(
            [(r.label, r.places) for r in by_domain], "Places ouvertes par domaine", "chart-domains"
        ),
    }
