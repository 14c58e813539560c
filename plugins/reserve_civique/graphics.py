"""Pictures drawn at build time: QR codes and the statistics chart, as inline SVG."""

from __future__ import annotations

from html import escape

from catalog.text import number

from . import qr


def qr_svg(url: str) -> str:
    """An inline SVG QR code leading to ``url`` (for the printed notice).

    The matrix comes from :mod:`.qr` (segno's codes, computed faster); the SVG
    is one path of horizontal runs, the drawing segno writes.
    """
    rows = qr.matrix(url)
    border, scale = 2, 3
    size = (len(rows) + 2 * border) * scale
    path = qr.svg_path(rows, border)
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
