"""Open Graph images: every page says which picture a shared link shows (issue 18, defect 12).

One image per domain (its missions' pages and its listing) and one for the other pages, drawn at
build time, 1200 × 630, the same bytes at each build; the neutral identity's carry no State brand.
"""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser

import pytest
from PIL import Image

from tests.helpers import DATA, ROOT, TODAY, build_site

SITEURL = "https://aider.example.org"
DOMAINS = {"aide-alimentaire-urgence", "garde-exceptionnelle-enfants"}  # the test content's


class Meta(HTMLParser):
    def __init__(self):
        super().__init__()
        self.properties: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and "property" in a:
            self.properties.setdefault(a["property"], []).append(a["content"])


def meta_of(path) -> dict[str, str]:
    parser = Meta()
    parser.feed(path.read_text(encoding="utf-8"))
    for name, values in parser.properties.items():
        assert len(values) == 1, (path, name, values)  # each said once
    return {name: values[0] for name, values in parser.properties.items()}


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """The test content, with the demo's pages of their own (content/pages), built in both identities."""
    built = {}
    for identity in ("etat", "neutre"):
        base = tmp_path_factory.mktemp(identity)
        content = base / "content"
        shutil.copytree(DATA / "content", content)
        shutil.copytree(ROOT / "content/pages", content / "pages")
        static = ["static", "brand"] if identity == "etat" else ["static"]
        built[identity] = build_site(content, base / "output", IDENTITY=identity, THEME_STATIC_PATHS=static)
    return built


PAGES = {  # page -> the image it shows
    "index.html": "site",
    "missions/index.html": "site",
    "missions/colis-laon/index.html": "aide-alimentaire-urgence",
    "missions/garde-ajaccio/index.html": "garde-exceptionnelle-enfants",
    "domaines/garde-exceptionnelle-enfants/index.html": "garde-exceptionnelle-enfants",
    "domaines/index.html": "site",
    "departements/02/index.html": "site",
    "communes/laon/index.html": "site",
    "a-distance/index.html": "site",
    "statistiques/index.html": "site",
    "ressources/index.html": "site",
    "recherche/index.html": "site",
    "proposer-une-mission/index.html": "site",
    "merci/index.html": "site",
    "404.html": "site",
    "contact/index.html": "site",  # a page of content/pages (Pelican's generator)
}


@pytest.mark.parametrize("identity", ["etat", "neutre"])
def test_every_page_type_names_its_image_with_size_and_text(sites, identity):
    site = sites[identity]
    for relpath, image in PAGES.items():
        meta = meta_of(site / relpath)
        assert meta["og:image"] == f"{SITEURL}/images/partage/{image}.png", relpath
        assert (meta["og:image:width"], meta["og:image:height"]) == ("1200", "630"), relpath
        assert meta["og:image:type"] == "image/png"
        alt = meta["og:image:alt"]
        assert alt.startswith("Je veux aider") and "réserve civique" in alt, relpath
        for required in ("og:title", "og:type", "og:url"):  # the protocol's other required properties
            assert meta.get(required), (relpath, required)


def test_an_images_text_names_its_domain(sites):
    meta = meta_of(sites["etat"] / "missions/garde-ajaccio/index.html")
    assert meta["og:image:alt"] == (
        "Je veux aider — Préfecture de l’Aisne : Garde exceptionnelle d’enfants, missions bénévoles de la réserve civique"
    )


@pytest.mark.parametrize("identity", ["etat", "neutre"])
def test_the_images_exist_at_the_right_size(sites, identity):
    folder = sites[identity] / "images/partage"
    assert {p.stem for p in folder.glob("*.png")} == {"site", *DOMAINS}
    for path in folder.glob("*.png"):
        with Image.open(path) as image:
            assert image.format == "PNG" and image.size == (1200, 630)
            assert image.info == {} or set(image.info) <= {"dpi", "gamma"}  # no text chunks, no date


def test_the_identities_draw_different_images_and_only_the_state_shows_its_brand(sites):
    etat, neutre = (sites[i] / "images/partage/site.png" for i in ("etat", "neutre"))
    assert etat.read_bytes() != neutre.read_bytes()
    # the bloc-marque's tricolour rule, top left, only on the État identity's image
    with Image.open(etat) as image:
        assert image.getpixel((80, 76)) == (0, 0, 145) and image.getpixel((170, 76)) == (225, 0, 15)
    with Image.open(neutre) as image:
        assert image.getpixel((80, 76)) == (255, 255, 255) and image.getpixel((170, 76)) == (255, 255, 255)
        assert all(pixel != (225, 0, 15) for _, pixel in image.getcolors(1_000_000))  # no red Marianne at all


def test_the_neutral_identity_draws_with_a_free_font_not_marianne(monkeypatch, tmp_path):
    from PIL import ImageFont

    from reserve_civique import ogimages

    opened = []
    real = ImageFont.truetype
    monkeypatch.setattr(ImageFont, "truetype", lambda path, size: opened.append(path) or real(path, size))
    ogimages._font.cache_clear()
    card = ogimages.Card("x", "Aide alimentaire", "Je veux aider", "", "neutre")
    ogimages.draw(card, str(ROOT / "theme"))
    ogimages._font.cache_clear()
    assert opened and all(re.search(r"fonts/DejaVuSans(-Bold)?\.ttf$", path) for path in opened)


def test_the_images_are_the_same_bytes_at_each_build_and_not_redrawn_when_unchanged(sites, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(DATA / "content", content)
    output = tmp_path / "output"
    settings = {"content_dir": str(content), "today": TODAY.isoformat(), "incremental": False}
    build_site(content, output, RESERVE_CIVIQUE=settings)
    assert len(list((sites["etat"] / "images/partage").glob("*.png"))) == 3
    for path in (sites["etat"] / "images/partage").glob("*.png"):
        assert (output / "images/partage" / path.name).read_bytes() == path.read_bytes()
    build_site(content, output, DELETE_OUTPUT_DIRECTORY=False)  # incremental: made, then kept
    before = {p.name: p.stat().st_mtime_ns for p in (output / "images/partage").glob("*.png")}
    build_site(content, output, DELETE_OUTPUT_DIRECTORY=False)
    assert {p.name: p.stat().st_mtime_ns for p in (output / "images/partage").glob("*.png")} == before
