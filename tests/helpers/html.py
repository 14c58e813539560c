"""The Nu Html Checker's findings, as the HTML validity tests compare them."""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

from devtools import validator


def html_problems(folders: dict[str, Path], **options) -> dict[str, list[str]]:
    """vnu's errors and warnings on ``folders`` (one run), by file shown as ``name/path in it``."""
    found = defaultdict(list)
    for message in validator.check(list(folders.values()), **options):
        path = message["url"].removeprefix("file:")
        name, folder = next((n, f) for n, f in folders.items() if path.startswith(f"{f}/"))
        found[f"{name}/{os.path.relpath(path, folder)}"].append(f"{message.get('lastLine', '?')}: {message['message']}")
    return dict(found)
