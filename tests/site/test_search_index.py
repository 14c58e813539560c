"""What Pagefind indexes of a mission page: the mission, not the page's labels and links.

Each open mission page is given to the real Pagefind (its Python API runs the
same binary as the build) and the text it keeps for the page is read back
from the fragment it writes.
"""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from pagefind.index import IndexConfig, PagefindIndex

from tests.helpers import pagefind_fragment


async def _indexed(html: str, folder: str) -> dict:
    # leaving the context writes the bundle: into the test's own folder
    async with PagefindIndex(IndexConfig(write_playground=False, output_path=folder)) as index:
        await index.add_html_file(content=html, url="/mission/")
        for file in await index.get_files():
            if "/fragment/" in file["path"] or file["path"].startswith("fragment/"):
                return pagefind_fragment(file["content"])
    raise AssertionError("Pagefind wrote no fragment")


@pytest.fixture(scope="module")
def indexed(site, tmp_path_factory) -> dict:
    html = (site / "missions/colis-laon/index.html").read_text(encoding="utf-8")
    folder = str(tmp_path_factory.mktemp("pagefind"))
    with ThreadPoolExecutor(1) as thread:  # a loop of its own: the browser tests' may be running in this thread
        return thread.submit(lambda: asyncio.run(_indexed(html, folder))).result()


@pytest.mark.parametrize(
    "text",
    [
        "Je distribue des colis à Laon",  # title
        "Préparer et remettre des colis aux familles.",  # summary
        "préparer les colis",  # description
        "Laon",
        "Aisne (02)",
        "Le mardi de 9 h à 12 h",  # schedule
        "Je viens au moins une fois par semaine.",  # a commitment of the mission
    ],
)
def test_the_mission_itself_is_indexed(indexed, text):
    assert text in indexed["content"]


@pytest.mark.parametrize(
    "label",
    [
        "Je candidate",
        "La mission",
        "Proposée par",
        "Où et quand",
        "Lieu",
        "OpenStreetMap",
        "Département",
        "Horaires",
        "Bénévoles recherchés",
        "6 places",
        "agenda",
        "Qui peut aider",
        "En candidatant",
        "Consignes sanitaires",
        "Portez les gants fournis.",  # the domain's and mission's guidelines: the same on many pages
        "Adresse e-mail",  # the form
        "scannez",  # the printed notice
    ],
)
def test_labels_links_and_forms_are_not_indexed(indexed, label):
    assert label not in indexed["content"]


def test_search_results_have_the_title_and_the_facets(indexed):
    assert indexed["meta"]["title"] == "Je distribue des colis à Laon"
    assert indexed["filters"]["domaine"] == ["Aide alimentaire et d'urgence"]
    assert indexed["filters"]["commune"] == ["Laon"]
