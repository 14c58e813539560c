"""Pictures drawn at build time: QR codes and the statistics chart, as inline SVG."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from html import escape

import segno

from catalog.text import number

QR_MASK = 3  # segno would choose the best mask for each code: a fixed one is as readable and faster


def qr_matrix(text: str) -> list[bytes]:
    """The QR code of ``text`` (error level M, mask 3) as rows of 0/1 bytes, without quiet zone."""
    code = segno.make(text, error="m", mask=QR_MASK, boost_error=False, micro=False)
    return [bytes(row) for row in code.matrix]


def qr_svg(url: str, matrix: Callable[[str], list[bytes]] = qr_matrix) -> str:
    """An inline SVG QR code leading to ``url`` (for the printed notice), its ``matrix`` made by
    :func:`qr_matrix` (or a function that gives the same, like :func:`.speedups.qr_matrix`).

    The SVG is one path of horizontal runs, the drawing segno writes.
    """
    rows = matrix(url)
    border, scale = 2, 3
    size = (len(rows) + 2 * border) * scale
    path = svg_path(rows, border)
    title = escape(f"QR code vers {url}")
    return (
        f'<svg width="{size}" height="{size}" class="qr" viewBox="0 0 {size} {size}" role="img">'
        f'<title>{title}</title><path transform="scale({scale})" stroke="#000" d="{path}"/></svg>'
    )


def bar_chart(rows: list[tuple[str, int]], title: str, chart_id: str) -> str:
    """A horizontal bar chart as accessible inline SVG (``role="img"`` with a title).

    The same figures are given in a table next to it: the chart adds no information.
    """
    bar_h, gap, label_w, width = 26, 10, 300, 640
    top = 4
    height = top + len(rows) * (bar_h + gap)
    biggest = max((v for _, v in rows), default=0) or 1
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" aria-labelledby="{chart_id}-title">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
    ]
    for index, (label, value) in enumerate(rows):
        y = top + index * (bar_h + gap)
        bar_w = round((width - label_w - 60) * value / biggest)
        parts.append(f'<text x="{label_w - 8}" y="{y + bar_h * 0.68:.0f}" text-anchor="end">{escape(label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y}" width="{bar_w}" height="{bar_h}" fill="#000091"></rect>')
        parts.append(f'<text x="{label_w + bar_w + 6}" y="{y + bar_h * 0.68:.0f}">{number(value)}</text>')
    parts.append("</svg>")
    return "".join(parts)


_DRAW = bytes.maketrans(b"\x00\x01", b".#")
_RUNS = re.compile(r"#+|\.*\n|\.+")  # a dark run, a row's (light) end, a light run


@functools.cache
def _steps(size: int) -> dict[str, str]:
    """The path step of each run: dark drawn (``h``), light skipped (``m``), a row's end back to the next row."""
    steps = {"#" * n: f"h{n}" for n in range(1, size + 1)}
    steps.update({"." * n: f"m{n} 0" for n in range(1, size + 1)})
    steps.update({"." * n + "\n": f"m{n - size} 1" for n in range(size + 1)})
    return steps


def svg_path(rows: list[bytes], border: int) -> str:
    """SVG path data: from the first row's start, dark runs drawn (``h``), light ones skipped (``m``),
    and at each row's end a move back to the start of the next.

    The whole code is one string scanned by one regular expression (a code of
    version 5 in about 0.03 ms; a call per row took ten times as long).
    """
    cells = b"\n".join(rows).translate(_DRAW).decode("ascii").rstrip(".")
    return f"M{border} {border}.5" + "".join(map(_steps(len(rows[0])).__getitem__, _RUNS.findall(cells)))
