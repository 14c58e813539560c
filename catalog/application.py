"""A volunteer's application: the rules, with one French message per field at fault."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from .emails import Address, InvalidAddress, check_address
from .geo import department_of_postal_code
from .models import Mission
from .text import name_fault, unseen

FIELDS = (
    "first_name", "last_name", "email", "phone", "birth_date", "postal_code", "message",
    "accept_requirements", "consent",
)  # fmt: skip
NAME_MAX = 100
MESSAGE_MAX = 2000
TRUE_VALUES = {"oui", "on", "true", "1", "yes"}


@dataclass(frozen=True)
class Application:
    """A checked application, ready to be stored."""

    first_name: str
    last_name: str
    email: str  # as typed, normalised (domain lower-cased, IDN allowed)
    email_ascii: str  # the same address with an ASCII domain, for SMTP
    phone: str | None
    birth_date: dt.date
    postal_code: str
    message: str | None
    accepted_requirements: bool

    @property
    def email_key(self) -> str:
        """Key for duplicates and erasure: one per mailbox."""
        return Address(self.email, self.email_ascii).key


def has_control(text: str, allow_newlines: bool = False) -> bool:
    """Whether ``text`` holds a control or invisible character (line breaks and tabs allowed when
    ``allow_newlines``)."""
    return any(unseen(c) for c in text if not (allow_newlines and c in "\n\t"))


def _text(data: dict, name: str) -> tuple[str | None, str | None]:
    """Return (value, error) for a one-line text field; ``None`` value when absent or empty."""
    value = data.get(name)
    if value is None:
        return None, None
    if not isinstance(value, str):
        return None, "doit être un texte"
    value = value.strip()
    return (value or None), None


def checkbox(data: dict, name: str) -> bool:
    value = data.get(name)
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() in TRUE_VALUES


def places_left(places: int, accepted: int, offered: int, complete: bool) -> int:
    """The places of a mission still free: none once its structure said it is complete; otherwise
    its places less its accepted volunteers and those offered a freed place, not answered yet.
    At none, new applications go to the waiting list (the mission is « full »)."""
    return 0 if complete else max(0, places - accepted - offered)


def age_on(birth: dt.date, day: dt.date) -> int:
    """Age in whole years on ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def check_name(data, name, label, errors) -> str | None:
    value, error = _text(data, name)
    if error:
        errors[name] = f"Le {label} {error}"
    elif value is None:
        errors[name] = f"Saisissez votre {label}"
    elif len(value) > NAME_MAX:
        errors[name] = f"Le {label} doit faire {NAME_MAX} caractères au plus"
    elif fault := name_fault(value):
        errors[name] = f"Le {label} {fault}"
    else:
        return unicodedata.normalize("NFC", value)
    return None


def check_email(data, errors) -> Address | None:
    try:
        return check_address(data.get("email"))
    except InvalidAddress as problem:
        errors["email"] = str(problem)
        return None


def _check_phone(data, errors) -> str | None:
    value, error = _text(data, "phone")
    if error:
        errors["phone"] = "Le téléphone doit être un texte"
        return None
    if value is None:
        return None
    digits = re.sub(r"\D", "", value)
    if (
        has_control(value)
        or not re.fullmatch(r"\+?[0-9 .()\-]{6,25}", value)
        or not (9 <= len(digits) <= 15)
        or (not value.startswith("+") and not digits.startswith("0"))
    ):
        errors["phone"] = "Saisissez un numéro de téléphone valide, par exemple 06 12 34 56 78 ou +33 6 12 34 56 78"
        return None
    return value


def iso_date(value) -> dt.date | None:
    """The date written ``value`` as year-month-day (``1985-04-27``), as a date field sends it, or ``None``."""
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:  # 2026-02-30
        return None


def check_birth_date(data, today: dt.date, errors, age_min: int, age_max: int, who: str) -> dt.date | None:
    """The posted ``birth_date`` of a person aged ``age_min`` to ``age_max`` on ``today``; else ``None`` and
    a message in ``errors`` (``who``: what is open to that range, « Cette mission est ouverte »)."""
    value, error = _text(data, "birth_date")
    if error or value is None:
        errors["birth_date"] = "Saisissez votre date de naissance, par exemple 1985-04-27"
        return None
    birth = iso_date(value)
    if birth is None:
        errors["birth_date"] = (
            "La date de naissance doit être une date réelle au format année-mois-jour, par exemple 1985-04-27"
        )
        return None
    if birth > today:
        errors["birth_date"] = "La date de naissance doit être dans le passé"
        return None
    age = age_on(birth, today)
    if age > 120:
        errors["birth_date"] = "Vérifiez l'année de votre date de naissance"
        return None
    if not age_min <= age <= age_max:
        errors["birth_date"] = (
            f"{who} aux personnes de {age_min} à {age_max} ans ; d'après votre date de naissance, vous avez {age} ans"
        )
        return None
    return birth


def check_postal_code(data, errors) -> str | None:
    value, error = _text(data, "postal_code")
    if error or value is None:
        errors["postal_code"] = "Saisissez votre code postal, par exemple 02000"
        return None
    value = value.replace(" ", "")
    if not re.fullmatch(r"[0-9]{5}", value) or department_of_postal_code(value) is None:
        errors["postal_code"] = "Saisissez un code postal français à 5 chiffres, par exemple 02000"
        return None
    return value


def _check_message(data, errors) -> str | None:
    value = data.get("message")
    if value is None:
        return None
    if not isinstance(value, str):
        errors["message"] = "Le message doit être un texte"
        return None
    value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(value) > MESSAGE_MAX:
        errors["message"] = (
            f"Le message doit faire {MESSAGE_MAX:,} caractères au plus (il en fait {len(value):,})".replace(
                ",", "\u202f"
            )
        )
        return None
    if has_control(value, allow_newlines=True):
        errors["message"] = "Le message contient des caractères non autorisés (caractères de contrôle ou invisibles)"
        return None
    return value or None


def validate_application(data: dict, mission: Mission, today: dt.date) -> tuple[Application | None, dict[str, str]]:
    """Check the posted fields; return ``(application, {})`` or ``(None, {field: message})``.

    Messages are in French and name the field; the order of ``errors`` follows the form.
    """
    errors: dict[str, str] = {}
    first_name = check_name(data, "first_name", "prénom", errors)
    last_name = check_name(data, "last_name", "nom", errors)
    email = check_email(data, errors)
    phone = _check_phone(data, errors)
    birth = check_birth_date(data, today, errors, mission.age_min, mission.age_max, "Cette mission est ouverte")
    postal_code = check_postal_code(data, errors)
    message = _check_message(data, errors)
    accepted = checkbox(data, "accept_requirements")
    if mission.requirements and not accepted:
        errors["accept_requirements"] = "Cochez cette case pour accepter les engagements de la mission"
    if not checkbox(data, "consent"):
        errors["consent"] = "Cochez cette case pour accepter la transmission de vos données à la structure"
    if errors:
        ordered = {name: errors[name] for name in FIELDS if name in errors}
        return None, ordered
    return (
        Application(
            first_name=first_name,
            last_name=last_name,
            email=email.normalized,
            email_ascii=email.ascii,
            phone=phone,
            birth_date=birth,
            postal_code=postal_code,
            message=message,
            accepted_requirements=accepted,
        ),
        {},
    )
