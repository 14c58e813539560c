"""The loaded catalog: defaults, statuses, public fields."""

import datetime as dt

from catalog import CLOSED, OPEN, PAST, load_catalog


def test_defaults_and_domain_ages(content_dir, today):
    catalog = load_catalog(content_dir, today=today)
    colis = catalog.missions["colis-laon"]
    assert (colis.age_min, colis.age_max) == (18, 70)
    garde = catalog.missions["garde-ajaccio"]
    assert (garde.age_min, garde.age_max) == (21, 65)  # the domain's default range
    appels = catalog.missions["appels-distance"]
    assert (appels.age_min, appels.age_max, appels.location, appels.city) == (16, 99, None, None)
    assert colis.start == dt.date(2026, 12, 7)
    assert colis.location.city == "Laon"
    assert colis.requirements == ("Je viens au moins une fois par semaine.",)


def test_health_guidelines_are_the_domains_then_the_missions(content_dir, today):
    catalog = load_catalog(content_dir, today=today)
    assert catalog.health_guidelines(catalog.missions["colis-laon"]) == (
        "Lavez-vous les mains en arrivant.",
        "Portez les gants fournis.",
    )


def test_statuses_and_open_missions(content_dir, today):
    catalog = load_catalog(content_dir, today=today)
    statuses = {m.id: m.status(today) for m in catalog.missions.values()}
    assert statuses == {
        "colis-laon": OPEN,
        "garde-ajaccio": OPEN,
        "appels-distance": OPEN,
        "maraude-close": CLOSED,
        "masques-passee": PAST,
    }
    opened = {m.id for m in catalog.missions.values() if m.is_open(today)}
    assert opened == {"appels-distance", "garde-ajaccio", "colis-laon"}
    # the last day of a mission is still open
    assert catalog.missions["masques-passee"].is_open(dt.date(2026, 10, 31))


def test_public_dict_has_no_private_contact(content_dir, today):
    catalog = load_catalog(content_dir, today=today)
    structure = catalog.structures["asso-test"]
    public = structure.public_dict()
    assert "contact" not in public
    assert "secret-contact@example.org" not in repr(public)
    assert "secret-contact@example.org" not in repr(structure)
    assert structure.contact.email == "secret-contact@example.org"
    assert structure.type_label == "Association (organisme sans but lucratif)"
