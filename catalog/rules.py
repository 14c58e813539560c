"""Rules beyond the JSON Schema: references, consistency, checksums, moderation hints.

Each function receives data already checked against its schema and only
checks values whose type is right (a wrong type was reported by the schema).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata

from .geo import DEPARTMENTS, department_name, department_of_postal_code, is_valid_siret
from .models import DEFAULT_AGE_MAX, DEFAULT_AGE_MIN, Domain
from .problems import ProblemList
from .text import line_fault, name_fault, raw_html

MANY_PLACES = 70
# The prefect's circular on the réserve civique: volunteers from 18 to 70 years old (the defaults).
CIRCULAR_AGES = (DEFAULT_AGE_MIN, DEFAULT_AGE_MAX)
# How much of commitments and health guidelines (the domain's and the mission's) surely fits on the
# printed A4 sheet beside a description cut at ten lines: characters, plus PRINTED_ITEM for each item
# (its bullet, and the end of its last line). Measured in Chromium, two columns of lists: 1,800 already
# overflowed with items of 70 to 100 characters (two lines each), 1,958 fitted with others; a warning
# from 1,500 leaves room for what the estimate does not see.
PRINTED_LISTS = 1500
PRINTED_ITEM = 40
TITLE_START = re.compile(r"^J(e\b|['’])")


def _is_str(value) -> bool:
    return isinstance(value, str)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _suggest(value: str, choices) -> str:
    close = difflib.get_close_matches(value, sorted(choices), n=1, cutoff=0.6)
    return f" ; vouliez-vous dire « {close[0]} » ?" if close else ""


def _check_postal_code(value, path: str, line: int, field_name: str, problems: ProblemList) -> str | None:
    """Report a postal code that is not French; return its department."""
    if not _is_str(value) or not value.isdigit() or len(value) != 5:
        return None
    department = department_of_postal_code(value)
    if department is None:
        problems.add(path, line, field_name, f"code postal inconnu en France (reçu « {value} »)")
    return department


def _one_line(data: dict, field: str, path: str, problems: ProblemList) -> None:
    value = data.get(field)
    if _is_str(value) and (fault := line_fault(value)):
        problems.add(path, data.line_of(field), field, fault)


def check_structure(data: dict, path: str, problems: ProblemList) -> None:
    """Rules for one structure file: SIRET checksum, French postal code, contact name and e-mail."""
    _one_line(data, "name", path, problems)
    siret = data.get("siret")
    if _is_str(siret) and siret.isdigit() and len(siret) == 14 and not is_valid_siret(siret):
        problems.add(
            path,
            data.line_of("siret"),
            "siret",
            f"numéro SIRET invalide : la clé de contrôle ne correspond pas (reçu « {siret} »)",
        )
    _check_postal_code(data.get("postal_code"), path, data.line_of("postal_code"), "postal_code", problems)
    contact = data.get("contact")
    if isinstance(contact, dict) and _is_str(contact.get("name")) and (fault := name_fault(contact["name"].strip())):
        problems.add(path, contact.line_of("name"), "contact.name", f"le nom {fault}")
    if isinstance(contact, dict) and _is_str(contact.get("email")):
        from .emails import InvalidAddress, check_address  # only for a structure read again

        try:
            check_address(contact["email"])  # the address applications are mailed to: one rule for all
        except InvalidAddress:
            problems.add(
                path,
                contact.line_of("email"),
                "contact.email",
                f"adresse e-mail invalide (reçu « {contact['email']} »)",
            )


_NOT_WORD = re.compile(r"[^\w\s]|_")


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    return " ".join(_NOT_WORD.sub("", text).split())


def check_mission(
    data: dict,
    path: str,
    problems: ProblemList,
    domains: dict[str, Domain],
    structure_ids: set[str],
    today: dt.date,
) -> None:
    """Rules for one mission file: references, place, department, dates, ages, hints."""
    _one_line(data, "title", path, problems)
    domain = None
    value = data.get("domain")
    if _is_str(value):
        domain = domains.get(value)
        if domain is None:
            problems.add(
                path, data.line_of("domain"), "domain", f"domaine inconnu « {value} »{_suggest(value, domains)}"
            )
    value = data.get("structure")
    if _is_str(value) and value not in structure_ids:
        problems.add(
            path,
            data.line_of("structure"),
            "structure",
            f"structure inconnue « {value} » : aucun fichier content/structures/{value}.yaml{_suggest(value, structure_ids)}",
        )

    _check_description(data, path, problems)
    _check_place(data, path, problems)
    _check_dates(data, path, problems)
    _check_ages(data, path, problems, domain)
    _check_placeholders(data, path, problems)
    _hints(data, path, problems, today)
    _hint_printed_sheet(data, path, problems, domain)


def _check_description(data: dict, path: str, problems: ProblemList) -> None:
    text = data.get("description")
    tag = raw_html(text) if _is_str(text) else None
    if tag is not None:
        problems.add(
            path,
            data.line_of("description"),
            "description",
            f"le HTML n'est pas accepté (« {tag} ») : écrivez en Markdown — une ligne vide entre deux paragraphes,"
            " **gras**, *italique*, [texte du lien](https://…)",
        )


def _check_place(data: dict, path: str, problems: ProblemList) -> None:
    location = data.get("location")
    if data.get("remote") is False and "location" not in data:
        problems.add(
            path, data.line_of("remote"), "location", "champ obligatoire pour une mission sur place (remote: false)"
        )
    department = data.get("department")
    known = _is_str(department) and department in DEPARTMENTS
    if _is_str(department) and not known and re.fullmatch(r"[0-9]{2}|2[AB]|97[1-6]", department):
        problems.add(path, data.line_of("department"), "department", f"département inconnu (reçu « {department} »)")
    if isinstance(location, dict):
        code = location.get("postal_code")
        line = location.line_of("postal_code")
        found = _check_postal_code(code, path, line, "location.postal_code", problems)
        if found and known and found != department:
            problems.add(
                path,
                line,
                "location.postal_code",
                f"le code postal {code} est dans le département {found} ({department_name(found)}), "
                f"pas dans le département {department} indiqué par department",
            )


def _check_dates(data: dict, path: str, problems: ProblemList) -> None:
    start, end = data.get("start"), data.get("end")
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
        problems.add(
            path,
            data.line_of("end"),
            "end",
            f"la date de fin ({end.isoformat()}) est antérieure à la date de début ({start.isoformat()})",
        )


def _check_ages(data: dict, path: str, problems: ProblemList, domain: Domain | None) -> None:
    low, high = data.get("age_min"), data.get("age_max")
    if not (low is None or _is_int(low)) or not (high is None or _is_int(high)):
        return
    default_low = domain.age_min if domain else DEFAULT_AGE_MIN
    default_high = domain.age_max if domain else DEFAULT_AGE_MAX
    eff_low = default_low if low is None else low
    eff_high = default_high if high is None else high
    if eff_low > eff_high:
        key = "age_min" if low is not None else "age_max"
        suffix = "" if (low is not None and high is not None) else " (valeur par défaut du domaine pour l'autre borne)"
        problems.add(
            path, data.line_of(key), key, f"l'âge minimal ({eff_low}) dépasse l'âge maximal ({eff_high}){suffix}"
        )
        return
    _hint_circular_ages(data, path, problems, domain, eff_low, eff_high)


def _hint_circular_ages(data: dict, path: str, problems: ProblemList, domain: Domain | None, low: int, high: int):
    """A moderation warning when the ages go beyond the circular's: on the first bound outside it
    that the file sets, or on its domain line when both come from the domain's defaults."""
    lowest, highest = CIRCULAR_AGES
    outside = [key for key, out in (("age_min", low < lowest), ("age_max", high > highest)) if out]
    if not outside:
        return
    own = [key for key in outside if key in data]
    where = ""
    if own:
        field, line = own[0], data.line_of(own[0])
    else:
        field, line = "domain", data.line_of("domain")
        where = f" (âge par défaut du domaine « {domain.label} »)" if domain else ""
    problems.warn(
        path,
        line,
        field,
        f"âges de {low} à {high} ans{where}, hors des {lowest} à {highest} ans de la circulaire du préfet sur la"
        " réserve civique : vérifiez que la structure les a demandés et que la mission s'y prête",
    )


# What `make new-mission`'s template leaves to fill in (catalog/templates/mission.yaml): published
# as it was, a town named « À compléter » appeared in /communes/.
PLACEHOLDER = re.compile(r"\b[àa] compl[ée]ter\b", re.IGNORECASE)
PLACEHOLDER_TITLES = {"Je …", "Je ...", "Je"}


def _texts(data: dict, prefix: str = ""):
    """Every text of a mission file: (field, text, line), nested fields and list items included."""
    for key, value in data.items():
        field = f"{prefix}{key}"
        if _is_str(value):
            yield field, value, data.line_of(key)
        elif isinstance(value, dict):
            yield from _texts(value, f"{field}.")
        elif isinstance(value, list):
            yield from ((field, item, data.line_of(key)) for item in value if _is_str(item))


def _check_placeholders(data: dict, path: str, problems: ProblemList) -> None:
    for field, text, line in _texts(data):
        if PLACEHOLDER.search(text) or (field == "title" and text.strip() in PLACEHOLDER_TITLES):
            problems.add(path, line, field, f"texte du modèle à remplacer avant publication (« {text.strip()[:60]} »)")


def printed_lists_size(items: list[str]) -> int:
    """The room commitments and guidelines take on the printed sheet (see ``PRINTED_LISTS``)."""
    return sum(len(item) + PRINTED_ITEM for item in items)


def _hint_printed_sheet(data: dict, path: str, problems: ProblemList, domain: Domain | None) -> None:
    """A warning when the commitments and guidelines would push the printed mission past one A4 sheet."""
    lists = [data.get(key) for key in ("requirements", "health_guidelines")]
    own = [item for items in lists if isinstance(items, list) for item in items if _is_str(item)]
    total = printed_lists_size([*own, *(domain.health_guidelines if domain else ())])
    if total > PRINTED_LISTS and own:
        key = "requirements" if data.get("requirements") else "health_guidelines"
        problems.warn(
            path,
            data.line_of(key),
            key,
            "engagements et consignes sanitaires (celles du domaine comprises) trop longs pour la mission imprimée "
            f"sur une page A4 (panneau d'affichage) : {total} pour {PRINTED_LISTS} au plus (les caractères, et "
            f"{PRINTED_ITEM} par élément de liste) : raccourcissez-les ou regroupez-les",
        )


def _hints(data: dict, path: str, problems: ProblemList, today: dt.date) -> None:
    """Moderation hints: printed as warnings, they never fail the check."""
    title, summary = data.get("title"), data.get("summary")
    if _is_str(title) and not TITLE_START.match(title.strip()):
        problems.warn(
            path,
            data.line_of("title"),
            "title",
            "le titre devrait commencer par « Je » ou « J' » (par ex. « Je distribue des colis alimentaires »)",
        )
    places = data.get("places")
    if _is_int(places) and places > MANY_PLACES:
        problems.warn(
            path, data.line_of("places"), "places", f"{places} places : vérifiez ce nombre (plus de {MANY_PLACES})"
        )
    end = data.get("end")
    if isinstance(end, dt.date) and end < today and not data.get("closed"):
        problems.warn(
            path,
            data.line_of("end"),
            "end",
            f"la date de fin ({end.isoformat()}) est passée : la mission n'apparaît plus dans les listes",
        )
    if _is_str(title) and _is_str(summary):
        t, s = _normalise(title), _normalise(summary)
        if t and (s == t or s.startswith(t)):
            problems.warn(
                path,
                data.line_of("summary"),
                "summary",
                "le résumé répète le titre : dites plutôt ce que fera le bénévole",
            )
