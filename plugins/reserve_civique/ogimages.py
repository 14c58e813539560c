"""Open Graph images: the picture a link to the site shows when shared (a messaging app, a social
network), drawn at build time with Pillow — one for each domain, one for the rest of the site.

1200 × 630 pixels (the size those services show best), PNG, the same bytes for the same inputs
(no date, no metadata). The État identity sets the text in the State's Marianne font under the
bloc-marque « République française »; the neutral identity, which may not use the State's brand,
sets it in DejaVu Sans (``theme/fonts/``) without the bloc-marque.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from catalog.files import file_state
from catalog.text import french_typography

WIDTH, HEIGHT = 1200, 630
FOLDER = "images/partage"
SITE_IMAGE = "site"  # the image of the pages that are not a domain's
# The DSFR's colours (both identities use them): bleu France, rouge Marianne, the text's grey
BLUE, RED, TEXT, WHITE = (0, 0, 145), (225, 0, 15), (22, 22, 22), (255, 255, 255)
MARGIN = 72
BAND = 150  # the blue band at the bottom, with the site's name

FONTS = {  # identity -> (regular, bold), relative to the theme folder
    "etat": ("brand/dsfr/fonts/Marianne-Regular.woff2", "brand/dsfr/fonts/Marianne-Bold.woff2"),
    "neutre": ("fonts/DejaVuSans.ttf", "fonts/DejaVuSans-Bold.ttf"),
}


@dataclass(frozen=True)
class ShareImage:
    """What a page's ``<head>`` says of its image: its address (from the site's root) and its text."""

    url: str
    alt: str
    width: int = WIDTH
    height: int = HEIGHT


@dataclass(frozen=True)
class Card:
    """What one image shows: a heading (a domain's name, or the site's subject) and who speaks."""

    slug: str  # the file's name: a domain's slug, or SITE_IMAGE
    heading: str
    site_name: str
    operator: str  # the operator's name, or ""
    identity: str

    @property
    def relpath(self) -> str:
        return f"{FOLDER}/{self.slug}.png"

    @property
    def alt(self) -> str:
        """The image's text, as a screen reader should read it."""
        who = f" — {self.operator}" if self.operator else ""
        if self.slug == SITE_IMAGE:
            return f"{self.site_name}{who} : {self.heading.lower()}"
        return f"{self.site_name}{who} : {self.heading}, missions bénévoles de la réserve civique"

    def share(self) -> ShareImage:
        return ShareImage(url="/" + self.relpath, alt=self.alt)


def cards(domains, site_name: str, operator: str, identity: str) -> list[Card]:
    """The site's image, then one per domain (``domains``: objects with ``slug`` and ``label``)."""
    site_name, operator = french_typography(site_name), french_typography(operator)
    made = [Card(SITE_IMAGE, "Devenez bénévole de la réserve civique", site_name, operator, identity)]
    made += [Card(d.slug, french_typography(d.label), site_name, operator, identity) for d in domains]
    return made


def fonts_digest(theme: str, names) -> str:
    """A hash of the theme's font files ``names`` (a key of what is drawn with them: the images of
    an identity, ``FONTS[identity]``, and the kit's PDF). Read once per process while the files are
    unchanged: each build asks for it, and a watching build rebuilds many times."""
    paths = tuple(str(Path(theme) / name) for name in names)
    return _files_digest(paths, tuple(file_state(path) for path in paths))


@cache
def _files_digest(paths: tuple[str, ...], states: tuple) -> str:
    hasher = hashlib.blake2b(digest_size=16)
    for path in paths:
        hasher.update(Path(path).read_bytes())
    return hasher.hexdigest()


@cache
def _font(path: str, size: int):
    from PIL import ImageFont  # imported when an image is drawn: a rebuild that keeps them does not

    return ImageFont.truetype(path, size)


def _wrap(text: str, font, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and font.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines


def _heading(text: str, path: str, width: int, height: int) -> tuple:
    """The biggest size (from 84 px down) at which ``text`` fits in ``width`` × ``height``."""
    for size in range(84, 30, -4):
        font = _font(path, size)
        lines = _wrap(text, font, width)
        if len(lines) * size * 1.2 <= height and all(font.getlength(line) <= width for line in lines):
            return font, lines
    return font, lines


def draw(card: Card, theme: str) -> bytes:
    """The PNG of ``card``, its fonts taken from the ``theme`` folder."""
    from PIL import Image, ImageDraw

    regular, bold = (str(Path(theme) / name) for name in FONTS[card.identity])
    image = Image.new("RGB", (WIDTH, HEIGHT), WHITE)
    pen = ImageDraw.Draw(image)
    top = MARGIN
    if card.identity == "etat":  # the bloc-marque: a tricolour rule over « République française »
        pen.rectangle((MARGIN, top, MARGIN + 36, top + 10), fill=BLUE)
        pen.rectangle((MARGIN + 36, top, MARGIN + 72, top + 10), fill=WHITE, outline=TEXT, width=1)
        pen.rectangle((MARGIN + 72, top, MARGIN + 108, top + 10), fill=RED)
        pen.multiline_text((MARGIN, top + 24), "RÉPUBLIQUE\nFRANÇAISE", font=_font(bold, 30), fill=TEXT, spacing=4)
        top += 24 + 2 * 34 + 18
    if card.operator:
        pen.text((MARGIN, top), card.operator, font=_font(bold, 30), fill=TEXT)
        top += 56
    room = HEIGHT - BAND - 40 - top
    font, lines = _heading(card.heading, bold, WIDTH - 2 * MARGIN, room)
    line_height = round(font.size * 1.2)
    y = top + (room - line_height * len(lines)) // 2
    for line in lines:
        pen.text((MARGIN, y), line, font=font, fill=BLUE)
        y += line_height
    pen.rectangle((0, HEIGHT - BAND, WIDTH, HEIGHT), fill=BLUE)
    pen.text((MARGIN, HEIGHT - BAND + 34), card.site_name, font=_font(bold, 44), fill=WHITE)
    pen.text(
        (MARGIN, HEIGHT - BAND + 90), "Missions bénévoles de la réserve civique", font=_font(regular, 28), fill=WHITE
    )
    out = io.BytesIO()
    # no text chunks, no date: the same bytes each build (optimize=True: 4 times slower, 5 % smaller)
    image.save(out, format="PNG")
    return out.getvalue()
