"""The built site: mission pages, listings, closed and past missions, accessibility basics."""

import itertools
import re
from html.parser import HTMLParser

import pytest


def read(site, path):
    return (site / path).read_text(encoding="utf-8")


class Outline(HTMLParser):
    """Collects what the assertions need: headings, ids, labels, inputs, resources."""

    def __init__(self):
        super().__init__()
        self.headings, self.ids, self.label_for, self.inputs, self.resources, self.links = [], set(), set(), [], [], []
        self.lang = None
        self._heading = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if "id" in a:
            self.ids.add(a["id"])
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = [int(tag[1]), ""]
        if tag == "label" and "for" in a:
            self.label_for.add(a["for"])
        if tag in ("input", "textarea", "select") and a.get("type") != "hidden":
            self.inputs.append(a)
        if tag in ("script", "img", "iframe", "source", "audio", "video", "embed") and a.get("src"):
            self.resources.append(a["src"])
        if tag == "link" and a.get("href") and a.get("rel") in ("stylesheet", "icon", "preload", "modulepreload"):
            self.resources.append(a["href"])
        if tag == "a" and "href" in a:
            self.links.append(a["href"])

    def handle_data(self, data):
        if self._heading:
            self._heading[1] += data

    def handle_endtag(self, tag):
        if self._heading and tag == f"h{self._heading[0]}":
            self.headings.append((self._heading[0], self._heading[1].strip()))
            self._heading = None


def outline(html):
    parser = Outline()
    parser.feed(html)
    return parser


def test_mission_page_has_every_field_in_reading_order(site):
    html = read(site, "missions/colis-laon/index.html")
    html = html[html.index("<main") :]
    expected_in_order = [
        '<p class="fr-tag" data-pagefind-filter="domaine">Aide alimentaire et d&#39;urgence</p>',
        'data-pagefind-meta="title">Je distribue des colis à Laon</h1>',
        "Préparer et remettre des colis aux familles.",
        "<li>préparer les colis ;</li>",
        'href="/structures/asso-test/">Association d&#39;essai</a>, association (organisme sans but lucratif), Laon',
        "12 rue du Bourg, 02000",
        'href="https://www.openstreetmap.org/search?query=12+rue+du+Bourg%2C+02000+Laon"',
        "Aisne (02)",
        "Du lundi 7 décembre 2026 au mercredi 31 mars 2027",
        "Le mardi de 9 h à 12 h",
        "6 bénévoles recherchés",
        "Les personnes de 18 à 70 ans.",
        "<li>Je viens au moins une fois par semaine.</li>",
        "<li>Lavez-vous les mains en arrivant.</li><li>Portez les gants fournis.</li>",
        'action="/api/missions/colis-laon/applications"',
    ]
    positions = [html.find(text) for text in expected_in_order]
    assert -1 not in positions, [t for t, p in zip(expected_in_order, positions, strict=True) if p == -1]
    assert positions == sorted(positions)
    assert 'href="#candidater"' in html  # the form is one link away from the top
    assert 'name="robots"' not in html


def test_form_fields_are_labelled_with_autocomplete(site):
    page = outline(read(site, "missions/colis-laon/index.html"))
    names = [i["name"] for i in page.inputs]
    assert names == ["first_name", "last_name", "email", "phone", "birth_date", "postal_code", "message",
                     "accept_requirements", "consent", "website"]  # fmt: skip
    for field in page.inputs:
        assert field["id"] in page.label_for, field
    autocomplete = {i["name"]: i.get("autocomplete") for i in page.inputs}
    assert autocomplete["first_name"] == "given-name" and autocomplete["birth_date"] == "bday"
    assert autocomplete["postal_code"] == "postal-code" and autocomplete["email"] == "email"


def test_remote_mission_says_so_and_has_no_address(site):
    html = read(site, "missions/appels-distance/index.html")
    assert "À distance</span>, depuis chez vous" in html
    assert "openstreetmap" not in html
    assert "Les personnes de 16 à 99 ans." in html
    assert "accept_requirements" not in html  # no requirements listed, no checkbox


@pytest.mark.parametrize(
    ("mission_id", "says"),
    [
        ("maraude-close", "Cette mission est close : elle ne recrute plus."),
        ("masques-passee", "Cette mission est terminée : sa date de fin est passée."),
    ],
)
def test_closed_and_past_missions_keep_their_page_without_form(site, mission_id, says):
    html = read(site, f"missions/{mission_id}/index.html")
    assert says in html
    assert "<form" not in html
    assert '<meta name="robots" content="noindex">' in html
    assert "data-pagefind-body" not in html
    assert "application/ld+json" not in html
    for listing in ("missions/index.html", "index.html", "domaines/aide-alimentaire-urgence/index.html",
                    "departements/02/index.html", "communes/laon/index.html", "structures/asso-test/index.html"):  # fmt: skip
        assert f"/missions/{mission_id}/" not in read(site, listing), listing
    assert f"/missions/{mission_id}/" not in read(site, "sitemap.xml")


def test_listings_exist_and_hold_the_open_missions(site):
    assert 'href="/missions/colis-laon/"' in read(site, "domaines/aide-alimentaire-urgence/index.html")
    assert 'href="/missions/garde-ajaccio/"' in read(site, "departements/2A/index.html")
    assert 'href="/missions/garde-ajaccio/"' in read(site, "communes/ajaccio/index.html")
    assert 'href="/missions/appels-distance/"' in read(site, "a-distance/index.html")
    assert 'href="/missions/colis-laon/"' in read(site, "structures/asso-test/index.html")
    assert "Corse-du-Sud (2A)" in read(site, "departements/index.html")
    catalogue = read(site, "missions/index.html")
    order = [catalogue.find(f'href="/missions/{m}/"') for m in ("appels-distance", "garde-ajaccio", "colis-laon")]
    assert -1 not in order and order == sorted(order)  # soonest first
    home = read(site, "index.html")
    assert "2 missions ouvertes" in home and "1 mission ouverte" in home  # counts per domain


def test_pagination_for_readers_without_javascript(tmp_path, content_dir):
    from tests.helpers import build_site

    out = build_site(
        content_dir,
        tmp_path / "out",
        RESERVE_CIVIQUE={"content_dir": str(content_dir), "today": "2026-11-29", "per_page": 2},
    )
    first = (out / "missions/index.html").read_text(encoding="utf-8")
    second = (out / "missions/page/2/index.html").read_text(encoding="utf-8")
    assert 'href="/missions/page/2/" title="Page 2">2</a>' in first
    assert 'rel="next" href="/missions/page/2/">Page suivante' in first and 'rel="prev"' not in first
    assert 'aria-current="page" href="/missions/page/2/"' in second
    assert 'rel="prev" href="/missions/">Page précédente' in second and 'rel="next"' not in second
    assert "Page 2 sur 2" in second
    assert second.count('class="fr-card ') == 1
    # several pages: the filters search the whole catalogue (Pagefind, through results.js)
    assert "<div data-filter-target data-filter-whole>" in first
    assert first.index("/theme/js/results.js") < first.index("/theme/js/filters.js")


def test_a_list_on_one_page_is_filtered_in_place(site):
    html = read(site, "missions/index.html")
    assert "<div data-filter-target>" in html and "results.js" not in html
    assert '<ul class="fr-tags-group" data-filter="domaine">' in html
    assert '<ul class="fr-tags-group" data-filter="commune">' in html


@pytest.mark.parametrize(
    ("mission_id", "place", "sort"),
    [
        ("colis-laon", "Laon (02)", "2026-12-07 Je distribue des colis à Laon"),
        ("appels-distance", "À distance", "2026-12-01 J&#39;appelle des personnes âgées isolées"),
    ],
)
def test_search_results_show_place_and_dates_and_come_soonest_first(site, mission_id, place, sort):
    html = read(site, f"missions/{mission_id}/index.html")
    assert f'<dl class="rc-facts" data-pagefind-meta="lieu:{place}">' in html
    assert f'data-pagefind-meta="dates" data-pagefind-sort="debut:{sort}"' in html


def test_open_missions_end_with_the_word_that_lists_them_all(site):
    """results.js lists every mission matching the filters by searching this word (a search with
    no word would download Pagefind's whole index)."""
    import re

    from tests.helpers import ROOT

    script = (ROOT / "theme/static/js/results.js").read_text(encoding="utf-8")
    word = re.search(r'var ALL = "(\w+)";', script).group(1)
    html = read(site, "missions/colis-laon/index.html")
    article = html[html.index("<article") : html.index("</article>")]
    assert article.rstrip().endswith(f'<span data-pagefind-index-attrs="data-all" data-all="{word}"></span>')
    assert word not in read(site, "missions/maraude-close/index.html")


def test_closed_missions_give_search_nothing(site):
    html = read(site, "missions/maraude-close/index.html")
    assert "data-pagefind-body" not in html and "data-pagefind-meta" not in html and "data-pagefind-sort" not in html


def test_every_page_is_french_with_one_h1_ordered_headings_and_a_skip_link(site):
    pages = list(site.rglob("*.html"))
    assert len(pages) > 20
    for path in pages:
        html = path.read_text(encoding="utf-8")
        page = outline(html)
        assert page.lang == "fr", path
        levels = [level for level, _ in page.headings]
        assert levels.count(1) == 1, path
        assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), (path, page.headings)
        assert 'href="#contenu"' in html and "contenu" in page.ids, path


def test_statistics_table_and_chart(site):
    html = read(site, "statistiques/index.html")
    assert "3 missions ouvertes et 19 places" in html
    assert '<figure class="rc-chart" aria-labelledby="graphique-domaines">' in html
    assert re.search(
        r"Aide alimentaire et d&#39;urgence</a></th><td class=\"rc-num\">2</td><td class=\"rc-num\">16</td>", html
    )


def test_structure_page_has_public_fields_only(site):
    html = read(site, "structures/asso-test/index.html")
    assert "Une association pour les tests." in html
    assert "Alice Privée" not in html and "03 23 00 00 01" not in html


def test_print_qr_code_leads_to_the_mission(site):
    html = read(site, "missions/colis-laon/index.html")
    assert '<div class="print-only print-qr" data-pagefind-ignore>' in html
    assert "QR code vers https://aider.example.org/missions/colis-laon/" in html


def test_json_ld_and_open_graph(site):
    import json

    html = read(site, "missions/colis-laon/index.html")
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html).group(1))
    assert data["@type"] == "JobPosting" and data["employmentType"] == "VOLUNTEER"
    assert data["jobLocation"]["address"]["postalCode"] == "02000"
    assert data["validThrough"] == "2027-03-31"
    assert '<meta property="og:url" content="https://aider.example.org/missions/colis-laon/">' in html


def test_sitemap_and_robots(site):
    sitemap = read(site, "sitemap.xml")
    assert "https://aider.example.org/missions/colis-laon/" in sitemap
    assert "merci" not in sitemap and "404" not in sitemap
    assert "Sitemap: https://aider.example.org/sitemap.xml" in read(site, "robots.txt")


def test_search_indexes_the_mission_not_its_form_guidelines_or_print_block(site):
    html = read(site, "missions/colis-laon/index.html")
    article = html[html.index("<article") : html.index("</article>")]
    assert "data-pagefind-body" in article[: article.index(">")]
    for block in ('aria-labelledby="consignes"', 'aria-labelledby="candidater"', 'class="print-only print-qr"'):
        opening = article[article.rindex("<", 0, article.index(block)) : article.index(">", article.index(block))]
        assert "data-pagefind-ignore" in opening, block
