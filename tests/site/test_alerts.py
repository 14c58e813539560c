"""The site's side of volunteers waiting for a mission: /etre-prevenu/, the links to it, and
« N bénévoles attendent une mission dans l'Aisne » from the handler's export — real Pelican builds."""

from __future__ import annotations

import html
import shutil
import time

import pytest

from formhandler.exports import write_json
from tests.helpers import DATA, build_site

WAITING = "bénévoles attendent une mission"


@pytest.fixture
def exports_dir(tmp_path):
    return tmp_path / "exports"


def export_pool(folder, departments: dict, age: float = 0) -> None:
    """The file ``alerts send`` / ``exports write`` leaves for the build (formhandler.exports)."""
    data = {"total": sum(departments.values()), "remote": 0, "departments": departments, "domains": {}}
    write_json(folder / "pool.json", {"generated_at": time.time() - age, "data": data})


def build(tmp_path, exports_dir):
    content = tmp_path / "content"
    if not content.exists():
        shutil.copytree(DATA / "content", content)
    return build_site(
        content,
        tmp_path / "output",
        RESERVE_CIVIQUE={"content_dir": str(content), "today": "2026-11-29", "handler_exports": str(exports_dir)},
        DELETE_OUTPUT_DIRECTORY=False,  # a rebuild reuses what did not change (incremental)
    )


def page(output, path: str) -> str:
    return (output / path / "index.html").read_text(encoding="utf-8")


def text(output, path: str) -> str:
    """The page with its character references read (« l&#39;Aisne » is « l'Aisne »)."""
    return html.unescape(page(output, path))


def test_the_sign_up_page_and_the_links_to_it(site):
    form = page(site, "etre-prevenu")
    assert 'action="/api/alerts"' in form and 'method="post"' in form
    for name in ("email", "first_name", "birth_date", "postal_code", "consent"):
        assert f'name="{name}"' in form
    assert 'name="domains" type="checkbox" value="aide-alimentaire-urgence"' in form
    assert 'name="departments" type="checkbox" value="02"' in form
    assert 'name="remote" type="checkbox" value="oui"' in form
    assert 'data-thanks="/etre-prevenu/merci/"' in form
    assert "confirmer votre adresse" in page(site, "etre-prevenu/merci")
    assert 'href="/etre-prevenu/"' in page(site, "")  # home
    assert 'href="/etre-prevenu/"' in page(site, "missions/maraude-close")  # a closed mission
    assert 'href="/etre-prevenu/"' not in page(site, "missions/colis-laon").split("<footer")[0]  # an open one: no
    assert 'href="/etre-prevenu/"' in page(site, "departements/2A")  # a listing with one mission
    search = page(site, "recherche")
    assert "data-search-empty hidden" in search and 'href="/etre-prevenu/"' in search
    assert "/etre-prevenu/" in (site / "sitemap.xml").read_text()


def test_waiting_volunteers_are_shown_only_from_a_recent_export(tmp_path, exports_dir):
    output = build(tmp_path, exports_dir)  # no handler has run: nothing said
    assert WAITING not in text(output, "statistiques") and WAITING not in text(output, "proposer-une-mission")

    export_pool(exports_dir, {"02": 12, "59": 1, "2A": 0})
    output = build(tmp_path, exports_dir)  # an incremental rebuild: the pages follow the export
    stats = text(output, "statistiques")
    assert f"12 {WAITING} dans l'Aisne" in stats
    assert "1 bénévole attend une mission dans le Nord" in stats
    assert "Corse" not in stats.split("data-waiting-volunteers")[1].split("</div>")[0]
    assert f"12 {WAITING} dans l'Aisne" in text(output, "proposer-une-mission")

    export_pool(exports_dir, {"02": 13})
    mission = output / "missions" / "colis-laon" / "index.html"
    made = mission.stat().st_mtime_ns
    output = build(tmp_path, exports_dir)
    assert mission.stat().st_mtime_ns == made  # incremental: the mission's page was not made again…
    assert f"13 {WAITING} dans l'Aisne" in text(output, "statistiques")  # …the statistics were

    export_pool(exports_dir, {"02": 14}, age=3 * 86400)  # older than handler_exports_max_age (2 days)
    output = build(tmp_path, exports_dir)
    assert WAITING not in text(output, "statistiques") and WAITING not in text(output, "proposer-une-mission")
