"""French text for people: dates in words (Babel), numbers, sanitised Markdown, slugs."""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata

import nh3
from babel.dates import format_date
from babel.numbers import format_decimal
from markdown_it import MarkdownIt

LOCALE = "fr_FR"

ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "strong", "em", "a", "h2", "h3", "h4", "blockquote", "code", "pre", "hr"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_SCHEMES = {"http", "https", "mailto", "tel"}
# CommonMark with raw HTML off: markup typed in the content is shown as text.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


@functools.lru_cache(maxsize=4096)  # a catalog has few distinct dates; Babel takes ~50 µs each
def date_long(day: dt.date) -> str:
    """``lundi 30 mars 2020``."""
    return format_date(day, "EEEE d MMMM y", locale=LOCALE)


def date_short(day: dt.date) -> str:
    """``30 mars 2020``."""
    return format_date(day, "d MMMM y", locale=LOCALE)


@functools.lru_cache(maxsize=16384)
def date_range(start: dt.date, end: dt.date | None) -> str:
    """``du lundi 30 mars au lundi 11 mai 2020``; ``à partir du lundi 30 mars 2020``; ``le …``."""
    if end is None:
        return f"à partir du {date_long(start)}"
    if end == start:
        return f"le {date_long(start)}"
    if start.year == end.year:
        first = format_date(start, "EEEE d MMMM", locale=LOCALE)
    else:
        first = date_long(start)
    return f"du {first} au {date_long(end)}"


def number(value: int | float) -> str:
    """A number with French grouping (narrow no-break space): ``10 000``."""
    return format_decimal(value, locale=LOCALE)


def render_markdown(text: str) -> str:
    """Markdown (CommonMark) to HTML, then sanitised: no script, no event handler, no iframe.

    Raw HTML in the source is escaped (shown as text), dangerous links are
    refused, and the sanitiser's allow-list is applied on top; links get
    ``rel="noopener noreferrer nofollow"``.
    """
    html = _MARKDOWN.render(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


@functools.lru_cache(maxsize=4096)
def slugify(text: str) -> str:
    """``Château-Thierry`` → ``chateau-thierry``; ``Cœur`` → ``coeur``."""
    for ligature, letters in (("œ", "oe"), ("Œ", "Oe"), ("æ", "ae"), ("Æ", "Ae"), ("ß", "ss")):
        text = text.replace(ligature, letters)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``1 place``, ``3 places``, ``1 000 places`` (French: 0 and 1 are singular)."""
    word = singular if count < 2 else (plural_form or singular + "s")
    return f"{number(count)} {word}"
