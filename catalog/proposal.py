"""A structure's mission proposal: form fields → content files, checked by the same rules as `make check`.

The proposal becomes the mission file (and the structure file when the
structure is new, private contact included) exactly as a coordinator would
write them; they are validated with the content schemas and rules, and each
problem is answered on the form's field with the check's own French message,
told for the form: it names the field in words (« Le titre doit être… »,
« Indiquez le résumé »), starts with a capital, and the problems come in the
form's order.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import yaml

from . import rules
from .emails import InvalidAddress, check_address
from .models import Catalog
from .problems import ProblemList
from .schema import schema_problems
from .text import name_fault, slugify
from .yamlfile import load_yaml

MISSION_HEADER = "# yaml-language-server: $schema=../../catalog/schemas/mission.schema.json\n"
STRUCTURE_HEADER = "# yaml-language-server: $schema=../../catalog/schemas/structure.schema.json\n"

# content field → form field
STRUCTURE_FIELDS = {
    "name": "structure_name",
    "type": "structure_type",
    "description": "structure_description",
    "city": "structure_city",
    "postal_code": "structure_postal_code",
    "website": "structure_website",
    "siret": "structure_siret",
    "rna": "structure_rna",
    "contact.name": "contact_name",
    "contact.email": "contact_email",
    "contact.phone": "contact_phone",
    "contact": "contact_email",
}
MISSION_FIELDS = {
    "location.address": "address",
    "location.postal_code": "postal_code",
    "location.city": "city",
    "location": "address",
    "structure": "structure",
}

# The form's fields, in its order: (its label, how a sentence names it)
FORM_FIELDS = {
    "structure": ("Votre structure", "votre structure"),
    "structure_name": ("Nom de la structure", "le nom de la structure"),
    "structure_type": ("Type de structure", "le type de structure"),
    "structure_siret": ("Numéro SIRET", "le numéro SIRET"),
    "structure_rna": ("Numéro RNA", "le numéro RNA"),
    "structure_city": ("Commune du siège", "la commune du siège"),
    "structure_postal_code": ("Code postal du siège", "le code postal du siège"),
    "structure_description": ("Présentation de la structure", "la présentation de la structure"),
    "structure_website": ("Site web", "l'adresse du site web"),
    "contact_name": ("Votre nom", "votre nom"),
    "contact_email": ("Votre adresse e-mail", "votre adresse e-mail"),
    "contact_phone": ("Votre téléphone", "votre téléphone"),
    "title": ("Titre", "le titre"),
    "domain": ("Domaine", "le domaine"),
    "summary": ("Résumé", "le résumé"),
    "description": ("Description", "la description"),
    "remote": ("À distance", "si la mission se fait à distance"),
    "address": ("Adresse du lieu", "l'adresse du lieu"),
    "postal_code": ("Code postal du lieu", "le code postal du lieu"),
    "city": ("Commune du lieu", "la commune du lieu"),
    "department": ("Département", "le département"),
    "start": ("Date de début", "la date de début"),
    "end": ("Date de fin", "la date de fin"),
    "schedule": ("Horaires", "les horaires"),
    "places": ("Nombre de bénévoles recherchés", "le nombre de bénévoles recherchés"),
    "requirements": ("Engagements demandés aux bénévoles", "les engagements demandés aux bénévoles"),
    "health_guidelines": ("Consignes sanitaires", "les consignes sanitaires"),
}
_MENTIONED = re.compile(r"indiqué par (\w+)")  # « … indiqué par department »: a content key
_QUOTES = re.compile(r",? entre guillemets(?=[ ,(]|$)")  # advice for YAML, not for a form


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def for_the_form(field: str, message: str) -> str:
    """The content check's ``message`` about a form ``field``, told for the form's reader."""
    label, noun = FORM_FIELDS.get(field, (field, field))
    message = _MENTIONED.sub(lambda m: f"indiqué au champ « {FORM_FIELDS.get(m.group(1), (m.group(1),))[0]} »", message)
    message = _QUOTES.sub("", message)
    if field == "structure_type" and message.startswith("doit être un type de structure admis"):
        # the schema lists the types' keys; the form shows their names
        return (
            "Choisissez le type de structure dans la liste : une entreprise privée n'est admise que si elle est"
            " agréée entreprise solidaire d'utilité sociale (ESUS)"
        )
    if field == "remote" and message != "champ obligatoire manquant":
        return "Choisissez si la mission se fait à distance : oui ou non"
    if message == "champ obligatoire manquant":
        return f"Indiquez {noun}"
    if message.startswith("champ obligatoire pour une mission sur place"):
        return f"Indiquez {noun} : la mission se fait sur place"
    if message.startswith(("doit ", "ne doit ")):
        verb = message.replace("doit", "doivent", 1) if noun.startswith("les ") else message
        return f"{_capital(noun)} {verb}"
    if message[:1].isupper():  # already a sentence for the reader (the address checker's)
        return message
    if field == "contact_name" and message.startswith("le nom "):
        return _capital(noun) + message.removeprefix("le nom")
    bare = re.sub(r"^(le |la |les |l'|votre )", "", noun)
    if message.lower().startswith((noun.lower(), bare.lower())):  # « la date de fin (…) est antérieure… »
        return _capital(message)
    return f"{label} : {message}"


def _in_form_order(errors: dict[str, str]) -> dict[str, str]:
    order = list(FORM_FIELDS)
    ranked = sorted(errors, key=lambda name: order.index(name) if name in order else len(order))
    return {name: for_the_form(name, errors[name]) for name in ranked}


@dataclass(frozen=True)
class Proposal:
    """The files a proposal becomes."""

    mission_id: str
    mission_yaml: str
    structure_slug: str
    structure_yaml: str | None  # None: an existing structure
    contact_email: str  # checked, with an ASCII domain: where the proposer's mails go

    def files(self) -> dict[str, str]:
        """Relative path in ``content/`` → text."""
        found = {f"missions/{self.mission_id}.yaml": self.mission_yaml}
        if self.structure_yaml is not None:
            found[f"structures/{self.structure_slug}.yaml"] = self.structure_yaml
        return found


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def _dump(header: str, data: dict) -> str:
    return header + yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


def _text(form: dict, name: str) -> str | None:
    value = form.get(name)
    if value is None:
        return None
    value = str(value).replace("\r\n", "\n").replace("\r", "\n").strip()
    return value or None


def _lines(form: dict, name: str) -> list[str]:
    value = _text(form, name) or ""
    return [line.strip(" -•\t") for line in value.split("\n") if line.strip(" -•\t")]


def _typed(value: str | None, kind):
    """Convert like YAML would; on failure keep the text so the schema names the problem."""
    if value is None:
        return None
    if kind is int:
        return int(value) if re.fullmatch(r"-?\d{1,9}", value) else value  # longer: a text the schema refuses
    if kind is bool:
        lowered = value.lower()
        return {"oui": True, "true": True, "on": True, "non": False, "false": False}.get(lowered, value)
    if kind is dt.date:
        try:
            return dt.date.fromisoformat(value) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else value
        except ValueError:
            return value
    return value


def _unique(base: str, taken, limit: int = 60) -> str:
    base = (base[:limit].rstrip("-")) or "mission"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _prune(data: dict) -> dict:
    return {k: v for k, v in data.items() if v not in (None, [], {})}


def build_proposal(form: dict, catalog: Catalog, today: dt.date) -> tuple[Proposal | None, dict[str, str]]:
    """Turn form fields into content files; return ``(proposal, {})`` or ``(None, {form field: message})``."""
    errors: dict[str, str] = {}
    existing = _text(form, "structure")
    if existing and existing not in catalog.structures:
        errors["structure"] = "choisissez-la dans la liste, ou « Non, elle est nouvelle »"
    contact = _prune(
        {
            "name": _text(form, "contact_name"),
            "email": _text(form, "contact_email"),
            "phone": _text(form, "contact_phone"),
        }
    )
    structure_data = None
    if existing:
        slug = existing
    else:
        name = _text(form, "structure_name") or ""
        slug = _unique(slugify(name) or "structure", catalog.structures)
        structure_data = _prune(
            {
                "name": _text(form, "structure_name"),
                "type": _text(form, "structure_type"),
                "description": _text(form, "structure_description"),
                "city": _text(form, "structure_city"),
                "postal_code": _text(form, "structure_postal_code"),
                "website": _text(form, "structure_website"),
                "siret": (_text(form, "structure_siret") or "").replace(" ", "") or None,
                "rna": _text(form, "structure_rna"),
                "contact": contact,
            }
        )
    remote = _typed(_text(form, "remote"), bool)
    mission_data = _prune(
        {
            "title": _text(form, "title"),
            "domain": _text(form, "domain"),
            "structure": slug,
            "summary": _text(form, "summary"),
            "description": _text(form, "description"),
            "remote": remote,
            "location": _prune(
                {
                    "address": _text(form, "address"),
                    "postal_code": _text(form, "postal_code"),
                    "city": _text(form, "city"),
                }
            ),
            "department": _text(form, "department"),
            "start": _typed(_text(form, "start"), dt.date),
            "end": _typed(_text(form, "end"), dt.date),
            "schedule": _text(form, "schedule"),
            "places": _typed(_text(form, "places"), int),
            "requirements": _lines(form, "requirements"),
            "health_guidelines": _lines(form, "health_guidelines"),
            "published": today,
        }
    )
    if remote is True and not _text(form, "address"):
        mission_data.pop("location", None)

    mission_id = _unique(slugify(_text(form, "title") or "") or "mission", catalog.missions)
    mission_yaml = _dump(MISSION_HEADER, mission_data)
    structure_yaml = _dump(STRUCTURE_HEADER, structure_data) if structure_data is not None else None

    # Check the files as `make check` would: parse the YAML we wrote, then schema and rules.
    problems = ProblemList()
    if structure_yaml is not None:
        parsed = load_yaml(structure_yaml)
        for _line, field_name, message in schema_problems("structure", parsed):
            errors.setdefault(STRUCTURE_FIELDS.get(field_name, "structure_" + field_name), message)
        rules.check_structure(parsed, "structure", problems)
    parsed = load_yaml(mission_yaml)
    for _line, field_name, message in schema_problems("mission", parsed):
        errors.setdefault(MISSION_FIELDS.get(field_name, field_name), message)
    structure_ids = set(catalog.structures) | {slug}
    rules.check_mission(parsed, "mission", problems, catalog.domains, structure_ids, today)
    for problem in problems.errors:
        table = STRUCTURE_FIELDS if problem.path == "structure" else MISSION_FIELDS
        default = ("structure_" + problem.field) if problem.path == "structure" else problem.field
        errors.setdefault(table.get(problem.field, default), problem.message)
    name = contact.get("name")
    if not name:  # the structure's file may already name its contact: the proposer names themself
        errors.setdefault("contact_name", "champ obligatoire manquant")
    elif fault := name_fault(name):
        errors.setdefault("contact_name", f"le nom {fault}")
    try:
        address = check_address(contact.get("email"))
    except InvalidAddress as problem:
        # the proposer's own address, whether the structure is new or not: mails go to it
        errors.setdefault("contact_email", str(problem))
    if errors:
        return None, _in_form_order(errors)
    return Proposal(mission_id, mission_yaml, slug, structure_yaml, address.ascii), {}
