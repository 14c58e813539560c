"""The content check in the forges' formats: GitHub annotations and GitLab's Code Quality report."""

import json
import os
import subprocess
import sys

import pytest

from catalog.problems import ERROR, WARNING, Problem
from catalog.reports import github_command, gitlab_report
from tests.helpers import ROOT

# A mission added by a pull request, with two mistakes (a postal code of another department,
# an end before the start) and a moderation hint (a title that does not start with « Je »).
NEW_MISSION = """\
title: Distribution de colis à Soissons
domain: aide-alimentaire-urgence
structure: asso-test
summary: Préparer et remettre des colis aux familles de Soissons.
description: En équipe, le samedi matin.
remote: false
location:
  address: 3 place Fernand-Marquigny
  postal_code: "60200"
  city: Soissons
department: "02"
start: 2026-12-12
end: 2026-12-05
places: 4
"""


def check(repo, *options):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "catalog.check", "content", "--today", "2026-11-29", *options]
    return subprocess.run(command, cwd=repo, capture_output=True, text=True, env=env, check=False)


@pytest.fixture
def change(content_dir):
    """The test content with the new mission, in a repository whose root is ``content_dir``'s parent."""
    (content_dir / "missions" / "colis-soissons.yaml").write_text(NEW_MISSION, encoding="utf-8")
    return content_dir.parent


def test_a_new_mission_with_two_mistakes_shows_both_on_their_lines_in_github(change):
    result = check(change, "--format", "github")
    assert result.returncode == 1
    file = "content/missions/colis-soissons.yaml"
    assert result.stdout.splitlines() == [
        f"::error file={file},line=9,title=make check (location.postal_code)::le code postal 60200 est dans le"
        " département 60 (Oise), pas dans le département 02 indiqué par department",
        f"::error file={file},line=13,title=make check (end)::la date de fin (2026-12-05) est antérieure à la date"
        " de début (2026-12-12)",
        "::warning file=content/missions/appels-distance.yaml,line=10,title=make check (age_min)::âges de 16 à 99"
        " ans, hors des 18 à 70 ans de la circulaire du préfet sur la réserve civique : vérifiez que la structure"
        " les a demandés et que la mission s'y prête",
        f"::warning file={file},line=1,title=make check (title)::le titre devrait commencer par « Je » ou « J' »"
        " (par ex. « Je distribue des colis alimentaires »)",
        "::warning file=content/missions/masques-passee.yaml,line=13,title=make check (end)::la date de fin"
        " (2026-10-31) est passée : la mission n'apparaît plus dans les listes",
        "5 mission(s), 2 structure(s), 2 domaine(s) ; 2 erreur(s), 3 avertissement(s)",
    ]


def test_the_same_change_in_a_gitlab_code_quality_report(change, tmp_path):
    report = tmp_path / "gl-code-quality.json"
    result = check(change, "--format", "gitlab", "--output", str(report))
    assert result.returncode == 1
    assert "colis-soissons.yaml:9: location.postal_code: le code postal" in result.stdout  # the log, as usual
    entries = json.loads(report.read_text(encoding="utf-8"))
    where = [(e["location"]["path"], e["location"]["lines"]["begin"], e["check_name"], e["severity"]) for e in entries]
    assert where == [
        ("content/missions/colis-soissons.yaml", 9, "location.postal_code", "major"),
        ("content/missions/colis-soissons.yaml", 13, "end", "major"),
        ("content/missions/appels-distance.yaml", 10, "age_min", "minor"),
        ("content/missions/colis-soissons.yaml", 1, "title", "minor"),
        ("content/missions/masques-passee.yaml", 13, "end", "minor"),
    ]
    assert (
        entries[1]["description"] == "end : la date de fin (2026-12-05) est antérieure à la date de début (2026-12-12)"
    )
    assert len({e["fingerprint"] for e in entries}) == 5
    alone = check(change, "--format", "gitlab")  # without --output: the report alone on standard output
    assert json.loads(alone.stdout) == entries


def test_make_check_takes_the_format(change):
    result = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), "check", "FORMAT=github", f"CONTENT={change / 'content'}"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error ")]
    assert [line.split("::")[1].rsplit(",title=", 1)[0].split(",line=")[1] for line in errors] == ["9", "13"]


@pytest.mark.parametrize(
    ("problem", "command"),
    [
        (
            Problem("content/missions/a.yaml", 3, "places", "100 % des places\r\nprises", ERROR),
            "::error file=content/missions/a.yaml,line=3,title=make check (places)::100 %25 des places%0D%0Aprises",
        ),
        (  # ``:`` and ``,`` separate the properties: escaped in them, not in the message
            Problem("content/missions/b,c:d.yaml", 1, "", "a, b: c", WARNING),
            "::warning file=content/missions/b%2Cc%3Ad.yaml,line=1,title=make check::a, b: c",
        ),
        (
            Problem("content/x.yaml", 2, "a:b,c%", "fin\n", WARNING),
            "::warning file=content/x.yaml,line=2,title=make check (a%3Ab%2Cc%25)::fin%0A",
        ),
    ],
)
def test_workflow_commands_are_escaped_as_github_reads_them(problem, command):
    assert github_command(problem) == command


def test_equal_problems_on_two_lines_have_two_fingerprints_that_do_not_depend_on_the_line():
    first = [Problem("c.yaml", 3, "x", "m"), Problem("c.yaml", 9, "x", "m")]
    moved = [Problem("c.yaml", 4, "x", "m"), Problem("c.yaml", 10, "x", "m")]
    fingerprints = [e["fingerprint"] for e in gitlab_report(first)]
    assert len(set(fingerprints)) == 2
    assert [e["fingerprint"] for e in gitlab_report(moved)] == fingerprints
