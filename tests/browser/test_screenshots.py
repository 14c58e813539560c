"""Screenshots of the main pages (desktop and phone) in both identities, kept as test artefacts.

`invoke screenshots` copies them to docs/screenshots/, shown in the README: « accueil-ordinateur.png »
in the État identity, « accueil-neutre-ordinateur.png » in the neutral one.
"""

import struct

import pytest

from tests.helpers import ARTIFACTS

SHOTS = [
    ("accueil", "/"),
    ("catalogue", "/missions/"),
    ("mission", "/missions/distribution-colis-alimentaires-laon/"),
]
SIZES = [("ordinateur", 1280, 800), ("telephone", 375, 740)]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("identity", ["etat", "neutre"])
@pytest.mark.parametrize(("device", "width", "height"), SIZES, ids=[s[0] for s in SIZES])
@pytest.mark.parametrize(("name", "path"), SHOTS, ids=[s[0] for s in SHOTS])
def test_screenshot(request, name, path, device, width, height, identity):
    open_page = request.getfixturevalue("open_page" if identity == "etat" else "open_neutral")
    page = open_page(path, width=width, height=height)
    page.wait_for_load_state("networkidle")
    shown = name if identity == "etat" else f"{name}-neutre"
    target = ARTIFACTS / "screenshots" / f"{shown}-{device}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    data = page.screenshot(path=str(target), full_page=False)
    assert png_size(data) == (width, height)
    assert len(set(data[100:5000])) > 50  # not a blank image
