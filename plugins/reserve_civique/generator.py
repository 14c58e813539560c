"""The catalog generator: Pelican's hooks, from the content to every page and file.

``generate_context`` loads the content with the core and puts the site model
in every template's context (``rc``); ``generate_output`` makes the files the
plan (:mod:`.planning`) says are missing or out of date, with
:class:`.writing.Pages`, in forked workers when there are many
(:mod:`catalog.pool`), then announces the pages to Pelican's receivers.
"""

from __future__ import annotations

import logging
import operator
import os
from pathlib import Path

from jinja2 import FileSystemBytecodeCache
from markupsafe import Markup
from pelican.generators import Generator

from catalog import load_content, pool

from . import speedups, writing
from .incremental import Manifest, code_key
from .planning import Plan
from .resources import load_resources
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
        self.site = Site.of(
            result.catalog,
            today=options.today,
            handler_path=options.handler_path,
            latest=options.latest,
            resources=load_resources(content_dir),
            url=self.settings.get("SITEURL", ""),
        )
        # what only the form handler knows: read at each build, shown by pages that are made at each build
        self.site.waiting = read_waiting(
            Path(self.settings["PATH"]).parent, options.handler_exports, options.handler_exports_max_age
        )
        self.context["rc"] = self.site.model

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
        plan = Plan(site, pages, manifest, code_key(self.settings), options.per_page, options.feed_items)
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
