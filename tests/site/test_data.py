"""Open data, privacy, determinism, weight, sanitising and strictness of the build."""

import csv
import gzip
import io
import json
import re
import xml.etree.ElementTree as ET

import icalendar
import pytest
from jsonschema import Draft202012Validator, FormatChecker

from catalog import load_catalog
from catalog.schema import load_schema
from reserve_civique.generator import CatalogBuildError
from tests.helpers import DATA, TODAY, build_site

OPEN = {"appels-distance", "colis-laon", "garde-ajaccio"}
ATOM = "{http://www.w3.org/2005/Atom}"


def test_missions_json_validates_and_agrees_with_the_content(site):
    data = json.loads((site / "missions.json").read_text(encoding="utf-8"))
    Draft202012Validator(load_schema("opendata"), format_checker=FormatChecker()).validate(data)
    assert {m["id"] for m in data["missions"]} == OPEN
    catalog = load_catalog(DATA / "content", today=TODAY)
    for record in data["missions"]:
        mission = catalog.missions[record["id"]]
        assert record["title"] == mission.title
        assert record["places"] == mission.places
        assert record["start"] == mission.start.isoformat()
        assert record["url"] == f"https://aider.example.org/missions/{mission.id}/"
        assert record["health_guidelines"] == list(catalog.health_guidelines(mission))
    served = json.loads((site / "missions.schema.json").read_text(encoding="utf-8"))
    assert served == load_schema("opendata")


def test_missions_csv(site):
    rows = list(csv.DictReader(io.StringIO((site / "missions.csv").read_text(encoding="utf-8"))))
    assert {r["id"] for r in rows} == OPEN
    colis = next(r for r in rows if r["id"] == "colis-laon")
    assert colis["city"] == "Laon" and colis["remote"] == "non" and colis["places"] == "6"
    assert colis["health_guidelines"] == "Lavez-vous les mains en arrivant. | Portez les gants fournis."


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("flux/missions.atom", OPEN),
        ("flux/domaines/aide-alimentaire-urgence.atom", {"appels-distance", "colis-laon"}),
        ("flux/domaines/garde-exceptionnelle-enfants.atom", {"garde-ajaccio"}),
        ("flux/departements/02.atom", {"appels-distance", "colis-laon"}),
        ("flux/departements/2A.atom", {"garde-ajaccio"}),
    ],
)
def test_atom_feeds_parse_and_hold_only_open_missions(site, path, expected):
    root = ET.parse(site / path).getroot()
    links = {e.find(f"{ATOM}link").get("href") for e in root.findall(f"{ATOM}entry")}
    assert links == {f"https://aider.example.org/missions/{m}/" for m in expected}
    assert root.find(f"{ATOM}updated").text.startswith("2026-")


def test_icalendar_files(site):
    calendar = icalendar.Calendar.from_ical((site / "missions.ics").read_bytes())
    events = {str(e["url"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {f"https://aider.example.org/missions/{m}/" for m in OPEN}
    colis = events["https://aider.example.org/missions/colis-laon/"]
    assert str(colis["summary"]) == "Je distribue des colis à Laon"
    assert colis.decoded("dtstart").isoformat() == "2026-12-07"
    assert colis.decoded("dtend").isoformat() == "2027-04-01"  # exclusive end of an all-day span
    one = icalendar.Calendar.from_ical((site / "missions/colis-laon/mission.ics").read_bytes())
    assert len(one.walk("VEVENT")) == 1
    assert not (site / "missions/maraude-close/mission.ics").exists()


def test_private_contacts_appear_nowhere(site):
    secrets = ["secret-contact@example.org", "mairie-secret@example.org", "Alice Privée", "Bob Privé", "03 23 00 00 01"]
    for path in site.rglob("*"):
        if path.is_file():
            data = path.read_bytes().decode("utf-8", "replace")
            for secret in secrets:
                assert secret not in data, (path, secret)


def test_nothing_is_fetched_from_another_host(site):
    from .test_pages import outline

    for path in site.rglob("*.html"):
        page = outline(path.read_text(encoding="utf-8"))
        for url in page.resources:
            assert url.startswith(("/", "data:")) and not url.startswith("//"), (path, url)
        html = path.read_text(encoding="utf-8")
        assert "<iframe" not in html and "@import" not in html
    css = (site / "theme/css/site.css").read_text(encoding="utf-8")
    assert "url(" not in css and "@import" not in css


def test_each_page_fits_one_round_trip(site):
    css = (site / "theme/css/site.css").read_bytes()
    for path in site.rglob("*.html"):
        weight = len(gzip.compress(path.read_bytes() + css, compresslevel=6))
        assert weight <= 14 * 1024, (path, weight)
        html = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script[^>]*src=[^>]*>", html):
            assert " defer" in tag, (path, tag)


def test_build_is_deterministic(tmp_path):
    import shutil

    content = tmp_path / "content"
    shutil.copytree(DATA / "content", content)
    first = build_site(content, tmp_path / "one")
    second = build_site(content, tmp_path / "two")
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for relative in files:
        assert (first / relative).read_bytes() == (second / relative).read_bytes(), relative


HOSTILE = """title: Je teste le nettoyage du Markdown
domain: aide-alimentaire-urgence
structure: asso-test
summary: "<b>Résumé</b> <script>alert('s')</script>"
description: |
  Bonjour `<script>alert('x')</script>`
  [clic](javascript:alert(1)) [données](data:text/html;base64,PHNjcmlwdD4=) [bon lien](https://ok.example)
  ![pixel](https://evil.example/p.png)
remote: true
department: "02"
start: 2026-12-01
places: 2
"""


def test_hostile_markdown_is_sanitised(tmp_path, content_dir):
    (content_dir / "missions" / "hostile.yaml").write_text(HOSTILE, encoding="utf-8")
    out = build_site(content_dir, tmp_path / "out")
    html = (out / "missions/hostile/index.html").read_text(encoding="utf-8")
    main = html[html.index("<main") :]
    body = main[: main.index("</main>")]
    tags = re.findall(r"<[a-zA-Z][^>]*>", body)  # every real element of the page's content
    assert not [t for t in tags if re.match(r"<(script|iframe|img|style|object|embed)\b", t)]
    assert not [t for t in tags if re.search(r"\son\w+=|javascript:|data:|evil\.example", t)]
    assert "<code>&lt;script&gt;alert('x')&lt;/script&gt;</code>" in main
    assert "&lt;b&gt;Résumé&lt;/b&gt;" in main  # plain-text fields are escaped
    assert '<a href="https://ok.example" rel="noopener noreferrer nofollow">bon lien</a>' in main


def test_raw_html_in_a_description_fails_the_build(tmp_path, content_dir):
    hostile = HOSTILE.replace("![pixel]", "<img src=x onerror=alert(3)> ![pixel]")
    (content_dir / "missions" / "hostile.yaml").write_text(hostile, encoding="utf-8")
    with pytest.raises(CatalogBuildError) as caught:
        build_site(content_dir, tmp_path / "out")
    assert "hostile.yaml:5: description: le HTML n'est pas accepté (« <img src=x onerror=alert(3)> »)" in str(
        caught.value
    )


def test_content_errors_fail_the_build_with_every_message(tmp_path, content_dir, edit):
    edit("missions/colis-laon.yaml", "places: 6", "places: cinq")
    edit("missions/garde-ajaccio.yaml", "domain: garde-exceptionnelle-enfants", "domain: inconnu")
    with pytest.raises(CatalogBuildError) as caught:
        build_site(content_dir, tmp_path / "out")
    message = str(caught.value)
    assert "colis-laon.yaml:19: places: doit être un entier supérieur ou égal à 1 (reçu « cinq »)" in message
    assert "garde-ajaccio.yaml:2: domain: domaine inconnu « inconnu »" in message


def test_a_broken_template_fails_the_build(tmp_path, content_dir):
    import shutil

    from tests.helpers import ROOT

    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    listing = theme / "templates" / "listing.html"
    listing.write_text(
        listing.read_text(encoding="utf-8").replace("{{ listing.title }}", "{{ listing.titre_inexistant }}"),
        encoding="utf-8",
    )
    with pytest.raises(Exception, match="titre_inexistant"):
        build_site(content_dir, tmp_path / "out", THEME=str(theme))


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"per_page": 0}, "per_page doit être un entier ≥ 1"),
        ({"today": "demain"}, "today doit être une date AAAA-MM-JJ"),
        ({"per_pgae": 3}, "réglage(s) inconnu(s) ['per_pgae']"),
        ({"feed_items": -1}, "feed_items doit être un entier ≥ 1"),
        ({"incremental": "oui"}, "incremental doit valoir True ou False"),
    ],
)
def test_bad_plugin_settings_are_explained(tmp_path, content_dir, settings, message):
    with pytest.raises(CatalogBuildError, match=re.escape(message)):
        build_site(content_dir, tmp_path / "out", RESERVE_CIVIQUE={"content_dir": str(content_dir), **settings})


def test_dates_do_not_depend_on_the_system_locale(tmp_path, content_dir, monkeypatch):
    import locale

    monkeypatch.setenv("LC_ALL", "C")
    locale.setlocale(locale.LC_ALL, "C")
    out = build_site(content_dir, tmp_path / "out")
    assert "Du lundi 7 décembre 2026 au mercredi 31 mars 2027" in (out / "missions/colis-laon/index.html").read_text(
        encoding="utf-8"
    )


def test_every_plugin_setting_is_documented_in_the_readme():
    from reserve_civique.settings import DEFAULTS
    from tests.helpers import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert [name for name in DEFAULTS if f'`RESERVE_CIVIQUE["{name}"]`' not in readme] == []


def test_a_failed_build_leaves_the_next_its_sitemap(tmp_path, content_dir, edit):
    """build_site resets pelican-sitemap's state after a failed build (see tests/helpers/site.py): written for this version."""
    from importlib import metadata

    assert metadata.version("pelican-sitemap") == "1.2.2"
    edit("missions/colis-laon.yaml", "places: 6", "places: -6")
    with pytest.raises(CatalogBuildError):
        build_site(content_dir, tmp_path / "failed")
    edit("missions/colis-laon.yaml", "places: -6", "places: 6")
    out = build_site(content_dir, tmp_path / "out")
    assert "/missions/colis-laon/" in (out / "sitemap.xml").read_text(encoding="utf-8")
