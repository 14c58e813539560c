"""E-mail addresses typed by people: one check, one normal form, one key per mailbox.

Every address the handler will write to (a volunteer's, a proposer's) goes
through :func:`check_address`; rate limits, duplicates and erasure count on
:func:`mailbox_key`, so that spellings of one mailbox (``EXAMPLE.org``,
full-width letters, ``。`` for the dot, Unicode or punycode domain) are one.
"""

from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from .text import unseen

ADDRESS_MAX = 254
EXAMPLE = "par exemple nom@exemple.fr"


class InvalidAddress(ValueError):
    """Not an address mail can be sent to; the message is French, for the form."""


@dataclass(frozen=True)
class Address:
    normalized: str  # as shown to people: Unicode domain, lower-cased
    ascii: str  # the same with an ASCII (IDNA) domain: what SMTP is given

    @property
    def key(self) -> str:
        """One key per mailbox (duplicates, rate limits, erasure)."""
        return self.ascii.lower()


def check_address(value: object) -> Address:
    """The address ``value`` checked (syntax, no DNS) and normalised; :class:`InvalidAddress` otherwise.

    A comma, a CR/LF or any control character is refused: the address goes
    into a ``To:`` header and the SMTP envelope as a single mailbox.
    """
    if not isinstance(value, str) or not value.strip():
        raise InvalidAddress(f"Saisissez votre adresse e-mail, {EXAMPLE}")
    value = value.strip()
    if len(value) > ADDRESS_MAX or any(unseen(c) for c in value):
        raise InvalidAddress(f"Saisissez une adresse e-mail valide, {EXAMPLE}")
    try:
        checked = validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        if "@" not in value:
            raise InvalidAddress(f"L'adresse e-mail doit contenir un @, {EXAMPLE}") from None
        if any(ord(c) > 127 for c in value.split("@", 1)[0]):
            raise InvalidAddress("La partie avant le @ ne doit pas contenir d'accent ni de caractère spécial") from None
        raise InvalidAddress(f"Saisissez une adresse e-mail valide, {EXAMPLE}") from None
    return Address(checked.normalized, f"{checked.local_part}@{checked.ascii_domain}")


def inbox_key(value: object) -> str:
    """The inbox ``value`` delivers to, for counting what is sent there: :func:`mailbox_key` without
    a sub-address (``jeanne+1@…`` and ``jeanne+2@…`` reach one inbox)."""
    return inbox_of(mailbox_key(value))


def inbox_of(key: str) -> str:
    """The inbox of a mailbox key (:attr:`Address.key`): the key without its sub-address."""
    local, at, domain = key.rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}" if at and local else key


def mailbox_key(value: object) -> str:
    """The key of the mailbox ``value`` names; for text that is no valid address, the text itself, lower-cased."""
    try:
        return check_address(value).key
    except InvalidAddress:
        return str(value).strip().lower()[:ADDRESS_MAX]
