"""Defect 9 of issue 18: French typography, as a newcomer reads it.

« 1er décembre » (not « 1 décembre »); « ESUS » and other capitals inside parentheses kept
(a structure's type was lowercased whole: « (esus) »); « Les quatre domaines prioritaires »
(they are domains, not missions); the banner of a closed mission is a sentence (not « Close : »).
The oui/non values of the remote facet, shown as labels, are in tests/browser/test_reading.py.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from catalog.text import date_long, date_range
from tests.helpers import build_site


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        (date_long(dt.date(2026, 12, 1)), "mardi 1er décembre 2026"),
        (date_range(dt.date(2026, 12, 1), dt.date(2026, 12, 31)), "du mardi 1er décembre au jeudi 31 décembre 2026"),
        (
            date_range(dt.date(2026, 11, 30), dt.date(2027, 1, 1)),
            "du lundi 30 novembre 2026 au vendredi 1er janvier 2027",
        ),
        (date_range(dt.date(2026, 12, 1), None), "à partir du mardi 1er décembre 2026"),
        (date_long(dt.date(2026, 12, 11)), "vendredi 11 décembre 2026"),  # only the first is an ordinal
        (date_long(dt.date(2026, 12, 21)), "lundi 21 décembre 2026"),
    ],
    ids=["long", "range", "range-over-years", "from", "11", "21"],
)
def test_the_first_of_the_month_is_1er(written, expected):
    assert written == expected


def read(site, path):
    return (site / path).read_text(encoding="utf-8")


def test_a_mission_starting_on_the_first_says_1er_on_its_page_and_card(site):
    assert "À partir du mardi 1er décembre 2026" in read(site, "missions/appels-distance/index.html")
    assert "À partir du mardi 1er décembre 2026" in read(site, "a-distance/index.html")


def test_the_home_page_speaks_of_priority_domains(site):
    home = read(site, "index.html")
    assert re.search(r"<h2[^>]*>Les deux domaines prioritaires</h2>", home)  # the test content has two
    assert "missions prioritaires" not in home


def test_a_closed_missions_banner_is_a_sentence(site):
    html = read(site, "missions/maraude-close/index.html")
    assert "Cette mission est close : elle ne recrute plus." in html
    assert "Close :" not in html


def test_a_structures_type_keeps_its_capitals(content_dir, edit, tmp_path):
    edit("structures/asso-test.yaml", "type: association", "type: entreprise-esus")
    output = build_site(content_dir, tmp_path / "out", RESERVE_CIVIQUE={"content_dir": str(content_dir),
                        "today": "2026-11-29", "incremental": False})  # fmt: skip
    html = read(output, "missions/colis-laon/index.html")
    assert "Association d&#39;essai</a>, entreprise solidaire d&#39;utilité sociale (ESUS), Laon." in html
    assert "(esus)" not in html
