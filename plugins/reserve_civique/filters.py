"""Jinja filters for every generator's templates (Pelican pages included)."""

from catalog.text import date_long, number, plural


def page_window(page_number: int, page_count: int, around: int = 2) -> list[int | None]:
    """The page numbers a pagination links to: the first, the last, and ``around`` on each side
    of the current one; ``None`` where numbers are left out (``1 None 4 5 6 7 8 None 460``).

    A gap of one page shows that page instead: a « … » would take as much room.
    """
    shown = {1, page_count, *range(max(1, page_number - around), min(page_count, page_number + around) + 1)}
    window: list[int | None] = []
    for n in sorted(shown):
        if window and n - window[-1] == 2:
            window.append(n - 1)
        elif window and n - window[-1] > 2:
            window.append(None)
        window.append(n)
    return window


FILTERS = {"date_long": date_long, "number": number, "plural": plural, "page_window": page_window}


def add_filters(generator):
    """Receiver of Pelican's ``generator_init``: French dates and numbers in templates."""
    generator.env.filters.update(FILTERS)
