"""Publication: a forge's pipeline (`make publish`) and the server's nightly rebuild (`invoke rebuild`,
deploy/reserve-civique-rebuild.timer), run for real on a git server, a pipeline's clone and a
server's checkout in temporary folders (no ssh: a local folder stands for `user@host:folder`)."""

import gzip
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import DATA, ROOT

# What a build needs of the project (its code, read from the working tree), with the test content.
PROJECT = [
    "catalog",
    "plugins",
    "theme",
    "devtools",
    "formhandler",
    "tasks.py",
    "pelicanconf.py",
    "publishconf.py",
    ".gitignore",
]
SITEURL = "https://aider.example.org"
ENDED = "colis-laon"  # its end date is 2027-03-31


def git(cwd, *args):
    identity = ["-c", "user.name=Coordination", "-c", "user.email=coordination@example.org"]
    return subprocess.run(["git", *identity, *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def run(cwd, *command, today="2027-03-31", **env):
    environ = {**os.environ, "SITEURL": SITEURL, "RESERVE_CIVIQUE_TODAY": today, **env}
    environ.pop("PYTHONPATH", None)  # the server's checkout stands alone
    return subprocess.run(command, cwd=cwd, env=environ, capture_output=True, text=True, check=False)


class Forge:
    """``origin``: the git server; ``work``: a coordinator's clone; ``server``: the checkout on the server,
    with the virtualenv (this project's)."""

    def __init__(self, base: Path):
        self.work, self.origin, self.server = base / "work", base / "origin.git", base / "srv"
        self.work.mkdir()
        for name in PROJECT:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, self.work / name, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy(source, self.work / name)
        shutil.copytree(DATA / "content", self.work / "content")
        git(self.work, "init", "-q", "-b", "main")
        git(self.work, "add", ".")
        git(self.work, "commit", "-qm", "Le site")
        git(base, "clone", "-q", "--bare", str(self.work), str(self.origin))
        git(self.work, "remote", "add", "origin", str(self.origin))
        git(self.work, "fetch", "-q", "origin")
        git(self.work, "branch", "-q", "--set-upstream-to=origin/main")
        git(base, "clone", "-q", str(self.origin), str(self.server))
        (self.server / ".venv").symlink_to((ROOT / ".venv").resolve())

    def commit(self, message: str, **files: str) -> str:
        """A change merged on the git server's main branch: its commit."""
        for relative, text in files.items():
            path = self.work / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        git(self.work, "add", ".")
        git(self.work, "commit", "-qm", message)
        git(self.work, "push", "-q", "origin", "main")
        return git(self.work, "rev-parse", "HEAD").strip()


@pytest.fixture
def forge(tmp_path):
    return Forge(tmp_path)


def mentions(site: Path, text: str) -> set[str]:
    """The files of a built site that mention ``text``; a search index fragment by its name."""
    found = set()
    for path in site.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if path.suffix == ".pf_fragment":
                data = gzip.decompress(data)
                path = path.parent  # pagefind/fragment: the index of the search
            if text.encode() in data:
                found.add(path.relative_to(site).as_posix())
    return found


def test_the_nightly_rebuild_takes_ended_missions_out_of_listings_feeds_sitemap_and_search(forge):
    """What the timer's unit runs, on the last day of a mission then the day after: the page stays,
    marked ended; the listings, the feeds, the open data, the sitemap and the search forget it."""
    unit = (ROOT / "deploy" / "reserve-civique-rebuild.service").read_text(encoding="utf-8")
    command = re.search(r"^ExecStart=/srv/reserve-civique/(\S+) (\S+)$", unit, re.M).groups()
    assert command == (".venv/bin/invoke", "rebuild")
    served = forge.server / "output"

    first = run(forge.server, *command, today="2027-03-31")
    assert first.returncode == 0, first.stdout + first.stderr
    on_the_last_day = mentions(served, f"/missions/{ENDED}/")
    for where in ("index.html", "missions/index.html", "domaines/aide-alimentaire-urgence/index.html",
                  "departements/02/index.html", "communes/laon/index.html", "structures/asso-test/index.html",
                  "flux/missions.atom", "flux/domaines/aide-alimentaire-urgence.atom", "sitemap.xml",
                  "missions.json", "missions.csv", "missions.ics", "pagefind/fragment"):  # fmt: skip
        assert where in on_the_last_day, where

    second = run(forge.server, *command, today="2027-04-01")
    assert second.returncode == 0, second.stdout + second.stderr
    assert mentions(served, f"/missions/{ENDED}/") == {f"missions/{ENDED}/index.html"}  # its own page only
    page = (served / "missions" / ENDED / "index.html").read_text(encoding="utf-8")
    assert "Cette mission est terminée : sa date de fin est passée." in page
    assert "<form" not in page
    assert f"{SITEURL}/missions/appels-distance/" in (served / "sitemap.xml").read_text(encoding="utf-8")


def test_the_timer_fires_at_ten_past_midnight_in_paris_summer_and_winter():
    timer = (ROOT / "deploy" / "reserve-civique-rebuild.timer").read_text(encoding="utf-8")
    assert "OnCalendar=*-*-* 00:10:00 Europe/Paris\n" in timer and "Persistent=true\n" in timer
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        assert not os.environ.get("CI"), "CI installs systemd (see .ci/run)"
        pytest.skip("systemd-analyze absent : installez systemd")
    # 00:10 in Paris is 23:10 UTC in winter (UTC+1) and 22:10 UTC in summer (UTC+2)
    for base, utc in (
        ("2027-01-15 12:00", "Fri 2027-01-15 23:10:00 UTC"),
        ("2027-07-15 12:00", "Thu 2027-07-15 22:10:00 UTC"),
    ):
        result = subprocess.run(
            [analyze, "calendar", f"--base-time={base} UTC", "*-*-* 00:10:00 Europe/Paris"],
            capture_output=True, text=True, check=True, env={**os.environ, "TZ": "UTC"},
        )  # fmt: skip
        assert f"Next elapse: {utc}\n" in result.stdout, result.stdout


def test_a_pipeline_publishes_the_site_and_the_servers_checkout_follows(forge, tmp_path):
    """`make publish` as the default branch's pipeline runs it: the site built for SITEURL, sent to the
    server, put in place of output/; the checkout moves to the published commit (the handler reads its
    content). An older pipeline coming last does not put its older site back."""
    first = forge.commit("Une nouvelle mission", **{
        "content/missions/nouvelle.yaml": (DATA / "content/missions/colis-laon.yaml").read_text(encoding="utf-8")
    })  # fmt: skip
    pipeline = tmp_path / "pipeline"
    git(tmp_path, "clone", "-q", str(forge.origin), str(pipeline))
    (pipeline / ".venv").symlink_to((ROOT / ".venv").resolve())
    publish = (".venv/bin/invoke", "publish", "--to", str(forge.server), "--commit", first)

    result = run(pipeline, *publish)
    assert result.returncode == 0, result.stdout + result.stderr
    assert git(forge.server, "rev-parse", "HEAD").strip() == first
    assert (forge.server / "content/missions/nouvelle.yaml").is_file()
    page = (forge.server / "output/missions/nouvelle/index.html").read_text(encoding="utf-8")
    assert f'<meta property="og:url" content="{SITEURL}/missions/nouvelle/">' in page  # built for the public address
    assert "Le code a changé" not in result.stderr
    assert "personne(s) prévenue(s) que leur mission est en ligne" in result.stdout  # the handler's commands ran
    assert "e-mail(s) de nouvelles missions" in result.stdout  # alerts send, after each publication

    second = forge.commit("Le thème", **{"theme/NOTE.txt": "une note\n"})
    newer = tmp_path / "newer"
    git(tmp_path, "clone", "-q", str(forge.origin), str(newer))
    (newer / ".venv").symlink_to((ROOT / ".venv").resolve())
    result = run(newer, ".venv/bin/invoke", "publish", "--to", str(forge.server), "--commit", second)
    assert result.returncode == 0, result.stderr
    assert "Le code a changé (theme/NOTE.txt)" in result.stderr  # the handler's update is the operator's

    git(pipeline, "rm", "-q", "content/missions/nouvelle.yaml")  # the older pipeline's tree, changed
    late = run(pipeline, *publish)
    assert late.returncode == 0, late.stderr
    assert "publication ignorée" in late.stdout
    assert git(forge.server, "rev-parse", "HEAD").strip() == second
    assert (forge.server / "output/missions/nouvelle/index.html").is_file()


def test_publishing_needs_the_public_address(forge):
    result = run(forge.server, ".venv/bin/invoke", "rebuild", SITEURL="")
    assert result.returncode == 1
    assert "SITEURL doit donner l'adresse publique du site" in result.stderr
