"""`make new-mission`: a commented template that the check then guides."""

import datetime as dt

import pytest

from catalog import load_content
from catalog.scaffold import ScaffoldError, new_mission


def test_scaffolded_mission_is_valid_yaml_and_the_check_says_what_to_fill(content_dir, today):
    path = new_mission(content_dir, "ma-mission", today=dt.date(2026, 12, 1))
    assert path.name == "ma-mission.yaml"
    text = path.read_text(encoding="utf-8")
    assert "start: 2026-12-01" in text
    assert "# yaml-language-server: $schema=" in text
    errors = [str(p) for p in load_content(content_dir, today=today).errors]
    fields = sorted({e.split(": ")[1] for e in errors})
    # the template's domain is a real one, absent from the two-domain test content; every text left
    # to fill in is an error (published as it was, a town « À compléter » appeared in /communes/)
    assert fields == ["description", "domain", "location.address", "location.city", "structure", "summary", "title"]


@pytest.mark.parametrize("bad_id", ["", "Ma mission", "mission_1", "été"])
def test_bad_ids_are_refused(content_dir, bad_id):
    with pytest.raises(ScaffoldError, match="identifiant invalide"):
        new_mission(content_dir, bad_id)


def test_existing_file_is_not_overwritten(content_dir):
    with pytest.raises(ScaffoldError, match="existe déjà"):
        new_mission(content_dir, "colis-laon")
