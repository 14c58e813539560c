"""Ages outside the prefect's circular (volunteers from 18 to 70) are a moderation warning, never an error.

Issue 18, defect 10 (second half): a mission open at 16 or up to 99 passed the content check
without a word; the coordinator must see that it goes beyond the circular, on the line to check.
"""

import pytest

from catalog import load_content
from catalog.problems import WARNING
from tests.helpers import problems_of

M = "missions/colis-laon.yaml"
CIRCULAR = "hors des 18 à 70 ans de la circulaire du préfet sur la réserve civique"


def test_the_test_contents_16_to_99_mission_is_warned_about(content_dir, today):
    errors, warnings = problems_of(content_dir, today)
    assert errors == []
    assert (
        "content/missions/appels-distance.yaml:10: age_min: avertissement : âges de 16 à 99 ans, "
        f"{CIRCULAR} : vérifiez que la structure les a demandés et que la mission s'y prête"
    ) in warnings


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "ages"),
    [
        ("places: 6", "places: 6\nage_min: 17", 20, "age_min", "17 à 70"),
        ("places: 6", "places: 6\nage_max: 71", 20, "age_max", "18 à 71"),
        ("places: 6", "places: 6\nage_max: 75\nage_min: 16", 21, "age_min", "16 à 75"),  # one warning, the first bound
    ],
)
def test_a_mission_outside_the_circular_is_warned_on_its_own_line(
    content_dir, today, edit, old, new, line, field, ages
):
    edit(M, old, new)
    errors, warnings = problems_of(content_dir, today)
    assert errors == []
    ours = [w for w in warnings if w.startswith(f"content/{M}:")]
    assert ours == [
        f"content/{M}:{line}: {field}: avertissement : âges de {ages} ans, {CIRCULAR} :"
        " vérifiez que la structure les a demandés et que la mission s'y prête"
    ]


@pytest.mark.parametrize("new", ["places: 6\nage_min: 18\nage_max: 70", "places: 6\nage_min: 30\nage_max: 60"])
def test_ages_within_the_circular_are_not_warned_about(content_dir, today, edit, new):
    edit(M, "places: 6", new)
    _, warnings = problems_of(content_dir, today)
    assert [w for w in warnings if w.startswith(f"content/{M}:")] == []


def test_a_domains_default_outside_the_circular_is_warned_on_its_missions_domain_line(content_dir, today, edit):
    edit("domains.yaml", "age_min: 21", "age_min: 16")  # garde-exceptionnelle-enfants
    result = load_content(content_dir, today=today, display_root=content_dir.parent)
    found = [p for p in result.warnings if "circulaire" in p.message and "garde" in p.path]
    assert found, "a mission of the domain inherits 16: it must be warned about"
    for problem in found:
        assert problem.severity == WARNING and problem.field == "domain"
        assert "(âge par défaut du domaine « Garde exceptionnelle d'enfants »)" in problem.message


def test_the_warning_never_fails_the_check_but_strict_does(content_dir, today):
    from catalog.check import main

    assert main([str(content_dir), "--today", today.isoformat()]) == 0
    assert main([str(content_dir), "--today", today.isoformat(), "--strict"]) == 1
