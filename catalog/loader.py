"""Load the content directory into a :class:`Catalog`, reporting every problem at once.

Layout::

    content/domains.yaml            the mission domains
    content/structures/<slug>.yaml  one host structure per file
    content/missions/<id>.yaml      one mission per file

This module is the single loader used by the content check, the Pelican
plugin and the form handler.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import marshal
import os
import pickle
import re
import time
from dataclasses import dataclass
from pathlib import Path

from . import rules
from .files import file_state, replace_file, stat_state
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


class _Reader:
    """Reads files and turns each into data or problems (remembered in ``cache`` by content)."""

    def __init__(self, content_dir: Path, display_root: Path, problems: ProblemList, cache: ReadCache | None = None):
        self.content_dir = content_dir
        self.display_root = display_root
        self.problems = problems
        self.cache = cache

    def display(self, path: Path) -> str:
        try:
            return os.path.relpath(path, self.display_root)
        except ValueError:  # pragma: no cover - other drive on Windows
            return str(path)

    def read(self, path: Path, shown: str, schema: str):
        """Parse and schema-check one file (``shown``: its path as printed); return its data, or ``None``."""
        return _parse(path.read_bytes(), schema, shown, self.problems)

    def models(self, files: list[tuple], schema: str, context: str, builder_for, processes: int = 1) -> list:
        """The model of each ``(id, path, shown path)`` file, or ``None`` for a file with an error.

        ``builder_for(id, shown)`` gives the file's ``build(data, problems,
        fingerprint)``. With a cache, each outcome (problems and model) is
        remembered by the file's bytes, its path and ``context`` (a digest of
        what the rules compare it to); the same hash is the model's
        ``fingerprint``: equal fingerprints, equal models. Files not in the
        cache are parsed by ``processes`` forked workers when there are many;
        with nothing to look up (no cache, or an empty one: a first build) the
        workers read the files too. Problems are reported in the order of ``files``.
        """
        outcomes: list = [None] * len(files)
        todo: list[tuple[int, tuple]] = []  # (index in files, job for _make_one)
        cache = self.cache
        lookup = cache is not None and bool(cache.entries)
        for index, (ident, path, shown) in enumerate(files):
            raw = key = None  # nothing to look up: the worker reads the file
            if lookup:
                content = cache.known_content(path)
                if content is None:  # not seen unchanged since a previous run: read it
                    raw, content, note = _read(path)
                    cache.note_file(path, *note)
                key = _key(content, shown, schema, context)
                entry = cache.get(key)
                if entry is not None:
                    outcomes[index] = entry
                    continue
                if raw is None:
                    raw = _read(path)[0]
            todo.append((index, (path, raw, key, shown, schema, context, builder_for(ident, shown))))
        made = _make_all([job for _, job in todo], processes)
        for (index, (path, *_)), (entry, pickled, key, note) in zip(todo, made, strict=True):
            outcomes[index] = entry
            if cache is not None:
                if note is not None:
                    cache.note_file(path, *note)
                cache.put(key, entry, pickled)
        for problems, _ in outcomes:
            self._replay(problems)
        return [model for _, model in outcomes]

    def _replay(self, problems: list[Problem]) -> None:
        for problem in problems:
            self.problems.add(problem.path, problem.line, problem.field, problem.message, problem.severity)

    def list_dir(self, name: str) -> list[tuple[str, str, str]]:
        """``(id, path, shown path)`` for each content file in ``name``; misnamed files are problems."""
        folder = self.content_dir / name
        if not folder.is_dir():
            self.problems.add(self.display(folder), 1, "", "dossier introuvable")
            return []
        entries, seen = [], {}
        prefix = self.display(folder) + os.sep
        with os.scandir(folder) as found:
            names = sorted(entry.name for entry in found if not entry.is_dir())
        for file_name in names:
            if file_name.startswith(".") or file_name.lower() == "readme.md":
                continue
            path = os.path.join(folder, file_name)
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
            entries.append((stem, path, shown))
        return entries


def _read(path: str) -> tuple[bytes, bytes, tuple]:
    """A file's bytes, their hash, and what the cache notes of it: ``(state on disk, hash, read at)``."""
    read_at = time.time_ns()
    state = os.stat(path)  # before reading: a change during the read leaves a newer state
    with open(path, "rb") as handle:  # a str path: 10,000 Path objects cost a tenth of a second
        raw = handle.read()
    content = hashlib.blake2b(raw, digest_size=16).digest()
    return raw, content, (stat_state(state), content, read_at)


def _key(content: bytes, shown: str, schema: str, context: str) -> bytes:
    """A file's outcome in the cache: by its bytes' hash, its path, its kind and what its rules compare it to."""
    return hashlib.blake2b(content + f"\0{shown}\0{schema}\0{context}".encode(), digest_size=16).digest()


PICKLE_PROTOCOL = 5
PARALLEL_FROM = 1000  # files to parse; below, forking workers costs more than it saves
_JOBS: list = []  # the jobs forked workers run (inherited, never pickled: builders are closures)


def _make_one(path: str, raw: bytes | None, key: bytes | None, shown: str, schema: str, context: str, build) -> tuple:
    """Parse, check and build one file, read here when ``raw`` is None:
    ``((problems, model or None), key, what the cache notes of the file read or None)``."""
    note = None
    if raw is None:
        raw, content, note = _read(path)
        key = _key(content, shown, schema, context)
    local = ProblemList()
    data = _parse(raw, schema, shown, local)
    made = build(data, local, key.hex()) if data is not None else None
    return (local.items, None if local.error_count else made), key, note


def _make_range(bounds: tuple[int, int]) -> list[tuple]:
    """In a forked worker: each job's outcome pickled (as the cache keeps it: the parent need not pickle it
    again), its key and its note."""
    made = (_make_one(*job) for job in _JOBS[bounds[0] : bounds[1]])
    return [(pickle.dumps(outcome, protocol=PICKLE_PROTOCOL), key, note) for outcome, key, note in made]


def _make_all(jobs: list, processes: int) -> list[tuple]:
    """Every job's ``(outcome, outcome pickled or None, key, note)``: made here, or by forked worker
    processes when there are many."""
    global _JOBS
    if processes <= 1 or len(jobs) < PARALLEL_FROM:
        return [(outcome, None, key, note) for outcome, key, note in (_make_one(*job) for job in jobs)]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    size = -(-len(jobs) // (processes * 4))
    _JOBS = jobs
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
            parts = pool.map(_make_range, [(start, start + size) for start in range(0, len(jobs), size)])
            return [(pickle.loads(pickled), pickled, key, note) for part in parts for pickled, key, note in part]
    finally:
        _JOBS = []


def _parse(raw: bytes, schema: str, shown: str, problems: ProblemList) -> dict | None:
    """A file's data (``None`` when unusable); its problems added to ``problems`` under ``shown``."""
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


RACY_NS = 2_000_000_000  # a file changed this close to its reading may change again unseen (clock ticks)


class ReadCache:
    """What each content file gave in the previous run (its problems and model), by content.

    Stored in ``folder`` as one marshal of separately pickled entries (saving
    does not pickle the unchanged ones again); an entry's key is a hash of the file's
    bytes, its path and what its rules depend on (the date, the domains, the
    structures' names), and the whole cache belongs to one version of the
    core's code and schemas: an edited file or a new rule is never served from
    it. Entries not used by a run are dropped when it saves.

    Each file's state on disk (modification and change times, size, inode) is
    kept with the hash of its bytes: a file in the same state is not read
    again — unless it had changed less than ``RACY_NS`` before it was read, as
    git does, since a change within the file system clock's tick would leave
    the same state. In one process (a watching build), the last run's entries
    are kept unpickled in memory.
    """

    def __init__(self, folder: str | os.PathLike):
        self.path = Path(folder) / "content.marshal"
        self.used: dict[bytes, bytes] = {}  # each entry pickled on its own: saving does not pickle them again
        self.objects: dict[bytes, tuple] = {}  # the same entries, unpickled
        self.seen: dict[str, tuple] = {}  # path -> (state, content hash, read at)
        memory = _MEMORY.get(str(self.path))
        if memory is not None and memory.state == file_state(self.path):
            self.entries, self.files, self.memory = memory.entries, memory.files, memory.objects
            return
        self.memory = {}
        try:
            stored_code, self.entries, self.files = marshal.loads(self.path.read_bytes())
            if stored_code != code_fingerprint():
                self.entries, self.files = {}, {}
        except (OSError, ValueError, EOFError, TypeError):
            self.entries, self.files = {}, {}

    def known_content(self, path: str) -> bytes | None:
        """The hash of a file's bytes when it is in the state it was read in, long enough after its change."""
        known = self.files.get(path)
        if known is None:
            return None
        state, content, read_at = known
        if file_state(path) != state or max(state[0], state[1]) >= read_at - RACY_NS:
            return None
        self.seen[path] = known
        return content

    def note_file(self, path: str, state: tuple, content: bytes, read_at: int) -> None:
        self.seen[path] = (state, content, read_at)

    def get(self, key: bytes):
        data = self.entries.get(key)
        if data is None:
            return None
        entry = self.memory.get(key)
        if entry is None:
            try:
                entry = pickle.loads(data)
            except (pickle.UnpicklingError, ValueError, EOFError, TypeError, AttributeError, ImportError):
                return None
        self.used[key], self.objects[key] = data, entry
        return entry

    def put(self, key: bytes, entry: tuple, pickled: bytes | None = None) -> None:
        """Keep ``entry`` (``pickled``: its pickle, when a worker made it already)."""
        self.used[key] = pickled if pickled is not None else pickle.dumps(entry, protocol=PICKLE_PROTOCOL)
        self.objects[key] = entry

    def save(self) -> None:
        """Keep this run's entries for the next one (best effort: no cache is not an error)."""
        if self.used.keys() != self.entries.keys() or self.seen != self.files:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                replace_file(self.path, marshal.dumps((code_fingerprint(), self.used, self.seen)))
            except OSError:
                _MEMORY.pop(str(self.path), None)
                return
        _MEMORY[str(self.path)] = _Memory(file_state(self.path), self.used, self.seen, self.objects)


@dataclass
class _Memory:
    """A cache file as this process last wrote or used it, with its entries unpickled."""

    state: tuple | None
    entries: dict
    files: dict
    objects: dict


_MEMORY: dict[str, _Memory] = {}  # cache file -> its last run in this process


@functools.cache
def code_fingerprint() -> str:
    """Hash of the core's code and schemas: what was cached under other rules is not reused."""
    hasher = hashlib.blake2b(digest_size=16)
    folder = Path(__file__).parent
    for path in sorted([*folder.glob("*.py"), *folder.glob("schemas/*.json")]):
        hasher.update(path.name.encode() + path.read_bytes())
    return hasher.hexdigest()


def _tuple(value) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, list) else ()


def _domains(reader: _Reader) -> dict[str, Domain]:
    path = reader.content_dir / DOMAINS_FILE
    if not path.is_file():
        reader.problems.add(reader.display(path), 1, "", "fichier des domaines introuvable")
        return {}
    shown = reader.display(path)
    data = reader.read(path, shown, "domains")
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


def _int(value, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _structure_builder(slug: str, shown: str):
    def build(data: dict, problems: ProblemList, fingerprint: str) -> Structure | None:
        rules.check_structure(data, shown, problems)
        if problems.error_count:
            return None
        contact = data["contact"]
        return Structure(
            slug=slug,
            name=data["name"],
            type=data["type"],
            description=data["description"],
            city=data["city"],
            postal_code=data["postal_code"],
            contact=Contact(contact["name"], contact["email"], contact.get("phone")),
            website=data.get("website"),
            siret=data.get("siret"),
            rna=data.get("rna"),
            fingerprint=fingerprint,
        )

    return build


def _mission_builder(mission_id: str, shown: str, domains: dict[str, Domain], structure_ids: set[str], today):
    def build(data: dict, problems: ProblemList, fingerprint: str) -> Mission | None:
        rules.check_mission(data, shown, problems, domains, structure_ids, today)
        if problems.error_count:
            return None
        domain = domains[data["domain"]]
        location = data.get("location")
        return Mission(
            id=mission_id,
            title=data["title"],
            domain=data["domain"],
            structure=data["structure"],
            summary=data["summary"],
            description=data["description"],
            remote=data["remote"],
            department=data["department"],
            start=data["start"],
            end=data.get("end"),
            places=data["places"],
            age_min=data.get("age_min", domain.age_min),
            age_max=data.get("age_max", domain.age_max),
            location=Location(location["address"], location["postal_code"], location["city"]) if location else None,
            schedule=data.get("schedule"),
            requirements=_tuple(data.get("requirements")),
            health_guidelines=_tuple(data.get("health_guidelines")),
            published=data.get("published"),
            closed=bool(data.get("closed", False)),
            source=shown,
            fingerprint=fingerprint,
        )

    return build


def _mission_context(domains: dict[str, Domain], structure_ids: set[str], today: dt.date) -> str:
    """A digest of what the rules compare a mission to."""
    return hashlib.blake2b(repr((today, domains, sorted(structure_ids))).encode(), digest_size=16).hexdigest()


def _structures(reader: _Reader) -> tuple[dict[str, Structure], set[str]]:
    listed = reader.list_dir("structures")
    made = reader.models(listed, "structure", "", _structure_builder)
    structures = {slug: structure for (slug, _, _), structure in zip(listed, made, strict=True) if structure}
    return structures, {slug for slug, _, _ in listed}  # the files that exist, even when invalid


def _missions(
    reader: _Reader, domains: dict[str, Domain], structure_ids: set[str], today: dt.date, processes: int = 1
) -> dict[str, Mission]:
    listed = reader.list_dir("missions")
    context = _mission_context(domains, structure_ids, today)
    builder_for = functools.partial(_mission_builder, domains=domains, structure_ids=structure_ids, today=today)
    made = reader.models(listed, "mission", context, builder_for, processes)
    return {mission_id: mission for (mission_id, _, _), mission in zip(listed, made, strict=True) if mission}


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
    reader = _Reader(content_dir, content_dir.parent, problems)
    domains = _domains(reader)
    structure_ids = {slug for slug, _, _ in reader.list_dir("structures")}
    missions, structures = {}, {}
    path = content_dir / "missions" / f"{mission_id}.yaml"
    if is_slug(mission_id) and path.is_file():
        builder_for = functools.partial(_mission_builder, domains=domains, structure_ids=structure_ids, today=today)
        (mission,) = reader.models([(mission_id, path, reader.display(path))], "mission", "", builder_for)
        if mission is not None:
            path = content_dir / "structures" / f"{mission.structure}.yaml"
            (structure,) = reader.models([(mission.structure, path, reader.display(path))], "structure", "",
                                         _structure_builder)  # fmt: skip
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
    files already parsed by a previous run (same bytes) are not parsed again;
    the rules that span files are always checked. With ``processes`` > 1,
    many mission files are parsed by that many forked workers (a build does;
    a process with threads, like the form handler, should not fork).
    """
    content_dir = Path(content_dir).resolve()
    root = Path(display_root).resolve() if display_root else content_dir.parent
    today = today or dt.date.today()
    problems = ProblemList()
    cache = ReadCache(cache_dir) if cache_dir else None
    reader = _Reader(content_dir, root, problems, cache)
    domains = _domains(reader)
    structures, structure_files = _structures(reader)
    missions = _missions(reader, domains, structure_files, today, processes)
    if cache is not None:
        cache.save()
    # A mission whose structure file exists but is invalid has already been
    # reported through the structure; it cannot be published without it.
    missions = {k: m for k, m in missions.items() if m.structure in structures}
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
