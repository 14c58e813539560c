"""A mission's optional `access` (how to get there): on its page under the place, and in the open data (read and checked: tests/core/test_mission_access.py)."""

import csv
import io
import json

from jsonschema import Draft202012Validator, FormatChecker

from catalog.schema import load_schema
from tests.helpers import build_site

MISSION = "missions/colis-laon.yaml"
ACCESS = "Bus ligne 3, arrêt Mairie"


def test_access_is_shown_under_the_place_and_published_as_open_data(tmp_path, content_dir, edit):
    edit(MISSION, "department:", f"access: {ACCESS}\ndepartment:")
    out = build_site(content_dir, tmp_path / "out")
    page = (out / "missions/colis-laon/index.html").read_text(encoding="utf-8")
    place = page.index("12 rue du Bourg")
    assert page.index(f'<p class="access">Accès : {ACCESS}</p>') > place
    assert page.index("Accès :") < page.index("Département</dt>")
    assert "Accès :" not in (out / "missions/garde-ajaccio/index.html").read_text(encoding="utf-8")
    data = json.loads((out / "missions.json").read_text(encoding="utf-8"))
    Draft202012Validator(load_schema("opendata"), format_checker=FormatChecker()).validate(data)
    assert {m["id"]: m["access"] for m in data["missions"]}["colis-laon"] == ACCESS
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO((out / "missions.csv").read_text(encoding="utf-8")))}
    assert (rows["colis-laon"]["access"], rows["garde-ajaccio"]["access"]) == (ACCESS, "")
