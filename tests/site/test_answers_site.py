"""Places that tell the truth in the static site: the handler's ``missions`` export, read by a real
Pelican build, makes a full mission's card, page and search data say « Complet — liste d'attente »;
the pages are made again when the export changes; a build with no export shows what it always showed."""

from __future__ import annotations

import json
import time

from tests.helpers import TODAY, build_site
from tests.helpers.answers import apply, click, structure_link
from tests.helpers.html import html_problems

FULL = "Complet — liste d'attente"


def build(content_dir, output, exports=None):
    plugin = {"content_dir": str(content_dir), "today": TODAY.isoformat()}
    if exports is not None:
        plugin["handler_exports"] = str(exports)
    return build_site(content_dir, output, RESERVE_CIVIQUE=plugin)


def page(output, relpath: str) -> str:
    return (output / relpath).read_text(encoding="utf-8").replace("&#39;", "'")


def write_export(folder, data, generated_at=None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    document = {"generated_at": time.time() if generated_at is None else generated_at, "data": data}
    (folder / "missions.json").write_text(json.dumps(document), encoding="utf-8")


def test_the_handlers_export_makes_a_full_mission_say_so_in_listings_its_page_and_search(
    make_app, content_dir, tmp_path, smtp, backend
):
    exports = tmp_path / "exports"
    app = make_app(EXPORTS_DIR=str(exports))
    client = app.test_client()
    apply(client, "jeanne@exemple.fr")
    assert click(client, structure_link(app, smtp, "jeanne@exemple.fr"), "complete").status_code == 303
    result = app.test_cli_runner().invoke(args=["exports", "write", "missions"])
    assert result.exit_code == 0, result.output
    data = json.loads((exports / "missions.json").read_text(encoding="utf-8"))["data"]
    assert data == {"colis-laon": {"accepted": 0, "applications": 1, "waiting": 0, "offered": 0, "complete": True}}

    output = build(content_dir, tmp_path / "output", exports)
    for listing in ("missions/index.html", "departements/02/index.html", "index.html"):
        text = page(output, listing)
        card = text[text.index('href="/missions/colis-laon/"') :][:1500]
        assert FULL in card, listing
        other = text[text.index('href="/missions/appels-distance/"') :][:1500]
        assert FULL not in other.split("</li>\n</ul>")[0].split('<li class="fr-card')[0]
    mission = page(output, "missions/colis-laon/index.html")
    assert 'data-pagefind-meta="places:Complet — liste d\'attente"' in mission  # what search results show
    assert "Complet — liste d'attente : vous pouvez encore candidater." in mission
    assert "data-waiting-note hidden" not in mission  # the form says so before sending
    assert "data-waiting-note hidden" in page(output, "missions/appels-distance/index.html")


def test_pages_are_made_again_when_the_export_changes_and_without_one_the_site_is_as_before(content_dir, tmp_path):
    exports, output = tmp_path / "exports", tmp_path / "output"
    before = build(content_dir, output, exports)  # no export file at all
    plain = page(before, "missions/index.html")
    assert FULL not in plain and FULL not in page(before, "missions/colis-laon/index.html")

    write_export(exports, {"colis-laon": {"accepted": 6, "applications": 9, "waiting": 3, "complete": False}})
    build(content_dir, output, exports)  # incremental, into the same folder
    assert FULL in page(output, "missions/index.html") and FULL in page(output, "missions/colis-laon/index.html")

    write_export(exports, {"colis-laon": {"accepted": 5, "applications": 9, "waiting": 3, "complete": False}})
    build(content_dir, output, exports)  # a place freed
    assert FULL not in page(output, "missions/index.html") and FULL not in page(
        output, "missions/colis-laon/index.html"
    )

    write_export(exports, {"colis-laon": {"accepted": 6, "complete": False}}, generated_at=time.time() - 30 * 86400)
    build(content_dir, output, exports)  # too old to be believed: shown as without an export
    assert page(output, "missions/index.html") == plain


def test_a_full_missions_pages_are_valid_html(nu, content_dir, tmp_path):
    exports = tmp_path / "exports"
    write_export(exports, {"colis-laon": {"accepted": 6, "applications": 6, "waiting": 0, "complete": False}})
    output = build(content_dir, tmp_path / "output", exports)
    checked = tmp_path / "checked"
    checked.mkdir()
    for relpath in ("missions/index.html", "missions/colis-laon/index.html", "departements/02/index.html"):
        assert FULL in page(output, relpath)
        (checked / relpath.replace("/", "-")).write_bytes((output / relpath).read_bytes())
    assert html_problems({"full": checked}, svg=False) == {}
