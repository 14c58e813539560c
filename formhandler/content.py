"""The catalog as the handler sees it: loaded with the core, reloaded when content changes.

Answering about one mission (an application, its status) needs only that
mission, its structure and the domains: :meth:`ContentStore.for_mission`
reads those three files, so the handler starts at once whatever the size of
the catalog. The whole catalog (the proposal form's lists, the commands) is
loaded on first use, with the core's per-file cache.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from werkzeug.routing import BaseConverter, ValidationError

from catalog import Catalog, load_content, load_mission_catalog
from catalog.files import file_state
from catalog.loader import is_slug

from .db import local_folder

PARIS = ZoneInfo("Europe/Paris")


def _signature(content_dir: Path) -> tuple:
    """Cheap fingerprint of the content tree: names, sizes and mtimes of the YAML files."""
    entries = []
    for sub in ("", "missions", "structures"):
        folder = content_dir / sub
        try:
            with os.scandir(folder) as it:
                for entry in it:
                    if entry.name.endswith(".yaml") and entry.is_file():
                        st = entry.stat()
                        entries.append((sub, entry.name, st.st_size, st.st_mtime_ns))
        except FileNotFoundError:
            continue
    entries.sort()
    return tuple(entries)


class _Checked(NamedTuple):
    """A mission's part of the catalog, when it was last checked and the stats of its files then."""

    at: float
    files: tuple
    catalog: Catalog


class ContentStore:
    """The content, checked again at most every ``reload_seconds``.

    A reload with errors keeps serving the missions that are valid (the check
    reports the rest to coordinators); a content folder that disappears keeps
    the last catalog.
    """

    def __init__(self, content_dir: str, reload_seconds: int, logger, today: dt.date | None = None, cache_dir=None):
        self.today = today
        self.cache_dir = cache_dir
        self.content_dir = Path(content_dir)
        self.reload_seconds = reload_seconds
        self.logger = logger
        self._lock = threading.Lock()
        self._catalog: Catalog | None = None
        self._signature: tuple | None = None
        self._checked_at = 0.0
        self._missions: dict[str, _Checked] = {}

    def __len__(self) -> int:
        """How many missions the store keeps checked answers for."""
        return len(self._missions)

    # -- one mission ---------------------------------------------------------------------

    def _mission_files(self, mission_id: str, catalog: Catalog | None) -> tuple:
        """What a mission's answer depends on: its file, its structure's, the domains, the structure names."""
        root = self.content_dir
        structure = None
        if catalog is not None and mission_id in catalog.missions:
            structure = catalog.missions[mission_id].structure
        return (
            file_state(root / "missions" / f"{mission_id}.yaml"),
            file_state(root / "structures" / f"{structure}.yaml") if structure else None,
            file_state(root / "domains.yaml"),
            file_state(root / "structures"),  # a structure file added or removed changes the folder
        )

    def for_mission(self, mission_id: str) -> Catalog:
        """A catalog holding the domains, this mission (if it is valid) and its structure.

        Only missions whose file exists are kept: ids come from requests, and one without
        a file costs a look at the disk (a file added is served at once) but no memory.
        """
        now = time.monotonic()
        entry = self._missions.get(mission_id)
        if entry is not None and now - entry.at < self.reload_seconds:
            return entry.catalog
        if not is_slug(mission_id) or file_state(self.content_dir / "missions" / f"{mission_id}.yaml") is None:
            self._missions.pop(mission_id, None)  # a mission whose file was removed
            return Catalog(domains={}, structures={}, missions={})
        with self._lock:
            entry = self._missions.get(mission_id)
            if entry is not None and entry.files == self._mission_files(mission_id, entry.catalog):
                self._missions[mission_id] = entry._replace(at=now)
                return entry.catalog
            result = load_mission_catalog(self.content_dir, mission_id, today=self.today)
            if result.errors:
                self.logger.warning("contenu : %d erreur(s) pour la mission %s", len(result.errors), mission_id)
            self._missions[mission_id] = _Checked(now, self._mission_files(mission_id, result.catalog), result.catalog)
            return result.catalog

    # -- the whole catalog -------------------------------------------------------------

    def _load(self) -> None:
        signature = _signature(self.content_dir)
        if signature == self._signature and self._catalog is not None:
            return
        result = load_content(self.content_dir, today=self.today, cache_dir=self.cache_dir)
        if result.errors:
            self.logger.warning("contenu : %d erreur(s) ; les missions valides restent servies", len(result.errors))
        self._catalog = result.catalog
        self._signature = signature
        self.logger.info("contenu chargé : %d mission(s)", len(result.catalog.missions))

    def get(self) -> Catalog:
        """The whole catalog, reloaded if the content changed since the last check."""
        now = time.monotonic()
        if self._catalog is None or now - self._checked_at >= self.reload_seconds:
            with self._lock:
                if self._catalog is None or now - self._checked_at >= self.reload_seconds:
                    self._load()
                    self._checked_at = now
        return self._catalog


class MissionIdConverter(BaseConverter):
    """``<mission_id:…>`` in a route: a path part that can name a mission file (see
    :func:`catalog.loader.is_slug`). Any other (too long for a file name, a null byte,
    capitals…) matches no route: a 404, without a look at the disk."""

    def to_python(self, value: str) -> str:
        if not is_slug(value):
            raise ValidationError()
        return value


def init_app(app: Flask) -> None:
    """Attach a content store to the app; routes name missions with ``<mission_id:…>``."""
    app.url_map.converters["mission_id"] = MissionIdConverter
    fixed = app.config.get("TODAY")
    cache_dir = app.config["CACHE_DIR"] or os.path.join(local_folder(app.config["DATABASE"]), "cache")
    app.extensions["content"] = ContentStore(
        app.config["CONTENT_DIR"],
        app.config["CONTENT_RELOAD_SECONDS"],
        app.logger,
        today=dt.date.fromisoformat(fixed) if fixed else None,
        cache_dir=cache_dir,
    )


def catalog() -> Catalog:
    """The whole current catalog of the running app."""
    return current_app.extensions["content"].get()


def catalog_for(mission_id: str) -> Catalog:
    """The part of the current catalog that answering about ``mission_id`` needs."""
    return current_app.extensions["content"].for_mission(mission_id)


def today() -> dt.date:
    """Today's date in France (applications are judged on the French calendar day), or ``TODAY``."""
    fixed = current_app.config.get("TODAY")
    if fixed:
        return dt.date.fromisoformat(fixed)
    return dt.datetime.now(PARIS).date()
