"""The catalog generator: loads the content with the core, renders every page and file."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from importlib import resources as importlib_resources
from pathlib import Path
from types import SimpleNamespace

from pelican import signals
from pelican.generators import Generator

from catalog import load_content

from . import graphics, opendata
from .resources import load_resources
from .settings import PluginSettings
from .stats import build_stats
from .views import build_listings, build_mission_views, sort_open

log = logging.getLogger(__name__)


class CatalogBuildError(Exception):
    """The content or the settings do not allow a build; the message lists every problem."""


def _paginate(items: list, per_page: int) -> list[list]:
    pages = [items[i : i + per_page] for i in range(0, len(items), per_page)]
    return pages or [[]]


class CatalogGenerator(Generator):
    """Builds the mission pages, listings, statistics, resources and open data."""

    def generate_context(self):
        """Load the content; put the site model in the context for every template."""
        try:
            self.options = PluginSettings.from_pelican(self.settings)
        except Exception as error:
            raise CatalogBuildError(str(error)) from None
        content_dir = Path(self.settings["PATH"]).parent / self.options.content_dir
        if not content_dir.is_dir():
            content_dir = Path(self.options.content_dir)
        result = load_content(content_dir, today=self.options.today, display_root=Path.cwd())
        for problem in result.warnings:
            log.warning("reserve_civique: %s", problem)
        if result.errors:
            lines = "\n".join(str(p) for p in result.errors)
            raise CatalogBuildError(f"reserve_civique: le contenu a {len(result.errors)} erreur(s) :\n{lines}")
        self.catalog = result.catalog
        self.content_dir = content_dir
        self.site_url = self.settings.get("SITEURL", "").rstrip("/")
        views = build_mission_views(self.catalog, self.options.today, self.options.handler_path)
        self.views = views
        self.open = sort_open(views.values())
        self.listings = build_listings(self.catalog, views)
        self.resources = load_resources(content_dir)
        latest = sorted(self.open, key=lambda v: (v.published or v.start, v.id), reverse=True)
        domain_counts = {d.key: len(d.missions) for d in self.listings["domaine"]}
        newest = max((v.published or v.start for v in views.values()), default=self.options.today)
        self.site_date = dt.datetime(newest.year, newest.month, newest.day, tzinfo=dt.UTC)
        self.context["rc"] = SimpleNamespace(
            domains=list(self.catalog.domains.values()),
            domain_counts=domain_counts,
            open_missions=self.open,
            open_count=len(self.open),
            open_places=sum(v.places for v in self.open),
            latest=latest[: self.options.latest],
            listings=self.listings,
            today=self.options.today,
            handler_path=self.options.handler_path,
        )

    # -- writing -----------------------------------------------------------------

    def _write(self, relpath: str, data: str | bytes, *, url: str | None = None, indexed: bool = True) -> None:
        """Write one output file; announce HTML pages to the sitemap when ``indexed``."""
        path = os.path.join(self.output_path, relpath)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        mode, kwargs = ("wb", {}) if isinstance(data, bytes) else ("w", {"encoding": "utf-8", "newline": "\n"})
        with open(path, mode, **kwargs) as handle:
            handle.write(data)
        if url is not None:
            page = SimpleNamespace(
                url=url.lstrip("/"), date=self.site_date, status="published" if indexed else "hidden"
            )
            signals.content_written.send(path, context={"page": page})

    def _render(self, template: str, relpath: str, *, url: str, indexed: bool = True, **extra) -> None:
        html = self.get_template(template).render({**self.context, **extra, "page_url": url})
        self._write(relpath, html, url=url, indexed=indexed)

    def generate_output(self, writer):
        """Write every page and data file of the catalog."""
        rc = self.context["rc"]
        self._render("home", "index.html", url="/")
        self._write_catalogue(rc)
        for view in self.views.values():
            self._render(
                "mission",
                f"missions/{view.id}/index.html",
                url=view.url,
                indexed=view.is_open,
                mission=view,
                qr_svg=graphics.qr_svg(self.site_url + view.url),
                json_ld=self._json_ld(view),
            )
            if view.is_open:
                self._write(f"missions/{view.id}/mission.ics", opendata.calendar([view], self.site_url, view.title))
        for kind, listings in self.listings.items():
            for listing in listings:
                self._render("listing", listing.url.strip("/") + "/index.html", url=listing.url, listing=listing)
            if kind != "a-distance":
                index_url = {
                    "domaine": "/domaines/",
                    "departement": "/departements/",
                    "commune": "/communes/",
                    "structure": "/structures/",
                }[kind]
                self._render(
                    "listings", index_url.strip("/") + "/index.html", url=index_url, kind=kind, listings=listings
                )
        self._render("stats", "statistiques/index.html", url="/statistiques/", stats=build_stats(self.open))
        self._render("resources", "ressources/index.html", url="/ressources/", resources=self.resources)
        for resource in self.resources:
            self._write(f"ressources/{resource.file}", resource.path.read_bytes())
        self._render("search", "recherche/index.html", url="/recherche/")
        self._render("thanks", "merci/index.html", url="/merci/", indexed=False)
        self._render("thanks_waiting", "merci/liste-attente/index.html", url="/merci/liste-attente/", indexed=False)
        self._render("not_found", "404.html", url="/404.html", indexed=False)
        self._write_open_data()
        self._write("robots.txt", f"User-agent: *\nAllow: /\nSitemap: {self.site_url}/sitemap.xml\n")

    def _write_catalogue(self, rc) -> None:
        pages = _paginate(self.open, self.options.per_page)
        for number_, items in enumerate(pages, start=1):
            url = "/missions/" if number_ == 1 else f"/missions/page/{number_}/"
            self._render(
                "missions",
                url.strip("/") + "/index.html",
                url=url,
                missions=items,
                page_number=number_,
                page_count=len(pages),
            )

    def _write_open_data(self) -> None:
        site = self.site_url
        self._write("missions.json", opendata.missions_json(self.open, site))
        schema = importlib_resources.files("catalog.schemas").joinpath("opendata.schema.json").read_text("utf-8")
        self._write("missions.schema.json", schema)
        self._write("missions.csv", opendata.missions_csv(self.open, site))
        self._write("missions.ics", opendata.calendar(self.open, site, "Missions de la réserve civique"))
        self._write(
            "flux/missions.atom",
            opendata.atom_feed("Missions de la réserve civique", "/flux/missions.atom", "/missions/", self.open, site),
        )
        for listing in self.listings["domaine"] + self.listings["departement"]:
            self._write(
                listing.feed_url.lstrip("/"),
                opendata.atom_feed(
                    f"Missions : {listing.title}", listing.feed_url, listing.url, listing.missions, site
                ),
            )

    def _json_ld(self, view) -> str:
        """schema.org JobPosting (employmentType VOLUNTEER) for an open mission."""
        data = {
            "@context": "https://schema.org",
            "@type": "JobPosting",
            "title": view.title,
            "description": view.summary,
            "datePosted": (view.published or view.start).isoformat(),
            "employmentType": "VOLUNTEER",
            "hiringOrganization": {"@type": "Organization", "name": view.structure["name"]},
            "url": self.site_url + view.url,
            "totalJobOpenings": view.places,
        }
        if view.end:
            data["validThrough"] = view.end.isoformat()
        if view.remote:
            data["jobLocationType"] = "TELECOMMUTE"
            data["applicantLocationRequirements"] = {"@type": "Country", "name": "FR"}
        else:
            data["jobLocation"] = {
                "@type": "Place",
                "address": {
                    "@type": "PostalAddress",
                    "streetAddress": view.location.address,
                    "postalCode": view.location.postal_code,
                    "addressLocality": view.location.city,
                    "addressCountry": "FR",
                },
            }
        return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
