"""Every rule of an application: one row per bad input and its French message."""

import dataclasses
import datetime as dt
import unicodedata

import pytest

from catalog.application import age_on, validate_application
from catalog.models import Mission
from tests.helpers import TODAY, VALID

MISSION = Mission(
    id="m", title="Je teste", domain="d", structure="s", summary="s", description="d", remote=True,
    department="02", start=dt.date(2026, 12, 1), places=3, age_min=18, age_max=70,
    requirements=("Je m'engage.",),
)  # fmt: skip


def errors_for(**changes):
    data = {**VALID, **changes}
    data = {k: v for k, v in data.items() if v is not ...}
    _application, errors = validate_application(data, MISSION, TODAY)
    return errors


ROWS = [
    # (changed fields, field at fault, message)
    ({"first_name": ...}, "first_name", "Saisissez votre prénom"),
    ({"first_name": "   "}, "first_name", "Saisissez votre prénom"),
    (
        {"first_name": "Jeanne\r\nBcc: pirate@example.com"},
        "first_name",
        "Le prénom contient des caractères non autorisés (retour à la ligne, caractère invisible…)",
    ),
    (
        {"first_name": "Jeanne\nX"},
        "first_name",
        "Le prénom contient des caractères non autorisés (retour à la ligne, caractère invisible…)",
    ),
    (
        {"first_name": "Jea\x00nne"},
        "first_name",
        "Le prénom contient des caractères non autorisés (retour à la ligne, caractère invisible…)",
    ),
    (
        {"first_name": "Jeanne\u202e"},
        "first_name",
        "Le prénom contient des caractères non autorisés (retour à la ligne, caractère invisible…)",
    ),
    ({"first_name": "J" * 101}, "first_name", "Le prénom doit faire 100 caractères au plus"),
    ({"first_name": "1234"}, "first_name", "Le prénom doit contenir au moins une lettre"),
    ({"first_name": 42}, "first_name", "Le prénom doit être un texte"),
    ({"last_name": ...}, "last_name", "Saisissez votre nom"),
    (
        {"last_name": "Dupré\rX"},
        "last_name",
        "Le nom contient des caractères non autorisés (retour à la ligne, caractère invisible…)",
    ),
    ({"email": ...}, "email", "Saisissez votre adresse e-mail, par exemple nom@exemple.fr"),
    ({"email": "jeanne"}, "email", "L'adresse e-mail doit contenir un @, par exemple nom@exemple.fr"),
    ({"email": "jeanne@"}, "email", "Saisissez une adresse e-mail valide, par exemple nom@exemple.fr"),
    ({"email": "jeanne@exemple"}, "email", "Saisissez une adresse e-mail valide, par exemple nom@exemple.fr"),
    (
        {"email": "jeanne@exemple.fr\r\nBcc: x@y.z"},
        "email",
        "Saisissez une adresse e-mail valide, par exemple nom@exemple.fr",
    ),
    (
        {"email": "jéanne@exemple.fr"},
        "email",
        "La partie avant le @ ne doit pas contenir d'accent ni de caractère spécial",
    ),
    ({"email": ["a@b.fr"]}, "email", "Saisissez votre adresse e-mail, par exemple nom@exemple.fr"),
    (
        {"phone": "12"},
        "phone",
        "Saisissez un numéro de téléphone valide, par exemple 06 12 34 56 78 ou +33 6 12 34 56 78",
    ),
    (
        {"phone": "06 12 34 56 78\r\nX"},
        "phone",
        "Saisissez un numéro de téléphone valide, par exemple 06 12 34 56 78 ou +33 6 12 34 56 78",
    ),
    (
        {"phone": "appelez-moi"},
        "phone",
        "Saisissez un numéro de téléphone valide, par exemple 06 12 34 56 78 ou +33 6 12 34 56 78",
    ),
    ({"birth_date": ...}, "birth_date", "Saisissez votre date de naissance, par exemple 1985-04-27"),
    (
        {"birth_date": "17/05/1990"},
        "birth_date",
        "La date de naissance doit être une date réelle au format année-mois-jour, par exemple 1985-04-27",
    ),
    (
        {"birth_date": "1990-02-30"},
        "birth_date",
        "La date de naissance doit être une date réelle au format année-mois-jour, par exemple 1985-04-27",
    ),
    ({"birth_date": "2030-01-01"}, "birth_date", "La date de naissance doit être dans le passé"),
    ({"birth_date": "1850-01-01"}, "birth_date", "Vérifiez l'année de votre date de naissance"),
    (
        {"birth_date": "2008-11-30"},
        "birth_date",
        "Cette mission est ouverte aux personnes de 18 à 70 ans ; d'après votre date de naissance, vous avez 17 ans",
    ),
    (
        {"birth_date": "1955-11-28"},
        "birth_date",
        "Cette mission est ouverte aux personnes de 18 à 70 ans ; d'après votre date de naissance, vous avez 71 ans",
    ),
    ({"postal_code": ...}, "postal_code", "Saisissez votre code postal, par exemple 02000"),
    ({"postal_code": "2000"}, "postal_code", "Saisissez un code postal français à 5 chiffres, par exemple 02000"),
    ({"postal_code": "99000"}, "postal_code", "Saisissez un code postal français à 5 chiffres, par exemple 02000"),
    ({"message": "x" * 2001}, "message", "Le message doit faire 2\u202f000 caractères au plus (il en fait 2\u202f001)"),
    (
        {"message": "Bonjour\x07"},
        "message",
        "Le message contient des caractères non autorisés (caractères de contrôle ou invisibles)",
    ),
    ({"message": {"a": 1}}, "message", "Le message doit être un texte"),
    (
        {"accept_requirements": ...},
        "accept_requirements",
        "Cochez cette case pour accepter les engagements de la mission",
    ),
    ({"consent": ...}, "consent", "Cochez cette case pour accepter la transmission de vos données à la structure"),
    ({"consent": "non"}, "consent", "Cochez cette case pour accepter la transmission de vos données à la structure"),
]


@pytest.mark.parametrize(("changes", "field", "message"), ROWS)
def test_each_rule(changes, field, message):
    assert errors_for(**changes) == {field: message}


# Characters that show as nothing (Unicode's Default_Ignorable_Code_Point), some of them letters
# (the Hangul fillers are "Lo"): a name made of them passed as "at least one letter".
INVISIBLE = {
    "U+3164 HANGUL FILLER": "\u3164",
    "U+115F HANGUL CHOSEONG FILLER": "\u115f",
    "U+1160 HANGUL JUNGSEONG FILLER": "\u1160",
    "U+FFA0 HALFWIDTH HANGUL FILLER": "\uffa0",
    "U+00AD SOFT HYPHEN": "\u00ad",
    "U+E0001 LANGUAGE TAG": "\U000e0001",
    "U+E0020 TAG SPACE": "\U000e0020",
    "U+E0041 TAG LATIN CAPITAL LETTER A": "\U000e0041",
    "U+E007F CANCEL TAG": "\U000e007f",
    "U+034F COMBINING GRAPHEME JOINER": "\u034f",
    "U+FE00 VARIATION SELECTOR-1": "\ufe00",
    "U+FE0F VARIATION SELECTOR-16": "\ufe0f",
    "U+E0100 VARIATION SELECTOR-17": "\U000e0100",
    "U+180B MONGOLIAN FREE VARIATION SELECTOR ONE": "\u180b",
    "U+17B4 KHMER VOWEL INHERENT AQ": "\u17b4",
}


@pytest.mark.parametrize("char", INVISIBLE.values(), ids=INVISIBLE.keys())
@pytest.mark.parametrize(
    "shape", ["{c}", "{c}{c}{c}", " {c} ", "{c} {c}", "\u3000{c}\u00a0{c}", "Jeanne{c}", "Je{c}anne"]
)
def test_a_name_with_an_invisible_character_is_refused(char, shape):
    name = shape.format(c=char)
    assert errors_for(first_name=name, last_name=name) == {
        "first_name": "Le prénom contient des caractères non autorisés (retour à la ligne, caractère invisible…)",
        "last_name": "Le nom contient des caractères non autorisés (retour à la ligne, caractère invisible…)",
    }


@pytest.mark.parametrize(
    "name",
    [
        "Zoë",
        "N'Diaye",
        "N’Diaye",
        "Jean-Édouard",
        "王芳",
        "Ольга",
        "김민준",
        "فاطمة",
        "अनन्या",
        "Nguyễn Thị",
        "Jose\u0301",
    ],
)
def test_real_names_are_accepted(name):
    application, errors = validate_application({**VALID, "first_name": name, "last_name": name}, MISSION, TODAY)
    assert errors == {}
    assert application.first_name == application.last_name == unicodedata.normalize("NFC", name)


def test_valid_application_is_cleaned():
    application, errors = validate_application(
        {
            **VALID,
            "first_name": "  Jeanne ",
            "email": "Jeanne@Exemple.FR",
            "message": "a\r\nb",
            "postal_code": "02 000",
        },
        MISSION,
        TODAY,
    )
    assert errors == {}
    assert application.first_name == "Jeanne"
    assert application.email == "Jeanne@exemple.fr"
    assert application.email_key == "jeanne@exemple.fr"
    assert application.message == "a\nb"
    assert application.postal_code == "02000"


@pytest.mark.parametrize(
    ("birth", "age"),
    [("2008-11-29", 18), ("2008-11-30", 17), ("1956-11-29", 70), ("1955-11-30", 70), ("1955-11-29", 71)],
)
def test_age_on_the_day_of_the_application(birth, age):
    assert age_on(dt.date.fromisoformat(birth), TODAY) == age


def test_message_and_phone_are_optional_and_requirements_only_when_listed():
    data = {k: v for k, v in VALID.items() if k not in ("message", "phone", "accept_requirements")}
    application, errors = validate_application(data, dataclasses.replace(MISSION, requirements=()), TODAY)
    assert errors == {}
    assert application.phone is None and application.message is None
