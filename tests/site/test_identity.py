"""The two identities of the theme, built: « etat » (the State's brand) and « neutre » (none of it).

Both are the DSFR's markup and components; the État identity adds the bloc-marque
« République française » with the Marianne, the Marianne font (preloaded) and the favicon;
the neutral one (an association, a municipality) shows and ships none of them and uses the
system's fonts.
"""

from __future__ import annotations

import shutil

import pytest

from tests.helpers import DATA, build_site

IDENTITIES = {
    "etat": {},  # pelicanconf.py as shipped
    "neutre": {"IDENTITY": "neutre", "THEME_STATIC_PATHS": ["static"]},  # what pelicanconf.py derives from it
}
PAGES = ["index.html", "missions/index.html", "missions/colis-laon/index.html", "missions/maraude-close/index.html",
         "domaines/aide-alimentaire-urgence/index.html", "recherche/index.html", "statistiques/index.html",
         "proposer-une-mission/index.html", "merci/index.html", "404.html"]  # fmt: skip


@pytest.fixture(scope="module", params=list(IDENTITIES))
def built(request, tmp_path_factory):
    base = tmp_path_factory.mktemp(request.param)
    content = base / "content"
    shutil.copytree(DATA / "content", content)
    plugin = {"content_dir": str(content), "today": "2026-11-29", "incremental": False}
    return request.param, build_site(content, base / "output", RESERVE_CIVIQUE=plugin, **IDENTITIES[request.param])


def test_the_markers_of_each_identity(built):
    identity, site = built
    for page in PAGES:
        html = (site / page).read_text(encoding="utf-8")
        assert f'<body data-rc-identity="{identity}">' in html, page
        # the DSFR in both: header, navigation, footer, skip links, its stylesheet
        for marker in ('<header class="fr-header">', 'class="fr-nav"', '<footer class="fr-footer"',
                       'class="fr-skiplinks"', 'href="/theme/dsfr/dsfr.min.css"'):  # fmt: skip
            assert marker in html, (page, marker)
        brand = ['<p class="fr-logo">République<br>française</p>', 'href="/theme/dsfr/marianne.min.css"',
                 'href="/theme/dsfr/fonts/Marianne-Regular.woff2" as="font"', 'href="/theme/dsfr/favicon.svg"',
                 "info.gouv.fr"]  # fmt: skip
        for marker in brand:
            assert (marker in html) == (identity == "etat"), (page, marker)
        assert ("République" in html) == (identity == "etat"), page
        assert "Préfecture de l&#39;Aisne" in html  # the operator, in both


def test_only_the_etat_identity_publishes_the_brand(built):
    identity, site = built
    published = {p.relative_to(site).as_posix() for p in (site / "theme").rglob("*") if p.is_file()}
    brand = {"theme/dsfr/marianne.min.css", "theme/dsfr/favicon.svg", "theme/dsfr/fonts/Marianne-Regular.woff2",
             "theme/dsfr/fonts/Marianne-Bold.woff2"}  # fmt: skip
    assert (brand <= published) == (identity == "etat")
    assert (brand & published == set()) == (identity == "neutre")
    assert "theme/dsfr/dsfr.min.css" in published and "theme/dsfr/LICENSE.md" in published
    if identity == "neutre":  # not a word of the Marianne anywhere a reader's browser gets
        for path in site.rglob("*"):
            if path.suffix in (".html", ".css", ".js", ".svg"):
                assert "Marianne" not in path.read_text(encoding="utf-8"), path


def test_a_wrong_identity_is_refused(tmp_path, content_dir):
    """Only the two identities exist: a typo fails the build instead of showing half a brand."""
    with pytest.raises(Exception, match="IDENTITY"):
        build_site(content_dir, tmp_path / "out", IDENTITY="état", RESERVE_CIVIQUE={"content_dir": str(content_dir)})


def test_the_themes_settings_are_documented_in_the_readme():
    from pelican.settings import read_settings

    from tests.helpers import ROOT

    settings = read_settings(str(ROOT / "pelicanconf.py"))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(): line for line in readme.splitlines() if line.startswith("| `")}
    assert settings["IDENTITY"] == "etat" and '`"etat"`' in rows["`IDENTITY`"]
    assert [key for key in settings["OPERATOR"] if f"`{key}`" not in rows["`OPERATOR`"]] == []


@pytest.mark.parametrize("identity", ["etat", "neutre"])
def test_the_handlers_pages_wear_the_sites_identity_and_operator(make_app, identity):
    """The handler's pages (errors, the form sent back with its errors) are the site's pages too."""
    app = make_app(IDENTITY=identity, OPERATOR_NAME="Préfecture de la Somme")
    html = app.test_client().get("/api/nulle-part", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert ("République" in html) == (identity == "etat")
    assert ("Marianne" in html) == (identity == "etat")
    assert "Préfecture de la Somme" in html


def test_the_handler_refuses_an_identity_the_site_does_not_have(make_app):
    from formhandler.settings import SettingsError

    with pytest.raises(SettingsError, match="IDENTITY"):
        make_app(IDENTITY="marianne")
