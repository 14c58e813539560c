"""The plugin's settings, namespaced under ``RESERVE_CIVIQUE`` in pelicanconf.py."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, fields

from catalog.public import HANDLER_PATH

DEFAULTS = {
    "content_dir": "content",
    "today": None,
    "per_page": 20,
    "latest": 6,
    "handler_path": HANDLER_PATH,
    "processes": None,
    "feed_items": 50,
    "incremental": True,
    "speedups": True,
    "handler_exports": "var/exports",
    "handler_exports_max_age": 2 * 24 * 3600,
}


class SettingsError(Exception):
    """A ``RESERVE_CIVIQUE`` setting is wrong; the message says what to do."""


@dataclass(frozen=True)
class PluginSettings:
    """Typed settings.

    content_dir: the content folder (YAML), relative to the site's folder.
    today: the build's date (``AAAA-MM-JJ``); missions ended before it are
        past. Default: the real date. Tests and reproducible builds set it.
    per_page: missions per listing page.
    latest: missions shown as "latest" on the home page.
    handler_path: where the form handler answers, on the same origin.
    processes: worker processes for rendering (default: the number of
        cores; 1 renders everything in the build's process).
    feed_items: entries in each Atom feed, newest first (the open data files
        and the iCalendar file list every open mission).
    incremental: reuse the previous build's files whose inputs did not change,
        and the parsed content files (cache under Pelican's ``CACHE_PATH``).
    speedups: the speed tricks of :mod:`.speedups` (``False``: the same files,
        made through the libraries' public API only, more slowly).
    handler_exports: the folder where the form handler writes what only it
        knows (``flask --app formhandler exports write``; :mod:`.exports`),
        relative to the site's folder.
    handler_exports_max_age: seconds after which such a file is too old to be
        shown (the build then shows nothing rather than a wrong number).
    """

    content_dir: str
    today: dt.date
    per_page: int
    latest: int
    handler_path: str
    processes: int
    feed_items: int
    incremental: bool
    speedups: bool
    handler_exports: str
    handler_exports_max_age: int

    @classmethod
    def from_pelican(cls, settings: dict) -> PluginSettings:
        """Read and check ``settings["RESERVE_CIVIQUE"]``."""
        raw = settings.get("RESERVE_CIVIQUE", {})
        if not isinstance(raw, dict):
            raise SettingsError("reserve_civique: RESERVE_CIVIQUE doit être un dictionnaire")
        unknown = set(raw) - set(DEFAULTS)
        if unknown:
            raise SettingsError(
                f"reserve_civique: réglage(s) inconnu(s) {sorted(unknown)} ; réglages possibles : {sorted(DEFAULTS)}"
            )
        values = {**DEFAULTS, **raw}
        today = values["today"]
        if today is None:
            today = dt.date.today()
        elif isinstance(today, str):
            try:
                today = dt.date.fromisoformat(today)
            except ValueError:
                raise SettingsError(f"reserve_civique: today doit être une date AAAA-MM-JJ (reçu {today!r})") from None
        values["today"] = today
        if values["processes"] is None:
            values["processes"] = os.cpu_count() or 1
        for name in ("incremental", "speedups"):
            if not isinstance(values[name], bool):
                raise SettingsError(f"reserve_civique: {name} doit valoir True ou False (reçu {values[name]!r})")
        for name in ("per_page", "latest", "processes", "feed_items"):
            if not isinstance(values[name], int) or values[name] < 1:
                raise SettingsError(f"reserve_civique: {name} doit être un entier ≥ 1 (reçu {values[name]!r})")
        return cls(**{f.name: values[f.name] for f in fields(cls)})
