"""Screenshots of the main pages (desktop and phone), kept as test artefacts.

`invoke screenshots` copies them to docs/screenshots/, shown in the README.
"""

import struct

import pytest

from .conftest import ARTIFACTS

SHOTS = [
    ("accueil", "/"),
    ("catalogue", "/missions/"),
    ("mission", "/missions/distribution-colis-alimentaires-laon/"),
]
SIZES = [("ordinateur", 1280, 800), ("telephone", 375, 740)]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize(("device", "width", "height"), SIZES, ids=[s[0] for s in SIZES])
@pytest.mark.parametrize(("name", "path"), SHOTS, ids=[s[0] for s in SHOTS])
def test_screenshot(open_page, name, path, device, width, height):
    page = open_page(path, width=width, height=height)
    page.wait_for_load_state("networkidle")
    target = ARTIFACTS / "screenshots" / f"{name}-{device}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    data = page.screenshot(path=str(target), full_page=False)
    assert png_size(data) == (width, height)
    assert len(set(data[100:5000])) > 50  # not a blank image
