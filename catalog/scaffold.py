"""Scaffold a new mission file from the commented template."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path

from .loader import is_slug


class ScaffoldError(Exception):
    """The mission cannot be created (bad id, file already there)."""


def new_mission(content_dir: str | Path, mission_id: str, today: dt.date | None = None) -> Path:
    """Write ``content/missions/<mission_id>.yaml`` from the template and return its path."""
    if not is_slug(mission_id):
        raise ScaffoldError(
            f"identifiant invalide « {mission_id} » : minuscules sans accents, chiffres et tirets "
            "(par ex. make new-mission ID=distribution-colis-laon)"
        )
    path = Path(content_dir) / "missions" / f"{mission_id}.yaml"
    if path.exists():
        raise ScaffoldError(f"{path} existe déjà")
    template = resources.files("catalog.templates").joinpath("mission.yaml").read_text("utf-8")
    start = (today or dt.date.today()).isoformat()
    path.write_text(template.replace("{start}", start), encoding="utf-8")
    return path
