"""The forges' files: the pipelines pass their linters (a broken pipeline fails `make test`, not a
coordinator's pull request), GitHub's and GitLab's run the same make targets, the nightly run is at
00:10 in Paris, the templates carry the coordinator's checklist, and the CODEOWNERS example gives
each mission of the demo content to its department's coordinators."""

import datetime as dt
import fnmatch
import re
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from tests.helpers import ROOT

BIN = Path(sys.executable).parent  # actionlint and check-jsonschema are pinned in requirements.lock
GITHUB = ROOT / ".github" / "workflows" / "site.yml"
GITLAB = ROOT / ".gitlab-ci.yml"
TEMPLATES = [ROOT / ".github" / "pull_request_template.md", ROOT / ".gitlab" / "merge_request_templates" / "Default.md"]


def tool(name: str) -> str:
    path = BIN / name
    assert path.is_file(), f"{name} manque : il est épinglé dans requirements.lock (make installe tout)"
    return str(path)


def test_github_workflows_pass_actionlint():
    result = subprocess.run([tool("actionlint"), "-no-color"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("schema", "files"), [("vendor.gitlab-ci", [GITLAB]), ("vendor.github-workflows", [GITHUB])])
def test_pipelines_pass_the_forges_schemas(schema, files):
    result = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", schema, *map(str, files)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def make_targets(text: str) -> list[str]:
    return sorted(set(re.findall(r"\bmake (\w+)", "\n".join(line.split("#")[0] for line in text.splitlines()))))


def test_both_forges_run_the_same_make_targets():
    github, gitlab = GITHUB.read_text(encoding="utf-8"), GITLAB.read_text(encoding="utf-8")
    assert make_targets(github) == make_targets(gitlab) == ["build", "check", "publish", "review"]
    assert "make check FORMAT=github" in github and "make check FORMAT=gitlab OUTPUT=gl-code-quality.json" in gitlab
    assert yaml.safe_load(gitlab)["site"]["artifacts"]["reports"]["codequality"] == "gl-code-quality.json"
    assert 'OUTPUT="$GITHUB_STEP_SUMMARY"' in github


def test_github_runs_every_night_at_ten_past_midnight_in_paris_summer_and_winter():
    """GitHub's cron is in UTC: one of the two daily runs is 00:10 in Paris, in each season."""
    crons = {entry["cron"] for entry in yaml.safe_load(GITHUB.read_text(encoding="utf-8"))[True]["schedule"]}
    paris = ZoneInfo("Europe/Paris")
    for day in (dt.date(2027, 1, 15), dt.date(2027, 7, 15), dt.date(2027, 3, 28), dt.date(2027, 10, 31)):
        utc = dt.datetime.combine(day, dt.time(0, 10), paris).astimezone(dt.UTC)
        assert f"{utc.minute} {utc.hour} * * *" in crons, day
    assert len(crons) == 2


def test_actions_are_pinned_to_a_version():
    uses = re.findall(r"uses:\s*(\S+)", GITHUB.read_text(encoding="utf-8"))
    assert uses and all(re.fullmatch(r"[\w.-]+/[\w.-]+@(v\d+\.\d+\.\d+|[0-9a-f]{40})", use) for use in uses), uses


def test_the_publication_secrets_and_schedule_are_documented():
    guide = (ROOT / "docs" / "production.md").read_text(encoding="utf-8")
    pipelines = GITHUB.read_text(encoding="utf-8") + GITLAB.read_text(encoding="utf-8")
    names = set(re.findall(r"\b(PUBLISH_[A-Z_]+|SITEURL)\b", pipelines))
    assert names == {"PUBLISH_TO", "PUBLISH_SSH_KEY", "PUBLISH_KNOWN_HOSTS", "SITEURL"}
    assert [name for name in sorted(names) if f"`{name}`" not in guide] == []
    assert "10 0 * * *" in guide and "Europe/Paris" in guide


CHECKLIST = ["Structure éligible selon la circulaire", "Consignes sanitaires", "Âges", "Places", "Contact vérifié"]


def test_pull_request_templates_hold_the_coordinators_checklist():
    github, gitlab = (path.read_text(encoding="utf-8") for path in TEMPLATES)
    assert github == gitlab  # one checklist for both forges
    boxes = [line for line in github.splitlines() if line.startswith("- [ ] ")]
    assert [item for item in CHECKLIST if not any(f"**{item}" in box for box in boxes)] == []


def owners(codeowners: str) -> list[tuple[str, str]]:
    rules = []
    for line in codeowners.splitlines():
        if line.strip() and not line.startswith("#"):
            pattern, owner = line.split()
            rules.append((pattern, owner))
    return rules


def owner_of(rules: list[tuple[str, str]], path: str) -> str:
    """The owner GitHub would ask: the last rule that matches (``*`` matches any file)."""
    found = None
    for pattern, owner in rules:
        if pattern == "*" or fnmatch.fnmatchcase("/" + path, pattern):
            found = owner
    return found


def test_codeowners_example_gives_each_demo_mission_to_its_departments_coordinators():
    rules = owners((ROOT / ".github" / "CODEOWNERS.example").read_text(encoding="utf-8"))
    missions = sorted((ROOT / "content" / "missions").glob("*.yaml"))
    assert missions
    for path in missions:
        department = yaml.safe_load(path.read_text(encoding="utf-8"))["department"]
        assert owner_of(rules, f"content/missions/{path.name}") == f"@prefecture/coordination-{department}", path.name
    assert owner_of(rules, "content/structures/ville-de-soissons.yaml") == "@prefecture/coordination"
    assert owner_of(rules, "content/missions/je-cuisine-a-lille.yaml") == "@prefecture/coordination"
