"""The « Voisins solidaires » kit is a PDF made at build time, credited to its source (issue 18, defect 5).

It was an HTML page whose inline styles the site's own Content Security Policy blocks when it is
opened by its address. Built here from the shipped demo content (the test content has no
resources), then read back with pypdf.
"""

from __future__ import annotations

import io
import re
import shutil

import pytest
from pypdf import PdfReader

from catalog.text import french_typography
from reserve_civique.resources import ResourceError, load_resources
from tests.helpers import ROOT, TODAY, build_site

PDF = "ressources/kit-solidarite-voisins.pdf"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    base = tmp_path_factory.mktemp("kit")
    content = base / "content"
    shutil.copytree(ROOT / "content", content)
    return build_site(content, base / "output", RESERVE_CIVIQUE={"content_dir": str(content), "today": str(TODAY)})


def text_of(reader: PdfReader) -> str:
    # only the line breaks and ordinary spaces: str.split() would also take the no-break ones
    return " ".join(re.sub(r"[ \t\r\n]+", " ", page.extract_text()) for page in reader.pages)


def test_the_kit_is_a_valid_two_page_a4_pdf_in_french(demo):
    data = (demo / PDF).read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    reader = PdfReader(io.BytesIO(data), strict=True)
    assert len(reader.pages) == 2
    for page in reader.pages:  # A4: 595 × 842 points
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    assert reader.metadata.title == "Kit de la solidarité entre voisins"
    assert reader.trailer["/Root"]["/Lang"] == "fr"
    assert reader.trailer["/Root"]["/ViewerPreferences"]["/DisplayDocTitle"]
    assert [item.title for item in reader.outline] == [
        "Voisins, je peux vous aider\u202f!",
        "Aider sans se mettre en danger",
    ]


def test_the_kit_says_its_text_credits_its_source_and_leads_to_the_site(demo):
    text = text_of(PdfReader(demo / PDF))
    for words in (
        "Voisins, je peux vous aider",
        "Mon téléphone",
        "Aider sans se mettre en danger",
        "appelez le 15",
        "l’association Voisins solidaires",
        "www.voisinssolidaires.fr",
        "https://aider.example.org/missions/",
    ):
        assert words in text, words
    assert text.count("D’après le kit de solidarité entre voisins") == 2  # at the bottom of each page


def test_french_typography_in_the_kit(demo):
    assert french_typography("Vous êtes âgé ? Mon prénom : Paul ; l'aide « Je veux aider » !") == (
        "Vous êtes âgé\u202f? Mon prénom\u00a0: Paul\u202f; l’aide «\u00a0Je veux aider\u00a0»\u202f!"
    )
    reader = PdfReader(demo / PDF)
    text = text_of(reader)
    assert "aider\u202f!" in text and "sortir\u202f?" in text and "n’avez" in text and "'" not in text
    # the no-break space before « : » has the space's glyph (read back as a space), but no line starts with it
    lines = [line.strip() for page in reader.pages for line in page.extract_text().splitlines()]
    assert not [line for line in lines if line[:1] in ":;!?»"]


def test_the_fonts_are_embedded_and_redistributable(demo):
    reader = PdfReader(demo / PDF)
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            assert "/FontFile2" in descriptor  # embedded (a subset), not looked for on the reader's machine
            fonts.add(re.sub(r"^/[A-Z]{6}\+", "", font["/BaseFont"]))
    assert fonts == {"DejaVuSansBook", "DejaVuSansBold"}
    assert "Bitstream Vera" in (ROOT / "theme/fonts/LICENSE").read_text(encoding="utf-8")


def test_the_kit_is_the_same_bytes_at_each_build(demo, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    settings = {"content_dir": str(content), "today": "2027-06-01", "incremental": False}
    again = build_site(content, tmp_path / "output", RESERVE_CIVIQUE=settings)
    assert (again / PDF).read_bytes() == (demo / PDF).read_bytes()  # no build date in it
    assert b"/CreationDate (D:20261201" in (demo / PDF).read_bytes()  # the text's own date


def test_the_resources_page_links_the_pdf_with_its_size(demo):
    html = (demo / "ressources/index.html").read_text(encoding="utf-8")
    size = round((demo / PDF).stat().st_size / 1024)
    assert '<a href="/ressources/kit-solidarite-voisins.pdf" download>Kit de la solidarité entre voisins</a>' in html
    assert f'<p class="fr-card__detail">PDF, {size} Ko</p>' in html


def test_no_html_page_is_left_among_the_resources(demo):
    assert sorted(p.name for p in (demo / "ressources").iterdir()) == [
        "index.html",  # the /ressources/ page itself, styled by the site's stylesheets
        "kit-solidarite-voisins.pdf",
        "memo-benevole.txt",
    ]
    assert not list((ROOT / "content/ressources").glob("*.htm*"))


def test_an_html_resource_is_refused_with_the_reason(tmp_path):
    folder = tmp_path / "ressources"
    folder.mkdir()
    (folder / "kit.html").write_text("<style>h1{color:red}</style><h1>Kit</h1>", encoding="utf-8")
    (folder / "ressources.yaml").write_text(
        "- title: Kit\n  description: Un kit.\n  file: kit.html\n", encoding="utf-8"
    )
    with pytest.raises(ResourceError, match=r"pas de page HTML .* politique de sécurité du site .* publiez un PDF"):
        load_resources(tmp_path)


def test_a_rebuild_makes_the_kit_again_when_its_text_changes_and_keeps_one_version(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    output = tmp_path / "output"
    settings = {"content_dir": str(content), "today": str(TODAY)}
    build_site(content, output, RESERVE_CIVIQUE=settings, DELETE_OUTPUT_DIRECTORY=False)
    first = (output / PDF).read_bytes()
    build_site(content, output, RESERVE_CIVIQUE=settings, DELETE_OUTPUT_DIRECTORY=False)
    assert (output / PDF).read_bytes() == first  # from the cache, the same
    source = content / "ressources/kit-solidarite-voisins.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace("appelez le 15", "appelez le 112"), encoding="utf-8")
    build_site(content, output, RESERVE_CIVIQUE=settings, DELETE_OUTPUT_DIRECTORY=False)
    assert "appelez le 112" in text_of(PdfReader(output / PDF))
    assert len(list((tmp_path / "cache").rglob("kit-solidarite-voisins.pdf-*.marshal"))) == 1
