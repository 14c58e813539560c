"""The catalog as the handler sees it: loaded with the core, reloaded when content changes."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import pickle
import threading
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask, current_app

from catalog import Catalog, load_content

PARIS = ZoneInfo("Europe/Paris")


def _code_version() -> str:
    """Fingerprint of the core's code and schemas: a cached catalog from other rules is not reused."""
    import catalog as package

    root = Path(package.__file__).parent
    parts = [
        f"{p.relative_to(root)}:{p.stat().st_size}:{p.stat().st_mtime_ns}"
        for p in sorted(root.rglob("*.py")) + sorted(root.rglob("*.json"))
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


_CODE_VERSION = _code_version()


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

    def _cache_path(self, signature: tuple) -> Path | None:
        if not self.cache_dir:
            return None
        key = hashlib.sha256(repr((str(self.content_dir.resolve()), self.today, _CODE_VERSION, signature)).encode())
        return Path(self.cache_dir) / f"catalog-{key.hexdigest()[:32]}.pickle"

    def _load(self) -> None:
        signature = _signature(self.content_dir)
        if signature == self._signature and self._catalog is not None:
            return
        cached = self._cache_path(signature)
        result = None
        if cached is not None and cached.is_file():
            try:
                result = pickle.loads(cached.read_bytes())
            except Exception:
                result = None
        if result is None:
            result = load_content(self.content_dir, today=self.today)
            if cached is not None:
                try:
                    cached.parent.mkdir(parents=True, exist_ok=True)
                    for old in cached.parent.glob("catalog-*.pickle"):
                        old.unlink(missing_ok=True)
                    temporary = cached.with_suffix(f".{os.getpid()}.tmp")
                    temporary.write_bytes(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
                    temporary.replace(cached)
                except OSError:
                    pass  # no cache: the next start loads the content again
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
    fixed = app.config.get("TODAY")
    cache_dir = app.config["CACHE_DIR"] or os.path.join(
        os.path.dirname(os.path.abspath(app.config["DATABASE"])), "cache"
    )
    app.extensions["content"] = ContentStore(
        app.config["CONTENT_DIR"],
        app.config["CONTENT_RELOAD_SECONDS"],
        app.logger,
        today=dt.date.fromisoformat(fixed) if fixed else None,
        cache_dir=cache_dir,
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
