"""Volunteers waiting for a mission: their sign-up's rules, and which missions match whom.

A sign-up (``/etre-prevenu/``) says where and what a volunteer would do: departments (by default
the one of their postal code), domains (by default all), whether remote missions interest them, and
their birth date, so that they are only told of missions open to their age. The same field checks
as an application (:mod:`catalog.application`); the form handler stores and mails, this module only
decides.

Matching (:class:`Matcher`), as a volunteer expects it:

- an open mission of one of their domains, open to their age on the day of the run;
- on site: in one of their departments; remote: only if they asked for remote missions (wherever
  its structure is: a remote mission's department says nothing of where the volunteer lives).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from .application import age_on, check_birth_date, check_email, check_name, check_postal_code, checkbox
from .geo import DEPARTMENTS, department_name, department_of_postal_code
from .models import DEFAULT_AGE_MAX, DEFAULT_AGE_MIN, Catalog, Mission

FIELDS = ("email", "first_name", "birth_date", "postal_code", "departments", "domains", "remote", "consent")
DEPARTMENTS_MAX = 10  # more is « anywhere »: a list of ten departments already covers a region


@dataclass(frozen=True)
class Choices:
    """What a waiting volunteer wants to be told about."""

    departments: tuple[str, ...]
    domains: tuple[str, ...]
    remote: bool

    def as_dict(self) -> dict:
        return {"departments": list(self.departments), "domains": list(self.domains), "remote": self.remote}

    @classmethod
    def from_dict(cls, data: dict) -> Choices:
        return cls(tuple(data["departments"]), tuple(data["domains"]), bool(data["remote"]))


@dataclass(frozen=True)
class SignUp:
    """A checked sign-up, ready to be stored."""

    first_name: str
    email: str  # as typed, normalised
    email_ascii: str  # for SMTP
    email_key: str  # one per mailbox (as applications': erase finds both)
    birth_date: dt.date
    postal_code: str
    choices: Choices


def _as_list(value) -> list[str]:
    """A multiple field: a list (JSON, or a form's repeated field), or one text of values separated by commas."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, (list, tuple)):
        return [item.strip() for item in value if isinstance(item, str) and item.strip()]
    return [""]  # another type: refused as an unknown value


def age_range(catalog: Catalog, domains: Iterable[str]) -> tuple[int, int]:
    """The ages the missions of ``domains`` are open to, at the widest: those of the domains and their
    missions (18 to 70 unless they say otherwise)."""
    wanted = set(domains)
    lows, highs = [], []
    for slug in wanted:
        domain = catalog.domains.get(slug)
        if domain is not None:
            lows.append(domain.age_min)
            highs.append(domain.age_max)
    for mission in catalog.missions.values():
        if mission.domain in wanted:
            lows.append(mission.age_min)
            highs.append(mission.age_max)
    return min(lows, default=DEFAULT_AGE_MIN), max(highs, default=DEFAULT_AGE_MAX)


def check_choices(data: dict, catalog: Catalog, postal_code: str | None, errors: dict) -> Choices | None:
    """The posted departments, domains and remote choice (the defaults filled in), or ``None``."""
    departments = [code.upper() for code in _as_list(data.get("departments"))]
    unknown = [code for code in departments if code not in DEPARTMENTS]
    if unknown:
        errors["departments"] = "Choisissez des départements de la liste (par exemple 02 pour l'Aisne)"
    elif len(set(departments)) > DEPARTMENTS_MAX:
        errors["departments"] = f"Choisissez {DEPARTMENTS_MAX} départements au plus"
    elif not departments and postal_code:
        departments = [department_of_postal_code(postal_code)]
    domains = _as_list(data.get("domains"))
    if any(slug not in catalog.domains for slug in domains):
        errors["domains"] = "Choisissez des domaines de la liste"
    elif not domains:
        domains = list(catalog.domains)
    remote = checkbox(data, "remote")
    if errors.keys() & {"departments", "domains"} or not departments:
        return None
    ordered = tuple(slug for slug in catalog.domains if slug in domains)  # the site's order, once each
    return Choices(tuple(sorted(set(departments))), ordered, remote)


def validate_signup(data: dict, catalog: Catalog, today: dt.date) -> tuple[SignUp | None, dict[str, str]]:
    """Check a sign-up; ``(sign_up, {})`` or ``(None, {field: message})``, in the order of the form."""
    errors: dict[str, str] = {}
    email = check_email(data, errors)
    first_name = check_name(data, "first_name", "prénom", errors)
    postal_code = check_postal_code(data, errors)
    choices = check_choices(data, catalog, postal_code, errors)
    low, high = age_range(catalog, choices.domains if choices else catalog.domains)
    birth = check_birth_date(data, today, errors, low, high, "Les missions de la réserve civique sont ouvertes")
    if not checkbox(data, "consent"):
        errors["consent"] = "Cochez cette case pour accepter que nous gardions ces informations pour vous écrire"
    if errors:
        return None, {name: errors[name] for name in FIELDS if name in errors}
    return SignUp(first_name, email.normalized, email.ascii, email.key, birth, postal_code, choices), {}


def check_new_choices(data: dict, catalog: Catalog, postal_code: str) -> tuple[Choices | None, dict[str, str]]:
    """The choices posted on the « change my choices » page (the address and the person stay)."""
    errors: dict[str, str] = {}
    choices = check_choices(data, catalog, postal_code, errors)
    return (None, errors) if errors else (choices, {})


class Matcher:
    """The open missions of one day, indexed for matching many volunteers quickly."""

    def __init__(self, missions: Iterable[Mission], today: dt.date):
        self.today = today
        self.on_site: dict[tuple[str, str], list[Mission]] = defaultdict(list)  # (domain, department) -> missions
        self.remote: dict[str, list[Mission]] = defaultdict(list)  # domain -> missions
        for mission in missions:  # matching() sorts what it finds
            if not mission.is_open(today):
                continue
            if mission.remote:
                self.remote[mission.domain].append(mission)
            else:
                self.on_site[(mission.domain, mission.department)].append(mission)

    def matching(self, choices: Choices, birth_date: dt.date) -> list[Mission]:
        """The open missions for a volunteer with these choices, born that day: soonest first."""
        age = age_on(birth_date, self.today)
        found = []
        for domain in choices.domains:
            for department in choices.departments:
                found += self.on_site.get((domain, department), ())
            if choices.remote:
                found += self.remote.get(domain, ())
        found = [m for m in found if m.age_min <= age <= m.age_max]
        return sorted(found, key=lambda m: (m.start, m.title, m.id))


def form_model(catalog: Catalog, *, values: dict | None = None, errors: dict | None = None, choices_only=False) -> dict:
    """What the sign-up form (``theme/templates/_alert_form.html``) offers and shows: the domains, the
    departments that have missions, the values and errors of a form sent back; ``choices_only`` for
    the page that changes a subscription's choices."""
    chosen = (values or {}).get("departments") or []
    codes = sorted({m.department for m in catalog.missions.values()} | {c for c in chosen if c in DEPARTMENTS})
    return {
        "domains": [(d.slug, d.label) for d in catalog.domains.values()],
        "departments": [(code, department_name(code)) for code in codes],
        "values": values or {},
        "errors": errors or {},
        "choices_only": choices_only,
    }
