"""Downloadable documents listed in ``content/ressources/ressources.yaml``.

An entry's ``file`` is copied as it is, or, with ``made_from``, made at build time from a text of
the folder (the kit of :mod:`.kit`, a PDF). No HTML page: the site's Content Security Policy
(``style-src 'self'``) would block its styles when opened by its address.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from catalog.text import number

FORMATS = {
    ".pdf": "PDF",
    ".txt": "texte brut",
    ".odt": "OpenDocument texte",
    ".csv": "CSV",
}


@dataclass(frozen=True)
class Resource:
    title: str
    description: str
    file: str  # its name on the site, in /ressources/
    path: Path  # the file copied, or the text it is made from (``made_from``)
    made: bool = False
    data: bytes | None = None  # a made file's bytes, once made (:func:`with_data`)

    @property
    def format(self) -> str:
        suffix = Path(self.file).suffix
        return FORMATS.get(suffix.lower(), suffix.lstrip(".").upper())

    def content(self) -> bytes:
        """The bytes published."""
        return self.path.read_bytes() if self.data is None else self.data

    @property
    def size(self) -> str:
        """Size in words: ``12 Ko``."""
        size = self.path.stat().st_size if self.data is None else len(self.data)
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
        made = "made_from" in entry
        source = entry["made_from"] if made else entry["file"]
        path = folder / str(source)
        if "/" in entry["file"] or "/" in str(source) or not path.is_file():
            problems.append(f"{manifest}: entrée {index} : fichier introuvable « {source} »")
            continue
        if Path(entry["file"]).suffix.lower() in (".html", ".htm"):
            problems.append(
                f"{manifest}: entrée {index} : pas de page HTML (« {entry['file']} ») : la politique de sécurité"
                " du site en bloquerait les styles ; publiez un PDF"
            )
            continue
        if made and Path(entry["file"]).suffix.lower() != ".pdf":
            problems.append(f"{manifest}: entrée {index} : made_from fait un PDF : file doit finir par .pdf")
            continue
        found.append(Resource(entry["title"], entry["description"], entry["file"], path, made=made))
    if problems:
        raise ResourceError("\n".join(problems))
    return found


def with_data(resources: list[Resource], make) -> list[Resource]:
    """The resources, each made one with its bytes: ``make(resource)``."""
    return [replace(r, data=make(r)) if r.made else r for r in resources]
