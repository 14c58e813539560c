"""What a change does to the site, in Markdown for the coordinator who reviews it (``make review BASE=<ref>``).

The content at ``BASE`` (read with ``git archive`` into a temporary folder) and the
content of the working tree are both loaded by the core's loader, then compared:
missions added, changed (field by field), closed and removed, structures added or
changed, domains changed, each with its warnings (the check's moderation rules, the
circular's ages, a structure's eligibility), then what the coordinator should verify
before accepting. The comparison is with the point where the change left ``BASE``
(``git merge-base``), as a pull request's diff is.

    python -m catalog.review --base main [--content content] [--output FILE]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import io
import re
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .geo import department_name
from .loader import LoadResult, load_content
from .models import Catalog, Mission, Structure
from .problems import ERROR, Problem
from .text import date_range, number, plural

SIRET_LOOKUP = "https://annuaire-entreprises.data.gouv.fr/etablissement/{}"
RNA_LOOKUP = "https://annuaire-entreprises.data.gouv.fr/rechercher?terme={}"


class ReviewError(Exception):
    """The comparison cannot be made (not a git repository, unknown reference…); the message says why."""


# -- reading the content at a reference ------------------------------------------------------


def _git(cwd: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ReviewError(f"git {' '.join(args)} : {result.stderr.strip() or 'échec'}")
    return result.stdout.strip()


@contextlib.contextmanager
def content_at(base: str, root: Path, inside: str) -> Iterator[tuple[Path, str]]:
    """The content folder ``inside`` the repository at ``root`` as it was where the change left
    ``base`` (their merge base), extracted into a temporary folder laid out like the repository
    (its files are named as in the working tree): ``(that folder, the commit's short name)``.
    A commit without the content folder gives an empty one."""
    try:
        commit = _git(root, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}")
    except ReviewError:
        raise ReviewError(f"référence inconnue : {base} (faites d'abord « git fetch » ?)") from None
    with contextlib.suppress(ReviewError):  # unrelated histories, or a shallow clone: the reference itself
        commit = _git(root, "merge-base", commit, "HEAD")
    with tempfile.TemporaryDirectory(prefix="revue-") as folder:
        (Path(folder) / inside).mkdir(parents=True)
        exists = subprocess.run(["git", "cat-file", "-e", f"{commit}:{inside}"], cwd=root, capture_output=True)
        if exists.returncode == 0:
            archive = subprocess.run(["git", "archive", "--format=tar", commit, "--", inside], cwd=root,
                                     capture_output=True, check=True).stdout  # fmt: skip
            with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
                tar.extractall(folder, filter="data")
        yield Path(folder), _git(root, "rev-parse", "--short", commit)


def _files(content_dir: Path, kind: str) -> set[str]:
    """The ids of the content files of one kind (``missions``, ``structures``) that exist, valid or not."""
    folder = content_dir / kind
    return {path.stem for path in folder.glob("*.yaml")} if folder.is_dir() else set()


# -- the comparison -------------------------------------------------------------------------


@dataclass
class Item:
    """One mission or structure as the review shows it."""

    title: str
    path: str
    facts: list[str] = field(default_factory=list)  # « Structure : … »
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (field, before, after)
    warnings: list[str] = field(default_factory=list)


@dataclass
class Review:
    base: str  # the commit compared to, after « par rapport » (« au commit `1a2b3c4` »)
    added: list[Item] = field(default_factory=list)
    changed: list[Item] = field(default_factory=list)
    closed: list[Item] = field(default_factory=list)
    removed: list[Item] = field(default_factory=list)
    structures_added: list[Item] = field(default_factory=list)
    structures_changed: list[Item] = field(default_factory=list)
    domains_changed: list[Item] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    to_verify: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(getattr(self, f.name) for f in dataclasses.fields(self) if f.name not in ("base", "to_verify"))


def _quote(text: str) -> str:
    return f"« {text} »"


def _yes(value: bool) -> str:
    return "oui" if value else "non"


def _dates(mission: Mission) -> str:
    return date_range(mission.start, mission.end)


def _place(mission: Mission) -> str:
    department = f"{department_name(mission.department)} ({mission.department})"
    if mission.location is None:
        return f"à distance, {department}"
    where = f"{mission.location.address}, {mission.location.postal_code} {mission.location.city}, {department}"
    return f"à distance ou {where}" if mission.remote else where


def _ages(mission: Mission) -> str:
    return f"{mission.age_min} à {mission.age_max} ans"


def _items(before: tuple[str, ...], after: tuple[str, ...]) -> tuple[str, str]:
    """A list's items taken out (shown before) and put in (shown after)."""
    gone = [item for item in before if item not in after]
    new = [item for item in after if item not in before]
    if not gone and not new:  # the same items in another order
        return "ordre : " + " ; ".join(before), "ordre : " + " ; ".join(after)
    return ("retiré : " + " ; ".join(gone) if gone else "—"), ("ajouté : " + " ; ".join(new) if new else "—")


# (label, the value compared, how it reads) for each field a reader sees; ``None``: compared, not shown
MISSION_FIELDS: list[tuple[str, Callable[[Mission, Catalog], object], Callable[[Mission, Catalog], str] | None]] = [
    ("titre", lambda m, c: m.title, lambda m, c: m.title),
    ("résumé", lambda m, c: m.summary, lambda m, c: m.summary),
    ("description", lambda m, c: m.description, None),
    ("domaine", lambda m, c: m.domain, lambda m, c: c.domains[m.domain].label),
    ("structure", lambda m, c: m.structure, lambda m, c: c.structures[m.structure].name),
    ("dates", lambda m, c: (m.start, m.end), lambda m, c: _dates(m)),
    ("horaires", lambda m, c: m.schedule, lambda m, c: m.schedule or "—"),
    ("lieu", lambda m, c: (m.remote, m.location, m.department), lambda m, c: _place(m)),
    ("places", lambda m, c: m.places, lambda m, c: number(m.places)),
    ("âges", lambda m, c: (m.age_min, m.age_max), lambda m, c: _ages(m)),
    ("engagements", lambda m, c: m.requirements, None),
    ("consignes sanitaires", lambda m, c: m.health_guidelines, None),
    ("date de publication", lambda m, c: m.published, lambda m, c: m.published.isoformat() if m.published else "—"),
    ("close", lambda m, c: m.closed, lambda m, c: _yes(m.closed)),
]
LISTS = {"engagements": "requirements", "consignes sanitaires": "health_guidelines"}


def _mission_changes(old: Mission, new: Mission, before: Catalog, after: Catalog) -> list[tuple[str, str, str]]:
    changes = []
    for label, value, shown in MISSION_FIELDS:
        if value(old, before) == value(new, after):
            continue
        if label in LISTS:
            changes.append((label, *_items(getattr(old, LISTS[label]), getattr(new, LISTS[label]))))
        elif shown is None:
            changes.append((label, "", "modifiée"))
        else:
            changes.append((label, shown(old, before), shown(new, after)))
    return changes


def _warnings_of(path: str, problems: list[Problem]) -> list[str]:
    return [f"ligne {p.line}, {p.field} : {p.message}" if p.field else f"ligne {p.line} : {p.message}"
            for p in problems if p.path == path and p.severity != ERROR]  # fmt: skip


def _structure_warnings(structure: Structure) -> list[str]:
    """A structure's eligibility: what makes it admissible is to be checked."""
    warnings = []
    if structure.type == "entreprise-esus":
        warnings.append(
            "entreprise : admise seulement si elle est agréée entreprise solidaire d'utilité sociale (ESUS)"
        )
    if structure.type == "association" and not (structure.rna or structure.siret):
        warnings.append("association sans numéro RNA ni SIRET : rien ne permet de vérifier qu'elle est déclarée")
    elif not structure.siret and structure.type != "association":
        warnings.append("pas de numéro SIRET : rien ne permet de vérifier la structure")
    return warnings


def _mission_item(mission: Mission, catalog: Catalog, problems: list[Problem], new_structures: set[str]) -> Item:
    structure = catalog.structures[mission.structure]
    domain = catalog.domains[mission.domain]
    own = f", {plural(len(mission.health_guidelines), 'propre')} à la mission" if mission.health_guidelines else ""
    item = Item(mission.title, mission.source)
    item.facts = [
        f"structure : {structure.name}" + (" (nouvelle, ci-dessous)" if mission.structure in new_structures else ""),
        f"domaine : {domain.label}",
        f"dates : {_dates(mission)}",
        f"lieu : {_place(mission)}",
        f"places : {number(mission.places)} ; âges : {_ages(mission)}",
        f"consignes sanitaires : {len(domain.health_guidelines)} du domaine{own}",
    ]
    item.warnings = _warnings_of(mission.source, problems)  # the circular's ages among them (catalog.rules)
    return item


def _structure_item(structure: Structure, path: str, problems: list[Problem]) -> Item:
    item = Item(structure.name, path)
    numbers = [f"SIRET {structure.siret}"] * bool(structure.siret) + [f"RNA {structure.rna}"] * bool(structure.rna)
    item.facts = [
        f"type : {structure.type_label}",
        f"commune : {structure.postal_code} {structure.city}",
        "numéros : " + (", ".join(numbers) or "aucun"),
    ]
    item.warnings = _warnings_of(path, problems) + _structure_warnings(structure)
    return item


STRUCTURE_FIELDS = [
    ("nom", "name"),
    ("type", "type_label"),
    ("description", "description"),
    ("commune", "city"),
    ("code postal", "postal_code"),
    ("site web", "website"),
    ("SIRET", "siret"),
    ("RNA", "rna"),
]


def compare(
    before: LoadResult, after: LoadResult, present: dict[str, set[str]], base: str, prefix: str, today: dt.date
) -> Review:
    """The review of the change from ``before`` to ``after``. ``present``: the ids of the mission and
    structure files of the working tree (an invalid file is in error, not removed); ``base``: the
    reference compared to, in words; ``prefix``: the content folder as files are named (``content/``)."""
    review = Review(base, errors=after.errors)
    _compare_structures(review, before.catalog, after.catalog, after.problems, present["structures"], prefix)
    _compare_domains(review, before.catalog, after.catalog, prefix, today)
    _compare_missions(review, before.catalog, after.catalog, after.problems, present["missions"])
    return review


def _compare_structures(review: Review, old: Catalog, new: Catalog, problems, present: set[str], prefix: str) -> None:
    verify = review.to_verify
    for slug in sorted(new.structures.keys() - old.structures.keys()):
        structure = new.structures[slug]
        review.structures_added.append(_structure_item(structure, f"{prefix}structures/{slug}.yaml", problems))
        name = _quote(structure.name)
        if structure.siret:
            lookup = SIRET_LOOKUP.format(structure.siret)
            verify.append(f"{name} : le SIRET {structure.siret} est bien le sien ({lookup})")
        if structure.rna:
            verify.append(f"{name} : l'association {structure.rna} est déclarée ({RNA_LOOKUP.format(structure.rna)})")
        if structure.type == "entreprise-esus":
            verify.append(f"{name} : son agrément ESUS, délivré par la préfecture, est en cours de validité")
        verify.append(f"{name} : son contact, qui recevra les candidatures, a confirmé son adresse e-mail")
    for slug in sorted(new.structures.keys() & old.structures.keys()):
        was, now = old.structures[slug], new.structures[slug]
        changes = [(label, str(getattr(was, name) or "—"), str(getattr(now, name) or "—"))
                   for label, name in STRUCTURE_FIELDS if getattr(was, name) != getattr(now, name)]  # fmt: skip
        if was.contact != now.contact:
            changes.append(("contact", "", "modifié (privé : non affiché)"))
            verify.append(f"{_quote(now.name)} : le nouveau contact a confirmé son adresse e-mail")
        if not changes:
            continue
        item = Item(now.name, f"{prefix}structures/{slug}.yaml", changes=changes)
        if was.type != now.type:
            item.warnings = _structure_warnings(now)
            if now.type == "entreprise-esus":
                verify.append(
                    f"{_quote(now.name)} : son agrément ESUS, délivré par la préfecture, est en cours de validité"
                )
        review.structures_changed.append(item)
    for slug in sorted(old.structures.keys() - present):
        item = Item(old.structures[slug].name, f"{prefix}structures/{slug}.yaml", facts=["retirée"])
        review.structures_changed.append(item)


DOMAIN_FIELDS = [
    ("nom", "label"),
    ("description", "description"),
    ("âge minimal", "age_min"),
    ("âge maximal", "age_max"),
]


def _compare_domains(review: Review, old: Catalog, new: Catalog, prefix: str, today: dt.date) -> None:
    for slug in sorted(new.domains.keys() | old.domains.keys()):
        was, now = old.domains.get(slug), new.domains.get(slug)
        if was == now:
            continue
        item = Item((now or was).label, f"{prefix}domains.yaml")
        if was is None or now is None:
            item.facts.append("domaine ajouté" if was is None else "domaine retiré")
        else:
            item.changes = [(label, str(getattr(was, key)), str(getattr(now, key)))
                            for label, key in DOMAIN_FIELDS if getattr(was, key) != getattr(now, key)]  # fmt: skip
            if was.health_guidelines != now.health_guidelines:
                item.changes.append(("consignes sanitaires", *_items(was.health_guidelines, now.health_guidelines)))
        count = sum(m.domain == slug and m.is_open(today) for m in new.missions.values())
        item.facts.append(f"{plural(count, 'mission ouverte', 'missions ouvertes')} dans ce domaine")
        review.domains_changed.append(item)


def _compare_missions(review: Review, old: Catalog, new: Catalog, problems, present: set[str]) -> None:
    new_structures = new.structures.keys() - old.structures.keys()
    for mission_id in sorted(new.missions.keys() - old.missions.keys()):
        mission = new.missions[mission_id]
        review.added.append(_mission_item(mission, new, problems, new_structures))
        review.to_verify.append(
            f"{_quote(mission.title)} : la structure est éligible selon la circulaire, les consignes sanitaires"
            " conviennent à la mission, les âges et le nombre de places sont ceux qu'elle a demandés"
        )
    for mission_id in sorted(new.missions.keys() & old.missions.keys()):
        was, now = old.missions[mission_id], new.missions[mission_id]
        changes = _mission_changes(was, now, old, new)
        if not changes:
            continue
        item = Item(now.title, now.source, changes=changes, warnings=_warnings_of(now.source, problems))
        if now.closed and not was.closed:
            item.changes = [change for change in changes if change[0] != "close"]
            item.facts = ["close : sa page reste, sans formulaire ; elle quitte les listes, la recherche et les flux"]
            review.closed.append(item)
        else:
            review.changed.append(item)
    for mission_id in sorted(old.missions.keys() - present):
        mission = old.missions[mission_id]
        gone = "sa page disparaît : préférez « closed: true », qui la garde sans formulaire"
        review.removed.append(Item(mission.title, mission.source, facts=[gone]))


# -- Markdown -------------------------------------------------------------------------------

_MARKDOWN = re.compile(r"([\\`*_\[\]<>|#~])")


def md(text: str) -> str:
    """Content text shown as it is: Markdown's and HTML's characters escaped, one line."""
    return _MARKDOWN.sub(r"\\\1", " ".join(str(text).split()))


def _section(title: str, items: list[Item]) -> list[str]:
    if not items:
        return []
    lines = [f"### {title} ({len(items)})", ""]
    for item in items:
        lines += [f"#### {md(item.title)}", "", f"`{item.path}`", ""]
        lines += [f"- {md(fact)}" for fact in item.facts]
        if item.changes:
            if item.facts:
                lines.append("")
            lines += ["| champ | avant | après |", "| --- | --- | --- |"]
            lines += [f"| {label} | {md(was)} | {md(now)} |" for label, was, now in item.changes]
        if item.warnings:
            lines += ["", "Avertissements :", ""] if item.facts or item.changes else []
            lines += [f"- ⚠️ {md(warning)}" for warning in item.warnings]
        lines.append("")
    return lines


def markdown(review: Review) -> str:
    """The review, for readers: what changes on the site, then what to verify."""
    lines = ["## Ce que cette modification change sur le site", ""]
    if review.empty:
        return "\n".join([*lines, f"Aucun changement du contenu par rapport {review.base}.", ""])
    counts = [
        plural(len(review.added), "mission ajoutée", "missions ajoutées"),
        plural(len(review.changed), "modifiée"),
        plural(len(review.closed), "close"),
        plural(len(review.removed), "retirée"),
        plural(len(review.structures_added), "structure ajoutée", "structures ajoutées"),
    ]
    lines += [f"Par rapport {review.base} : {', '.join(counts)}.", ""]
    if review.errors:
        lines += [f"### ❌ Erreurs : la vérification échoue ({len(review.errors)})", ""]
        lines += [f"- `{p.path}`, ligne {p.line}{', ' + p.field if p.field else ''} : {md(p.message)}"
                  for p in review.errors]  # fmt: skip
        lines.append("")
    lines += _section("Missions ajoutées", review.added)
    lines += _section("Missions modifiées", review.changed)
    lines += _section("Missions closes", review.closed)
    lines += _section("Missions retirées", review.removed)
    lines += _section("Structures ajoutées", review.structures_added)
    lines += _section("Structures modifiées", review.structures_changed)
    lines += _section("Domaines modifiés", review.domains_changed)
    if review.to_verify:
        lines += ["### À vérifier avant d'accepter", ""]
        lines += [f"- [ ] {md(point)}" for point in review.to_verify]
        lines.append("")
    return "\n".join(lines)


# -- command line ---------------------------------------------------------------------------


def review(base: str, content_dir: Path, today: dt.date) -> Review:
    """Compare the content at ``base`` with the working tree's."""
    content_dir = content_dir.resolve()
    root = Path(_git(content_dir, "rev-parse", "--show-toplevel")).resolve()
    inside = content_dir.relative_to(root).as_posix()
    after = load_content(content_dir, today=today, display_root=root)
    present = {kind: _files(content_dir, kind) for kind in ("missions", "structures")}
    with content_at(base, root, inside) as (snapshot, commit):
        before = load_content(snapshot / inside, today=today, display_root=snapshot)
    name = base.replace("`", "'")
    shown = f"au commit `{commit}`" if re.fullmatch(r"[0-9a-f]{7,64}", base) else f"à `{name}` (commit `{commit}`)"
    return compare(before, after, present, shown, f"{inside}/", today)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="catalog.review", description="Résumé, pour la relecture, de ce qu'une modification du contenu change."
    )
    parser.add_argument("--base", required=True, help="la référence git comparée (branche, étiquette ou commit)")
    parser.add_argument("--content", default="content", help="dossier du contenu (par défaut : content)")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=None, help="date du jour, AAAA-MM-JJ")
    parser.add_argument("--output", default=None, help="fichier où écrire le résumé (par défaut : la sortie standard)")
    args = parser.parse_args(argv)
    content_dir = Path(args.content)
    if not content_dir.is_dir():
        print(f"{args.content}: dossier introuvable", file=sys.stderr)
        return 2
    try:
        text = markdown(review(args.base, content_dir, args.today or dt.date.today()))
    except ReviewError as error:
        print(f"revue : {error}", file=sys.stderr)
        return 2
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
