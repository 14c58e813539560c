"""The catalog generator: Pelican's hooks, from the content to every page and file.

``generate_context`` loads the content with the core and puts the site model
in every template's context (``rc``); ``generate_output`` makes the files the
plan (:mod:`.planning`) says are missing or out of date, with
:class:`.writing.Pages`, in forked workers when there are many
(:mod:`catalog.pool`), then announces the pages to Pelican's receivers.
"""

from __future__ import annotations

import functools
import logging
import operator
import os
from pathlib import Path

from jinja2 import FileSystemBytecodeCache
from markupsafe import Markup
from pelican.generators import Generator

from catalog import cache, load_content, pool
from catalog.cache import digest

from . import kit, ogimages, speedups, writing
from .exports import exports_folder, read_export
from .incremental import Manifest, code_key
from .planning import Plan
from .resources import Resource, load_resources, with_data
from .settings import PluginSettings
from .views import Site
from .waiting import read_waiting

log = logging.getLogger(__name__)

PARALLEL_FROM = 200  # files to make; below, forking workers costs more than it saves


class CatalogBuildError(Exception):
    """The content or the settings do not allow a build; the message lists every problem."""


class CatalogGenerator(Generator):
    """Builds the mission pages, listings, statistics, resources and open data."""

    def generate_context(self):
        """Load the content; put the site model in the context of every template."""
        try:
            self.options = PluginSettings.from_pelican(self.settings)
        except Exception as error:
            raise CatalogBuildError(str(error)) from None
        if self.options.speedups:
            speedups.pause_collector()
        try:
            self._load()
        except BaseException:
            if self.options.speedups:
                speedups.resume_collector()
            raise

    def _load(self) -> None:
        options = self.options
        content_dir = Path(self.settings["PATH"]).parent / options.content_dir
        if not content_dir.is_dir():
            content_dir = Path(options.content_dir)
        if options.incremental:  # compiled templates kept between builds (checked against their source)
            folder = self._cache_folder("jinja")
            os.makedirs(folder, exist_ok=True)
            self.env.bytecode_cache = FileSystemBytecodeCache(folder)
        result = load_content(
            content_dir,
            today=options.today,
            display_root=Path.cwd(),
            cache_dir=self._cache_folder("content"),
            processes=options.processes,
        )
        if result.warnings:  # details: `make check`; the build only counts them
            log.warning(
                "reserve_civique: %d avertissement(s) de modération ; détail : make check", len(result.warnings)
            )
        if result.errors:
            lines = "\n".join(str(p) for p in result.errors)
            raise CatalogBuildError(f"reserve_civique: le contenu a {len(result.errors)} erreur(s) :\n{lines}")
        self.code = code_key(self.settings)
        site_folder = Path(self.settings["PATH"]).parent
        places = read_export(
            exports_folder(site_folder, options.handler_exports), "missions", options.handler_exports_max_age
        )
        self.site = Site.of(
            result.catalog,
            places=places,
            today=options.today,
            handler_path=options.handler_path,
            latest=options.latest,
            resources=with_data(load_resources(content_dir), self._made),
            url=self.settings.get("SITEURL", ""),
            waiting=read_waiting(site_folder, options.handler_exports, options.handler_exports_max_age),
        )
        self.context["rc"] = self.site.model
        self._share_images(result.catalog.domains.values())

    def _share_images(self, domains) -> None:
        """The Open Graph images to draw (:mod:`.ogimages`) and what each page's ``<head>`` says of them."""
        identity = self.settings.get("IDENTITY", "etat")
        if identity not in ogimages.FONTS:
            raise CatalogBuildError(f"reserve_civique: IDENTITY doit valoir « etat » ou « neutre » (reçu {identity!r})")
        operator_name = (self.settings.get("OPERATOR") or {}).get("name", "")
        cards = ogimages.cards(domains, self.settings["SITENAME"], operator_name, identity)
        theme = self.settings["THEME"]
        fonts = ogimages.fonts_digest(theme, ogimages.FONTS[identity])
        self.drawn = [
            (card.relpath, digest(self.code, card, fonts), functools.partial(ogimages.draw, card, theme))
            for card in cards
        ]
        self.context["share_images"] = {card.slug: card.share() for card in cards}

    def _made(self, resource: Resource) -> bytes:
        """A resource made at build (the kit's PDF), kept in the cache by the key of its inputs."""
        theme = self.settings["THEME"]
        key = digest(self.code, resource.path.read_bytes(), ogimages.fonts_digest(theme, kit.FONT_FILES.values()))
        folder = self._cache_folder("made")
        path = Path(folder, f"{resource.file}-{key}.marshal") if folder else None
        kept = cache.read(path) if path else None
        if isinstance(kept, bytes):
            return kept
        data = kit.make_pdf(resource.path, theme, self.settings["SITENAME"], self.settings.get("SITEURL", ""))
        if path and cache.write(path, data):
            for older in path.parent.glob(f"{resource.file}-*.marshal"):  # the versions before this one
                if older != path:
                    older.unlink(missing_ok=True)
        return data

    def _cache_folder(self, name: str) -> str | None:
        if not self.options.incremental:
            return None
        return os.path.join(self.settings["CACHE_PATH"], "reserve_civique", name)

    def generate_output(self, writer):
        """Write every page and data file of the catalog (only what changed since the last build)."""
        try:
            self._write_all()
        finally:
            if self.options.speedups:
                speedups.resume_collector()

    def _write_all(self) -> None:
        options, site = self.options, self.site
        manifest = Manifest(self.settings["CACHE_PATH"], self.output_path, enabled=options.incremental)
        pages = writing.Pages(site, self.get_template, self.context, self.output_path, options.speedups)
        plan = Plan(site, pages, manifest, self.code, options.per_page, options.feed_items, self.drawn)
        todo, fragments = plan.missions()
        made = pool.run(pages.mission, todo, options.processes, parallel_from=PARALLEL_FROM)
        fragments.update(zip(todo, made, strict=True))
        for mission_id, view in site.views.items():
            view.card = Markup(fragments[mission_id].card)
        pool.run(operator.call, plan.others(fragments), options.processes, parallel_from=PARALLEL_FROM)
        for relpath in manifest.stale():  # e.g. a mission file was removed
            pages.remove(relpath)
        manifest.save({plan.mission_keys[i]: tuple(f) for i, f in fragments.items()})
        writing.announce(self.output_path, plan.announced, site.date)
