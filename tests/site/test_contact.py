"""Defect 6 of issue 18: somebody can be contacted, and the legal pages name who runs the site.

The contact page gives the coordinators' public address and the operator's postal address
(``OPERATOR`` in pelicanconf.py); the footer, the FAQ, the privacy and accessibility pages link
to it; the legal notice names the publisher and the publication's director, the privacy page the
data controller; while the values are the demo's, those pages say so.
"""

from __future__ import annotations

import shutil

import pytest

from tests.helpers import ROOT, build_site

OPERATOR = {
    "name": "Mairie de Trifouillis",
    "service": "le service des solidarités de la mairie",
    "email": "solidarites@trifouillis.example.org",
    "phone": "",
    "address": ("Mairie de Trifouillis", "1 place de la Mairie", "02999 Trifouillis"),
    "publisher": "la commune de Trifouillis",
    "director": "la maire de Trifouillis",
    "controller": "la commune de Trifouillis, représentée par sa maire",
    "dpo": "",
    "host": "la commune de Trifouillis",
    "demo": False,
}


def _build(base, **settings):
    content = base / "content"
    shutil.copytree(ROOT / "content", content)
    plugin = {"content_dir": str(content), "today": "2026-11-29", "incremental": False}
    return build_site(content, base / "output", RESERVE_CIVIQUE=plugin, **settings)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The shipped content and settings."""
    return _build(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def configured(tmp_path_factory):
    """The shipped content with an operator's own values."""
    return _build(tmp_path_factory.mktemp("own"), OPERATOR=OPERATOR)


def read(site, path):
    return (site / path).read_text(encoding="utf-8")


def test_the_contact_page_gives_the_coordinators_and_postal_addresses_of_the_settings(demo):
    from pelican.settings import read_settings

    shipped = read_settings(str(ROOT / "pelicanconf.py"))["OPERATOR"]
    html = read(demo, "contact/index.html")
    assert f'href="mailto:{shipped["email"]}"' in html
    for line in shipped["address"]:
        assert line.replace("'", "&#39;") in html
    assert "Coordonnées de démonstration" in html  # the demo's values, marked as such


@pytest.mark.parametrize(
    "page",
    ["index.html", "missions/index.html", "questions-frequentes/index.html", "donnees-personnelles/index.html",
     "accessibilite/index.html", "mentions-legales/index.html", "statistiques/index.html", "404.html"],
)  # fmt: skip
def test_pages_link_to_the_contact_page(demo, page):
    assert 'href="/contact/"' in read(demo, page)


def test_faq_privacy_and_accessibility_send_readers_to_the_contact_page_in_their_text(demo):
    for page in ("questions-frequentes", "donnees-personnelles", "accessibilite"):
        html = read(demo, f"{page}/index.html")
        article = html[html.index("<article") : html.index("</article>")]
        assert 'href="/contact/"' in article, page


def test_legal_notice_and_privacy_page_name_who_runs_the_site_from_the_settings(configured):
    legal = read(configured, "mentions-legales/index.html")
    assert "Ce site est édité par la commune de Trifouillis" in legal
    assert "Directeur de la publication : la maire de Trifouillis." in legal
    assert "Le site est hébergé par la commune de Trifouillis." in legal
    privacy = read(configured, "donnees-personnelles/index.html")
    assert "Responsable du traitement" in privacy
    assert "est la commune de Trifouillis, représentée par sa maire." in privacy
    contact = read(configured, "contact/index.html")
    assert 'href="mailto:solidarites@trifouillis.example.org"' in contact and "1 place de la Mairie" in contact
    assert "Par téléphone" not in contact  # no number set, none shown
    for page in (legal, privacy, contact):
        assert "Coordonnées de démonstration" not in page  # the operator's own values
        assert "aisne.example.org" not in page
    assert "Mairie de Trifouillis" in read(configured, "index.html")  # the header names the operator
