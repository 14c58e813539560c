"""Load the content directory into a :class:`Catalog`, reporting every problem at once.

Layout::

    content/domains.yaml            the mission domains
    content/structures/<slug>.yaml  one host structure per file
    content/missions/<id>.yaml      one mission per file

Each file goes through :func:`check_file`: decoded, parsed (:mod:`.yamlfile`),
checked against its JSON schema (:mod:`.schema`), then checked by its rules
(:mod:`.rules`) and made into its model (:mod:`.models`) by
:func:`structure_from` or :func:`mission_from`. A field whose YAML value the
model takes as it is (a text, a number, a date) needs nothing here: see
:func:`_as_is`.

Which files are read again and which come from the previous run, and whether
workers share the checking, is :mod:`.cache`'s business: this module reads as
if every file were checked here, one after the other. This is the single
loader used by the content check, the Pelican plugin and the form handler.

At about 370 lines it is longer than the other modules on purpose: it is the
whole way from the folder to the catalog (one file, each kind of file, the
folder), read top to bottom when the content format changes; nothing in it is
about speed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from . import rules
from .cache import ContentCache, digest
from .models import DEFAULT_AGE_MAX, DEFAULT_AGE_MIN, Catalog, Contact, Domain, Location, Mission, Structure
from .problems import ContentError, Problem, ProblemList
from .schema import schema_problems
from .yamlfile import YamlSyntaxError, load_yaml

SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SLUG_MAX = 250  # a file name holds 255 bytes: the id and ".yaml"
DOMAINS_FILE = "domains.yaml"


def is_slug(text: str) -> bool:
    """Whether ``text`` can name a content file (``<text>.yaml``), hence be a mission's or a
    structure's id: lower-case letters without accents and digits, in words joined by single
    hyphens, at most ``SLUG_MAX`` characters. Any other text names nothing, on any disk."""
    return len(text) <= SLUG_MAX and SLUG_RE.fullmatch(text) is not None


@dataclass
class LoadResult:
    """A catalog built from every valid file, and the problems found."""

    catalog: Catalog
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "erreur"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "erreur"]


class Source(NamedTuple):
    """A content file: its id (the name without ``.yaml``), its path, and its path as problems show it."""

    id: str
    path: str
    shown: str


# -- one file ------------------------------------------------------------------------


def parse(raw: bytes, schema: str, shown: str, problems: ProblemList) -> dict | None:
    """A file's data checked against its schema (``None`` when unusable); its problems added under ``shown``."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        problems.add(shown, 1, "", "le fichier n'est pas encodé en UTF-8")
        return None
    try:
        data = load_yaml(text)
    except YamlSyntaxError as error:
        problems.add(shown, error.line, error.field, str(error))
        return None
    for line, field_name, message in schema_problems(schema, data):
        problems.add(shown, line, field_name, message)
    return data if isinstance(data, dict) else None


def check_file(source: Source, raw: bytes, fingerprint: str, *, schema: str, build, **compared_to) -> tuple:
    """A file's outcome, ``(problems, model or None)``: its data parsed and checked against
    ``schema``, then given to ``build`` with what its rules compare it to. A file with an
    error has no model. ``fingerprint`` identifies the file's bytes and ``compared_to``."""
    problems = ProblemList()
    data = parse(raw, schema, source.shown, problems)
    model = build(source, data, problems, fingerprint, **compared_to) if data is not None else None
    return problems.items, None if problems.error_count else model


@functools.cache
def _fields(model: type) -> frozenset[str]:
    return frozenset(field.name for field in dataclasses.fields(model))


def _as_is(model: type, data: dict) -> dict:
    """The values of ``data`` the model has a field of the same name for, as they are."""
    names = _fields(model)
    return {name: value for name, value in data.items() if name in names}


def _tuple(value) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, list) else ()


def structure_from(source: Source, data: dict, problems: ProblemList, fingerprint: str) -> Structure | None:
    """A structure file's model, once its rules are checked (``None`` with an error)."""
    rules.check_structure(data, source.shown, problems)
    if problems.error_count:
        return None
    contact = data["contact"]
    built = {
        "slug": source.id,
        "contact": Contact(contact["name"], contact["email"], contact.get("phone")),
        "fingerprint": fingerprint,
    }
    return Structure(**(_as_is(Structure, data) | built))


def mission_from(
    source: Source,
    data: dict,
    problems: ProblemList,
    fingerprint: str,
    *,
    domains: dict[str, Domain],
    structure_ids: set[str],
    today: dt.date,
) -> Mission | None:
    """A mission file's model, once its rules are checked against the domains, the structure
    files and the date (``None`` with an error)."""
    rules.check_mission(data, source.shown, problems, domains, structure_ids, today)
    if problems.error_count:
        return None
    domain = domains[data["domain"]]
    location = data.get("location")
    built = {
        "id": source.id,
        "age_min": data.get("age_min", domain.age_min),
        "age_max": data.get("age_max", domain.age_max),
        "location": Location(location["address"], location["postal_code"], location["city"]) if location else None,
        "requirements": _tuple(data.get("requirements")),
        "health_guidelines": _tuple(data.get("health_guidelines")),
        "closed": bool(data.get("closed", False)),
        "source": source.shown,
        "fingerprint": fingerprint,
    }
    return Mission(**(_as_is(Mission, data) | built))


# -- the content folder --------------------------------------------------------------


class _Reader:
    """Reads the content folder's files into models, their problems into ``problems``."""

    def __init__(self, content_dir: Path, display_root: Path, problems: ProblemList, cache: ContentCache):
        self.content_dir = content_dir
        self.display_root = display_root
        self.problems = problems
        self.cache = cache

    def display(self, path: Path) -> str:
        try:
            return os.path.relpath(path, self.display_root)
        except ValueError:  # pragma: no cover - other drive on Windows
            return str(path)

    def models(self, sources: list[Source], check, salt: str, processes: int = 1) -> list:
        """The model of each source by ``check`` (see :func:`check_file`), or ``None`` for a file with
        an error; problems are reported in the order of ``sources``. ``salt``: a digest of what
        ``check`` compares the files to."""
        outcomes = self.cache.outcomes(sources, salt, check, processes)
        for problems, _ in outcomes:
            self.problems.extend(problems)
        return [model for _, model in outcomes]

    def source(self, folder: str, ident: str) -> Source:
        path = self.content_dir / folder / f"{ident}.yaml"
        return Source(ident, str(path), self.display(path))

    def list_dir(self, name: str) -> list[Source]:
        """Each content file in the folder ``name``; misnamed files are problems."""
        folder = self.content_dir / name
        if not folder.is_dir():
            self.problems.add(self.display(folder), 1, "", "dossier introuvable")
            return []
        sources, seen = [], {}
        prefix = self.display(folder) + os.sep
        with os.scandir(folder) as found:
            names = sorted(entry.name for entry in found if not entry.is_dir())
        for file_name in names:
            if file_name.startswith(".") or file_name.lower() == "readme.md":
                continue
            shown = prefix + file_name
            stem, suffix = os.path.splitext(file_name)
            if suffix != ".yaml":
                hint = (
                    "renommez-le en .yaml"
                    if suffix in (".yml", ".YAML", ".YML")
                    else "seuls les fichiers .yaml sont lus"
                )
                self.problems.add(shown, 1, "", f"extension « {suffix or 'aucune'} » : {hint}")
                continue
            if not is_slug(stem):
                self.problems.add(
                    shown,
                    1,
                    "",
                    "nom de fichier invalide : minuscules sans accents, chiffres et tirets seulement "
                    "(le nom sert d'identifiant et d'adresse)",
                )
                continue
            if stem in seen:  # pragma: no cover - impossible on a case-sensitive file system
                self.problems.add(shown, 1, "", f"identifiant en double (déjà utilisé par {seen[stem]})")
                continue
            seen[stem] = shown
            sources.append(Source(stem, os.path.join(folder, file_name), shown))
        return sources


def _int(value, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _domains(reader: _Reader) -> dict[str, Domain]:
    path = reader.content_dir / DOMAINS_FILE
    shown = reader.display(path)
    if not path.is_file():
        reader.problems.add(shown, 1, "", "fichier des domaines introuvable")
        return {}
    data = parse(path.read_bytes(), "domains", shown, reader.problems)
    items = data.get("domains") if data else None
    if not isinstance(items, list):
        return {}
    domains: dict[str, Domain] = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("slug"), str):
            continue
        slug = item["slug"]
        line = items.line_of(index)
        if slug in domains:
            reader.problems.add(shown, line, f"domains[{index + 1}].slug", f"domaine « {slug} » en double")
            continue
        try:
            domain = Domain(
                slug=slug,
                label=str(item["label"]),
                description=str(item["description"]),
                health_guidelines=_tuple(item.get("health_guidelines")),
                age_min=_int(item.get("age_min"), DEFAULT_AGE_MIN),
                age_max=_int(item.get("age_max"), DEFAULT_AGE_MAX),
            )
        except KeyError:
            continue  # already reported by the schema
        if domain.age_min > domain.age_max:
            reader.problems.add(
                shown,
                item.line_of("age_min"),
                f"domains[{index + 1}].age_min",
                f"l'âge minimal ({domain.age_min}) dépasse l'âge maximal ({domain.age_max})",
            )
        domains[slug] = domain
    return domains


_check_structure = functools.partial(check_file, schema="structure", build=structure_from)


def _check_mission(domains: dict[str, Domain], structure_ids: set[str], today: dt.date):
    """How a mission file is checked, and the digest of what it is checked against."""
    check = functools.partial(
        check_file, schema="mission", build=mission_from, domains=domains, structure_ids=structure_ids, today=today
    )
    return check, digest("mission", today, domains, sorted(structure_ids))


def load_mission_catalog(
    content_dir: str | os.PathLike, mission_id: str, *, today: dt.date | None = None
) -> LoadResult:
    """The part of the catalog one mission needs: the domains, the mission and its structure.

    The mission and its structure are checked by the same schemas and rules as
    in :func:`load_content` (against the same domains and list of structure
    files), so a mission is served by both or by neither; other files are not
    read. For the form handler, which answers about one mission at a time.
    """
    content_dir = Path(content_dir).resolve()
    today = today or dt.date.today()
    problems = ProblemList()
    reader = _Reader(content_dir, content_dir.parent, problems, ContentCache())
    domains = _domains(reader)
    structure_ids = {source.id for source in reader.list_dir("structures")}
    missions, structures = {}, {}
    source = reader.source("missions", mission_id)
    if is_slug(mission_id) and os.path.isfile(source.path):
        (mission,) = reader.models([source], *_check_mission(domains, structure_ids, today))
        if mission is not None:
            structure_source = reader.source("structures", mission.structure)
            (structure,) = reader.models([structure_source], _check_structure, "structure")
            if structure is not None:
                missions[mission_id], structures[mission.structure] = mission, structure
    catalog = Catalog(domains=domains, structures=structures, missions=missions)
    return LoadResult(catalog, problems.errors + problems.warnings)


def load_content(
    content_dir: str | os.PathLike,
    *,
    today: dt.date | None = None,
    display_root: str | os.PathLike | None = None,
    cache_dir: str | os.PathLike | None = None,
    processes: int = 1,
) -> LoadResult:
    """Load and check everything under ``content_dir``.

    Never raises on bad content: the result holds a catalog of the valid files
    and the list of problems (errors and warnings), sorted by file and line.
    ``display_root`` is the directory paths are shown relative to (default:
    the parent of ``content_dir``, i.e. the repository). With ``cache_dir``,
    files already checked by a previous run (same bytes, same rules) are not
    checked again; the rules that span files are always checked. With
    ``processes`` > 1, many mission files are checked by that many forked
    workers (a build does; a process with threads, like the form handler,
    should not fork).
    """
    content_dir = Path(content_dir).resolve()
    root = Path(display_root).resolve() if display_root else content_dir.parent
    today = today or dt.date.today()
    problems = ProblemList()
    cache = ContentCache(cache_dir)
    reader = _Reader(content_dir, root, problems, cache)
    domains = _domains(reader)
    listed = reader.list_dir("structures")
    made = reader.models(listed, _check_structure, "structure")
    structures = {source.id: structure for source, structure in zip(listed, made, strict=True) if structure}
    structure_ids = {source.id for source in listed}  # the files that exist, even when invalid
    listed = reader.list_dir("missions")
    made = reader.models(listed, *_check_mission(domains, structure_ids, today), processes)
    cache.save()
    # A mission whose structure file exists but is invalid has already been
    # reported through the structure; it cannot be published without it.
    missions = {source.id: m for source, m in zip(listed, made, strict=True) if m and m.structure in structures}
    catalog = Catalog(domains=domains, structures=structures, missions=missions)
    return LoadResult(catalog, problems.errors + problems.warnings)


def load_catalog(
    content_dir: str | os.PathLike, *, today: dt.date | None = None, display_root: str | os.PathLike | None = None
) -> Catalog:
    """Load the catalog, raising :class:`ContentError` (with every problem) on any error."""
    result = load_content(content_dir, today=today, display_root=display_root)
    if result.errors:
        raise ContentError(result.errors)
    return result.catalog
