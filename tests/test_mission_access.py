"""A mission's optional `access` (how to get there): checked, on its page under the place, in its public shape."""

import csv
import io
import json

from jsonschema import Draft202012Validator, FormatChecker

from catalog import PublicMission, load_content
from catalog.schema import load_schema
from conftest import TODAY, build_site

MISSION = "missions/colis-laon.yaml"
ACCESS = "Bus ligne 3, arrêt Mairie"


def test_access_is_read_and_checked(content_dir, edit):
    assert load_content(content_dir, today=TODAY).catalog.missions["colis-laon"].access is None
    edit(MISSION, "department:", f"access: {ACCESS}\ndepartment:")
    result = load_content(content_dir, today=TODAY)
    assert not result.errors and result.catalog.missions["colis-laon"].access == ACCESS
    edit(MISSION, f"access: {ACCESS}", "access: " + "a" * 201)
    assert [(p.field, p.line) for p in load_content(content_dir, today=TODAY).errors] == [("access", 15)]


def test_access_is_in_the_public_shape(content_dir, edit):
    edit(MISSION, "department:", f"access: {ACCESS}\ndepartment:")
    catalog = load_content(content_dir, today=TODAY).catalog
    shape = PublicMission.of(catalog, catalog.missions["colis-laon"], TODAY)
    assert shape.access == ACCESS and shape.record("https://aider.example.org")["access"] == ACCESS


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
