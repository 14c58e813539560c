"""The shipped demo content for the Aisne passes the check and covers what the issue asks."""

import datetime as dt
from collections import Counter

from catalog import load_content
from tests.helpers import ROOT

TODAY = dt.date(2026, 11, 29)


def test_demo_content_has_no_error():
    result = load_content(ROOT / "content", today=TODAY)
    assert result.errors == []


def test_demo_content_coverage():
    catalog = load_content(ROOT / "content", today=TODAY).catalog
    missions = list(catalog.missions.values())
    assert len(missions) >= 16
    assert set(Counter(m.domain for m in missions)) == {
        "aide-alimentaire-urgence",
        "garde-exceptionnelle-enfants",
        "lien-personnes-fragiles-isolees",
        "solidarite-de-proximite",
    }
    towns = {m.city for m in missions if m.city}
    assert {"Laon", "Saint-Quentin", "Soissons", "Château-Thierry", "Chauny", "Hirson"} <= towns
    assert sum(m.remote for m in missions) >= 3
    assert any(m.closed for m in missions)
    assert any(m.end and m.end < TODAY for m in missions)
    assert len(catalog.structures) >= 8
    assert len({s.type for s in catalog.structures.values()}) >= 5
    assert all(s.contact.email.endswith("example.org") for s in catalog.structures.values())
    assert {m.department for m in missions} == {"02"}
