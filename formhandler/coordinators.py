"""Who coordinates each department: the ``COORDINATORS`` setting, read.

One line, so that it fits an environment variable (``FLASK_COORDINATORS``): departments separated
by « ; », each followed by « = » and its addresses separated by commas::

    FLASK_COORDINATORS=02=a@exemple.fr,b@exemple.fr;60=c@exemple.fr

A department not listed is followed by ``COORDINATORS_EMAIL`` (a prefecture coordinating one
department sets only that one). The setting is checked at start (:func:`formhandler.settings.check`).
"""

from __future__ import annotations

from flask import current_app

from catalog.emails import InvalidAddress, check_address
from catalog.geo import DEPARTMENTS

from .mails import recipients_of

EXAMPLE = "02=a@exemple.fr,b@exemple.fr;60=c@exemple.fr"


def coordinators_by_department(setting: str) -> dict[str, list[str]]:
    """Department code -> its addresses (ASCII domains). ``ValueError`` (in French, for the operator)
    for an entry without addresses, a code that is not a department's, an address that is not one."""
    found: dict[str, list[str]] = {}
    for entry in setting.split(";"):
        if not entry.strip():
            continue
        code, equals, addresses = (part.strip() for part in entry.partition("="))
        code = code.upper()
        if not equals or not addresses.strip(", "):
            raise ValueError(f"« {entry.strip()} » doit être un département suivi de ses adresses ({EXAMPLE})")
        if code not in DEPARTMENTS:
            raise ValueError(f"« {code} » n'est pas un code de département (02, 2A, 971…)")
        if code in found:
            raise ValueError(f"le département {code} est donné deux fois")
        listed = []
        for part in addresses.split(","):
            if not part.strip():
                continue
            if "=" in part:  # « 02=a@x.fr,60=b@y.fr » is a valid address, and a mistake
                raise ValueError(f"« {part.strip()} » : séparez les départements par « ; » ({EXAMPLE})")
            try:
                listed.append(check_address(part).ascii)
            except InvalidAddress as problem:
                raise ValueError(f"« {part.strip()} » n'est pas une adresse e-mail ({problem})") from None
        found[code] = listed
    return found


def coordinators_of(department: str) -> list[str]:
    """The addresses told about ``department``: its own, or ``COORDINATORS_EMAIL``'s."""
    config = current_app.config
    listed = coordinators_by_department(config["COORDINATORS"] or "").get(department.upper())
    if listed:
        return listed
    return recipients_of(config["COORDINATORS_EMAIL"] or "")
