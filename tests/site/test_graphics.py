"""The statistics chart drawn at build time (the QR codes have tests/site/test_qr.py)."""

import re

import pytest

from reserve_civique.graphics import bar_chart


@pytest.mark.parametrize(("value", "shown"), [(7, "7"), (36229, "36\u202f229"), (1234567, "1\u202f234\u202f567")])
def test_bar_values_are_written_the_french_way_as_in_the_table(value, shown):
    svg = bar_chart([("Aide alimentaire", value), ("Garde", 1)], "Places par domaine", "places")
    assert re.findall(r"<text[^>]*>([^<]*)</text>", svg)[:2] == ["Aide alimentaire", shown]


def test_bars_are_proportional_and_the_chart_is_an_image_with_its_title():
    svg = bar_chart([("A", 200), ("B", 100), ("C", 0)], "Missions & places", "c")
    widths = [int(w) for w in re.findall(r'<rect[^>]*width="(\d+)"', svg)]
    assert widths[0] == 2 * widths[1] and widths[2] == 0
    assert 'role="img" aria-labelledby="c-title"' in svg and '<title id="c-title">Missions &amp; places</title>' in svg
