"""French text helpers of the core: Markdown of descriptions, and the raw HTML the check refuses."""

import re

import pytest

from catalog.text import ALLOWED_TAGS, raw_html, render_markdown


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("Bonjour <script>alert(1)</script>", "<script>"),
        ("Des colis<br>et des repas", "<br>"),
        (
            '<a href="https://ok.example" onclick="alert(2)">lien</a>',
            '<a href="https://ok.example" onclick="alert(2)">',
        ),
        ("<!-- note -->\n\nTexte", "<!-- note -->"),
        ("Texte\n\n<div>\nbloc\n</div>", "<div>"),
        ("[x](javascript:alert(1)) [y](https://ok.example) puis <b>gras</b>", "<b>"),  # addresses emptied before it
        # not HTML: Markdown's own syntax, comparisons, code
        ("moins de 3 < 5 et x > 2", None),
        ("Écrivez à <contact@asso.example> ou voyez <https://asso.example>", None),
        ("Le code `<br>` est du texte", None),
        ("```\n<div>exemple</div>\n```", None),
        ("**gras**, *italique*, [lien](https://asso.example)", None),
    ],
)
def test_raw_html_finds_the_first_tag_and_only_real_html(text, tag):
    assert raw_html(text) == tag


HOSTILE = [
    "Bonjour <script>alert('x')</script>",
    "[clic](javascript:alert(1)) [données](data:text/html;base64,PHNjcmlwdD4=)",
    '<a href="https://ok.example" onclick="alert(2)">lien</a>',
    '<iframe src="https://evil.example"></iframe> <img src=x onerror=alert(3)>',
    "![pixel de suivi](https://evil.example/p.png)",
    "<style>body{display:none}</style>",
    "[vb](vbscript:msgbox) [fichier](file:///etc/passwd)",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_rendered_markdown_keeps_only_allowed_tags_and_safe_links(text):
    html = render_markdown(text)
    for tag in re.findall(r"<([a-zA-Z0-9]+)\b", html):
        assert tag in ALLOWED_TAGS, html
    assert not re.search(r"\son\w+=|javascript:|vbscript:|data:|file:|evil\.example", html), html


@pytest.mark.parametrize(
    ("text", "html"),
    [
        (
            "Vos tâches :\n\n- préparer ;\n- remettre.",
            "<p>Vos tâches :</p>\n<ul>\n<li>préparer ;</li>\n<li>remettre.</li>\n</ul>\n",
        ),
        ("Le code `<br>`", "<p>Le code <code>&lt;br&gt;</code></p>\n"),
        (
            "[site](https://asso.example)",
            '<p><a href="https://asso.example" rel="noopener noreferrer nofollow">site</a></p>\n',
        ),
        ("3 < 5 & 7", "<p>3 &lt; 5 &amp; 7</p>\n"),
    ],
)
def test_markdown_renders_commonmark(text, html):
    assert render_markdown(text) == html


def test_raw_html_names_the_tag_cmark_left_out_not_one_in_code_before_it():
    assert raw_html("Le code `<script>` est du texte, mais pas <img src=x onerror=alert(3)>") == (
        "<img src=x onerror=alert(3)>"
    )
