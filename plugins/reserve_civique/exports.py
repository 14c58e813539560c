"""The form handler's exports, as the build reads them (written by ``flask --app formhandler exports write``).

Each is ``<name>.json`` in the ``handler_exports`` folder: ``{"generated_at": <UNIX time>, "data": …}``
(see ``formhandler/exports.py``). A build must work with no handler at all: a file that is
missing, unreadable, malformed or older than ``handler_exports_max_age`` gives ``None``, and the
pages then say nothing of it rather than a wrong number. Whatever a page shows from an export is
one of that page's inputs for the incremental build.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

log = logging.getLogger(__name__)


def exports_folder(site_folder: Path, setting: str) -> Path:
    """The exports' folder: ``setting``, relative to the site's folder unless absolute."""
    path = Path(setting)
    return path if path.is_absolute() else site_folder / path


def read_export(folder: Path, name: str, max_age: float, now: float | None = None):
    """The data of the export ``name``, or ``None`` when there is none worth showing."""
    path = folder / f"{name}.json"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as problem:
        log.warning("reserve_civique: %s illisible, ignoré (%s)", path, problem)
        return None
    if not isinstance(document, dict) or "data" not in document:
        log.warning("reserve_civique: %s n'a pas la forme attendue, ignoré", path)
        return None
    generated_at = document.get("generated_at")
    if not isinstance(generated_at, (int, float)) or (time.time() if now is None else now) - generated_at > max_age:
        log.warning("reserve_civique: %s est trop ancien pour être montré, ignoré", path)
        return None
    return document["data"]
