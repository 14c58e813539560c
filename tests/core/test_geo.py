"""Postal codes, departments and SIRET checksums."""

import pytest

from catalog.geo import department_of_postal_code, is_valid_siret


@pytest.mark.parametrize(
    ("postal_code", "department"),
    [
        ("02000", "02"),
        ("02100", "02"),
        ("75015", "75"),
        ("20000", "2A"),
        ("20167", "2A"),
        ("20200", "2B"),
        ("20600", "2B"),
        ("97400", "974"),
        ("97600", "976"),
        ("99000", None),
        ("00100", None),
        ("97500", None),
        ("2000", None),
        ("abcde", None),
    ],
)
def test_department_of_postal_code(postal_code, department):
    assert department_of_postal_code(postal_code) == department


@pytest.mark.parametrize(
    ("siret", "valid"),
    [
        ("73282932000074", True),  # a well-known valid SIRET
        ("73282932000075", False),
        ("35600000000048", True),  # La Poste, head office (Luhn)
        ("35600000049837", True),  # La Poste establishment: digit sum divisible by 5
        ("1234567890123", False),
        ("1234567890123a", False),
    ],
)
def test_siret_checksum(siret, valid):
    assert is_valid_siret(siret) is valid
