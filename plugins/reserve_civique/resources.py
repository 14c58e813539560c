"""Downloadable documents listed in ``content/ressources/ressources.yaml``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from catalog.text import number

FORMATS = {
    ".pdf": "PDF",
    ".html": "HTML imprimable",
    ".txt": "texte brut",
    ".odt": "OpenDocument texte",
    ".csv": "CSV",
}


@dataclass(frozen=True)
class Resource:
    title: str
    description: str
    file: str
    path: Path

    @property
    def format(self) -> str:
        return FORMATS.get(self.path.suffix.lower(), self.path.suffix.lstrip(".").upper())

    @property
    def size(self) -> str:
        """Size in words: ``12 Ko``."""
        size = self.path.stat().st_size
        if size < 1024 * 1024:
            return f"{number(max(1, round(size / 1024)))} Ko"
        return f"{number(round(size / 1024 / 1024, 1))} Mo"


class ResourceError(Exception):
    """The resources manifest is wrong."""


def load_resources(content_dir: Path) -> list[Resource]:
    """Read the manifest; every listed file must exist in ``content/ressources/``."""
    folder = content_dir / "ressources"
    manifest = folder / "ressources.yaml"
    if not manifest.is_file():
        return []
    entries = yaml.safe_load(manifest.read_text(encoding="utf-8")) or []
    found, problems = [], []
    for index, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or not {"title", "description", "file"} <= set(entry):
            problems.append(f"{manifest}: entrée {index} : title, description et file sont obligatoires")
            continue
        path = folder / entry["file"]
        if "/" in entry["file"] or not path.is_file():
            problems.append(f"{manifest}: entrée {index} : fichier introuvable « {entry['file']} »")
            continue
        found.append(Resource(entry["title"], entry["description"], entry["file"], path))
    if problems:
        raise ResourceError("\n".join(problems))
    return found
