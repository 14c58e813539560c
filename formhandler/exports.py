"""What only the handler knows, written for the site's build: ``flask --app formhandler exports write``.

The static site is built with no handler running; some of what it shows comes from the handler's
database (accepted volunteers against a mission's places, volunteers waiting for a mission). Each
such fact is an *export*: a JSON file ``<name>.json`` in ``EXPORTS_DIR``, replaced whole (never
half-written), holding ``{"generated_at": <UNIX time>, "data": …}``. The build reads it through
``plugins/reserve_civique/exports.py`` and shows nothing when a file is missing or too old —
never a wrong number.

A feature provides its export with :func:`register` (a function of the app's store returning
JSON-able data); ``exports write`` writes them all, after each change worth showing or before
each build (deploy/, devtools).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from flask import Flask, current_app

from .db import database, local_folder

PRODUCERS: dict[str, Callable] = {}


def register(name: str, produce: Callable) -> None:
    """``produce(store)`` gives the data of the export ``name`` (``<name>.json``)."""
    PRODUCERS[name] = produce


def folder(app: Flask | None = None) -> Path:
    """Where the exports are written (the ``EXPORTS_DIR`` setting, or beside the database)."""
    config = (app or current_app).config
    return Path(config["EXPORTS_DIR"] or os.path.join(local_folder(config["DATABASE"]), "exports"))


def write_json(path: Path, document) -> None:
    """``document`` in ``path``, replaced whole and durably: a reader sees the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle, ensure_ascii=False, sort_keys=True, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)  # read by the build, which may run as another user
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def write(names: list[str] | None = None, app: Flask | None = None) -> list[Path]:
    """Write the exports ``names`` (all by default); the paths written."""
    app = app or current_app
    written = []
    store = database(app).store()
    for name in names or sorted(PRODUCERS):
        path = folder(app) / f"{name}.json"
        write_json(path, {"generated_at": time.time(), "data": PRODUCERS[name](store)})
        written.append(path)
    return written
