"""Where the project and the test content are, the tests' fixed day, and a valid application."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
TODAY = dt.date(2026, 11, 29)
ARTIFACTS = ROOT / "test-artifacts"  # what the browser tests leave to look at: screenshots
SITE = "http://site.test"  # the site's origin, as the handler under test knows it

VALID = {
    "first_name": "Jeanne",
    "last_name": "Dupré",
    "email": "jeanne.dupre@exemple.fr",
    "phone": "06 12 34 56 78",
    "birth_date": "1990-05-17",
    "postal_code": "02000",
    "message": "Disponible le mardi.",
    "accept_requirements": "oui",
    "consent": "oui",
}
