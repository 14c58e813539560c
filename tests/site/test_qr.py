"""The QR codes of the printed notice: the fast matrix (speedups) is module for module the one segno makes."""

import random
import re

import pytest
import segno

from reserve_civique import speedups
from reserve_civique.graphics import QR_MASK, qr_svg


def segno_rows(text: str) -> list[bytes]:
    code = segno.make(text, error="m", mask=QR_MASK, boost_error=False, micro=False)
    return [bytes(row) for row in code.matrix]


def urls() -> list[str]:
    rnd = random.Random(2026)
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-/._~"
    made = [f"https://aider.example.org/missions/{''.join(rnd.choices(alphabet, k=n))}/" for n in range(0, 240, 7)]
    return [*made, "http://127.0.0.1:8000/missions/colis-laon/", "https://x.fr/"]


@pytest.mark.parametrize("url", urls())
def test_matrix_equals_segno(url):
    assert speedups.qr_matrix(url) == segno_rows(url)


@pytest.mark.parametrize(
    "text",
    ["HTTPS://AIDER.EXAMPLE.ORG/M/1", "0123456789", "https://aider.example.org/missions/café/", "日本"],
    ids=["alphanumeric", "numeric", "latin-1", "kanji"],
)
def test_other_modes_are_left_to_segno(text):
    assert speedups.qr_matrix(text) == segno_rows(text)


def test_versions_up_to_ten_use_the_long_character_count():
    text = "https://aider.example.org/" + "a" * 200
    assert segno.make(text, error="m").version >= 10
    assert speedups.qr_matrix(text) == segno_rows(text)


def test_svg_draws_exactly_the_dark_modules():
    url = "https://aider.example.org/missions/colis-laon/"
    svg = qr_svg(url)
    rows = segno_rows(url)
    drawn = [bytearray(len(rows)) for _ in rows]
    path = re.search(r' d="([^"]+)"', svg).group(1)
    x = y = 0
    for command, dx, dy in re.findall(
        r"([Mhm])(-?\d+)(?: (-?\d+)(?:\.5)?)?", path
    ):  # an SVG pen: absolute M, relative h/m
        dx, dy = int(dx), int(dy or 0)
        if command == "M":
            x, y = dx - 2, dy - 2  # the quiet zone is 2 modules
        elif command == "h":
            assert x >= 0 and x + dx <= len(rows), path
            drawn[y][x : x + dx] = b"\x01" * dx
            x += dx
        else:
            x, y = x + dx, y + dy
    assert [bytes(r) for r in drawn] == rows
    assert "<title>QR code vers https://aider.example.org/missions/colis-laon/</title>" in svg
