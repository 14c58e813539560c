"""« N bénévoles attendent une mission dans l'Aisne »: the handler's ``pool`` export, as pages say it.

The counts come from the form handler (``flask --app formhandler pool stats --json``, written as
``pool.json`` by ``alerts send`` and ``exports write``; :mod:`.exports`). With no export, or a
stale one, the pages say nothing of it rather than a wrong number.
"""

from __future__ import annotations

from pathlib import Path

from catalog.geo import DEPARTMENTS, in_department
from catalog.text import plural

from .exports import exports_folder, read_export


def waiting_lines(data) -> list[str]:
    """One sentence per department with volunteers waiting, the most first; none for bad data."""
    if not isinstance(data, dict) or not isinstance(data.get("departments"), dict):
        return []
    counts = [
        (count, code)
        for code, count in data["departments"].items()
        if code in DEPARTMENTS and isinstance(count, int) and not isinstance(count, bool) and count > 0
    ]
    return [
        f"{plural(count, 'bénévole')} {'attendent' if count > 1 else 'attend'} une mission {in_department(code)}"
        for count, code in sorted(counts, key=lambda item: (-item[0], item[1]))
    ]


def read_waiting(site_folder: Path, folder_setting: str, max_age: float) -> list[str]:
    """The sentences of the export in the build's exports folder (none when it is missing or stale)."""
    return waiting_lines(read_export(exports_folder(site_folder, folder_setting), "pool", max_age))
