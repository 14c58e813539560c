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


def _rows(views, key, label, url) -> list[StatRow]:
    missions, places, names, urls = Counter(), Counter(), {}, {}
    for view in views:
        k = key(view)
        if k is None:
            continue
        missions[k] += 1
        places[k] += view.places
        names[k], urls[k] = label(view), url(view)
    return sorted(
        (StatRow(names[k], urls[k], missions[k], places[k]) for k in missions),
        key=lambda r: (-r.places, r.label),
    )


def build_stats(open_views) -> dict:
    """Tables (and the chart of places by domain) for the statistics page."""
    by_domain = _rows(open_views, lambda v: v.domain.slug, lambda v: v.domain.label, lambda v: v.domain_url)
    by_department = _rows(
        open_views, lambda v: v.department, lambda v: f"{department_name(v.department)} ({v.department})",
        lambda v: f"/departements/{v.department}/",
    )  # fmt: skip
    by_town = _rows(open_views, lambda v: v.town_url, lambda v: v.city, lambda v: v.town_url)
    remote = [v for v in open_views if v.remote]
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
