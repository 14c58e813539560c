"""The catalog as the handler sees it: loaded with the core, reloaded when content changes."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask, current_app

from catalog import Catalog, load_content

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


class ContentStore:
    """Holds the current catalog; checks the content at most every ``reload_seconds``.

    A reload with errors keeps serving the missions that are valid (the check
    reports the rest to coordinators); a content folder that disappears keeps
    the last catalog.
    """

    def __init__(self, content_dir: str, reload_seconds: int, logger, today: dt.date | None = None):
        self.today = today
        self.content_dir = Path(content_dir)
        self.reload_seconds = reload_seconds
        self.logger = logger
        self._lock = threading.Lock()
        self._catalog: Catalog | None = None
        self._signature: tuple | None = None
        self._checked_at = 0.0

    def _load(self) -> None:
        signature = _signature(self.content_dir)
        if signature == self._signature and self._catalog is not None:
            return
        result = load_content(self.content_dir, today=self.today)
        if result.errors:
            self.logger.warning("contenu : %d erreur(s) ; les missions valides restent servies", len(result.errors))
        self._catalog = result.catalog
        self._signature = signature
        self.logger.info("contenu chargé : %d mission(s)", len(result.catalog.missions))

    def get(self) -> Catalog:
        """The catalog, reloaded if the content changed since the last check."""
        now = time.monotonic()
        if self._catalog is None or now - self._checked_at >= self.reload_seconds:
            with self._lock:
                if self._catalog is None or now - self._checked_at >= self.reload_seconds:
                    self._load()
                    self._checked_at = now
        return self._catalog


def init_app(app: Flask) -> None:
    """Attach a content store to the app."""
    app.extensions["content"] = ContentStore(
        app.config["CONTENT_DIR"], app.config["CONTENT_RELOAD_SECONDS"], app.logger
    )


def catalog() -> Catalog:
    """The current catalog of the running app."""
    return current_app.extensions["content"].get()


def today() -> dt.date:
    """Today's date in France (applications are judged on the French calendar day), or ``TODAY``."""
    fixed = current_app.config.get("TODAY")
    if fixed:
        return dt.date.fromisoformat(fixed)
    return dt.datetime.now(PARIS).date()
