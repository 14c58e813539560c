"""Jinja filters for every generator's templates (Pelican pages included)."""

from catalog.text import date_long, number, plural

FILTERS = {"date_long": date_long, "number": number, "plural": plural}


def add_filters(generator):
    """Receiver of Pelican's ``generator_init``: French dates and numbers in templates."""
    generator.env.filters.update(FILTERS)
