"""The « Voisins solidaires » kit as a PDF, made at build time from its text (fpdf2, pure Python).

Two A4 pages: a poster to put up in a building's hall (« Voisins, je peux vous aider ! », with
lines to write one's name, door and telephone), then the advice for helping without risk. The text
is ``content/ressources/kit-solidarite-voisins.yaml``; its source is credited at the bottom of each
page. The font is DejaVu Sans (``theme/fonts/``, redistributable), embedded as a subset. The
document has a title, a language (fr) and bookmarks, and the same bytes for the same text: its
date is the text's own (``date``), never the build's. fpdf2 does not tag a PDF's text
(structure tree) for screen readers; the same text is on the site's pages.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from catalog.text import french_typography

FONT = "DejaVu"
FONT_FILES = {"": "fonts/DejaVuSans.ttf", "B": "fonts/DejaVuSans-Bold.ttf"}  # relative to the theme folder
BLUE, TEXT, GREY = (0, 0, 145), (22, 22, 22), (83, 83, 83)  # the DSFR's bleu France, text, mention grey
MARGIN = 18  # mm


class KitError(Exception):
    """The kit's text file is wrong; the message says where."""


def read(path: Path) -> dict:
    """The kit's text, checked: every field the PDF needs is there."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise KitError(f"{path}: YAML invalide ({error})") from None
    required = {"title": str, "date": dt.date, "credit": str, "poster": dict, "guide": dict}
    missing = [k for k, kind in required.items() if not isinstance((data or {}).get(k), kind)]
    if missing:
        raise KitError(f"{path}: champ(s) manquant(s) ou du mauvais type : {', '.join(missing)}")
    return data


def _document(credit: str):
    """An A4 document whose pages' footer credits the kit's source.

    fpdf2 is imported here, not with the module: it takes half a second, which a rebuild that
    finds the kit in its cache does not pay.
    """
    from fpdf import FPDF

    class Kit(FPDF):
        def footer(self):
            self.set_y(-MARGIN - 4)
            self.set_font(FONT, "", 8)
            self.set_text_color(*GREY)
            self.multi_cell(0, 4, credit, align="C")

    return Kit(format="A4", unit="mm")


def _paragraph(pdf, text: str, size: float, style: str = "", color=TEXT, after: float = 4) -> None:
    pdf.set_font(FONT, style, size)
    pdf.set_text_color(*color)
    pdf.multi_cell(0, size * 0.5, french_typography(text), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(after)


def _poster(pdf, poster: dict) -> None:
    pdf.add_page()
    pdf.start_section(french_typography(poster["heading"]))
    pdf.set_draw_color(*BLUE)
    pdf.set_line_width(1.5)
    pdf.rect(MARGIN, MARGIN, pdf.w - 2 * MARGIN, pdf.h - 2 * MARGIN - 14)
    pdf.set_left_margin(MARGIN + 10)
    pdf.set_right_margin(MARGIN + 10)
    pdf.set_y(MARGIN + 14)
    _paragraph(pdf, poster["heading"], 34, "B", BLUE, after=10)
    _paragraph(pdf, poster["text"], 17, after=10)
    pdf.set_line_width(0.4)
    pdf.set_draw_color(*TEXT)
    for label in poster.get("fields", []):
        _paragraph(pdf, label, 17, "B", after=2)
        y = pdf.get_y() + 12
        pdf.set_dash_pattern(dash=1, gap=1.5)
        pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
        pdf.set_dash_pattern()
        pdf.set_y(y + 8)
    pdf.ln(6)
    _paragraph(pdf, poster["footer"], 15, "B", BLUE)


def _guide(pdf, title: str, guide: dict, site: str, site_url: str) -> None:
    pdf.add_page()
    pdf.set_left_margin(MARGIN)
    pdf.set_right_margin(MARGIN)
    pdf.set_y(MARGIN)
    pdf.start_section(french_typography(guide["heading"]))
    _paragraph(pdf, title, 24, "B", BLUE, after=4)
    _paragraph(pdf, guide.get("intro", ""), 12.5, after=8)
    _paragraph(pdf, guide["heading"], 19, "B", BLUE, after=4)
    for section in guide.get("sections", []):
        _paragraph(pdf, section["heading"], 15, "B", after=2)
        pdf.set_font(FONT, "", 12.5)
        pdf.set_text_color(*TEXT)
        for item in section.get("items", []):
            pdf.set_x(MARGIN)
            pdf.cell(7, 6.5, "•")
            pdf.multi_cell(0, 6.5, french_typography(item), align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1.5)
        pdf.ln(4)
    if guide.get("closing"):
        _paragraph(pdf, guide["closing"].replace("{site}", site), 12.5, after=1)
        pdf.set_font(FONT, "B", 12.5)
        pdf.set_text_color(*BLUE)
        address = site_url + "/missions/"
        pdf.cell(0, 6, address, link=address, new_x="LMARGIN", new_y="NEXT")


def make_pdf(path: Path, theme: str, site_name: str, site_url: str) -> bytes:
    """The kit's PDF from its text at ``path``; ``theme``: the folder of ``fonts/``."""
    kit = read(path)
    title = kit["title"]
    from fpdf import ViewerPreferences

    pdf = _document(french_typography(kit["credit"]))
    for style, name in FONT_FILES.items():
        pdf.add_font(FONT, style, str(Path(theme) / name))
    pdf.set_title(title)
    pdf.set_lang("fr")
    pdf.set_subject(
        french_typography(f"{kit['poster']['heading']} — une affiche et des conseils pour aider ses voisins")
    )
    pdf.set_author(site_name)
    pdf.set_creator(f"{site_name} ({site_url})")
    pdf.set_keywords(["réserve civique", "solidarité", "voisins", "Voisins solidaires"])
    pdf.set_creation_date(dt.datetime.combine(kit["date"], dt.time(), dt.UTC))  # the text's date: same bytes
    pdf.viewer_preferences = ViewerPreferences(display_doc_title=True)
    pdf.set_auto_page_break(True, margin=MARGIN + 12)
    _poster(pdf, kit["poster"])
    _guide(pdf, title, kit["guide"], site_name, site_url)
    return bytes(pdf.output())
