"""A mission's optional `access` (how to get there): checked, and in its public shape (on its page: tests/site/test_mission_access.py)."""

from catalog import PublicMission, load_content
from tests.helpers import TODAY

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
