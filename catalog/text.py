"""French text for people: dates in words (Babel), numbers, sanitised Markdown, slugs, readable names."""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata

import cmarkgfm
import nh3
from babel.dates import format_date
from babel.numbers import format_decimal

LOCALE = "fr_FR"

ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "strong", "em", "a", "h2", "h3", "h4", "blockquote", "code", "pre", "hr"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_SCHEMES = {"http", "https", "mailto", "tel"}
_CLEANER = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=ALLOWED_SCHEMES,
    link_rel="noopener noreferrer nofollow",
)
# cmark-gfm in its safe mode leaves out raw HTML and empties links to javascript:, vbscript:,
# file: and data: (but images); the content check refuses raw HTML before a build sees it.
_OMITTED = "<!-- raw HTML omitted -->"
_URL = re.compile(r'((?:href|src)="[^"]*")')
_NO_URL = 'href=""'
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>|<!--.*?-->|<[?!][^<>]*>", re.S)


# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt, as of Unicode 14): characters
# shown as nothing — Hangul fillers (letters, for str.isalpha), soft hyphen, joiners, bidi controls,
# variation selectors, tags. Python's unicodedata does not give this property.
DEFAULT_IGNORABLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    "\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)
# Never shown as text: controls, format characters, surrogates, private use, line and paragraph separators.
UNSEEN = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})


def unseen(char: str) -> bool:
    """Whether ``char`` is a control or format character, not something a reader sees."""
    return unicodedata.category(char) in UNSEEN


def line_fault(text: str) -> str | None:
    """Why ``text`` cannot be one line of plain text (a title, a name: mail headers carry them), or ``None``."""
    if any(unseen(c) for c in text):
        return "doit tenir sur une ligne, sans caractère de contrôle ni invisible"
    return None


def name_fault(name: str) -> str | None:
    """Why ``name`` (stripped) cannot be a person's name as people will read it, or ``None``.

    A name holds a visible letter and no character shown as nothing or breaking the line.
    The answer ends a French sentence about the name: « Le prénom {fault} ».
    """
    # « =? » opens a MIME encoded word: in a mail header, a mail program would read an address there
    if DEFAULT_IGNORABLE.search(name) or any(unseen(c) for c in name) or "=?" in name:
        return "contient des caractères non autorisés (retour à la ligne, caractère invisible…)"
    if not any(c.isalpha() for c in name):
        return "doit contenir au moins une lettre"
    return None


def _french(day: dt.date, pattern: str) -> str:
    """``day`` written with Babel's ``pattern``, the first of the month as French writes it:
    « 1er décembre » (an ordinal), not « 1 décembre »."""
    if day.day == 1:
        pattern = pattern.replace("d ", "d'er' ", 1)
    return format_date(day, pattern, locale=LOCALE)


@functools.lru_cache(maxsize=4096)  # a catalog has few distinct dates; Babel takes ~50 µs each
def date_long(day: dt.date) -> str:
    """``lundi 30 mars 2020``; ``mardi 1er décembre 2026``."""
    return _french(day, "EEEE d MMMM y")


@functools.lru_cache(maxsize=16384)
def date_range(start: dt.date, end: dt.date | None) -> str:
    """``du lundi 30 mars au lundi 11 mai 2020``; ``à partir du lundi 30 mars 2020``; ``le …``."""
    if end is None:
        return f"à partir du {date_long(start)}"
    if end == start:
        return f"le {date_long(start)}"
    if start.year == end.year:
        first = _french(start, "EEEE d MMMM")
    else:
        first = date_long(start)
    return f"du {first} au {date_long(end)}"


@functools.lru_cache(maxsize=4096)  # counts repeat (places, ages, totals); Babel takes ~40 µs each
def number(value: int | float) -> str:
    """A number with French grouping (narrow no-break space): ``10 000``."""
    return format_decimal(value, locale=LOCALE)


NNBSP, NBSP = "\u202f", "\u00a0"
_BEFORE_THIN = re.compile(r" ([;!?])")
_BEFORE_COLON = re.compile(r" :")
_QUOTED = re.compile(r"« ?(.*?) ?»")


def french_typography(text: str) -> str:
    """Plain text set as French print sets it: the apostrophe ’, a narrow no-break space before
    « ; ! ? », a no-break space before « : » and inside « guillemets » (for drawn files, PDF and
    images, where no browser wraps and no stylesheet helps)."""
    text = " ".join(text.split()).replace("'", "’")
    text = _BEFORE_THIN.sub(NNBSP + r"\1", text)
    text = _BEFORE_COLON.sub(NBSP + ":", text)
    return _QUOTED.sub("«" + NBSP + r"\1" + NBSP + "»", text)


def render_markdown(text: str) -> str:
    """Markdown (CommonMark, by the C library cmark-gfm) to HTML, then sanitised.

    Raw HTML in the source is left out (the content check refuses it: see
    :func:`raw_html`), dangerous links are emptied, and the sanitiser's
    allow-list is applied on top: no script, image, iframe or event handler;
    links get ``rel="noopener noreferrer nofollow"``.
    """
    return _CLEANER.clean(cmarkgfm.markdown_to_html(text))


def raw_html(text: str) -> str | None:
    """The first raw HTML tag of a Markdown text (« <br> »), or None if it has none.

    Markdown has its own way for what HTML would do (a blank line, ``**gras**``,
    ``[lien](https://…)``); tags inside code (```<br>``` in backquotes) are text, not HTML.
    """
    if "<" not in text:
        return None
    # Rendered with raw HTML kept, the text is the same up to the first left-out piece, but
    # for links' addresses (the safe mode empties some): they are compared set aside.
    at = _URL.sub(_NO_URL, cmarkgfm.markdown_to_html(text)).find(_OMITTED)
    if at < 0:
        return None
    kept = cmarkgfm.markdown_to_html(text, options=cmarkgfm.Options.CMARK_OPT_UNSAFE)
    shown = source = 0  # lengths of ``kept`` so far, with addresses set aside and as it is
    for piece in _URL.split(kept):
        length = len(_URL.sub(_NO_URL, piece))
        if shown + length > at:
            break
        shown, source = shown + length, source + len(piece)
    raw = kept[source + at - shown :].lstrip()
    found = _TAG.match(raw)
    return (found.group(0) if found else raw.split("\n", 1)[0])[:60]


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
