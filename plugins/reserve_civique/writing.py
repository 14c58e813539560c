"""Writing the catalog's files: each method of :class:`Pages` renders one page or file and writes it.

They run in the build's process or in forked workers (:mod:`catalog.pool`).
A mission's page also gives back the mission's pieces of the other files
(:class:`Fragments`: its card, JSON record, CSV row and calendar event), which
the listings and the open data are then made of. Once every file is written,
the build's process tells Pelican's ``content_written`` receivers (the sitemap)
about each page (:func:`announce`).

Pelican's ``Writer`` is not used: it announces a file from the process that
wrote it, and an announcement from a worker would not reach the sitemap in the
build's process; a rebuild also skips unchanged pages that the sitemap must
list all the same.
"""

from __future__ import annotations

import contextlib
import functools
import os
from types import SimpleNamespace
from typing import NamedTuple

from markupsafe import Markup
from pelican import signals

from . import graphics, opendata, speedups
from .views import Site


class Fragments(NamedTuple):
    """A mission's pieces of the other files: its card, JSON record, CSV row and calendar event."""

    card: str
    json: str
    csv: str
    event: str


class Pages:
    """Renders with the theme's templates (``get_template``, Pelican's ``context``) and writes
    into ``output_path``; ``fast``: with the tricks of :mod:`.speedups`."""

    def __init__(self, site: Site, get_template, context: dict, output_path: str, fast: bool):
        self.site = site
        self.get_template = get_template
        self.context = context
        self.output_path = output_path
        self.qr_matrix = speedups.qr_matrix if fast else graphics.qr_matrix
        self.application_form = speedups.SharedForms(self._form) if fast else self._form
        self._folders: set[str] = set()  # output folders made by this process

    def write(self, relpath: str, data: str | bytes) -> None:
        """Write one output file (text in UTF-8, as it is); each folder is made once."""
        path = os.path.join(self.output_path, relpath)
        folder = os.path.dirname(path)
        if folder not in self._folders:
            os.makedirs(folder, exist_ok=True)
            self._folders.add(folder)
        with open(path, "wb") as handle:
            handle.write(data.encode() if isinstance(data, str) else data)

    def remove(self, relpath: str) -> None:
        """Remove an output file of a previous build, and its folder once empty."""
        path = os.path.join(self.output_path, relpath)
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)
        with contextlib.suppress(OSError):
            os.removedirs(os.path.dirname(path))

    def render(self, template: str, url: str, **extra) -> str:
        return self.get_template(template).render({**self.context, **extra, "page_url": url})

    def _form(self, mission) -> Markup:
        return Markup(self.get_template("_application_form").render({**self.context, "mission": mission}))

    @functools.cached_property
    def _macros(self):
        return self.get_template("_macros").make_module(self.context)

    # -- one call, one page (or one mission's files) ----------------------------------------

    def mission(self, mission_id: str) -> Fragments:
        """Write a mission's page (and calendar, while it is open); return its pieces of the other files."""
        view = self.site.views[mission_id]
        site_url = self.site.url
        html = self.render(
            "mission",
            view.url,
            mission=view,
            application_form=self.application_form(view) if view.is_open else "",
            qr_svg=graphics.qr_svg(site_url + view.url, self.qr_matrix) if view.is_open else "",
            json_ld=opendata.job_posting(view, site_url),
        )
        self.write(f"missions/{view.id}/index.html", html)
        event = opendata.event(view, site_url)
        record = view.record(site_url)
        if view.is_open:
            self.write(f"missions/{view.id}/mission.ics", opendata.calendar_from([event], view.title))
        return Fragments(
            card=str(self._macros.card(view)),
            json=opendata.json_line(record),
            csv=opendata.csv_row(record),
            event=event,
        )

    def page(self, template: str, relpath: str, url: str, **extra) -> None:
        """A page of its own (home, statistics, a page of a listing…); ``extra``: what its template shows."""
        self.write(relpath, self.render(template, url, **extra))

    def data(self, relpath: str, make) -> None:
        """A data file (open data, feeds), its content made by ``make()``."""
        self.write(relpath, make())


def announce(output_path: str, pages: list[tuple[str, str, bool]], date) -> None:
    """Tell Pelican's ``content_written`` receivers (the sitemap) about each ``(relpath, url, indexed)``
    page, dated ``date``; pages not indexed (closed and past missions, thanks pages) are marked hidden,
    so left out of the sitemap."""
    for relpath, url, indexed in pages:
        page = SimpleNamespace(url=url.lstrip("/"), date=date, status="published" if indexed else "hidden")
        signals.content_written.send(os.path.join(output_path, relpath), context={"page": page})
